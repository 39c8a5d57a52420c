// `tollbridge call`: a real SIP call with SIPp into the bridge, typing DTMF as RFC 4733 events.
import { loadConfig } from '../config/config.js';
import { placeCall, type CallOptions } from '../sipp/caller.js';
import { UsageError, type Command } from './command.js';

export const callCommand: Command = {
  path: ['call'],
  summary: 'place a real SIP test call (SIPp) and report what happened',
  usage: 'call NUMBER [--digits KEYS] [--stay SECONDS] [--caller NUMBER] [--host HOST] [--port PORT]',
  optionHelp: [
    "--digits KEYS    keys to type once answered, e.g. '12345674#4321#' (room, then PIN)",
    '--stay SECONDS   hang up after this long (default: wait for the bridge to hang up, at most 10 minutes)',
    '--caller NUMBER  caller number sent in From (default +15550001234)',
    '--host HOST      SIP address (default 127.0.0.1)',
    '--port PORT      SIP port (default TOLLBRIDGE_SIP_PORT or 5060)',
  ],
  options: {
    digits: { type: 'string' },
    stay: { type: 'string' },
    caller: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
  },
  async run(args, io) {
    const [number] = args.positionals;
    if (number === undefined) throw new UsageError('call needs the NUMBER to dial, e.g. +18005550100');
    const digits = typeof args.values.digits === 'string' ? args.values.digits : '';
    if (!/^[0-9*#A-D]*$/i.test(digits)) throw new UsageError(`--digits takes 0-9, *, # and A-D, not "${digits}"`);
    const stay = typeof args.values.stay === 'string' ? Number(args.values.stay) : undefined;
    if (stay !== undefined && !(stay > 0 && stay <= 3600)) throw new UsageError('--stay takes seconds from 1 to 3600');
    const port = typeof args.values.port === 'string' ? Number(args.values.port) : loadConfig().asterisk.sipPort;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port takes a port number');
    const options: CallOptions = {
      target: { host: typeof args.values.host === 'string' ? args.values.host : '127.0.0.1', port },
      dialled: number,
      callerNumber: typeof args.values.caller === 'string' ? args.values.caller : '+15550001234',
      steps: digits === '' ? [] : [{ pauseMs: 1000 }, { digits }],
      hangup: stay === undefined ? { by: 'far-end', maxWaitMs: 600_000 } : { by: 'caller', afterMs: stay * 1000 },
    };
    if (!io.json) io.stderr(`calling ${number} on ${options.target.host}:${port}${digits ? `, typing ${digits.replace(/[0-9]/g, '•')}` : ''}...`);
    const result = await placeCall(options);
    const seconds = result.answeredAt !== null && result.endedAt !== null ? ((result.endedAt - result.answeredAt) / 1000).toFixed(1) : null;
    io.result(
      result,
      result.answered
        ? `answered (SIP ${String(result.finalStatus)}); ${seconds ?? '?'} s; hung up by ${result.hungUpBy}`
        : `not answered: SIP ${String(result.finalStatus ?? 'no final response')}${result.sippExitCode === 0 ? '' : `; SIPp exit ${String(result.sippExitCode)}, files in ${result.log}`}`,
    );
    return result.answered || result.finalStatus !== null ? 0 : 1;
  },
};
