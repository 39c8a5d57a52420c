// The settings schema (config/settings.ts): every refused value named at once with what is
// allowed, nothing written before the check, secrets never quoted, and a schema that describes
// each setting completely.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config.js';
import { configError } from '../support/config-error.js';
import { defaultSettings, metaOf, parseSettings, SETTING_NAMES } from '../../config/settings.js';

describe('config: the settings schema', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-settings-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('several bad values: one error lists every one, each with its variable and what is allowed', () => {
    const err = configError(() => loadConfig({
      TOLLBRIDGE_DATA_DIR: dir,
      TOLLBRIDGE_SIP_PORT: '70000',
      TOLLBRIDGE_LOG_LEVEL: 'verbose',
      TOLLBRIDGE_DEV_MODE: 'maybe',
      TOLLBRIDGE_CARRIER_IPS: '10.0.0.1,300.1.1.1',
      TOLLBRIDGE_MAX_LEG_S: '-5',
    }));
    expect(err.problems.map((p) => p.variable)).to.have.members(['TOLLBRIDGE_SIP_PORT', 'TOLLBRIDGE_LOG_LEVEL', 'TOLLBRIDGE_DEV_MODE', 'TOLLBRIDGE_CARRIER_IPS', 'TOLLBRIDGE_MAX_LEG_S']);
    expect(err.message).to.contain('5 settings are refused');
    expect(err.message).to.contain('TOLLBRIDGE_SIP_PORT: "70000" is not a port number (1-65535)');
    expect(err.message).to.contain('TOLLBRIDGE_LOG_LEVEL: "verbose" is not one of trace, debug, info, warn, error, fatal, silent');
    expect(err.message).to.contain('TOLLBRIDGE_DEV_MODE: "maybe" is not yes or no (1/0, true/false)');
    expect(err.message).to.contain('TOLLBRIDGE_CARRIER_IPS: "300.1.1.1" is not an IPv4 address or CIDR');
    expect(err.message).to.contain('TOLLBRIDGE_MAX_LEG_S: "-5" is not a whole number of seconds from 1 to 604800 (0: off)');
  });

  it('checks between settings are listed with the others', () => {
    const err = configError(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_RTP_START: '30000', TOLLBRIDGE_RTP_END: '20000', TOLLBRIDGE_PIN_PAUSE_MS: '5000', TOLLBRIDGE_PIN_MAX_PAUSE_MS: '1000', TOLLBRIDGE_ARI_APP: 'my app!' }));
    expect(err.problems.map((p) => p.variable)).to.have.members(['TOLLBRIDGE_RTP_END', 'TOLLBRIDGE_PIN_MAX_PAUSE_MS', 'TOLLBRIDGE_ARI_APP']);
    expect(err.message).to.contain('TOLLBRIDGE_RTP_END: must be above TOLLBRIDGE_RTP_START (30000)');
  });

  it('a refused setting stops the load before anything is written: no data directory, no secrets file', () => {
    const dataDir = path.join(dir, 'fresh');
    // TOLLBRIDGE_API_HOST used to be checked only after the secrets file was created.
    configError(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dataDir, TOLLBRIDGE_API_HOST: 'two words' }));
    configError(() => loadConfig({ TOLLBRIDGE_DATA_DIR: dataDir, TOLLBRIDGE_ASTERISK_USER: 'Not A User' }));
    expect(fs.existsSync(dataDir)).to.equal(false);
    loadConfig({ TOLLBRIDGE_DATA_DIR: dataDir });
    expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).to.equal(true);
  });

  it('a refused secret is never quoted back: tokens, passwords, database and mail URLs', () => {
    const err = configError(() => loadConfig({
      TOLLBRIDGE_DATA_DIR: dir,
      TOLLBRIDGE_OPERATOR_TOKEN: 'short-SEKRIT1',
      TOLLBRIDGE_METRICS_TOKEN: 'with space SEKRIT2',
      TOLLBRIDGE_ARI_PASSWORD: 'has space SEKRIT3',
      TOLLBRIDGE_DB: 'mysql://tb:SEKRIT4@db.example/tb',
      TOLLBRIDGE_SMTP_URL: 'http://mail:SEKRIT5@mail.example',
      TOLLBRIDGE_DATA_KEY: 'SEKRIT6',
    }));
    expect(err.problems).to.have.length(6);
    expect(err.message).not.to.contain('SEKRIT');
    expect(err.message).to.contain('TOLLBRIDGE_DB: "mysql://tb:***@db.example/tb" is neither sqlite:FILE nor a postgres:// URL');
    expect(err.message).to.contain('TOLLBRIDGE_OPERATOR_TOKEN: the value is not a token of at least 16 characters');
  });

  it('describes every setting: type, default, allowed values, secret or not, a one-line meaning', () => {
    expect(SETTING_NAMES.length).to.be.at.least(70);
    for (const name of SETTING_NAMES) {
      const meta = metaOf(name);
      expect(name).to.match(/^TOLLBRIDGE_[A-Z0-9_]+$/);
      expect(meta.type, name).to.be.a('string');
      expect(meta.allowed, name).not.to.equal('');
      expect(meta.description, name).not.to.equal('').and.not.to.contain('\n');
      expect(meta.default === '' || meta.derived === undefined, `${name}: a fixed default or a derived one, not both`).to.equal(true);
    }
  });

  it('each written default is what an empty environment gives', () => {
    const defaults = defaultSettings();
    for (const name of SETTING_NAMES) {
      const meta = metaOf(name);
      if (meta.default === '') continue;
      const parsed = parseSettings({ [name]: meta.default });
      expect(parsed.ok, name).to.equal(true);
      if (parsed.ok) expect(parsed.settings[name], name).to.deep.equal(defaults[name]);
    }
  });

  it('marks the secrets: PIN secret, data key, tokens, passwords; the password in database and mail URLs', () => {
    const secrets = SETTING_NAMES.filter((name) => metaOf(name).secret !== false);
    expect(secrets).to.have.members([
      'TOLLBRIDGE_DB', 'TOLLBRIDGE_PIN_SECRET', 'TOLLBRIDGE_OPERATOR_TOKEN', 'TOLLBRIDGE_METRICS_TOKEN', 'TOLLBRIDGE_SMTP_URL',
      'TOLLBRIDGE_ARI_PASSWORD', 'TOLLBRIDGE_AMI_PASSWORD', 'TOLLBRIDGE_DATA_KEY',
    ]);
    expect(metaOf('TOLLBRIDGE_DB').secret).to.equal('url password');
    expect(metaOf('TOLLBRIDGE_SMTP_URL').secret).to.equal('url password');
  });

  it('an empty value is the default, as an unset one', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_SIP_PORT: '', TOLLBRIDGE_CARRIER_IPS: '', TOLLBRIDGE_LEDGER_JOURNAL_DIR: '' });
    expect(cfg.asterisk.sipPort).to.equal(5060);
    expect(cfg.asterisk.carrierIps).to.deep.equal(['127.0.0.1']);
    expect(cfg.ledgerJournalDir).to.equal(path.join(dir, 'ledger-journal', 'main'));
  });
});
