// `tollbridge config`: the effective configuration with where each value came from, every
// secret-marked setting masked (whether it came from the environment or the file), --json, and
// the CLI's warning about TOLLBRIDGE_* names that are no setting.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { effectiveConfig, MASK, type EffectiveConfig } from '../../config/effective.js';
import { metaOf, SETTING_NAMES, type SettingName } from '../../config/settings.js';
import { runCli as tb } from '../support/run-cli.js';

/** The environment without any TOLLBRIDGE_* setting of the machine running the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLBRIDGE_')));
}

/** For every secret-marked setting, a valid value whose secret part carries `mark`. */
function secretValues(mark: string): Array<[SettingName, string]> {
  return SETTING_NAMES.filter((name) => metaOf(name).secret !== false).map((name): [SettingName, string] => {
    if (metaOf(name).secret === 'value') return [name, `${mark}-${name.toLowerCase()}-0123456789abcdef`];
    const urls: Partial<Record<SettingName, string>> = {
      TOLLBRIDGE_DB: `postgres://tollbridge:${mark}@db.example:5432/tb`,
      TOLLBRIDGE_SMTP_URL: `smtps://mailer:${mark}@mail.example:465`,
    };
    const url = urls[name];
    if (url === undefined) throw new Error(`${name} hides the password of a URL: give it a sample URL here`);
    return [name, url];
  });
}

describe('tollbridge config', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-config-cmd-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('masks every secret-marked setting, from the environment or the file, and says it is a secret', () => {
    const fromEnv = secretValues('ENVSEKRIT');
    const fromFile = secretValues('FILESEKRIT');
    const file = path.join(dir, 'tollbridge.env');
    fs.writeFileSync(file, fromFile.map(([name, value]) => `${name}=${value}`).join('\n') + '\n', { mode: 0o600 });
    for (const shown of [
      effectiveConfig({ TOLLBRIDGE_DATA_DIR: dir, ...Object.fromEntries(fromEnv) }),
      effectiveConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_CONFIG_FILE: file }),
    ]) {
      expect(JSON.stringify(shown)).not.to.match(/SEKRIT/);
      for (const [name] of fromEnv) {
        const row = shown.settings.find((s) => s.variable === name);
        expect(row?.secret, name).to.equal(true);
        expect(row?.source, name).to.be.oneOf(['environment', 'file']);
        if (metaOf(name).secret === 'value') expect(row?.value, name).to.equal(MASK);
      }
    }
    const db = effectiveConfig({ TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DB: 'postgres://tollbridge:ENVSEKRIT@db.example:5432/tb' }).settings.find((s) => s.variable === 'TOLLBRIDGE_DB');
    expect(db?.value, 'the URL stays readable but for its password').to.equal('postgres://tollbridge:***@db.example:5432/tb');
  });

  it('prints each setting, its value and where it came from; --json the same as one document; secrets never, nothing written', async () => {
    const file = path.join(dir, 'tollbridge.env');
    fs.writeFileSync(file, ['# site settings', 'TOLLBRIDGE_SIP_PORT=5070', 'TOLLBRIDGE_AMI_PORT=5039', ...secretValues('FILESEKRIT').map(([n, v]) => `${n}=${v}`)].join('\n') + '\n', { mode: 0o600 });
    const env = { ...cleanEnv(), TOLLBRIDGE_CONFIG_FILE: file, TOLLBRIDGE_DATA_DIR: path.join(dir, 'data'), TOLLBRIDGE_AMI_PORT: '5040', ...Object.fromEntries(secretValues('ENVSEKRIT').slice(0, 3)) };
    const human = await tb(['config'], env);
    expect(human.code, human.stderr).to.equal(0);
    expect(human.stdout).to.contain(`Settings file: ${file}`);
    expect(human.stdout).to.match(new RegExp(`^TOLLBRIDGE_SIP_PORT +5070 +file ${file} line 2$`, 'm'));
    expect(human.stdout).to.match(/^TOLLBRIDGE_AMI_PORT +5040 +environment$/m);
    expect(human.stdout).to.match(/^TOLLBRIDGE_ARI_PORT +8088 +default$/m);
    expect(human.stdout).to.match(/^TOLLBRIDGE_ARI_PASSWORD +\*{8} +file/m);
    expect(human.stdout + human.stderr).not.to.contain('SEKRIT');
    const json = await tb(['config', '--json'], env);
    expect(json.code, json.stderr).to.equal(0);
    expect(json.stdout).not.to.contain('SEKRIT');
    const doc = JSON.parse(json.stdout) as EffectiveConfig;
    expect(doc.file).to.equal(file);
    expect(doc.settings.map((s) => s.variable)).to.deep.equal(SETTING_NAMES);
    expect(doc.settings.find((s) => s.variable === 'TOLLBRIDGE_SIP_PORT')).to.deep.equal({ variable: 'TOLLBRIDGE_SIP_PORT', value: '5070', source: 'file', line: 2, secret: false });
    expect(fs.existsSync(path.join(dir, 'data')), 'no data dir, no secrets file').to.equal(false);
  });

  it('a refused setting: exit 78 with every refused variable; an unknown TOLLBRIDGE_* name: a warning naming it and the likely setting', async () => {
    const bad = await tb(['config'], { ...cleanEnv(), TOLLBRIDGE_SIP_PORT: '70000', TOLLBRIDGE_SESSION_TIMERS: 'maybe' });
    expect(bad.code).to.equal(78);
    expect(bad.stderr).to.contain('TOLLBRIDGE_SIP_PORT: "70000" is not a port number (1-65535)').and.to.contain('TOLLBRIDGE_SESSION_TIMERS: "maybe" is not yes (when the carrier supports them), forced or no');
    const typo = await tb(['config', '--json'], { ...cleanEnv(), TOLLBRIDGE_DATA_DIR: path.join(dir, 'data'), TOLLBRIDGE_SIP_PROT: '5070' });
    expect(typo.code, typo.stderr).to.equal(0);
    expect(typo.stderr).to.equal('tollbridge: warning: TOLLBRIDGE_SIP_PROT is set but is not a tollbridge setting, so it is ignored; did you mean TOLLBRIDGE_SIP_PORT?\n');
    expect((JSON.parse(typo.stdout) as EffectiveConfig).unknown).to.deep.equal([{ name: 'TOLLBRIDGE_SIP_PROT', suggestion: 'TOLLBRIDGE_SIP_PORT' }]);
  });
});
