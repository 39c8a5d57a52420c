// AriConference against a fake ARI that refuses as Asterisk does: an addChannel naming a
// channel that is gone is refused whole, a bridge id that exists cannot be created again, and
// a destroyed bridge is not found.
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { ChannelSubscriptions } from '../../bridge/channel-subscriptions.js';
import { AriConference } from '../../bridge/ari-conference.js';
import { holdBridgeId, liveBridgeId, parseRoomBridgeId } from '../../bridge/room-bridge-ids.js';
import { HoldMarks } from '../../bridge/hold-marks.js';
import { LiveMusic } from '../../bridge/live-music.js';
import { WaitingMutes } from '../../bridge/waiting-mutes.js';
import { WaitingPlaces, type PlaceEvent } from '../../bridge/waiting-places.js';
import type { AriChannels } from '../../bridge/ari-channels.js';
import type { AriCallRequests } from '../../bridge/ari-rest.js';
import { silentLog } from '../support/fakes.js';

class FakeAsterisk {
  readonly channels = new Set<string>();
  readonly bridges = new Map<string, Set<string>>();
  readonly requests: string[] = [];
  readonly unsubscribed: string[] = [];
  /** Destroyed bridges still dissolving: how many more creates of the id are refused "already exists". */
  readonly dissolving = new Map<string, number>();
  /** When set, addChannel requests wait for answerAll(). */
  holdAnswers = false;
  private readonly held: Array<() => void> = [];

