// A statement as a PDF (pdfkit): the same lines (callbacks on their own) and total as the CSV, in a table that runs over
// as many A4 pages as it needs. Each page repeats the header (period, owner, column names) and
// says "page N of M"; the total comes last, so it is on the last page. The text is set in
// DejaVu Sans, embedded (pdfkit keeps only the glyphs used), so any owner's name prints as
// written. Amounts are formatted from integer micros, as the CSV's are.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Account, Statement } from '../db/index.js';
import { CALLBACKS_LINE } from '../domain/billing.js';
import { formatMoney } from '../domain/money.js';

// The fonts live in assets/fonts/ at the repository's root (with their licence); this module
// runs as dist/api/statement-pdf.js, two folders below it.
const FONT = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));
const FONT_BOLD = fileURLToPath(new URL('../../assets/fonts/DejaVuSans-Bold.ttf', import.meta.url));

const MARGIN = 50;
const SIZE = 9;
const ROW = 13;
/** Room kept under the table for the page number. */
const FOOTER = 30;

/** One table cell: its left edge, width, and alignment. */
interface Column {
  x: number;
  width: number;
  align: 'left' | 'right';
}

// A4 is 595 points wide: 495 between the margins.
const NUMBER_COLUMNS: Column[] = [
  { x: MARGIN, width: 120, align: 'left' },
  { x: MARGIN + 120, width: 80, align: 'left' },
  { x: MARGIN + 200, width: 50, align: 'right' },
  { x: MARGIN + 250, width: 90, align: 'right' },
  { x: MARGIN + 340, width: 155, align: 'right' },
];
const MEMBER_COLUMNS: Column[] = [
  { x: MARGIN, width: 200, align: 'left' },
  { x: MARGIN + 200, width: 50, align: 'right' },
  { x: MARGIN + 250, width: 90, align: 'right' },
  { x: MARGIN + 340, width: 155, align: 'right' },
];
const FULL_WIDTH: Column[] = [{ x: MARGIN, width: 495, align: 'left' }];

let fonts: { regular: Buffer; bold: Buffer } | undefined;

/** Read once, on the first statement; a missing file names where it was looked for. */
function loadFonts(): { regular: Buffer; bold: Buffer } {
  if (fonts === undefined) {
    for (const file of [FONT, FONT_BOLD]) {
      if (!fs.existsSync(file)) throw new Error(`statement PDF: the font ${file} is missing (assets/fonts/ must ship beside dist/)`);
    }
    fonts = { regular: fs.readFileSync(FONT), bold: fs.readFileSync(FONT_BOLD) };
  }
  return fonts;
}

type Row = { cells: string[]; columns: Column[]; bold?: boolean };

/** The rows of the document in order, before they are laid out on pages. */
function rowsOf(statement: Statement): { table: Row[]; closing: Row[] } {
  const money = (micros: number) => formatMoney(micros, 2);
  const table: Row[] = statement.lines.map((l) => ({ cells: [l.e164, l.kind, String(l.legs), l.billableMinutes, money(l.amountMicros)], columns: NUMBER_COLUMNS }));
  const cb = statement.callbacks;
  if (cb !== undefined) table.push({ cells: [CALLBACKS_LINE, 'callback', String(cb.legs), cb.billableMinutes, money(cb.amountMicros)], columns: NUMBER_COLUMNS });
  const members = statement.members ?? [];
  if (members.length > 0) {
    table.push(
      { cells: [''], columns: FULL_WIDTH },
      { cells: ['by member', 'legs', 'seconds', 'amount'], columns: MEMBER_COLUMNS, bold: true },
      ...members.map((m) => ({ cells: [`member ${m.accountId ?? 'none'} room ${m.roomNumber ?? 'none'}`, String(m.legs), String(m.billableSeconds), money(m.amountMicros)], columns: MEMBER_COLUMNS })),
    );
  }
  // Kept together, so the total and what it leaves out are on the last page.
  const closing: Row[] = [
    { cells: [''], columns: FULL_WIDTH },
    { cells: ['TOTAL', '', '', '', money(statement.totalMicros)], columns: NUMBER_COLUMNS, bold: true },
    ...(statement.openLegs > 0 ? [{ cells: [''], columns: FULL_WIDTH }, { cells: [`${statement.openLegs} legs of this month are still in progress and not on this statement yet.`], columns: FULL_WIDTH }] : []),
  ];
  return { table, closing };
}

export async function statementPdf(statement: Statement, account: Account): Promise<Buffer> {
  const { regular, bold } = loadFonts();
  // Loaded on the first statement, not at start: every CLI command imports the API's routes,
  // and pdfkit (with its font engine) would add to each one's start.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: `tollbridge statement ${statement.period}`, Producer: 'tollbridge', Creator: 'tollbridge' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);

  /** The text cut to the column's width, with an ellipsis: a row is always one line. */
  const fit = (text: string, width: number): string => {
    if (doc.widthOfString(text) <= width) return text;
    const chars = [...text];
    while (chars.length > 0 && doc.widthOfString(`${chars.join('')}…`) > width) chars.pop();
    return `${chars.join('')}…`;
  };
  let y = MARGIN;
  const draw = (row: Row) => {
    doc.font(row.bold === true ? 'bold' : 'regular').fontSize(SIZE);
    row.columns.forEach((c, i) => {
      const text = row.cells[i] ?? '';
      if (text !== '') doc.text(fit(text, c.width), c.x, y, { width: c.width, align: c.align, lineBreak: false });
    });
    y += ROW;
  };
  const header = () => {
    y = MARGIN;
    doc.font('bold').fontSize(12).text(fit(`tollbridge statement ${statement.period} (${statement.status})`, 495), MARGIN, y, { lineBreak: false });
    y += 18;
    draw({ cells: [`${account.name} <${account.email}>, account ${account.id}`], columns: FULL_WIDTH });
    draw({ cells: [`generated ${new Date(statement.generatedAt).toISOString()}`], columns: FULL_WIDTH });
    y += ROW / 2;
    draw({ cells: ['number', 'kind', 'legs', 'minutes', 'amount'], columns: NUMBER_COLUMNS, bold: true });
  };
  const bottom = doc.page.height - MARGIN - FOOTER;
  /** Starts a new page unless `rows` more rows fit on this one. */
  const room = (rows: number) => {
    if (y + rows * ROW <= bottom) return;
    doc.addPage();
    header();
  };

  const { table, closing } = rowsOf(statement);
  header();
  for (const row of table) {
    room(1);
    draw(row);
  }
  room(closing.length);
  for (const row of closing) draw(row);

  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    // The footer sits in the bottom margin: with the margin kept, pdfkit would open a new page.
    const margins = doc.page.margins;
    doc.page.margins = { ...margins, bottom: 0 };
    doc.font('regular').fontSize(8).text(`page ${i + 1} of ${pages.count}`, MARGIN, doc.page.height - MARGIN, { width: 495, align: 'right', lineBreak: false });
    doc.page.margins = margins;
  }
  doc.end();
  return done;
}
