// The load bench as a function (bench/load.ts is its command line; the CI test calls it
// small): seeds the rooms, then runs the same calls against tollbridge and against the
// ConfBridge baseline, one after the other on the same machine, and returns both reports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCallers, type CallersKind } from './callers/load-callers.js';
import { planCalls, type CallOrder } from './load-plan.js';
import type { SideReport } from './load-figures.js';
import { runSide, type RunShape } from './load-run.js';
import { seedRooms } from './load-seed.js';
import { startConfBridgeSide } from './load-side-confbridge.js';
import { startTollbridgeSide } from './load-side-tollbridge.js';
import type { SideEndpoints, SideName } from './load-side.js';

export interface LoadOptions extends RunShape {
  calls: number;
  rooms: number;
  only: SideName | null;
  /** The load generator: the light callers (one process) or SIPp (one process per call). */
  callers: CallersKind;
  /** Moderator first: rooms opened round-robin (default) or one room after another (a soak). */
  order?: CallOrder;
  endpoints: Record<SideName, SideEndpoints>;
  progress?: (line: string) => void;
}

export interface LoadReport {
  shape: { calls: number; cps: number; rooms: number; moderator: 'first' | 'last'; stayS: number };
  at: string;
  machine: { cpus: number; model: string };
  sides: SideReport[];
}

const PIN_SECRET = 'load-bench-pin-secret';

export async function runLoadBench(options: LoadOptions): Promise<LoadReport> {
  const progress = options.progress ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-load-'));
  // TOLLBRIDGE_LOAD_KEEP=yes keeps the directory (database, the app's log) after a good run too.
  let keep = process.env.TOLLBRIDGE_LOAD_KEEP === 'yes';
  try {
    const databaseFile = path.join(dir, 'tollbridge.sqlite');
    const perRoom = Math.ceil(options.calls / options.rooms);
    const rooms = await seedRooms(databaseFile, PIN_SECRET, options.rooms, perRoom);
    const plan = planCalls(options.calls, rooms, options.moderator, options.order ?? 'round-robin');
    const sides: SideReport[] = [];
    const callers = await openCallers(options.callers);
    try {
      for (const name of ['tollbridge', 'confbridge'] as const) {
        if (options.only !== null && options.only !== name) continue;
        progress(`${name}: starting`);
        const side =
          name === 'tollbridge'
            ? await startTollbridgeSide({ endpoints: options.endpoints.tollbridge, dir, databaseFile, pinSecret: PIN_SECRET })
            : await startConfBridgeSide(options.endpoints.confbridge, rooms);
        try {
          sides.push(await runSide(side, callers, plan, options, progress));
        } catch (err) {
          keep = true;
          throw err;
        } finally {
          await side.stop();
        }
      }
    } finally {
      await callers.close();
    }
    const cpus = os.cpus();
    return {
      shape: { calls: options.calls, cps: options.cps, rooms: options.rooms, moderator: options.moderator, stayS: options.stayS },
      at: new Date().toISOString(),
      machine: { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown' },
      sides,
    };
  } finally {
    if (keep) progress(`kept ${dir} (the app's log is tollbridge.log)`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
