// The caller's critical path: from the '#' that ends a correct PIN to the caller being in the
// conference, over real SIP into a real Asterisk (its own instance, `bench`). Each round a
// moderator calls (the room's live bridge is created for them), then a participant joins the
// live room. Both times are read off Asterisk's own event timestamps (ms) by a second ARI
// connection subscribed to everything: ChannelDtmfReceived '#' -> ChannelEnteredBridge.
//
// Baseline, in the same run: the floor of any ARI application, i.e. the ARI event reaching a
// websocket client plus one REST addChannel into a mixing bridge until Asterisk reports the
// channel in it (measured on a snoop channel of each moderator, in a bridge of the bench's own).
//   node dist/bench/join.js [--rounds 10]
import type { Channel, Client } from 'ari-client';
import { pino } from 'pino';
import { parseArgs } from 'node:util';
import { LocalAsterisk } from '../asterisk/local-asterisk.js';
import { BridgeApp } from '../app/calls/bridge-app.js';
import { databasePorts } from '../app/calls/database-ports.js';
import { parseAriTimestamp } from '../bridge/ari-events.js';
import { connectAri } from '../bridge/ari-session.js';
import { loadConfig } from '../config/config.js';
import { createScratchDatabase } from '../db/scratch.js';
import { placeCall } from '../sipp/caller.js';

const OBSERVER_APP = 'tollbridge-bench-observer';
const FLOOR_APP = 'tollbridge-bench-floor';

/** Asterisk's own time of an event (ms); a bench sample without it would be meaningless. */
function eventTime(timestamp: string | undefined): number {
  const ms = parseAriTimestamp(timestamp, NaN);
  if (Number.isNaN(ms)) throw new Error(`unreadable ARI timestamp ${String(timestamp)}`);
  return ms;
}

