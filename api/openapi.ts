// The OpenAPI description served at /openapi.json, built from the registered routes and their
// schemas so it cannot drift from them.
import { z } from 'zod';
import type { RouteDoc } from './http.js';
import { ErrorAnswer } from './schemas.js';

const SUMMARIES: Record<string, string> = {
  'POST /v1/sessions': 'Sign in with e-mail and password; returns a session token (12 h).',
  'GET /v1/accounts/{accountId}': 'Your account and room.',
  'GET /v1/accounts/{accountId}/room': 'Your room: permanent number and settings, with spend: what its toll-free calls and callbacks cost this month so far (calls in progress up to now) and its level against the spend cap (under, warning at 80 %, reached).',
  'PATCH /v1/accounts/{accountId}/room': 'Change room settings (onModeratorLeave, language, locked, maxParticipants, announcements: {joinLeaveTones, announceCount, aloneMusic, recordNames, recordingConsent, keepRecordings} as true/false, spendCap: {monthly: "25.00", graceSeconds: 300 or null} or null). The number cannot change.',
  'PUT /v1/accounts/{accountId}/room/pins': 'Set moderator and participant PINs (4-8 digits, different, the moderator PIN at least TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS; one digit or a group repeated, and runs up or down such as 1234 or 4321, are refused with 400 InvalidPin). A changed PIN lifts its kind\'s PIN-guessing lock and forgets its wrong PINs.',
  'GET /v1/accounts/{accountId}/room/pin-lock': 'Whether entry with each PIN is locked after repeated wrong PINs: {"room","moderator","participant"}, each {"locked","lockedSince","lockedUntil","liftedAt","relocksUntil","failures","firstFailureAt","lastFailureAt"} (ISO 8601 UTC or null).',
  'DELETE /v1/accounts/{accountId}/room/pin-lock': 'Lift the PIN entry lock (?kind=moderator|participant; both when left out): callers with the right PIN get in again. The wrong PINs stay counted: until the lock would have ended, the next wrong PIN locks again. Changing the PIN instead lifts its lock and forgets them. 409 NotLocked when nothing is locked.',
  'GET /v1/accounts/{accountId}/numbers/available': 'Toll-free numbers you can subscribe to.',
  'GET /v1/accounts/{accountId}/subscriptions': 'Your subscriptions, past and present.',
  'POST /v1/accounts/{accountId}/subscriptions': 'Subscribe to a toll-free number ({"e164"}): it answers at once.',
  'DELETE /v1/accounts/{accountId}/subscriptions/{e164}': 'Unsubscribe; returns usage and charges so far this period and e-mails them.',
  'GET /v1/accounts/{accountId}/usage': 'Ledger entries (?from=YYYY-MM-DD&to=YYYY-MM-DD).',
  'GET /v1/accounts/{accountId}/statements/{period}': 'Statement for YYYY-MM (JSON, or CSV with ?format=csv).',
  'GET /v1/accounts/{accountId}/api-keys': 'Your API keys.',
  'POST /v1/accounts/{accountId}/api-keys': 'Create an API key (shown once).',
  'DELETE /v1/accounts/{accountId}/api-keys/{keyId}': 'Revoke an API key.',
  'GET /v1/operator/numbers': 'Operator: number inventory (?available=true).',
  'POST /v1/operator/numbers': 'Operator: add a number ({"e164","kind"}).',
  'PUT /v1/operator/rates/{kind}': 'Operator: set the rate ({"perMinute":"0.015","incrementSeconds":60}).',
  'GET /v1/operator/rates/{kind}': 'Operator: the rate in force.',
  'GET /v1/operator/accounts': 'Operator: all accounts.',
  'POST /v1/operator/accounts': 'Operator: create an account with its room ({"name","email","password"}).',
  'POST /v1/operator/accounts/{id}/deactivate': 'Operator: deactivate an account (irreversible).',
  'GET /v1/accounts/{accountId}/organization': 'Administrator: the organization, its join code and members. Member: which organization, and its toll-free numbers (they reach your room).',
  'GET /v1/accounts/{accountId}/organization/members': 'Administrator: current members (account, name, e-mail, room number).',
  'POST /v1/accounts/{accountId}/organization/invites': 'Administrator: e-mail an invitation ({"email"}): its own token, single-use, for that address only; the mail does not carry the join code.',
  'POST /v1/accounts/{accountId}/organization/join-code': 'Administrator: a new join code; the old one stops working (members and pending invitations stay).',
  'DELETE /v1/accounts/{accountId}/organization/members/{memberId}': 'Administrator: remove a member (their room stays theirs); the join code is replaced (GET /organization shows the new one). Not your member: 403.',
  'GET /v1/accounts/{accountId}/organization/members/{memberId}/usage': "Administrator: a member's usage billed to the organization (?period=YYYY-MM), also after they left. Never your member: 403.",
  'POST /v1/accounts/{accountId}/organization/join': 'Join an organization with {"code"} (its join code) or {"invite"} (an e-mailed invitation).',
  'DELETE /v1/accounts/{accountId}/organization': 'Leave your organization (usage so far stays on its statement).',
  'GET /v1/accounts/{accountId}/export': 'Everything about you as JSON: account, room, organization, subscriptions, ledger legs, recordings.',
  'POST /v1/accounts/{accountId}/erasure': 'Delete your account for good ({"password","confirm":true}): the room number is never reissued; legs stay for billing without caller numbers.',
  'GET /v1/operator/organizations': 'Operator: every organization, active or deactivated, by id: [{"account","memberCount"}] (current members only); paged (?limit=, ?after=<last account id>).',
  'POST /v1/operator/organizations': 'Operator: create an organization ({"name","email","password"}): the administrator account, no room.',
  'GET /v1/operator/organizations/{id}': 'Operator: an organization, its join code and members.',
  'POST /v1/operator/retention/run': 'Operator: erase caller numbers older than TOLLBRIDGE_CALLER_RETENTION_DAYS now (also run daily).',
  'GET /v1/accounts/{accountId}/room/live': 'Who is in your room now: {"room","state","locked","mutedAll","recording","members":[{"channelId","callerNumber","role","joinedAt","where","muted","talking"}]}; callerNumber is the last four digits ("…0302"), talking is measured only while an event stream is open. Only from `tollbridge start` (`tollbridge api`: 404 LiveUnavailable).',
  'GET /v1/accounts/{accountId}/room/live/events': 'Server-sent events (text/event-stream): "room" (the view, first), then "joined", "left", "muted", "talking", "locked", "ended", each with a JSON object (caller numbers as their last four digits). Talk detection runs on the room\'s callers while a stream is open. The stream ends with the session or API key that opened it (sign-out, password change, revocation, erasure, expiry), after a last "closed" event {"type":"closed","reason":"revoked|expired"}.',
  'POST /v1/accounts/{accountId}/room/live/members/{channelId}/mute': 'Mute a caller (the same as their key 1): they hear conf-muted. Returns the view; 404 NotInRoom, 409 RoomEmpty.',
  'POST /v1/accounts/{accountId}/room/live/members/{channelId}/unmute': 'Unmute a caller (still muted while everyone is muted, unless a moderator).',
  'DELETE /v1/accounts/{accountId}/room/live/members/{channelId}': 'Remove a caller: they hear conf-kicked and are hung up (202).',
  'POST /v1/accounts/{accountId}/room/live/mute-all': 'Mute everyone but moderators, newcomers too (a moderator\'s key 4); everyone hears it.',
  'POST /v1/accounts/{accountId}/room/live/unmute-all': 'Undo mute-all (callers who muted themselves stay muted).',
  'POST /v1/accounts/{accountId}/room/live/lock': 'Lock the room for this conference: participants calling in are refused (conf-locked) until unlocked or the room empties.',
  'POST /v1/accounts/{accountId}/room/live/unlock': 'Unlock the room (the room\'s own "locked" setting still applies).',
  'POST /v1/accounts/{accountId}/room/live/end': 'End the conference for everyone: each hears goodbye and is hung up (202).',
  'POST /v1/accounts/{accountId}/room/live/recording/start': 'Start recording the conference (202; the view\'s "recording" says when it runs).',
  'POST /v1/accounts/{accountId}/room/live/recording/stop': 'Stop recording the conference (202).',
  'GET /v1/accounts/{accountId}/recordings': 'Your room\'s conference recordings, newest first: start, end, who started and stopped it, size, who was present (caller number, role), download link.',
  'GET /v1/accounts/{accountId}/recordings/{recordingId}/file': 'A recording\'s file (audio/wav). 409 while it still records; another account\'s: 403. Range requests (206; 416 past the end), ETag and Last-Modified (304 on If-None-Match), and HEAD are answered.',
  'POST /v1/accounts/{accountId}/room/recording': 'Start or stop recording your room\'s conference now ({"action":"start"|"stop"}); everyone hears that it is recorded. 409 RoomNotLive / AlreadyRecording / NotRecording; 503 from `tollbridge api` (the bridge\'s process records).',
  'GET /openapi.json': 'This document.',
  'GET /health': 'No authentication. 200 when this process can take calls, 503 when it cannot (database unreachable or slow, ARI disconnected, stopping).',
};

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema (OpenAPI 3.1 takes draft 2020-12 as it is). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
}

