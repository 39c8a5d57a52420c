// A conference's recording over ARI: POST /bridges/tollbridge-live-<room>/record (wav) into
// Asterisk's spool (<root>/var/spool/asterisk-<instance>/recording/<name>.wav for a managed
// Asterisk), stopped with POST /recordings/live/{name}/stop (or by Asterisk when the bridge
// goes); once Asterisk reports it finished, the file is streamed out over ARI (GET
// /recordings/stored/{name}/file) into the app's recordings directory and deleted from the
// spool. Going through ARI rather than the spool's path works the same for an Asterisk on
// another machine (TOLLBRIDGE_ASTERISK_MANAGED=false).
import type { Logger } from 'pino';
import type { AriRest } from './ari-rest.js';
import { liveBridgeId } from './room-bridge-ids.js';
import type { AriClientSource } from './ari-client-source.js';
import type { RecordingEnd, RecordingEnds } from './recording-ends.js';

/** A recording that Asterisk never reports ended is taken as ended this long after its stop. */
const STOP_GUARD_MS = 10_000;
/** No conference records longer (a leg lasts at most TOLLBRIDGE_MAX_LEG_S, 4 h by default). */
const LONGEST_RECORDING_MS = 24 * 3_600_000;

/** What the conference recorder asks of Asterisk (app/calls/conference-recorder.ts). */
export interface BridgeRecording {
  /** Starts recording the room's live bridge as `name`; resolves once Asterisk accepted it. */
  start(room: string, name: string): Promise<void>;
  /** Settles when the recording has ended (stopped, or its bridge gone). */
  ended(name: string): Promise<RecordingEnd>;
  /**
   * Asks Asterisk to stop it; settles once it has ended, or after STOP_GUARD_MS when its end
   * was never reported (lost in an ARI reconnect): then `ended(name)` has settled too.
   */
  stop(name: string): Promise<void>;
  /** Moves the finished file out of Asterisk into `file`; its size in bytes. */
  takeFile(name: string, file: string): Promise<number>;
  /**
   * A recording started before a restart: 'live' when Asterisk still records it (from now on
   * followed like one this process started: `ended`, `stop`), 'gone' when it is not live there.
   */
  adopt(name: string): Promise<'live' | 'gone'>;
}

/** Asterisk's states of a live recording that still records or will. */
const RECORDING_STATES = new Set(['queued', 'recording', 'paused']);

export class AriBridgeRecorder implements BridgeRecording {
  private readonly running = new Map<string, Promise<RecordingEnd>>();

  constructor(
    private readonly ari: AriClientSource & { rest: Pick<AriRest, 'downloadStored'> },
    private readonly ends: RecordingEnds,
    private readonly log: Logger,
    private readonly stopGuardMs = STOP_GUARD_MS,
  ) {}

  async start(room: string, name: string): Promise<void> {
    this.follow(name);
    try {
      await this.ari.client.bridges.record({ bridgeId: liveBridgeId(room), name, format: 'wav', ifExists: 'fail', terminateOn: 'none', beep: false });
    } catch (err) {
      this.ends.ended(name, 'failed');
      throw err;
    }
  }

  async adopt(name: string): Promise<'live' | 'gone'> {
    // Followed before asking, so an end reported meanwhile is not missed.
    this.follow(name);
    const state = await this.ari.client.recordings.getLive({ recordingName: name }).then(
      (live) => live.state,
      (err: unknown) => {
        this.log.debug({ err, name }, 'recording not live in Asterisk');
        return 'gone';
      },
    );
    if (RECORDING_STATES.has(state)) return 'live';
    this.ends.ended(name, 'finished');
    return 'gone';
  }

  private follow(name: string): void {
    const ended = this.ends.expect(name, LONGEST_RECORDING_MS);
    this.running.set(name, ended);
    void ended.then(() => this.running.delete(name));
  }

  ended(name: string): Promise<RecordingEnd> {
    return this.running.get(name) ?? Promise.resolve('finished');
  }

  async stop(name: string): Promise<void> {
    const ended = this.ended(name);
    await this.ari.client.recordings.stop({ recordingName: name }).catch((err: unknown) => this.log.debug({ err, name }, 'recording already stopped'));
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<'guard'>((resolve) => (timer = setTimeout(() => resolve('guard'), this.stopGuardMs)));
    const first = await Promise.race([ended, guard]).finally(() => clearTimeout(timer));
    if (first === 'guard') await this.endUnreported(name);
  }

  /**
   * Its RecordingFinished never came (lost with the ARI connection): Asterisk is asked where it
   * stands, stopped again if it still records, and the recording is taken as ended either way,
   * so the room stops saying it records and what was recorded is stored.
   */
  private async endUnreported(name: string): Promise<void> {
    const state = await this.ari.client.recordings.getLive({ recordingName: name }).then(
      (live) => live.state,
      (err: unknown) => {
        this.log.debug({ err, name }, 'recording no longer live in Asterisk');
        return 'gone';
      },
    );
    if (state !== 'gone' && state !== 'done' && state !== 'failed' && state !== 'canceled') {
      await this.ari.client.recordings.stop({ recordingName: name }).catch((err: unknown) => this.log.warn({ err, name, state }, 'recording still live in Asterisk and not stopped'));
    }
    this.log.warn({ name, state, afterMs: this.stopGuardMs }, 'recording end never reported by Asterisk: taken as ended');
    this.ends.ended(name, 'timeout');
  }

  async takeFile(name: string, file: string): Promise<number> {
    const size = await this.ari.rest.downloadStored(name, file);
    await this.ari.client.recordings.deleteStored({ recordingName: name }).catch((err: unknown) => this.log.warn({ err, name }, 'recording copied but not deleted from the Asterisk spool'));
    return size;
  }
}