function summary(name: string, values: number[]): string {
  if (values.length === 0) return `${name}: no samples`;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `${name}: n=${sorted.length} median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${sorted[sorted.length - 1]} ms, mean ${mean.toFixed(1)} ms`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Watches every channel and bridge: '#' times, entries into live bridges, and the floor. */
class Observer {
  readonly moderatorJoins: number[] = [];
  readonly participantJoins: number[] = [];
  readonly floor: number[] = [];
  private readonly lastHash = new Map<string, number>();
  private readonly liveMembers = new Map<string, number>();
  private readonly floorStarted = new Map<string, number>();

  constructor(private readonly client: Client, private readonly floorBridgeId: string) {
    // Both apps of this connection subscribe to everything, so Asterisk sends each event once
    // per app: count only the observer's copy (and the floor app's own StasisStart).
    const mine = (event: { application: string }) => event.application === OBSERVER_APP;
    client.on('ChannelDtmfReceived', (event, channel) => {
      if (mine(event) && event.digit === '#') this.lastHash.set(channel.id, eventTime(event.timestamp));
    });
    client.on('ChannelEnteredBridge', (event, { bridge, channel }) => {
      if (!mine(event)) return;
      const at = eventTime(event.timestamp);
      if (bridge.id === this.floorBridgeId) {
        const started = this.floorStarted.get(channel.id);
        if (started !== undefined) this.floor.push(at - started);
        void this.client.channels.hangup({ channelId: channel.id }).catch(() => undefined);
        return;
      }
      if (!bridge.id.startsWith('tollbridge-live-')) return;
      const hash = this.lastHash.get(channel.id);
      const before = this.liveMembers.get(bridge.id) ?? 0;
      this.liveMembers.set(bridge.id, before + 1);
      if (hash === undefined) return;
      (before === 0 ? this.moderatorJoins : this.participantJoins).push(at - hash);
      if (before === 0) void this.measureFloor(channel.id, at);
    });
    client.on('ChannelLeftBridge', (event, { bridge }) => {
      if (mine(event) && bridge.id.startsWith('tollbridge-live-')) this.liveMembers.set(bridge.id, Math.max(0, (this.liveMembers.get(bridge.id) ?? 1) - 1));
    });
    client.on('StasisStart', (event, channel: Channel) => {
      // Only the snoop channels this bench makes, as they enter the floor app.
      if (event.application === FLOOR_APP && this.pendingDelivery.has(channel.id)) void this.addToFloorBridge(channel.id);
    });
  }

  private readonly pendingDelivery = new Map<string, number>();
  private snoops = 0;

  private async measureFloor(moderatorChannel: string, enteredAt: number): Promise<void> {
    // Delivery delay of the event that told us (Asterisk's timestamp -> now), then the REST move.
    const delivery = Date.now() - enteredAt;
    const snoopId = `bench-floor-${++this.snoops}`;
    this.pendingDelivery.set(snoopId, Math.max(0, delivery)); // before the request: StasisStart may beat its response
    try {
      await this.client.channels.snoopChannelWithId({ channelId: moderatorChannel, snoopId, app: FLOOR_APP, spy: 'in' });
    } catch {
      // the moderator already hung up: no sample
    }
  }

  private async addToFloorBridge(channelId: string): Promise<void> {
    const delivery = this.pendingDelivery.get(channelId) ?? 0;
    this.floorStarted.set(channelId, Date.now() - delivery);
    await this.client.bridges.addChannel({ bridgeId: this.floorBridgeId, channel: channelId }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number');

  const cfg = loadConfig({
    ...process.env,
    TOLLBRIDGE_ASTERISK_INSTANCE: 'bench',
    TOLLBRIDGE_SIP_PORT: '17060',
    TOLLBRIDGE_ARI_PORT: '18288',
    TOLLBRIDGE_AMI_PORT: '17038',
    TOLLBRIDGE_RTP_START: '38000',
    TOLLBRIDGE_RTP_END: '39999',
    TOLLBRIDGE_ARI_APP: 'tollbridge-bench',
  }).asterisk;
  const asterisk = new LocalAsterisk(cfg);
  await asterisk.start();
  const db = await createScratchDatabase({ pinSecret: 'bench' });
  const app = await BridgeApp.start({ asterisk: cfg, ...databasePorts(db), log: pino({ level: 'silent' }), runningAsterisk: asterisk });
  const observerClient = await connectAri(`http://127.0.0.1:${cfg.ariPort}`, cfg.ariUser, cfg.ariPassword, pino({ level: 'silent' }));
  try {
    const floorBridge = await observerClient.bridges.create({ type: 'mixing', name: 'bench-floor' });
    const observer = new Observer(observerClient, floorBridge.id);
    await observerClient.start([OBSERVER_APP, FLOOR_APP], true);

    const { account, room } = await db.accounts.create({ name: 'Bench', email: 'bench@example.test' });
    await db.rooms.setPins(room.number, { moderator: '4826', participant: '1739' });
    await db.numbers.add('+18005550100', 'toll_free');
    await db.numbers.subscribe('+18005550100', account.id);
    const target = { host: '127.0.0.1', port: cfg.sipPort };

    console.log(`join benchmark: ${rounds} rounds of a moderator then a participant, over real SIP into Asterisk (instance bench)`);
    for (let i = 0; i < rounds; i++) {
      const moderator = placeCall({ target, dialled: '+18005550100', callerNumber: '+15550000001', steps: [{ pauseMs: 300 }, { digits: `${room.number}#4826#` }], hangup: { by: 'caller', afterMs: 9000 } });
      await new Promise((r) => setTimeout(r, 1500)); // the participant's '#' lands after the moderator is in
      const participant = placeCall({ target, dialled: '+18005550100', callerNumber: '+15550000002', steps: [{ pauseMs: 300 }, { digits: `${room.number}#1739#` }], hangup: { by: 'caller', afterMs: 6000 } });
      const results = await Promise.all([moderator, participant]);
      if (results.some((r) => !r.answered)) throw new Error(`round ${i + 1}: a call was not answered (${results.map((r) => r.log).join(', ')})`);
      process.stdout.write(`  round ${i + 1}/${rounds} done\r`);
    }
    process.stdout.write('\n');
    // The app closes each leg when Asterisk reports the channel gone: let it finish first.
    for (let waited = 0; (await db.ledger.openLegs()).length > 0; waited += 50) {
      if (waited > 10_000) throw new Error('legs still open 10 s after the last call ended');
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(summary("moderator, '#' -> in the conference (bridge created)", observer.moderatorJoins));
    console.log(summary("participant, '#' -> in the live conference", observer.participantJoins));
    console.log(summary('baseline: ARI event delivery + one REST addChannel -> in the bridge', observer.floor));
    const floor = median(observer.floor);
    console.log(`median over baseline: moderator ${(median(observer.moderatorJoins) / floor).toFixed(1)}x, participant ${(median(observer.participantJoins) / floor).toFixed(1)}x`);
    console.log('Asterisk event timestamps have 1 ms resolution.');
  } finally {
    observerClient.stop();
    await app.stop({ drainMs: 0 });
    await db.close();
    await asterisk.stop();
  }
}

await main();
