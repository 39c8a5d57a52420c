// The settings file beside the environment (TOLLBRIDGE_CONFIG_FILE): TOLLBRIDGE_NAME=value lines,
// the environment wins, a name that is no setting stops the start naming the line; unknown
// names in the environment are only warned about.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config/config.js';
import { configError } from '../support/config-error.js';
import { effectiveConfig } from '../../config/effective.js';
import { unknownEnvironmentNames } from '../../config/settings-source.js';

describe('config: the settings file (TOLLBRIDGE_CONFIG_FILE)', () => {
  let dir: string;
  let file: string;
  const write = (lines: string[], mode = 0o600) => {
    fs.writeFileSync(file, lines.join('\n') + '\n', { mode });
    fs.chmodSync(file, mode);
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-settings-file-'));
    file = path.join(dir, 'tollbridge.env');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads NAME=value lines, skipping comments and blank lines, quotes taken off; the environment wins', () => {
    write([
      '# tollbridge settings',
      '',
      'TOLLBRIDGE_SIP_PORT=5070',
      '  TOLLBRIDGE_ASTERISK_INSTANCE = edge-1  ',
      'TOLLBRIDGE_MAIL_FROM="bridge@example.com"',
      "TOLLBRIDGE_ARI_APP='bridge'",
      'TOLLBRIDGE_AMI_PORT=5039',
    ]);
    const cfg = loadConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_AMI_PORT: '5040' });
    expect(cfg.asterisk).to.include({ sipPort: 5070, instance: 'edge-1', systemName: 'edge-1', ariApp: 'bridge', amiPort: 5040 });
    expect(cfg.mail.from).to.equal('bridge@example.com');
    const shown = effectiveConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_AMI_PORT: '5040' });
    const row = (name: string) => shown.settings.find((s) => s.variable === name);
    expect(row('TOLLBRIDGE_SIP_PORT')).to.deep.include({ value: '5070', source: 'file', line: 3 });
    expect(row('TOLLBRIDGE_AMI_PORT')).to.deep.include({ value: '5040', source: 'environment' });
    expect(row('TOLLBRIDGE_ARI_PORT')).to.deep.include({ value: '8088', source: 'default' });
    expect(row('TOLLBRIDGE_ASTERISK_SYSTEMNAME')).to.deep.include({ value: 'edge-1', source: 'default' });
    expect(shown.file).to.equal(file);
  });

  it('a name that is no setting is an error naming the file and line, with the setting it most likely meant; every bad line is listed', () => {
    write(['TOLLBRIDGE_SIP_PROT=5070', 'PATH=/usr/bin', 'TOLLBRIDGE_DB sqlite:x', 'TOLLBRIDGE_WHATEVER_THIS_IS=1']);
    const err = configError(() => loadConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir }));
    expect(err.variable).to.equal('TOLLBRIDGE_CONFIG_FILE');
    expect(err.problems.map((p) => p.message)).to.deep.equal([
      `${file} line 1: TOLLBRIDGE_SIP_PROT is not a tollbridge setting; did you mean TOLLBRIDGE_SIP_PORT?`,
      `${file} line 2: PATH is not a tollbridge setting (every setting starts with TOLLBRIDGE_)`,
      `${file} line 3: not NAME=value`,
      `${file} line 4: TOLLBRIDGE_WHATEVER_THIS_IS is not a tollbridge setting (\`tollbridge config\` lists them)`,
    ]);
    expect(fs.existsSync(path.join(dir, 'secrets.json')), 'nothing written').to.equal(false);
  });

  it('refuses a setting twice, and the ones read before node starts (they must come from the environment)', () => {
    write(['TOLLBRIDGE_SIP_PORT=5070', 'TOLLBRIDGE_SIP_PORT=5071', 'TOLLBRIDGE_NODE_FLAGS=--cpu-prof', 'TOLLBRIDGE_CONFIG_FILE=/etc/other.env']);
    const messages = configError(() => loadConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir })).problems.map((p) => p.message);
    expect(messages[0]).to.equal(`${file} line 2: TOLLBRIDGE_SIP_PORT is already set on line 1`);
    expect(messages[1]).to.match(/line 3: TOLLBRIDGE_NODE_FLAGS cannot be set in this file \(scripts\/start.sh reads it before node starts\): set it in the environment/);
    expect(messages[2]).to.match(/line 4: TOLLBRIDGE_CONFIG_FILE cannot be set in this file/);
  });

  it('a bad value in the file is refused naming the variable, what is allowed, and the line', () => {
    write(['TOLLBRIDGE_SIP_PORT=http']);
    expect(() => loadConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir })).to.throw(ConfigError, `TOLLBRIDGE_SIP_PORT: "http" is not a port number (1-65535) (${file} line 1)`);
  });

  it('a missing file is an error naming TOLLBRIDGE_CONFIG_FILE', () => {
    expect(() => loadConfig({ TOLLBRIDGE_CONFIG_FILE: path.join(dir, 'missing.env'), TOLLBRIDGE_DATA_DIR: dir })).to.throw(ConfigError, /TOLLBRIDGE_CONFIG_FILE: cannot read .*missing\.env/);
  });

  it('a file holding secrets that anyone may read is refused, naming the secrets (not their values) and the fix', () => {
    write(['TOLLBRIDGE_OPERATOR_TOKEN=op-token-SEKRIT-0123456789', 'TOLLBRIDGE_SIP_PORT=5070'], 0o644);
    const err = configError(() => loadConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir }));
    expect(err.message).to.contain(`holds secrets (TOLLBRIDGE_OPERATOR_TOKEN) and anyone on this machine may read it (mode 644): chmod o-rwx ${file}`);
    expect(err.message).not.to.contain('SEKRIT');
    fs.chmodSync(file, 0o640);
    expect(loadConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir }).api.operatorToken).to.equal('op-token-SEKRIT-0123456789');
    write(['TOLLBRIDGE_SIP_PORT=5070'], 0o644);
    expect(loadConfig({ TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: dir }).asterisk.sipPort, 'no secret: any mode').to.equal(5070);
  });

  it('a setting the file sets counts as set, as one from the environment (the systemname `ledger reconcile --asterisk-instance` derives)', () => {
    write(['TOLLBRIDGE_ASTERISK_SYSTEMNAME=pop-b']);
    expect(effectiveConfig({ TOLLBRIDGE_CONFIG_FILE: file }).settings.find((s) => s.variable === 'TOLLBRIDGE_ASTERISK_SYSTEMNAME')).to.deep.include({ value: 'pop-b', source: 'file' });
  });

  it('unknown TOLLBRIDGE_* names in the environment are found with a suggestion; names of tests and benchmarks are not', () => {
    expect(unknownEnvironmentNames({ TOLLBRIDGE_DATABASE: 'x', TOLLBRIDGE_SIP_PORT: '5060', TOLLBRIDGE_MAX_LEG_SECONDS: '1', TOLLBRIDGE_TEST_DB: 'x', TOLLBRIDGE_LOAD_APP_NODE_ARGS: '', TOLLBRIDGE_KEEP_CALL_FILES: '1', HOME: '/root' })).to.deep.equal([
      { name: 'TOLLBRIDGE_DATABASE', suggestion: null },
      { name: 'TOLLBRIDGE_MAX_LEG_SECONDS', suggestion: null },
    ]);
    expect(unknownEnvironmentNames({ TOLLBRIDGE_SIP_PROT: '5070' })).to.deep.equal([{ name: 'TOLLBRIDGE_SIP_PROT', suggestion: 'TOLLBRIDGE_SIP_PORT' }]);
  });
});
