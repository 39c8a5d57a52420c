// Which languages a room may be set to: those with prompts in the Asterisk root (symlinks
// resolved as the chrooted Asterisk sees them), the operator's prompt directories, or the
// operator's explicit list; and a room set to any other is refused with the list.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config/config.js';
import { roomLanguages, SOUNDS_DIR } from '../../ivr/languages.js';
import { accountWithNumber, openTestDb } from '../db/helpers.js';

function fakeRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-root-'));
  const sounds = path.join(root, SOUNDS_DIR);
  fs.mkdirSync(path.join(sounds, 'it_IT_m_Carlo'), { recursive: true });
  fs.writeFileSync(path.join(sounds, 'it_IT_m_Carlo', 'conf-getpin.gsm'), '');
  fs.symlinkSync('it_IT_m_Carlo', path.join(sounds, 'it'));
  // English as Debian installs it: an absolute link through /etc/alternatives, inside the root.
  fs.mkdirSync(path.join(sounds, 'en_US_f_Allison'));
  fs.writeFileSync(path.join(sounds, 'en_US_f_Allison', 'conf-getpin.wav'), '');
  fs.mkdirSync(path.join(root, 'etc/alternatives'), { recursive: true });
  fs.symlinkSync(`/${SOUNDS_DIR}/en_US_f_Allison`, path.join(root, 'etc/alternatives/asterisk-prompt-en'));
  fs.symlinkSync('/etc/alternatives/asterisk-prompt-en', path.join(sounds, 'en'));
  // A directory without the prompts tollbridge plays does not count.
  fs.mkdirSync(path.join(sounds, 'fr'));
  fs.mkdirSync(path.join(sounds, 'custom'));
  return root;
}

describe('ivr: room languages', () => {
  it('are the root’s languages with the PIN prompt, plus the operator’s prompt directories', () => {
    const root = fakeRoot();
    const config = loadConfig({ TOLLBRIDGE_ASTERISK_ROOT: root, TOLLBRIDGE_PROMPT_DIRS: 'de=/srv/prompts/de' });
    expect(roomLanguages(config)).to.deep.equal(['de', 'en', 'it']);
  });

  it('are the operator’s list when given (an Asterisk tollbridge does not manage)', () => {
    const config = loadConfig({ TOLLBRIDGE_ASTERISK_ROOT: fakeRoot(), TOLLBRIDGE_ROOM_LANGUAGES: 'en, pt_BR' });
    expect(roomLanguages(config)).to.deep.equal(['en', 'pt_BR']);
  });

  it('without a root: English and the operator’s prompt directories', () => {
    const config = loadConfig({ TOLLBRIDGE_ASTERISK_ROOT: '/nonexistent/root' });
    expect(roomLanguages(config)).to.deep.equal(['en']);
  });

  it('refuses malformed settings with the variable named', () => {
    expect(() => loadConfig({ TOLLBRIDGE_PROMPT_DIRS: 'german=/srv/de' })).to.throw(ConfigError, /TOLLBRIDGE_PROMPT_DIRS/);
    expect(() => loadConfig({ TOLLBRIDGE_PROMPT_DIRS: 'de=relative/dir' })).to.throw(ConfigError, /TOLLBRIDGE_PROMPT_DIRS/);
    expect(() => loadConfig({ TOLLBRIDGE_ROOM_LANGUAGES: 'en,Italian' })).to.throw(ConfigError, /TOLLBRIDGE_ROOM_LANGUAGES/);
  });

  it('a room set to a language without prompts is refused, naming the installed ones', async () => {
    const db = await openTestDb({ roomLanguages: ['en', 'it'] });
    try {
      const { accountId } = await accountWithNumber(db, '+18005550179');
      const [room] = await db.rooms.forAccount(accountId);
      if (room === undefined) throw new Error('no room');
      expect((await db.rooms.updateSettings(room.number, { language: 'it' })).language).to.equal('it');
      const err = await db.rooms.updateSettings(room.number, { language: 'de' }).then(() => null, (e: unknown) => e as Error);
      expect(err?.message).to.match(/no prompts are installed in "de" \(installed: en, it\)/);
      expect((await db.rooms.get(room.number)).language).to.equal('it');
    } finally {
      await db.close();
    }
  });
});
