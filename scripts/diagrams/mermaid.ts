// Draws an xstate v5 machine as a Mermaid stateDiagram-v2, read from the machine object itself
// (its root StateNode: states, initial, final states, `on`, `always`, `after`, invoke's onDone
// and onError), so the picture cannot drift from the code. What changes no state (actions on
// an event, events ignored in a state) and the actors each state invokes are listed in tables
// below the picture. Same machine, same text: states in the order the machine declares them,
// events sorted, a guarded event's candidates in the order xstate tries them.
import { StateMachine, type AnyStateMachine, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';

/** One machine to draw, and where its diagram goes (machines.ts lists them). */
export interface MachineEntry {
  /** The diagram's file in docs/, without `.md` (by convention the source module's name). */
  file: string;
  /** The module that defines it, for the reader. */
  source: string;
  title: string;
  /** A sentence or two on what the machine is for. */
  about: string;
  machine: AnyStateMachine;
}

interface Edge {
  from: AnyStateNode;
  to: AnyStateNode;
  label: string;
}

interface Row {
  state: string;
  event: string;
  guard: string;
  actions: string;
}

const ANY = 'any_state_';

/** Mermaid ids: the path joined by `_`, so a top-level state's id is its name. */
const idOf = (node: AnyStateNode) => node.path.map((key) => key.replace(/[^A-Za-z0-9]/g, '_')).join('_');
const nameOf = (node: AnyStateNode) => (node.path.length === 0 ? '(any state)' : node.path.join('.'));
const childrenOf = (node: AnyStateNode): AnyStateNode[] => Object.values(node.states);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function paramsText(params: unknown): string {
  if (params === undefined) return '';
  if (isRecord(params) && Object.values(params).every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
    return `(${Object.entries(params).map(([k, v]) => `${k}: ${String(v)}`).join(', ')})`;
  }
  return `(${JSON.stringify(params)})`;
}

/** A guard by name; xstate's `and`/`or`/`not` spelled out; an inline predicate as `condition`. */
export function guardText(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function' && 'guards' in guard && Array.isArray(guard.guards)) {
    const parts = guard.guards.map(guardText);
    if (guard.name === 'not') return `not ${parts.join('')}`;
    return parts.join(` ${guard.name} `);
  }
  if (typeof guard === 'function' && 'stateValue' in guard) return `in ${JSON.stringify(guard.stateValue)}`;
  if (typeof guard === 'function') return 'condition';
  if (isRecord(guard) && typeof guard.type === 'string') return guard.type + paramsText(guard.params);
  return String(guard);
}

/** An action by name; xstate's built-ins by kind (`assign`, `sendTo`…); an inline one as `inline`. */
export function actionText(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'function' && 'type' in action && typeof action.type === 'string' && action.type.startsWith('xstate.')) return action.type.slice('xstate.'.length);
  if (typeof action === 'function') return 'inline';
  if (isRecord(action) && typeof action.type === 'string') return action.type + paramsText(action.params);
  return String(action);
}

/** An invocation's actor by the name the machine gives it (an inline machine by its id). */
function srcName(src: unknown, invokeId: string): string {
  if (typeof src === 'string') return src;
  return src instanceof StateMachine ? src.id : invokeId;
}

/** The invocations a transition's event may come from: this state's and its ancestors'. */
function invokedSrc(node: AnyStateNode, invokeId: string): string {
  for (let n: AnyStateNode | undefined = node; n !== undefined; n = n.parent) {
    const found = n.invoke.find((inv) => inv.id === invokeId);
    if (found !== undefined) return srcName(found.src, invokeId);
  }
  return invokeId;
}

/** xstate's internal event names as a reader says them: `done(route)`, `error(route)`, `after(maxLeg)`. */
function eventText(node: AnyStateNode, eventType: string): string {
  for (const after of node.after) {
    if (after.eventType === eventType) return `after(${typeof after.delay === 'function' ? 'computed' : String(after.delay)}${typeof after.delay === 'number' ? ' ms' : ''})`;
  }
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actor?.[1] !== undefined && actor[2] !== undefined) return `${actor[1]}(${invokedSrc(node, actor[2])})`;
  if (eventType.startsWith('xstate.done.state.')) return 'done';
  return eventType;
}

/** Each event's candidates in xstate's order; events sorted, `always` first. */
function transitionsOf(node: AnyStateNode): Array<{ event: string; candidates: AnyTransitionDefinition[] }> {
  const byEvent = [...node.transitions.entries()]
    .map(([eventType, candidates]) => ({ event: eventText(node, eventType), candidates }))
    .sort((a, b) => (a.event < b.event ? -1 : a.event > b.event ? 1 : 0));
  return node.always === undefined || node.always.length === 0 ? byEvent : [{ event: 'always', candidates: node.always }, ...byEvent];
}

/** `[guard]`; the last, unguarded candidate after guarded ones is `[else]`. */
function guardLabel(candidates: AnyTransitionDefinition[], index: number): string {
  const t = candidates[index];
  if (t?.guard !== undefined) return `[${guardText(t.guard)}]`;
  return index > 0 ? '[else]' : '';
}

function collect(node: AnyStateNode, edges: Edge[], rows: Row[]): void {
  for (const { event, candidates } of transitionsOf(node)) {
    candidates.forEach((t, index) => {
      const guard = guardLabel(candidates, index);
      const label = event === 'always' ? guard || 'always' : `${event}${guard === '' ? '' : ` ${guard}`}`;
      if (t.target === undefined || t.target.length === 0) {
        rows.push({ state: nameOf(node), event, guard: guard.replace(/^\[|\]$/g, ''), actions: t.actions.length === 0 ? '(ignored)' : t.actions.map(actionText).join(', ') });
        return;
      }
      for (const to of t.target) edges.push({ from: node, to, label });
    });
  }
  for (const child of childrenOf(node)) collect(child, edges, rows);
}

