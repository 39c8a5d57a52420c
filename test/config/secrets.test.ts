// The installation's secrets: generated on first load into a file only its owner may read,
// reused afterwards, used by the rendered Asterisk configuration; the public development
// values are refused outside TOLLBRIDGE_DEV_MODE.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DEVELOPMENT_PIN_SECRET, loadConfig } from '../../config/config.js';
import { renderAsteriskConfig } from '../../asterisk/config-render.js';
import { rotatePinKey } from '../../config/secrets-file.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('generated secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-secrets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the first load generates PIN key, ARI and AMI passwords and operator token into a 0600 file; later loads reuse them', () => {
    const first = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    const file = path.join(dir, 'secrets.json');
    expect(first.secretsFile).to.equal(file);
    expect(first.secretsCreated).to.equal(true);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(first.asterisk.ariPassword).to.have.length.of.at.least(24).and.not.equal('tollbridge-local');
    expect(first.asterisk.amiPassword).to.have.length.of.at.least(24).and.not.equal(first.asterisk.ariPassword);
    expect(first.api.operatorToken).to.have.length.of.at.least(16);
    expect(first.pinKeys.current().id).to.equal(1);
    expect(first.pinKeys.current().key).to.not.equal(DEVELOPMENT_PIN_SECRET);
    expect(first.pinKeys.key(0), 'no public fallback key').to.equal(undefined);

    const again = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    expect(again.secretsCreated).to.equal(false);
    expect(again.asterisk.ariPassword).to.equal(first.asterisk.ariPassword);
    expect(again.asterisk.amiPassword).to.equal(first.asterisk.amiPassword);
    expect(again.api.operatorToken).to.equal(first.api.operatorToken);
    expect(again.pinKeys.current()).to.deep.equal(first.pinKeys.current());

    const other = loadConfig({ TOLLBRIDGE_DATA_DIR: fs.mkdtempSync(path.join(dir, 'other-')) });
    expect(other.asterisk.ariPassword, 'every installation has its own').to.not.equal(first.asterisk.ariPassword);
    expect(other.pinKeys.current().key).to.not.equal(first.pinKeys.current().key);
  });

  it('the rendered Asterisk configuration uses the generated ARI/AMI passwords, and the AMI user may not originate (write: call only, for Setvar MUTEAUDIO)', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    const files = new Map(renderAsteriskConfig(cfg.asterisk));
    const all = [...files.values()].join('\n');
    expect(all).to.not.contain('tollbridge-local');
    expect(files.get('ari.conf')).to.contain(`password = ${cfg.asterisk.ariPassword}`);
    const manager = files.get('manager.conf') ?? '';
    expect(manager).to.contain(`secret = ${cfg.asterisk.amiPassword}`);
    const rights = manager.split('\n').filter((l) => /^(read|write) =/.test(l)).join('\n');
    expect(rights).to.equal('read = call,dtmf\nwrite = call');
  });

  it('environment values win over the file (several machines sharing one Asterisk or database)', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_ARI_PASSWORD: 'ari-from-the-environment', TOLLBRIDGE_OPERATOR_TOKEN: 'operator-token-from-env' });
    expect(cfg.asterisk.ariPassword).to.equal('ari-from-the-environment');
    expect(cfg.api.operatorToken).to.equal('operator-token-from-env');
  });

  it('refuses the public development PIN secret and the old public ARI/AMI password outside development mode', () => {
    expect(configError(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_PIN_SECRET: DEVELOPMENT_PIN_SECRET })).variable).to.equal('TOLLBRIDGE_PIN_SECRET');
    expect(configError(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_ARI_PASSWORD: 'tollbridge-local' })).variable).to.equal('TOLLBRIDGE_ARI_PASSWORD');
    expect(configError(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_AMI_PASSWORD: 'tollbridge-local' })).variable).to.equal('TOLLBRIDGE_AMI_PASSWORD');
    const dev = loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_PIN_SECRET: DEVELOPMENT_PIN_SECRET, TOLLBRIDGE_DEV_MODE: 'yes' });
    expect(dev.devMode).to.equal(true);
    expect(dev.pinKeys.key(0)).to.equal(DEVELOPMENT_PIN_SECRET);
    // New PINs still use the generated key, even in development mode.
    expect(dev.pinKeys.current().id).to.equal(1);
  });

  it('an explicit TOLLBRIDGE_PIN_SECRET is key 0: PINs hashed before key ids keep working', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_PIN_SECRET: 'an-old-installations-secret' });
    expect(cfg.pinKeys.key(0)).to.equal('an-old-installations-secret');
    expect(cfg.pinKeys.current().id).to.equal(1);
  });

  it('refuses a secrets file others may read, saying how to fix it', () => {
    loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    const file = path.join(dir, 'secrets.json');
    fs.chmodSync(file, 0o644);
    const err = configError(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir }));
    expect(err.variable).to.equal('TOLLBRIDGE_SECRETS_FILE');
    expect(err.message).to.contain(`chmod 600 ${file}`);
  });

  it('a rotated key becomes current in a running process without a restart; the old key still checks old hashes', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DATA_DIR: dir });
    const oldKey = cfg.pinKeys.current();
    // Same-millisecond writes would hide the change from an mtime check: move the clock on.
    fs.utimesSync(cfg.secretsFile, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const seen = cfg.pinKeys.key(1);
    expect(seen).to.equal(oldKey.key);
    const { id } = rotatePinKey(cfg.secretsFile);
    expect(id).to.equal(2);
    expect(fs.statSync(cfg.secretsFile).mode & 0o777).to.equal(0o600);
    expect(cfg.pinKeys.current().id).to.equal(2);
    expect(cfg.pinKeys.key(1)).to.equal(oldKey.key);
    expect(cfg.pinKeys.key(2)).to.not.equal(oldKey.key);
  });
});
