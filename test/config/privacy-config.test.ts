// The data key and the caller-number retention, validated when the configuration loads.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config/config.js';

describe('config: data key and retention', () => {
  it('defaults: no data key (derived from the PIN secret), caller numbers kept 730 days', () => {
    const cfg = loadConfig({});
    expect(cfg.dataKey).to.equal('');
    expect(cfg.callerRetentionDays).to.equal(730);
  });

  it('takes TOLLBRIDGE_DATA_KEY or the first line of TOLLBRIDGE_DATA_KEY_FILE, at least 32 characters, not both', () => {
    const key = 'k'.repeat(32);
    expect(loadConfig({ TOLLBRIDGE_DATA_KEY: key }).dataKey).to.equal(key);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-key-'));
    try {
      const file = path.join(dir, 'data.key');
      fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
      expect(loadConfig({ TOLLBRIDGE_DATA_KEY_FILE: file }).dataKey).to.equal(key);
      expect(() => loadConfig({ TOLLBRIDGE_DATA_KEY_FILE: file, TOLLBRIDGE_DATA_KEY: key })).to.throw(ConfigError, /not both/);
      expect(() => loadConfig({ TOLLBRIDGE_DATA_KEY_FILE: path.join(dir, 'missing') })).to.throw(ConfigError, /cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadConfig({ TOLLBRIDGE_DATA_KEY: 'short' })).to.throw(ConfigError, /at least 32/);
  });

  it('refuses a retention that is not 1 to 36500 whole days', () => {
    expect(loadConfig({ TOLLBRIDGE_CALLER_RETENTION_DAYS: '30' }).callerRetentionDays).to.equal(30);
    for (const bad of ['0', '-1', '1.5', 'two', '40000']) expect(() => loadConfig({ TOLLBRIDGE_CALLER_RETENTION_DAYS: bad })).to.throw(ConfigError, /TOLLBRIDGE_CALLER_RETENTION_DAYS/);
  });
});
