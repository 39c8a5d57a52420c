// Reads a PDF's text back the way a reader sees it (pdfjs-dist, Mozilla's PDF engine): per page,
// the lines top to bottom, each line's pieces left to right joined by one space. Tests assert on
// these lines instead of on the file's bytes, so any correct PDF writer passes.
// Before pdfjs: Node 20 needs Promise.withResolvers supplied.
import './promise-with-resolvers.js';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Lines closer than this (points) are one line. */
const SAME_LINE = 2;

export async function pdfPages(bytes: Uint8Array): Promise<string[][]> {
  // pdfjs takes the buffer over: give it a copy.
  const task = getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, verbosity: 0 });
  const doc = await task.promise;
  try {
    const pages: string[][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      const pieces: Array<{ x: number; y: number; str: string }> = [];
      for (const item of content.items) {
        if (!('str' in item) || item.str.trim() === '') continue;
        pieces.push({ x: Number(item.transform[4]), y: Number(item.transform[5]), str: item.str });
      }
      pieces.sort((a, b) => b.y - a.y || a.x - b.x);
      const lines: Array<{ y: number; parts: Array<{ x: number; str: string }> }> = [];
      for (const p of pieces) {
        const last = lines[lines.length - 1];
        if (last !== undefined && Math.abs(last.y - p.y) < SAME_LINE) last.parts.push(p);
        else lines.push({ y: p.y, parts: [p] });
      }
      pages.push(lines.map((l) => l.parts.sort((a, b) => a.x - b.x).map((p) => p.str).join(' ')));
    }
    return pages;
  } finally {
    await task.destroy();
  }
}
