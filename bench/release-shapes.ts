// How fast can the moderator's arrival release N waiting callers? An experiment for issue 26
// item 1, on a real Asterisk with the light callers, without the app: a minimal Stasis app of
// its own answers the callers and makes them wait in one of three shapes, then releases them
// all at once and times it.
//   move        (what tollbridge does today) waiting in a holding bridge with its music; release:
//               one addChannel of all N into the mixing bridge; done at the N-th
//               ChannelEnteredBridge of the mixing bridge.
//   unmute-ari  waiting already in the mixing bridge, each muted (ARI mute, direction in) with
//               the bridge's music; release: stopMoh and N ARI unmutes side by side (over 32
//               keep-alive sockets); done when every answer is in.
//   unmute-ami  the same wait; release: stopMoh over ARI and N AMI MuteAudio actions written in
//               one go on one AMI connection; done when every answer is in.
// Each shape runs `--runs` times; the figures are the release times in ms.
//   npm run bench:release -- [--calls 100] [--runs 3] [--shapes move,unmute-ari,unmute-ami]
// Needs root (chroot). Instance and ports: TOLLBRIDGE_RELEASE_* (INSTANCE, SIP_PORT, ARI_PORT,
// AMI_PORT, RTP_START, RTP_END).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ari from 'ari-client';
import { LocalAsterisk } from '../asterisk/local-asterisk.js';
import { openCallers, type LoadCall } from './callers/load-callers.js';
import { amiLogin, sideAsteriskConfig, sideEndpoints } from './load-side.js';

type Shape = 'move' | 'unmute-ari' | 'unmute-ami';
const SHAPES: readonly Shape[] = ['move', 'unmute-ari', 'unmute-ami'];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' }, shapes: { type: 'string', default: SHAPES.join(',') } } });
  const calls = Number(values.calls);
  const runs = Number(values.runs);
  const shapes = values.shapes.split(',').map((s) => {
    const shape = SHAPES.find((known) => known === s);
    if (shape === undefined) throw new Error(`--shapes takes ${SHAPES.join(', ')}, not "${s}"`);
    return shape;
  });
  if (!Number.isInteger(calls) || calls < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('--calls and --runs take whole numbers >= 1');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-release-'));
  const endpoints = sideEndpoints(process.env, 'TOLLBRIDGE_RELEASE', { instance: 'relbench', sipPort: 17140, ariPort: 18340, amiPort: 17440, rtpStart: 45000, rtpEnd: 46999 });
  const cfg = sideAsteriskConfig(endpoints, { TOLLBRIDGE_DATA_DIR: dataDir });
  const asterisk = new LocalAsterisk(cfg);
  await asterisk.start();
  const callers = await openCallers('light');
  const client = await ari.connect(`http://127.0.0.1:${cfg.ariPort}`, cfg.ariUser, cfg.ariPassword);
  const ariBase = `http://127.0.0.1:${cfg.ariPort}/ari`;
  const auth = `Basic ${Buffer.from(`${cfg.ariUser}:${cfg.ariPassword}`).toString('base64')}`;
  // Keep-alive sockets, at most 32 (Asterisk's HTTP server takes 100 sessions at most).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const rest = (method: string, url: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(`${ariBase}${url}`, { method, agent, headers: { authorization: auth } }, (res) => {
        res.resume();
        res.on('end', () => ((res.statusCode ?? 500) >= 300 ? reject(new Error(`${method} ${url}: ${String(res.statusCode)}`)) : resolve()));
      });
      req.on('error', reject);
      req.end();
    });
  const results = new Map<Shape, number[]>();
  try {
    let arrived: (id: string) => void = () => undefined;
    client.on('StasisStart', (_event, channel) => arrived(channel.id));
    let entered: (bridgeId: string, channelId: string) => void = () => undefined;
    client.on('ChannelEnteredBridge', (event) => entered(event.bridge.id, event.channel.id));
    await client.start(cfg.ariApp);
    const ami = await AmiPipe.open(amiLogin(cfg));

    for (const shape of shapes) {
      for (let run = 1; run <= runs; run++) {
        const mixing = `release-mix-${shape}-${run}`;
        const holding = `release-hold-${shape}-${run}`;
        await client.bridges.createWithId({ bridgeId: mixing, type: 'mixing,dtmf_events' });
        if (shape === 'move') {
          await client.bridges.createWithId({ bridgeId: holding, type: 'holding' });
          await client.bridges.startMoh({ bridgeId: holding, mohClass: 'default' });
        } else {
          await client.bridges.startMoh({ bridgeId: mixing, mohClass: 'default' });
        }
        // The callers arrive and wait in the shape's way.
        const waiting: string[] = [];
        const waitingDone = new Promise<void>((resolve) => {
          arrived = (id) => {
            void (async () => {
              await rest('POST', `/channels/${id}/answer`);
              if (shape === 'move') await rest('POST', `/bridges/${holding}/addChannel?channel=${id}`);
              else {
                await rest('POST', `/channels/${id}/mute?direction=in`);
                await rest('POST', `/bridges/${mixing}/addChannel?channel=${id}`);
              }
              waiting.push(id);
              if (waiting.length === calls) resolve();
            })().catch((err: unknown) => process.stderr.write(`a caller's wait failed: ${String(err)}\n`));
          };
        });
        const placed: LoadCall[] = [];
        for (let i = 0; i < calls; i++) {
          placed.push(callers.place({ target: { host: '127.0.0.1', port: cfg.sipPort }, dialled: '+18005550100', callerNumber: `+1555010${String(i).padStart(4, '0')}`, steps: [], hangupAfterMs: 300_000 }));
          await new Promise((r) => setTimeout(r, 50));
        }
        await waitingDone;
        // Everyone settled: let the bridges' and channels' threads go quiet first.
        await new Promise((r) => setTimeout(r, 2000));

        const startedAt = performance.now();
        if (shape === 'move') {
          const inMixing = new Set<string>();
          const allIn = new Promise<void>((resolve) => {
            entered = (bridgeId, channelId) => {
              if (bridgeId !== mixing) return;
              inMixing.add(channelId);
              if (inMixing.size === calls) resolve();
            };
          });
          await rest('POST', `/bridges/${mixing}/addChannel?channel=${waiting.join(',')}`);
          await allIn;
        } else if (shape === 'unmute-ari') {
          await Promise.all([rest('DELETE', `/bridges/${mixing}/moh`), ...waiting.map((id) => rest('DELETE', `/channels/${id}/mute?direction=in`))]);
        } else {
          await Promise.all([rest('DELETE', `/bridges/${mixing}/moh`), ami.unmuteAll(waiting)]);
        }
        const ms = performance.now() - startedAt;
        results.set(shape, [...(results.get(shape) ?? []), ms]);
        process.stderr.write(`${shape} run ${run}: ${calls} released in ${ms.toFixed(1)} ms\n`);

        for (const call of placed) call.hangUpNow();
        await Promise.all(placed.map((c) => c.result));
        for (const bridgeId of shape === 'move' ? [mixing, holding] : [mixing]) await client.bridges.destroy({ bridgeId }).catch(() => undefined);
        entered = () => undefined;
      }
    }
    await ami.close();
  } finally {
    client.stop();
    await callers.close();
    await asterisk.stop();
    agent.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(`\nreleasing ${calls} waiting callers (ms, ${runs} runs each)\n`);
  process.stdout.write('shape        min      median   max\n');
  for (const [shape, times] of results) {
    const sorted = [...times].sort((a, b) => a - b);
    process.stdout.write(`${shape.padEnd(12)} ${(sorted[0] ?? NaN).toFixed(1).padStart(7)}  ${percentile(sorted, 50).toFixed(1).padStart(7)}  ${(sorted.at(-1) ?? NaN).toFixed(1).padStart(7)}\n`);
  }
}

