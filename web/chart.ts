// Minutes per day per number as an inline SVG bar chart (no script, readable without colour:
// each bar has a title and the table below the chart holds the same figures).
import { html, type Html } from './html.js';

export interface DayMinutes {
  /** YYYY-MM-DD (UTC). */
  day: string;
  e164: string;
  minutes: number;
}

const COLOURS = ['#1f6feb', '#d97706', '#16a34a', '#9333ea', '#dc2626', '#0891b2'];

export function minutesChart(points: DayMinutes[], days: string[]): Html {
  const numbers = [...new Set(points.map((p) => p.e164))].sort();
  const byKey = new Map(points.map((p) => [`${p.day} ${p.e164}`, p.minutes]));
  const max = Math.max(1, ...days.map((d) => numbers.reduce((sum, n) => sum + (byKey.get(`${d} ${n}`) ?? 0), 0)));
  const width = 640;
  const height = 200;
  const barWidth = width / Math.max(1, days.length);
  const bars = days.map((day, i) => {
    let y = height;
    return numbers.map((n, j) => {
      const minutes = byKey.get(`${day} ${n}`) ?? 0;
      if (minutes === 0) return html``;
      const h = (minutes / max) * (height - 10);
      y -= h;
      return html`<rect x="${(i * barWidth + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[j % COLOURS.length] ?? '#000'}"><title>${day} ${n}: ${minutes} min</title></rect>`;
    });
  });
  const legend = numbers.map((n, j) => html`<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${COLOURS[j % COLOURS.length] ?? '#000'}"/></svg> ${n}</li>`);
  return html`<figure class="chart">
<svg viewBox="0 0 ${width} ${height + 20}" role="img" aria-label="Billable minutes per day per number; highest day ${max} min">
<line x1="0" y1="${height}" x2="${width}" y2="${height}" stroke="#888"/>
${bars}
<text x="0" y="${height + 15}" font-size="12">${days[0] ?? ''}</text><text x="${width}" y="${height + 15}" font-size="12" text-anchor="end">${days[days.length - 1] ?? ''}</text>
</svg>
<figcaption>Billable minutes per day (UTC), highest day ${max} min.<ul class="legend">${legend}</ul></figcaption>
</figure>`;
}
