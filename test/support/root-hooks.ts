// Mocha root hooks: shared fixtures that outlive one test file (the test Asterisk) are
// stopped here once the whole run is over.
import { stopSharedAsterisk } from './asterisk-fixture.js';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedAsterisk();
  },
};