/** One raw AMI connection: N actions written at once, answers counted by ActionID. */
class AmiPipe {
  private buffer = '';
  private readonly waiting = new Map<string, (ok: boolean) => void>();
  private seq = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.read(chunk));
  }

  static async open(login: { port: number; user: string; password: string }): Promise<AmiPipe> {
    const socket = net.connect(login.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const pipe = new AmiPipe(socket);
    const loggedIn = await pipe.send([{ Action: 'Login', Username: login.user, Secret: login.password, Events: 'off' }]);
    if (!loggedIn) throw new Error('AMI login refused');
    return pipe;
  }

  unmuteAll(channels: string[]): Promise<boolean> {
    return this.send(channels.map((channel) => ({ Action: 'MuteAudio', Channel: channel, Direction: 'in', State: 'off' })));
  }

  /** Writes every action in one write; true when every one succeeded. */
  async send(actions: Array<Record<string, string>>): Promise<boolean> {
    const answers = actions.map(() => {
      const id = `p${++this.seq}`;
      return { id, answer: new Promise<boolean>((resolve) => this.waiting.set(id, resolve)) };
    });
    const text = actions.map((a, i) => `${Object.entries({ ...a, ActionID: answers[i]?.id ?? '' }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`).join('');
    this.socket.write(text);
    return (await Promise.all(answers.map((a) => a.answer))).every(Boolean);
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\r\n\r\n')) >= 0) {
      const message = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 4);
      const id = /ActionID: (\S+)/i.exec(message)?.[1];
      const answer = id === undefined ? undefined : this.waiting.get(id);
      if (answer === undefined || id === undefined) continue;
      this.waiting.delete(id);
      answer(/^Response: Success/im.test(message));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.end(() => resolve());
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
