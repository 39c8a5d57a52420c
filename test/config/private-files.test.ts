// Files tollbridge creates are private whatever the umask (issue 23, item 14): under umask 022
// a fresh SQLite database (and its -wal and -shm), the ledger journal, the secrets file and the
// directories created for them are 0600 / 0700; a database file an earlier version left 0644
// is tightened when opened; an existing directory keeps its mode.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateSecrets } from '../../config/secrets-file.js';
import { openDatabase } from '../../db/index.js';
import { PUBLIC_TEST_DATA_KEY } from '../../config/data-key.js';
import { JournalFile } from '../../journal/journal-file.js';

const modeOf = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

describe('files and directories are created private (0600 / 0700) under umask 022', function () {
  this.timeout(30_000);
  let dir: string;
  let umask: number;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-private-'));
    fs.chmodSync(dir, 0o755);
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a fresh SQLite database, its -wal and -shm, and the data directory', async () => {
    const file = path.join(dir, 'data', 'db', 'tollbridge.sqlite');
    const db = await openDatabase({ client: 'sqlite', filename: file }, { pinSecret: 'x', dataKey: PUBLIC_TEST_DATA_KEY });
    try {
      await db.accounts.create({ name: 'Private', email: 'private@example.test' });
      expect(fs.existsSync(`${file}-wal`), 'WAL file while open').to.equal(true);
      expect(fs.existsSync(`${file}-shm`), 'shared-memory file while open').to.equal(true);
      expect({ db: modeOf(file), wal: modeOf(`${file}-wal`), shm: modeOf(`${file}-shm`), dir: modeOf(path.dirname(file)), data: modeOf(path.join(dir, 'data')) })
        .to.deep.equal({ db: '600', wal: '600', shm: '600', dir: '700', data: '700' });
    } finally {
      await db.close();
    }
    expect(modeOf(dir), 'an existing directory keeps its mode').to.equal('755');
  });

  it('a database file left 0644 by an earlier version is 0600 once opened', async () => {
    const file = path.join(dir, 'old.sqlite');
    const first = await openDatabase({ client: 'sqlite', filename: file }, { pinSecret: 'x', dataKey: PUBLIC_TEST_DATA_KEY });
    await first.close();
    fs.chmodSync(file, 0o644);
    const again = await openDatabase({ client: 'sqlite', filename: file }, { pinSecret: 'x', dataKey: PUBLIC_TEST_DATA_KEY });
    try {
      expect(modeOf(file)).to.equal('600');
    } finally {
      await again.close();
    }
  });

  it('the ledger journal: its directories and segment files; a segment left 0644 is tightened', async () => {
    const journalDir = path.join(dir, 'data', 'ledger-journal');
    const { journal } = await JournalFile.open<{ n: number }>(journalDir);
    await journal.append({ n: 1 });
    const [segment] = journal.segmentFiles();
    await journal.close();
    expect({ dir: modeOf(journalDir), data: modeOf(path.join(dir, 'data')), segment: modeOf(segment ?? '') }).to.deep.equal({ dir: '700', data: '700', segment: '600' });
    fs.chmodSync(segment ?? '', 0o644);
    const reopened = await JournalFile.open<{ n: number }>(journalDir);
    await reopened.journal.close();
    expect(reopened.journal.segmentFiles().map(modeOf)).to.deep.equal(['600', '600']);
  });

  it('the secrets file and the directory made for it', () => {
    const file = path.join(dir, 'etc', 'secrets.json');
    loadOrCreateSecrets(file);
    expect({ file: modeOf(file), dir: modeOf(path.dirname(file)) }).to.deep.equal({ file: '600', dir: '700' });
  });
});
