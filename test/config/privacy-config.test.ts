// The data key and the caller-number retention, validated when the configuration loads. The
// data key is one of the installation's generated secrets (config/secrets-file.ts) unless the
// operator sets TOLLBRIDGE_DATA_KEY or TOLLBRIDGE_DATA_KEY_FILE.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config/config.js';
import { PUBLIC_TEST_DATA_KEY } from '../../config/data-key.js';

describe('config: data key and retention', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-key-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('defaults: the data key generated into the secrets file (32 random bytes, one per installation), caller numbers kept 730 days', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    const file = JSON.parse(fs.readFileSync(cfg.secretsFile, 'utf8')) as { dataKey: string };
    expect(cfg.dataKey).to.equal(file.dataKey);
    expect(Buffer.from(cfg.dataKey, 'base64url')).to.have.length(32);
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: dir }).dataKey, 'the same on every load').to.equal(cfg.dataKey);
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: fs.mkdtempSync(path.join(dir, 'other-')) }).dataKey).to.not.equal(cfg.dataKey);
    expect(cfg.callerRetentionDays).to.equal(730);
  });

  it('conference recordings: kept in <data dir>/recordings for 30 days by default; both settable; a bad retention is refused naming the variable', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    expect([cfg.recordingsDir, cfg.recordingRetentionDays]).to.deep.equal([path.join(dir, 'recordings'), 30]);
    const set = loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_RECORDINGS_DIR: path.join(dir, 'rec'), TOLLBRIDGE_RECORDING_RETENTION_DAYS: '7' });
    expect([set.recordingsDir, set.recordingRetentionDays]).to.deep.equal([path.join(dir, 'rec'), 7]);
    for (const bad of ['0', 'a week', '-1', '36501']) {
      expect(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_RECORDING_RETENTION_DAYS: bad }), bad).to.throw(ConfigError, 'TOLLBRIDGE_RECORDING_RETENTION_DAYS');
    }
  });

  it('a secrets file from before data keys gets one, once, and keeps its other secrets', () => {
    const first = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    const { dataKey: _key, ...old } = JSON.parse(fs.readFileSync(first.secretsFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(first.secretsFile, JSON.stringify(old), { mode: 0o600 });
    const upgraded = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    expect(upgraded.dataKey).to.have.length.of.at.least(32).and.not.equal(first.dataKey);
    expect(upgraded.asterisk.ariPassword).to.equal(first.asterisk.ariPassword);
    expect(upgraded.pinKeys.current()).to.deep.equal(first.pinKeys.current());
    expect(fs.statSync(first.secretsFile).mode & 0o777).to.equal(0o600);
    expect(fs.existsSync(`${first.secretsFile}.lock`)).to.equal(false);
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: dir }).dataKey).to.equal(upgraded.dataKey);
  });

  it('takes TOLLBRIDGE_DATA_KEY or the first line of TOLLBRIDGE_DATA_KEY_FILE, at least 32 characters, not both', () => {
    const key = 'k'.repeat(32);
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DATA_KEY: key }).dataKey).to.equal(key);
    const file = path.join(dir, 'data.key');
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DATA_KEY_FILE: file }).dataKey).to.equal(key);
    expect(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DATA_KEY_FILE: file, TOLLBRIDGE_DATA_KEY: key })).to.throw(ConfigError, /not both/);
    expect(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DATA_KEY_FILE: path.join(dir, 'missing') })).to.throw(ConfigError, /cannot read/);
    expect(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DATA_KEY: 'short' })).to.throw(ConfigError, /at least 32/);
  });

  it('refuses the public test data key outside development mode', () => {
    expect(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DATA_KEY: PUBLIC_TEST_DATA_KEY })).to.throw(ConfigError, /TOLLBRIDGE_DEV_MODE/);
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DATA_KEY: PUBLIC_TEST_DATA_KEY, TOLLBRIDGE_DEV_MODE: 'yes' }).dataKey).to.equal(PUBLIC_TEST_DATA_KEY);
  });

  it('refuses a retention that is not 1 to 36500 whole days', () => {
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_CALLER_RETENTION_DAYS: '30' }).callerRetentionDays).to.equal(30);
    for (const bad of ['0', '-1', '1.5', 'two', '40000']) expect(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_CALLER_RETENTION_DAYS: bad })).to.throw(ConfigError, /TOLLBRIDGE_CALLER_RETENTION_DAYS/);
  });
});
