// A statement as a one-page PDF (PDF 1.4, the standard Courier font, no library): the same
// lines and total as the CSV, in a fixed-width table. Only ASCII is written, so the document
// is a plain string; a statement has at most a few dozen lines (numbers), which fit one page
// of 60 lines (more are listed as "... N more lines, see the CSV").
import type { Account, Statement } from '../db/index.js';

const MAX_LINES = 50;

/** A PDF string literal body: ASCII only, with its delimiters escaped. */
function pdfText(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`);
}

/** An organization's statement: the same entries by member (as the CSV's member lines). */
function memberRows(statement: Statement, pad: (s: string, n: number) => string, left: (s: string, n: number) => string): string[] {
  const members = statement.members ?? [];
  if (members.length === 0) return [];
  // One page: members take the rows the number lines left.
  const space = Math.max(0, MAX_LINES - Math.min(statement.lines.length, MAX_LINES));
  const shown = members.slice(0, space).map((m) => `${pad(`member ${m.accountId ?? 'none'} room ${m.roomNumber ?? 'none'}`, 35)}${left(String(m.legs), 6)}${left(String(m.billableSeconds), 12)}${left(m.amount, 14)}`);
  return ['', `${pad('by member', 35)}${left('legs', 6)}${left('seconds', 12)}${left('amount', 14)}`, ...shown, ...(members.length > space ? [`... ${members.length - space} more members: see the CSV`] : [])];
}

export function statementPdf(statement: Statement, account: Account): string {
  const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));
  const left = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : ' '.repeat(n - s.length) + s);
  const rows = statement.lines.slice(0, MAX_LINES).map((l) => `${pad(l.e164, 18)}${pad(l.kind, 11)}${left(String(l.legs), 6)}${left(l.billableMinutes, 12)}${left(l.amount, 14)}`);
  const text = [
    `tollbridge statement ${statement.period} (${statement.status})`,
    `${account.name} <${account.email}>, account ${account.id}`,
    `generated ${new Date(statement.generatedAt).toISOString()}`,
    '',
    `${pad('number', 18)}${pad('kind', 11)}${left('legs', 6)}${left('minutes', 12)}${left('amount', 14)}`,
    ...rows,
    ...(statement.lines.length > MAX_LINES ? [`... ${statement.lines.length - MAX_LINES} more lines: see the CSV`] : []),
    '',
    `${pad('TOTAL', 47)}${left(statement.total, 14)}`,
    ...memberRows(statement, pad, left),
    ...(statement.openLegs > 0 ? ['', `${statement.openLegs} legs of this month are still in progress and not on this statement yet.`] : []),
  ];
  const stream = ['BT', '/F1 10 Tf', '12 TL', '50 790 Td', ...text.map((line) => `(${pdfText(line)}) Tj T*`), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}
