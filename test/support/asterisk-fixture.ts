// One private Asterisk for the whole test run, on its own ports and instance name so it can
// run beside `npm start`. Started lazily by the first test file that needs it. The
// TOLLBRIDGE_TEST_* variables move it (instance, ports, RTP range, app) so that two checkouts
// can run their suites on one machine at once.
import { loadConfig, type AsteriskConfig } from '../../config/config.js';
import { LocalAsterisk } from '../../asterisk/local-asterisk.js';

let shared: Promise<LocalAsterisk> | undefined;

/** Where the test Asterisk's callback trunk sends calls: the SIPp phone of the callback tests listens here. */
export const TEST_CALLBACK_PORT = Number(process.env.TOLLBRIDGE_TEST_CALLBACK_PORT ?? '15090');

export function testAsteriskConfig(): AsteriskConfig {
  const base = loadConfig({
    ...process.env,
    TOLLBRIDGE_ASTERISK_INSTANCE: process.env.TOLLBRIDGE_TEST_INSTANCE ?? 'test',
    TOLLBRIDGE_SIP_PORT: process.env.TOLLBRIDGE_TEST_SIP_PORT ?? '15060',
    TOLLBRIDGE_ARI_PORT: process.env.TOLLBRIDGE_TEST_ARI_PORT ?? '18088',
    TOLLBRIDGE_AMI_PORT: process.env.TOLLBRIDGE_TEST_AMI_PORT ?? '15038',
    TOLLBRIDGE_RTP_START: process.env.TOLLBRIDGE_TEST_RTP_START ?? '30000',
    TOLLBRIDGE_RTP_END: process.env.TOLLBRIDGE_TEST_RTP_END ?? '34999',
    TOLLBRIDGE_ARI_APP: process.env.TOLLBRIDGE_TEST_ARI_APP ?? 'tollbridge-test',
    TOLLBRIDGE_CALLBACK_TRUNK: `127.0.0.1:${TEST_CALLBACK_PORT}`,
  });
  return base.asterisk;
}

export function sharedAsterisk(): Promise<LocalAsterisk> {
  shared ??= (async () => {
    const asterisk = new LocalAsterisk(testAsteriskConfig());
    await asterisk.start();
    return asterisk;
  })();
  return shared;
}

export async function stopSharedAsterisk(): Promise<void> {
  if (shared === undefined) return;
  const asterisk = await shared.catch(() => undefined);
  shared = undefined;
  await asterisk?.stop();
}
