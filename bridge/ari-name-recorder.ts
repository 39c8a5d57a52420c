// NameRecorder over ARI: "at the tone, please say your name" (priv-recordintro, in the
// caller's room language), then POST /channels/{id}/record with a beep: at most
// NAME_MAX_SECONDS, '#' ends it early. The recording is an Asterisk stored recording
// (tollbridge-name-<channel id>.wav in the instance's spool recording directory), played to
// the room as recording:<name> and deleted through ARI (DELETE /recordings/stored/{name}).
import type { Logger } from 'pino';
import type { NameRecorder } from '../flows/ports.js';
import { AnnouncementPrompt } from '../flows/announcements.js';
import type { AriChannels } from './ari-channels.js';
import type { AriClientSource } from './ari-client-source.js';
import type { RecordingEnds } from './recording-ends.js';

/** Long enough for a name; the room hears it twice (joined, left). */
export const NAME_MAX_SECONDS = 3;
/** Asterisk reports the end within moments of the limit; past this the name is given up. */
const NAME_END_GUARD_MS = (NAME_MAX_SECONDS + 5) * 1000;

export const nameRecordingOf = (channelId: string) => `tollbridge-name-${channelId}`;

export class AriNameRecorder implements NameRecorder {
  constructor(
    private readonly ari: AriClientSource,
    private readonly channels: AriChannels,
    private readonly ends: RecordingEnds,
    private readonly log: Logger,
  ) {}

  async record(channelId: string): Promise<string | null> {
    await this.channels.play(channelId, [`sound:${AnnouncementPrompt.sayYourName}`]).finished;
    const name = nameRecordingOf(channelId);
    const ended = this.ends.expect(name, NAME_END_GUARD_MS);
    try {
      await this.ari.client.channels.record({ channelId, name, format: 'wav', maxDurationSeconds: NAME_MAX_SECONDS, beep: true, terminateOn: '#', ifExists: 'overwrite' });
    } catch (err) {
      this.log.warn({ err, channelId }, 'name recording did not start: the caller enters without a name');
      return null;
    }
    const end = await ended;
    if (end === 'finished') return name;
    this.log.warn({ channelId, end }, 'name recording did not finish: the caller enters without a name');
    await this.discard(name);
    return null;
  }

  async discard(name: string): Promise<void> {
    await this.ari.client.recordings.deleteStored({ recordingName: name }).catch((err: unknown) => this.log.debug({ err, name }, 'name recording not deleted (none?)'));
  }
}