/** The path or query parameters of an object schema, one OpenAPI parameter per field. */
function parameters(schema: z.ZodObject, where: 'path' | 'query'): JsonSchema[] {
  const shape: Record<string, z.ZodType> = schema.shape;
  return Object.entries(shape).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchema(field, 'input');
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

const ERROR = { $ref: '#/components/responses/Error' };

function operation(doc: RouteDoc, path: string): JsonSchema {
  const answers: Record<string, JsonSchema> = {};
  for (const [status, answer] of Object.entries(doc.answers)) {
    const content: Record<string, JsonSchema> = {};
    if (answer.json !== undefined) content['application/json'] = { schema: jsonSchema(answer.json, 'output') };
    for (const media of answer.media ?? []) content[media] = media === 'application/json' ? {} : { schema: { type: 'string' } };
    answers[status] = { description: answer.description, ...(Object.keys(content).length === 0 ? {} : { content }) };
  }
  return {
    summary: SUMMARIES[`${doc.method} ${path}`] ?? '',
    operationId: `${doc.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')],
    ...(doc.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(doc.body, 'input'), ...(doc.example === undefined ? {} : { example: doc.example }) } },
          },
        }),
    security: doc.schemes.map((scheme) => ({ [scheme]: [] })),
    responses: doc.refuses ? { ...answers, '4XX': ERROR, '5XX': ERROR } : answers,
  };
}

/**
 * The OpenAPI 3.1 document of the API's routes: each route's parameters, request body (with an
 * example), success answers and security come from the schemas it was registered with, so the
 * document cannot drift from what the routes accept.
 */
export function openApiDocument(routes: Array<{ method: string; pattern: string; doc?: RouteDoc }>): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, pattern, doc } of routes) {
    const path = pattern.replace(/:([A-Za-z0-9]+)/g, '{$1}');
    (paths[path] ??= {})[method.toLowerCase()] =
      doc === undefined ? { summary: SUMMARIES[`${method} ${path}`] ?? '', responses: { default: ERROR } } : operation(doc, path);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tollbridge API',
      version: '1',
      description:
        'JSON in and out. Request bodies, queries and paths are checked against the schemas below: an unknown field, a missing one or a wrong type is a 400 whose error names the fields, e.g. {"error":{"code":"UnknownField","message":"...","fields":["lockd"]}}.',
    },
    components: {
      securitySchemes: {
        session: { type: 'http', scheme: 'bearer', description: 'A session token of the account (POST /v1/sessions; tb_s_…), 12 hours.' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key of the account (POST /v1/accounts/{accountId}/api-keys; tb_k_…), until revoked.' },
        operator: { type: 'http', scheme: 'bearer', description: 'The operator token (TOLLBRIDGE_OPERATOR_TOKEN).' },
      },
      schemas: { Error: jsonSchema(ErrorAnswer, 'output') },
      responses: {
        Error: {
          description: 'Refused or failed: {"error":{"code","message"[,"fields"]}} with a stable code.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
    paths,
  };
}
