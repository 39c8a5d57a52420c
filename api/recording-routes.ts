// Conference recordings for the room's owner: the list (newest first, paged), the file
// (audio/wav), and starting or stopping the room's recording now. The same authorization as
// every owner route: a token reaches only its own account's recordings (another account's:
// 403; a recording of another account under your id: 404).
// Starting and stopping need the bridge in this process (`tollbridge start`); `tollbridge api`
// alone answers 503 there. Both are a thin call of RecordingControl (flows/recording-control.ts),
// the same port the moderator's key uses.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/index.js';
import type { ConferenceRecording } from '../db/repositories/recordings.js';
import type { RecordingControl } from '../flows/recording-control.js';
import { z } from 'zod';
import { HttpError, ok, type Auth, type Router } from './http.js';
import { DEFAULT_PAGE, idPageQuery, isoTime, json, ownerParams, pathId } from './schemas.js';
import { refusedAs } from './validation.js';

export interface RecordingRouteDeps {
  db: Database;
  owner: Auth<number>;
  /** The account's room number (404 when it has none). */
  roomNumberOf: (accountId: number) => Promise<string>;
  /** TOLLBRIDGE_RECORDINGS_DIR. */
  recordingsDir: string | undefined;
  /** The bridge's recorder, when the bridge runs in this process. */
  recording: RecordingControl | undefined;
}

const RecordingAnswer = z.strictObject({
  id: z.number().int(),
  startedAt: isoTime,
  endedAt: isoTime.nullable().meta({ description: 'null while it records' }),
  startedBy: z.string(),
  stoppedBy: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  present: z.array(z.strictObject({ channelId: z.string(), callerNumber: z.string().nullable(), role: z.string().nullable() })),
  download: z.string().nullable().meta({ description: 'the path of its file, once it has ended' }),
});

const recordingView = (accountId: number, r: ConferenceRecording) => ({
  id: r.id,
  startedAt: new Date(r.startedAt).toISOString(),
  endedAt: r.endedAt === null ? null : new Date(r.endedAt).toISOString(),
  startedBy: r.startedBy,
  stoppedBy: r.stoppedBy,
  sizeBytes: r.sizeBytes,
  present: r.present,
  download: r.endedAt === null || r.sizeBytes === null ? null : `/v1/accounts/${accountId}/recordings/${r.id}/file`,
});

export function registerRecordingRoutes(router: Router, deps: RecordingRouteDeps): void {
  const { db, owner } = deps;

  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/recordings',
    auth: owner,
    params: ownerParams,
    query: idPageQuery,
    answers: { 200: json('A page of the room\'s recordings, newest first (?after= the last id: older ones).', z.array(RecordingAnswer)) },
    handler: async ({ req, auth: id, query }) => {
      const limit = query.limit ?? DEFAULT_PAGE;
      const items = await db.recordings.listForAccount(id, { limit, ...(query.after === undefined ? {} : { before: query.after }) });
      const views = items.map((r) => recordingView(id, r));
      const last = items[items.length - 1];
      if (items.length < limit || last === undefined) return ok(views);
      return ok(views, 200, { link: `<${req.path}?limit=${limit}&after=${last.id}>; rel="next"` });
    },
  });

  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/recordings/:recordingId/file',
    auth: owner,
    params: z.strictObject({ accountId: ownerParams.shape.accountId, recordingId: refusedAs(pathId('recordingId'), { code: 'RecordingNotFound', message: 'no such recording' }) }),
    answers: { 200: { description: 'The recording (WAV), as an attachment.', media: ['audio/wav'] } },
    handler: async ({ auth: id, params }) => {
      const recording = await db.recordings.get(id, params.recordingId);
      if (recording === null) throw new HttpError(404, 'RecordingNotFound', 'no such recording');
      if (recording.endedAt === null) throw new HttpError(409, 'StillRecording', 'this recording has not ended yet');
      const file = deps.recordingsDir === undefined ? null : path.join(deps.recordingsDir, path.basename(recording.file));
      if (file === null || !fs.existsSync(file)) throw new HttpError(404, 'RecordingFileMissing', 'the recording\'s file is not on this server (TOLLBRIDGE_RECORDINGS_DIR)');
      return { status: 200, file, contentType: 'audio/wav', headers: { 'content-disposition': `attachment; filename="${path.basename(recording.file)}"` } };
    },
  });

  // {"action": "start" | "stop"}: 200 {"recording": true|false}; 409 when nothing changed (not live, already recording, not recording).
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/room/recording',
    auth: owner,
    params: ownerParams,
    body: z.strictObject({ action: z.enum(['start', 'stop']) }),
    example: { action: 'start' },
    answers: { 200: json('Whether the room is being recorded now.', z.strictObject({ recording: z.boolean() })) },
    handler: async ({ auth: id, body: { action } }) => {
      const roomNumber = await deps.roomNumberOf(id);
      const control = deps.recording;
      if (control === undefined) throw new HttpError(503, 'BridgeNotHere', 'recordings are started and stopped by the process running the bridge (tollbridge start), not by tollbridge api');
      const by = `owner:${id}`;
      if (action === 'start') {
        if (!(await control.start(roomNumber, by))) throw new HttpError(409, control.isRecording(roomNumber) ? 'AlreadyRecording' : 'RoomNotLive', control.isRecording(roomNumber) ? 'the room is already being recorded' : 'nobody is in the room\'s conference: a recording starts once it is live');
      } else if (!(await control.stop(roomNumber, by))) {
        throw new HttpError(409, 'NotRecording', 'the room is not being recorded');
      }
      return ok({ recording: control.isRecording(roomNumber) });
    },
  });
}
