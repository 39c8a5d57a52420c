// LocalAsterisk writes the project's config for its instance, and extra files on top (the load
// bench's ConfBridge baseline replaces extensions.conf and adds confbridge.conf). Writing the
// config needs no Asterisk: a scratch directory stands in for the root.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalAsterisk } from '../../asterisk/local-asterisk.js';
import { loadConfig } from '../../config/config.js';

describe('LocalAsterisk config files', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-root-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const cfg = () => loadConfig({ TOLLBRIDGE_ASTERISK_ROOT: root, TOLLBRIDGE_ASTERISK_INSTANCE: 'cfgtest', TOLLBRIDGE_AMI_PORT: '17499', TOLLBRIDGE_ASTERISK_USER: 'root' }).asterisk;
  const read = (name: string) => fs.readFileSync(path.join(root, 'etc/asterisk-cfgtest', name), 'utf8');

  it("writes the project's files, AMI with Asterisk's own event timestamps", () => {
    new LocalAsterisk(cfg()).writeConfig();
    expect(read('extensions.conf')).to.contain('Stasis(tollbridge,');
    expect(read('manager.conf')).to.contain('port = 17499').and.match(/^timestampevents = yes$/m);
    expect(fs.existsSync(path.join(root, 'etc/asterisk-cfgtest/confbridge.conf'))).to.equal(false);
  });

  it('extra files replace a file of the same name and add new ones; the rest stay', () => {
    new LocalAsterisk(cfg(), { extraConfig: { 'extensions.conf': '[from-carrier]\n', 'confbridge.conf': '[general]\n' } }).writeConfig();
    expect(read('extensions.conf')).to.equal('[from-carrier]\n');
    expect(read('confbridge.conf')).to.equal('[general]\n');
    expect(read('pjsip.conf')).to.contain('[carrier]');
  });

  it('refuses an extra file name that would leave the config directory', () => {
    expect(() => new LocalAsterisk(cfg(), { extraConfig: { '../escape.conf': '' } }).writeConfig()).to.throw(/plain file name/);
  });
});
