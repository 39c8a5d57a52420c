// Asterisk's truth, read in two requests when the app starts or its websocket comes back:
// the channels in our Stasis app (with the call mark each carries, see call-marks.ts) and the
// room bridges (tollbridge-live-<room>, tollbridge-hold-<room>) with who is in them, and each
// such room's lock and mute-all (room-marks.ts), and whether its callers wait for the
// moderator inside the live bridge (hold-marks.ts).
import type { Logger } from 'pino';
import type { CallMark, RoomControlsState } from '../flows/ports.js';
import type { AriClientSource } from './ari-client-source.js';
import { CALL_MARK_VARIABLE, decodeCallMark } from './call-marks.js';
import { readRoomMarks } from './room-marks.js';
import { readHoldMarks } from './hold-marks.js';

export interface ChannelView {
  id: string;
  /** Asterisk's channel state: 'Up' once answered, 'Ring' before. */
  state: string;
  /** The dialled number as the dialplan handed it to Stasis (digits, without '+'). */
  dialled: string;
  callerNumber: string | null;
  mark: CallMark | null;
}

export interface RoomBridgeView {
  id: string;
  room: string;
  kind: 'live' | 'hold';
  channels: string[];
  /** A live bridge whose callers wait for the moderator (hold-marks.ts). */
  waiting?: boolean;
}

export interface AsteriskSnapshot {
  channels: ChannelView[];
  bridges: RoomBridgeView[];
  /** Rooms with bridges whose lock or mute-all was on. */
  roomControls?: Map<string, RoomControlsState>;
}

/** The parts of ARI's Channel JSON read here (ari-client's types lack app_name and channelvars). */
interface ChannelJson {
  id: string;
  state: string;
  caller: { number: string };
  dialplan: { exten: string; app_name?: string; app_data?: string };
  channelvars?: Record<string, string>;
}

const ROOM_BRIDGE = /^tollbridge-(live|hold)-(.+)$/;

export async function readAsterisk(ari: AriClientSource, app: string, log: Logger): Promise<AsteriskSnapshot> {
  const [channels, bridges] = await Promise.all([ari.client.channels.list(), ari.client.bridges.list()]);
  const ours = (channels as unknown as ChannelJson[]).filter((c) => inApp(c, app));
  const views = await Promise.all(
    ours.map(async (c): Promise<ChannelView> => {
      const raw = c.channelvars === undefined ? await readMark(ari, c.id, log) : c.channelvars[CALL_MARK_VARIABLE];
      return {
        id: c.id,
        state: c.state,
        dialled: dialledOf(c),
        callerNumber: c.caller.number === '' ? null : c.caller.number,
        mark: decodeCallMark(raw),
      };
    }),
  );
  const roomBridges: RoomBridgeView[] = [];
  for (const b of bridges) {
    const m = ROOM_BRIDGE.exec(b.id);
    if (m === null) continue;
    const members = typeof b.channels === 'string' ? [b.channels] : (b.channels ?? []);
    roomBridges.push({ id: b.id, kind: m[1] as 'live' | 'hold', room: m[2] as string, channels: members });
  }
  const [roomControls, waitingRooms] = await Promise.all([
    readRoomMarks(ari, roomBridges.map((b) => b.room), log),
    readHoldMarks(ari, roomBridges.filter((b) => b.kind === 'live').map((b) => b.room), log),
  ]);
  for (const b of roomBridges) if (b.kind === 'live' && waitingRooms.has(b.room)) b.waiting = true;
  return { channels: views, bridges: roomBridges, roomControls };
}

/** A channel sits in our app when its dialplan application is Stasis(<app>,…); without app_name (old Asterisk) every channel counts. */
function inApp(c: ChannelJson, app: string): boolean {
  if (c.dialplan.app_name === undefined) return true;
  return c.dialplan.app_name === 'Stasis' && (c.dialplan.app_data === app || (c.dialplan.app_data ?? '').startsWith(`${app},`));
}

function dialledOf(c: ChannelJson): string {
  const data = c.dialplan.app_data ?? '';
  const comma = data.indexOf(',');
  return comma >= 0 ? data.slice(comma + 1) : c.dialplan.exten;
}

/** Without ari.conf `channelvars` the mark is asked for per channel. */
async function readMark(ari: AriClientSource, channelId: string, log: Logger): Promise<string | undefined> {
  try {
    return (await ari.client.channels.getChannelVar({ channelId, variable: CALL_MARK_VARIABLE })).value;
  } catch (err) {
    log.debug({ err, channelId }, 'no call mark on channel');
    return undefined;
  }
}
