// The ConfigError `fn` throws, for assertions on its variable and problems.
import { expect } from 'chai';
import { ConfigError } from '../../config/config.js';

export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    if (err instanceof ConfigError) return err;
  }
  throw new Error('expected a ConfigError');
}
