// The machine diagrams in docs/ are drawn from the machine definitions (scripts/diagrams/): a
// committed diagram that no longer matches its machine fails here, with the command that
// redraws it.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fromPromise, not, setup } from 'xstate';
import { repoRoot } from '../../config/paths.js';
import { diagramFiles, MACHINES } from '../../scripts/diagrams/machines.js';
import { childMachineIds, machineDoc, mermaidOf } from '../../scripts/diagrams/mermaid.js';

async function committed(file: string): Promise<string | null> {
  try {
    return await readFile(path.join(repoRoot(), file), 'utf8');
  } catch {
    return null;
  }
}

describe('machine diagrams (docs/)', () => {
  it("each committed diagram is the one its machine's definition draws", async () => {
    const stale: string[] = [];
    for (const [file, text] of diagramFiles()) if ((await committed(file)) !== text) stale.push(file);
    expect(stale, `out of date with the machines: ${stale.join(', ')}. Run \`npm run diagrams\` and commit docs/`).to.deep.equal([]);
  });

  it('every machine a listed machine invokes has a diagram of its own (one entry in scripts/diagrams/machines.ts)', () => {
    const listed = new Set(MACHINES.map((entry) => entry.machine.id));
    const missing = MACHINES.flatMap((entry) => childMachineIds(entry.machine)).filter((id) => !listed.has(id));
    expect(missing, 'invoked machines without a diagram: add them to MACHINES').to.deep.equal([]);
  });

  it('each diagram has a file of its own', () => {
    const files = MACHINES.map((entry) => entry.file);
    expect(new Set(files).size).to.equal(files.length);
  });
});

describe('mermaidOf (a machine drawn from its definition)', () => {
  const child = setup({}).createMachine({ id: 'child', initial: 'a', states: { a: { type: 'final' } } });
  const sample = setup({
    types: { events: {} as { type: 'GO' } | { type: 'STOP' } | { type: 'TICK' } },
    actors: { fetch: fromPromise(async () => 1), child },
    guards: { ready: () => true },
    actions: { count: () => undefined },
    delays: { patience: 1000 },
  }).createMachine({
    id: 'sample',
    initial: 'idle',
    on: { STOP: '.done', TICK: { actions: 'count' } },
    states: {
      idle: { on: { GO: [{ guard: 'ready', target: 'busy' }, { guard: not('ready'), target: 'idle', reenter: true }, { target: 'done' }] } },
      busy: {
        invoke: { src: 'fetch', onDone: 'nested', onError: 'done' },
        after: { patience: 'done' },
        on: { TICK: {} },
      },
      nested: {
        initial: 'inner',
        states: { inner: { invoke: { src: 'child', onDone: 'last' } }, last: { always: '#sample.done' } },
      },
      done: { type: 'final' },
    },
  });

  it('draws the initial state, every transition with its event and guard, and final states', () => {
    const text = mermaidOf(sample);
    expect(text.split('\n')).to.include.members([
      'stateDiagram-v2',
      '  [*] --> idle',
      '  idle --> busy : GO [ready]',
      '  idle --> idle : GO [not ready]',
      '  idle --> done : GO [else]',
      '  busy --> done : after(patience)',
      '  busy --> nested : done(fetch)',
      '  busy --> done : error(fetch)',
      '  done --> [*]',
      '  any_state_ --> done : STOP',
      '    [*] --> nested_inner',
      '    nested_inner --> nested_last : done(child)',
      '  nested_last --> done : always',
    ]);
  });

  it('says what each state invokes, and lists what changes no state in a table', () => {
    const doc = machineDoc({ file: 'sample', source: 'test/sample.ts', title: 'Sample', about: 'A sample.', machine: sample }, new Map([['child', 'child-doc']]));
    expect(doc).to.contain('  busy : invokes fetch');
    expect(doc).to.contain('| (any state) | TICK |   | count |');
    expect(doc).to.contain('| busy | TICK |   | (ignored) |');
    expect(doc).to.contain('| nested.inner | child | machine: [child](child-doc.md) |');
    expect(childMachineIds(sample)).to.deep.equal(['child']);
  });

  it('draws the same machine the same way every time', () => {
    expect(mermaidOf(sample)).to.equal(mermaidOf(sample));
  });
});
