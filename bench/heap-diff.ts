// Compares two V8 heap snapshots (bench/soak.ts --snapshots writes them at 1,000 and N calls):
// objects by constructor (or node type and name), count and bytes, those that grew most first.
// What grows with the number of calls is what the app keeps and never frees.
//
//   node dist/bench/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot [--top 30]
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

function groups(file: string): Map<string, Group> {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, Group>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?';
    const rawName = snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '';
    // Strings and code are grouped by type only; objects by constructor name.
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${rawName.slice(0, 60)}` : type;
    const g = out.get(name) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += snap.nodes[i + sizeAt] ?? 0;
    out.set(name, g);
  }
  return out;
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
const [beforeFile, afterFile] = positionals;
if (beforeFile === undefined || afterFile === undefined) {
  process.stderr.write('usage: node dist/bench/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot [--top N]\n');
  process.exit(64);
}
const before = groups(beforeFile);
const after = groups(afterFile);
const rows = [...new Set([...before.keys(), ...after.keys()])].map((name) => {
  const b = before.get(name) ?? { count: 0, bytes: 0 };
  const a = after.get(name) ?? { count: 0, bytes: 0 };
  return { name, count: a.count - b.count, bytes: a.bytes - b.bytes, total: a.bytes };
});
rows.sort((x, y) => y.bytes - x.bytes);
const total = (m: Map<string, Group>) => [...m.values()].reduce((s, g) => s + g.bytes, 0);
process.stdout.write(`heap ${(total(before) / 1e6).toFixed(2)} MB -> ${(total(after) / 1e6).toFixed(2)} MB\n`);
for (const r of rows.slice(0, Number(values.top))) {
  process.stdout.write(`${String(r.bytes).padStart(10)} B  ${String(r.count).padStart(8)} objects  ${r.name}\n`);
}
