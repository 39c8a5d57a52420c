// The statement as PDF, read back with pdfjs-dist as a reader would see it: owners' names in any
// script print as written, a long statement runs over pages with its header and "page N of M" on
// each, every line is there once, callbacks on a line of their own, and the total is on the last page.
import { expect } from 'chai';
import { statementPdf } from '../../api/statement-pdf.js';
import type { Account, Statement } from '../../db/index.js';
import type { MemberLine, StatementLine } from '../../db/repositories/statements.js';
import { pdfPages } from '../support/pdf-text.js';

const account = (name: string): Account => ({ id: 7, name, email: 'owner@example.test', hasPassword: true, createdAt: 0, deactivatedAt: null, kind: 'personal', organizationId: null, erasedAt: null });

/** Line i: a distinct number, legs, minutes and an amount in whole cents. */
function line(i: number): StatementLine {
  const amountMicros = (i * 137 + 5) * 10_000;
  return { e164: `+1800555${String(i).padStart(4, '0')}`, kind: 'toll_free', legs: i + 1, participants: i + 1, adjustments: 0, lateEntries: 0, billableSeconds: (i + 1) * 90, billableMinutes: String((i + 1) * 1.5), unroundedMicros: amountMicros, amountMicros, amount: '' };
}

function statement(lines: StatementLine[], extra: Partial<Statement> = {}): Statement {
  const totalMicros = lines.reduce((sum, l) => sum + l.amountMicros, 0);
  return { accountId: 7, period: '2026-11', status: 'final', generatedAt: Date.UTC(2026, 11, 1, 8), lines, totalMicros, total: '', openLegs: 0, ...extra };
}

/** What the table shows for a line: number, kind, legs, minutes, amount (from micros). */
const shown = (l: StatementLine) => `${l.e164} ${l.kind} ${l.legs} ${l.billableMinutes} ${(l.amountMicros / 1_000_000).toFixed(2)}`;

describe('statement PDF', function () {
  this.timeout(60_000);

  for (const name of ['Łukasz Żółć', 'Zoë', 'Ærøskøbing', 'Ἀριστοτέλης', 'Дмитрий']) {
    it(`prints the owner's name "${name}" as written`, async () => {
      const pages = await pdfPages(await statementPdf(statement([line(1)]), account(name)));
      expect(pages[0]).to.include(`${name} <owner@example.test>, account 7`);
      expect(pages[0]).to.include('TOTAL 1.42');
    });
  }

  it('a statement of 300 lines runs over pages: a header and "page N of M" on each, every line once, in order, the total on the last page', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => line(i));
    const s = statement(lines, { openLegs: 2 });
    const pages = await pdfPages(await statementPdf(s, account('Łukasz Żółć')));
    expect(pages.length).to.be.greaterThan(3);
    pages.forEach((page, i) => {
      expect(page[0], `page ${i + 1}`).to.equal('tollbridge statement 2026-11 (final)');
      expect(page[1], `page ${i + 1}`).to.equal('Łukasz Żółć <owner@example.test>, account 7');
      expect(page, `page ${i + 1}`).to.include('number kind legs minutes amount');
      expect(page[page.length - 1], `page ${i + 1}`).to.equal(`page ${i + 1} of ${pages.length}`);
    });
    const rows = pages.flat().filter((l) => l.startsWith('+1800555'));
    expect(rows).to.deep.equal(lines.map(shown));
    // 300 lines' amounts: sum of (i * 137 + 5) cents for i < 300.
    const total = `TOTAL ${(s.totalMicros / 1_000_000).toFixed(2)}`;
    expect(total).to.equal('TOTAL 61459.50');
    const last = pages[pages.length - 1] ?? [];
    expect(last).to.include(total);
    expect(last).to.include('2 legs of this month are still in progress and not on this statement yet.');
    expect(pages.slice(0, -1).flat()).to.not.include(total);
  });

  it('an organization\'s statement lists every member line too, across pages, before the total', async () => {
    const members: MemberLine[] = Array.from({ length: 120 }, (_, i) => ({ accountId: 100 + i, roomNumber: String(10_000_000 + i), legs: 1, billableSeconds: 60, unroundedMicros: 10_000, amountMicros: 10_000, amount: '' }));
    const pages = await pdfPages(await statementPdf(statement([line(0), line(1)], { members }), account('Org Ørsted')));
    const all = pages.flat();
    expect(all).to.include('by member legs seconds amount');
    expect(all.filter((l) => l.startsWith('member '))).to.deep.equal(members.map((m) => `member ${m.accountId} room ${m.roomNumber} 1 60 0.01`));
    expect(pages[pages.length - 1]).to.include('TOTAL 1.47');
    expect(all.indexOf('TOTAL 1.47')).to.be.greaterThan(all.indexOf(`member 219 room 10000119 1 60 0.01`));
  });

  it('callbacks print as their own "Callbacks" line after the numbers\' lines, and the total includes them; without callbacks there is no such line', async () => {
    const callbacks = { legs: 2, adjustments: 0, lateEntries: 0, billableSeconds: 240, billableMinutes: '4', unroundedMicros: 120_000, amountMicros: 120_000, amount: '0.12' };
    const inbound = line(0); // 0.05
    const pages = await pdfPages(await statementPdf(statement([inbound], { callbacks, totalMicros: inbound.amountMicros + 120_000 }), account('Ada')));
    const all = pages.flat();
    expect(all).to.include('Callbacks callback 2 4 0.12');
    expect(all.indexOf('Callbacks callback 2 4 0.12')).to.equal(all.indexOf(shown(inbound)) + 1);
    expect(all).to.include('TOTAL 0.17');
    expect((await pdfPages(await statementPdf(statement([inbound]), account('Ada')))).flat().join('\n')).to.not.contain('Callbacks');
  });

  it('a name too long for the page is cut with an ellipsis on one line, not spilled over the table', async () => {
    const pages = await pdfPages(await statementPdf(statement([line(1)]), account('Ŵ'.repeat(300))));
    const owner = pages[0]?.[1] ?? '';
    expect(owner.startsWith('ŴŴŴ')).to.equal(true);
    expect(owner.endsWith('…')).to.equal(true);
    expect(pages[0]?.[2]).to.equal('generated 2026-12-01T08:00:00.000Z');
  });
});