  answerAll(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  private notFound(what: string): Error {
    return new Error(JSON.stringify({ message: `${what} not found` }));
  }

  /** The caller path's requests (AriRest), refusing like the client's. */
  rest(): AriCallRequests {
    const refused = async () => {
      throw new Error('not used by AriConference');
    };
    return {
      addChannel: async (bridgeId, ids) => {
        this.requests.push(`add ${bridgeId} ${ids.join(',')}`);
        if (this.holdAnswers) await new Promise<void>((resolve) => this.held.push(resolve));
        const bridge = this.bridges.get(bridgeId);
        if (bridge === undefined) throw this.notFound('Bridge');
        if (ids.some((id) => !this.channels.has(id))) throw this.notFound('Channel'); // refused whole
        for (const id of ids) bridge.add(id);
      },
      unsubscribe: async (_app, eventSource) => {
        this.unsubscribed.push(eventSource);
      },
      subscribe: async () => undefined,
      answer: refused,
      hangup: refused,
      play: refused,
      stopPlayback: refused,
      setChannelVar: refused,
    };
  }

  client(): Client {
    const bridges = {
      createWithId: async ({ bridgeId }: { bridgeId: string }) => {
        this.requests.push(`create ${bridgeId}`);
        const refusals = this.dissolving.get(bridgeId) ?? 0;
        if (refusals > 0) this.dissolving.set(bridgeId, refusals - 1);
        if (this.bridges.has(bridgeId) || refusals > 0) throw new Error(JSON.stringify({ message: `Bridge with id '${bridgeId}' already exists` }));
        this.bridges.set(bridgeId, new Set());
      },
      startMoh: async ({ bridgeId }: { bridgeId: string }) => {
        this.requests.push(`moh on ${bridgeId}`);
      },
      stopMoh: async ({ bridgeId }: { bridgeId: string }) => {
        this.requests.push(`moh off ${bridgeId}`);
      },
      get: async ({ bridgeId }: { bridgeId: string }) => {
        if (!this.bridges.has(bridgeId)) throw this.notFound('Bridge');
        return { id: bridgeId };
      },
      destroy: async ({ bridgeId }: { bridgeId: string }) => {
        this.requests.push(`destroy ${bridgeId}`);
        if (!this.bridges.has(bridgeId)) throw this.notFound('Bridge');
        this.bridges.delete(bridgeId);
      },
    };
    const channels = {
      get: async ({ channelId }: { channelId: string }) => {
        if (!this.channels.has(channelId)) throw this.notFound('Channel');
        return { id: channelId };
      },
    };
    const asterisk = {
      setGlobalVar: async ({ variable, value }: { variable: string; value: string }) => {
        this.requests.push(`mark ${variable}=${value}`);
      },
    };
    return { bridges, channels, asterisk } as unknown as Client;
  }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
}

function setup(channels: string[]) {
  const asterisk = new FakeAsterisk();
  for (const c of channels) asterisk.channels.add(c);
  const client = asterisk.client();
  const source = { client, rest: asterisk.rest() };
  const pauses: number[] = [];
  const pause = async (ms: number) => {
    pauses.push(ms);
  };
  const conference = new AriConference(source, {} as AriChannels, new ChannelSubscriptions(source, 'test', silentLog), silentLog, pause);
  return { asterisk, conference, pauses };
}

/** The service's shape: waiting callers stand muted in the live bridge (AMI's Setvar MUTEAUDIO recorded as requests). */
function setupWaiting(channels: string[]) {
  const asterisk = new FakeAsterisk();
  for (const c of channels) asterisk.channels.add(c);
  const client = asterisk.client();
  const source = { client, rest: asterisk.rest() };
  const ami = {
    connected: true,
    action: async (fields: Record<string, string>) => {
      asterisk.requests.push(`ami ${fields.action} ${fields.variable} ${fields.channel} ${fields.value}`);
      return {};
    },
  };
  const places = new WaitingPlaces();
  const told: PlaceEvent[] = [];
  const conference = new AriConference(source, {} as AriChannels, new ChannelSubscriptions(source, 'test', silentLog), silentLog, async () => undefined, {
    places, music: new LiveMusic(source, silentLog), mutes: new WaitingMutes(ami, source, silentLog), marks: new HoldMarks(source, silentLog), tell: (e) => told.push(e),
  });
  return { asterisk, conference, places, told };
}

describe('AriConference: callers waiting for the moderator stand muted in the live bridge', () => {
  const LIVE = liveBridgeId('11331134');
  const HOLD_MARK = 'TOLLBRIDGE_HOLD_11331134';

  it('held: muted and the room marked before they are added, the music on; nobody is moved at the release: the music stops, the moderator goes in, then the unmutes (the room\'s muted excepted) and the mark', async () => {
    const t = setupWaiting(['m', 'a', 'b']);
    await t.conference.hold('11331134', ['a', 'b'], null);
    expect(t.asterisk.requests).to.deep.equal([
      `create ${LIVE}`, 'ami Setvar MUTEAUDIO(in) a on', 'ami Setvar MUTEAUDIO(in) b on', `mark ${HOLD_MARK}=1`, `moh on ${LIVE}`, `add ${LIVE} a,b`,
    ]);
    expect(t.asterisk.bridges.has(holdBridgeId('11331134'))).to.equal(false);
    for (const id of ['a', 'b']) expect(t.places.classify({ type: 'bridge.entered', channelId: id, room: '11331134', bridge: 'live' }).bridge).to.equal('hold');
    t.asterisk.requests.length = 0;
    await t.conference.admitLive('11331134', ['m', 'a', 'b'], ['b']);
    await waitUntil(() => t.asterisk.requests.length >= 4);
    // The moderator goes in while the waiting are still muted (a join into a bridge of talking callers is slow).
    expect(t.asterisk.requests).to.deep.equal([`moh off ${LIVE}`, `add ${LIVE} m`, 'ami Setvar MUTEAUDIO(in) a off', `mark ${HOLD_MARK}=`]);
    expect(t.told.map((e) => `${e.type} ${e.bridge} ${e.channelId}`)).to.deep.equal(['bridge.left hold a', 'bridge.entered live a', 'bridge.left hold b', 'bridge.entered live b']);
  });

  it('an open room\'s callers whose moderator left are held where they stand (no move), told held; a room never held costs no mark when it ends', async () => {
    const t = setupWaiting(['p', 'q']);
    await t.conference.admitLive('11331134', ['p', 'q']);
    for (const id of ['p', 'q']) t.places.classify({ type: 'bridge.entered', channelId: id, room: '11331134', bridge: 'live' });
    t.asterisk.requests.length = 0;
    await t.conference.release('22332233');
    expect(t.asterisk.requests, 'no mark for a room never held').to.deep.equal([]);
    await t.conference.hold('11331134', ['p', 'q'], null);
    expect(t.asterisk.requests).to.deep.equal(['ami Setvar MUTEAUDIO(in) p on', 'ami Setvar MUTEAUDIO(in) q on', `mark ${HOLD_MARK}=1`, `moh on ${LIVE}`]);
    expect(t.told.map((e) => `${e.type} ${e.bridge} ${e.channelId}`)).to.deep.equal(['bridge.left live p', 'bridge.entered hold p', 'bridge.left live q', 'bridge.entered hold q']);
  });

  it('without AMI the mutes go over ARI', async () => {
    const asterisk = new FakeAsterisk();
    asterisk.channels.add('a');
    const client = asterisk.client();
    const calls: string[] = [];
    (client as unknown as { channels: Record<string, unknown> }).channels.mute = async ({ channelId }: { channelId: string }) => calls.push(`ari mute ${channelId}`);
    const mutes = new WaitingMutes({ connected: false, action: async () => ({}) }, { client, rest: asterisk.rest() }, silentLog);
    await mutes.set(['a'], true);
    expect(calls).to.deep.equal(['ari mute a']);
  });
});

describe('AriConference: every bridge move checked (fake ARI that refuses like Asterisk)', () => {
  it('the callers a moderator releases go in one request (Asterisk moves them one after the other on the bridge anyway)', async () => {
    const t = setup(['m', 'a', 'b']);
    t.asterisk.holdAnswers = true;
    const moved = t.conference.admitLive('11331134', ['m', 'a', 'b']);
    await waitUntil(() => t.asterisk.requests.length === 2);
    expect(t.asterisk.requests).to.deep.equal(['create tollbridge-live-11331134', 'add tollbridge-live-11331134 m,a,b']);
    t.asterisk.answerAll();
    await moved;
    expect([...(t.asterisk.bridges.get(liveBridgeId('11331134')) ?? [])]).to.deep.equal(['m', 'a', 'b']);
    expect(t.asterisk.unsubscribed).to.deep.equal(['channel:m', 'channel:a', 'channel:b']);
  });

  it('a caller who just hung up is refused alone: the request naming all is refused whole, then one request each', async () => {
    const t = setup(['m', 'p1', 'p3']); // p2 hung up a moment before
    await t.conference.admitLive('11331134', ['m', 'p1', 'p2', 'p3']);
    expect(t.asterisk.requests.slice(1)).to.deep.equal([
      'add tollbridge-live-11331134 m,p1,p2,p3',
      'add tollbridge-live-11331134 m',
      'add tollbridge-live-11331134 p1',
      'add tollbridge-live-11331134 p2',
      'add tollbridge-live-11331134 p3',
    ]);
    expect([...(t.asterisk.bridges.get(liveBridgeId('11331134')) ?? [])]).to.deep.equal(['m', 'p1', 'p3']);
    expect(t.asterisk.unsubscribed).to.deep.equal(['channel:m', 'channel:p1', 'channel:p3']);
  });

  it('a bridge destroyed under the app is created again and the move made', async () => {
    const t = setup(['m']);
    await t.conference.admitLive('11331134', ['m']);
    t.asterisk.bridges.delete(liveBridgeId('11331134'));
    await t.conference.admitLive('11331134', ['m']);
    expect([...(t.asterisk.bridges.get(liveBridgeId('11331134')) ?? [])]).to.deep.equal(['m']);
  });

  it('a bridge destroyed a moment ago and still dissolving ("already exists", yet not found) is created again once it is gone', async () => {
    const t = setup(['m', 'p']);
    await t.conference.admitLive('11331134', ['m', 'p']);
    t.asterisk.bridges.delete(liveBridgeId('11331134'));
    t.asterisk.dissolving.set(liveBridgeId('11331134'), 3);
    await t.conference.admitLive('11331134', ['p']);
    expect(t.pauses).to.deep.equal([100, 100, 100]);
    expect([...(t.asterisk.bridges.get(liveBridgeId('11331134')) ?? [])]).to.deep.equal(['p']);
  });

  it('a bridge id refused "already exists" for ever (and never found) fails the move after 5 s of tries, for the placement watch to handle', async () => {
    const t = setup(['m']);
    t.asterisk.dissolving.set(liveBridgeId('11331134'), 1000);
    let failure: unknown = null;
    await t.conference.admitLive('11331134', ['m']).catch((err: unknown) => {
      failure = err;
    });
    expect(String(failure)).to.include('already exists');
    expect(t.pauses.reduce((a, b) => a + b, 0)).to.equal(4_900);
  });

  it('a bridge Asterisk reports destroyed is no longer believed to exist: the next move creates it first, no add is refused', async () => {
    const t = setup(['m']);
    await t.conference.admitLive('11331134', ['m']);
    t.asterisk.bridges.delete(liveBridgeId('11331134'));
    t.conference.bridgeDestroyed(liveBridgeId('11331134'));
    await t.conference.admitLive('11331134', ['m']);
    expect(t.asterisk.requests).to.deep.equal([
      'create tollbridge-live-11331134',
      'add tollbridge-live-11331134 m',
      'create tollbridge-live-11331134',
      'add tollbridge-live-11331134 m',
    ]);
    expect([...(t.asterisk.bridges.get(liveBridgeId('11331134')) ?? [])]).to.deep.equal(['m']);
  });

  it('a room bridge Asterisk reports destroyed is not destroyed again when the room is released', async () => {
    const t = setup(['m']);
    await t.conference.admitLive('11331134', ['m']);
    t.asterisk.bridges.delete(liveBridgeId('11331134'));
    t.conference.bridgeDestroyed(liveBridgeId('11331134'));
    await t.conference.release('11331134');
    expect(t.asterisk.requests.filter((r) => r.startsWith('destroy'))).to.deep.equal([]);
  });

  it('a room bridge Asterisk reports created is used without creating it', async () => {
    const t = setup(['m']);
    t.asterisk.bridges.set(liveBridgeId('11331134'), new Set());
    t.conference.bridgeCreated(liveBridgeId('11331134'));
    await t.conference.admitLive('11331134', ['m']);
    expect(t.asterisk.requests).to.deep.equal(['add tollbridge-live-11331134 m']);
  });

  it('a bridge Asterisk already has (made before a restart) is used, not an error', async () => {
    const t = setup(['m']);
    t.asterisk.bridges.set(liveBridgeId('11331134'), new Set());
    await t.conference.admitLive('11331134', ['m']);
    expect([...(t.asterisk.bridges.get(liveBridgeId('11331134')) ?? [])]).to.deep.equal(['m']);
  });

  it("reads a room bridge's id; other bridges are none of the room's business", () => {
    expect(parseRoomBridgeId('tollbridge-live-11331134')).to.deep.equal({ bridge: 'live', room: '11331134' });
    expect(parseRoomBridgeId('tollbridge-hold-11331134')).to.deep.equal({ bridge: 'hold', room: '11331134' });
    expect(parseRoomBridgeId('recording-bridge')).to.equal(null);
  });
});