/** The deepest state that holds both ends (the root when none does). */
function commonParent(a: AnyStateNode, b: AnyStateNode): AnyStateNode {
  const ancestors = new Set<AnyStateNode>();
  for (let n = a.parent; n !== undefined; n = n.parent) ancestors.add(n);
  for (let n = b.parent; n !== undefined; n = n.parent) if (ancestors.has(n)) return n;
  return a.machine.root;
}

function block(node: AnyStateNode, edges: Edge[], indent: string): string[] {
  const lines: string[] = [];
  const initial = node.type === 'compound' ? node.initial.target : [];
  for (const target of initial) lines.push(`${indent}[*] --> ${idOf(target)}`);
  for (const child of childrenOf(node)) {
    const id = idOf(child);
    if (id !== child.key) lines.push(`${indent}state "${child.key}" as ${id}`);
    if (child.type === 'compound' || child.type === 'parallel') {
      lines.push(`${indent}state ${id} {`, ...block(child, edges, `${indent}  `), `${indent}}`);
    }
    for (const inv of child.invoke) lines.push(`${indent}${id} : invokes ${srcName(inv.src, inv.id)}`);
    if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
  }
  for (const edge of edges) {
    if (commonParent(edge.from, edge.to) !== node) continue;
    const from = edge.from === node.machine.root ? ANY : idOf(edge.from);
    lines.push(`${indent}${from} --> ${idOf(edge.to)}${edge.label === '' ? '' : ` : ${edge.label}`}`);
  }
  return lines;
}

/** The machine as a Mermaid stateDiagram-v2 (the text inside the ```mermaid fence). */
export function mermaidOf(machine: AnyStateMachine): string {
  const edges: Edge[] = [];
  collect(machine.root, edges, []);
  const lines = ['stateDiagram-v2'];
  // Transitions the machine takes from whatever state it is in start from one "any state" node.
  if (edges.some((e) => e.from === machine.root)) lines.push(`  state "(any state)" as ${ANY}`);
  lines.push(...block(machine.root, edges, '  '));
  return lines.join('\n');
}

function rowsOf(machine: AnyStateMachine): Row[] {
  const rows: Row[] = [];
  collect(machine.root, [], rows);
  return rows;
}

/** What each state invokes, with a link to the diagram of an invoked machine that has one. */
function invocations(machine: AnyStateMachine, docs: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  const visit = (node: AnyStateNode) => {
    for (const inv of node.invoke) {
      const src = srcName(inv.src, inv.id);
      const logic = typeof inv.src === 'string' ? machine.implementations.actors[inv.src] : inv.src;
      const childId = logic instanceof StateMachine ? logic.id : undefined;
      const doc = childId === undefined ? undefined : docs.get(childId);
      const kind = childId === undefined ? 'actor' : doc === undefined ? `machine \`${childId}\`` : `machine: [${childId}](${doc}.md)`;
      lines.push(`| ${nameOf(node)} | ${src} | ${kind} |`);
    }
    childrenOf(node).forEach(visit);
  };
  visit(machine.root);
  return lines;
}

/** The ids of the machines this one invokes (to check each has its own diagram). */
export function childMachineIds(machine: AnyStateMachine): string[] {
  const ids = new Set<string>();
  const visit = (node: AnyStateNode) => {
    for (const inv of node.invoke) {
      const logic = typeof inv.src === 'string' ? machine.implementations.actors[inv.src] : inv.src;
      if (logic instanceof StateMachine) ids.add(logic.id);
    }
    childrenOf(node).forEach(visit);
  };
  visit(machine.root);
  return [...ids].sort();
}

const cell = (text: string) => (text === '' ? ' ' : text.replace(/\|/g, '\\|'));

/**
 * The whole Markdown file for one machine. `docs`: machine id -> diagram file, for links from a
 * parent to the machines it invokes.
 */
export function machineDoc(entry: MachineEntry, docs: ReadonlyMap<string, string>): string {
  const rows = rowsOf(entry.machine);
  const invoked = invocations(entry.machine, docs);
  const out = [
    `<!-- Generated from ${entry.source} by \`npm run diagrams\`: do not edit by hand. -->`,
    `# ${entry.title}`,
    '',
    entry.about,
    '',
    `Machine \`${entry.machine.id}\`, defined in [${entry.source}](../${entry.source}). Arrows are the transitions that change state, labelled \`EVENT [guard]\`; an arrow with a guard alone is taken as soon as it holds (xstate's \`always\`); \`[else]\` is taken when the guards before it fail; \`done(x)\` / \`error(x)\` are the invoked actor \`x\` finishing or failing; \`after(d)\` is a timer. \`(any state)\` stands for transitions the machine takes from whatever state it is in.`,
    '',
    '```mermaid',
    mermaidOf(entry.machine),
    '```',
    '',
  ];
  if (rows.length > 0) {
    out.push(
      '## Events that change no state',
      '',
      'Handled where they arrive (actions only), or `(ignored)` there although an enclosing state would handle them.',
      '',
      '| state | event | guard | actions |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${cell(r.state)} | ${cell(r.event)} | ${cell(r.guard)} | ${cell(r.actions)} |`),
      '',
    );
  }
  if (invoked.length > 0) {
    out.push('## Actors invoked', '', 'Each runs while its state is active and is stopped when the state is left.', '', '| state | actor | kind |', '| --- | --- | --- |', ...invoked, '');
  }
  return out.join('\n');
}
