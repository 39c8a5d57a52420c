// The data key that encrypts personal fields at rest (db/field-cipher.ts) comes from the
// configuration; this one is public and only for tests and benchmarks.

/**
 * The data key of tests and benchmarks (openDatabase with a bare `pinSecret`): public, so the
 * configuration refuses it outside TOLLBRIDGE_DEV_MODE.
 */
export const PUBLIC_TEST_DATA_KEY = 'tollbridge-public-test-data-key-never-in-production';
