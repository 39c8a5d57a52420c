// The load bench's SIP callers in one process: one UDP socket for the signalling of every call,
// one for their RTP, one 20 ms clock (rtp-clock.ts). Each call is what a SIPp caller of
// sipp/caller.ts does: INVITE offering PCMU + RFC 4733, ACK, its keys in RTP, then silence
// until it hangs up or the far end does; re-INVITEs and in-dialog requests answered 200 OK.
// Why not SIPp: one SIPp process per call (each with its own scenario and pcap) costs more CPU
// than Asterisk on this 2-core machine, so at 10 calls/s the generator starved both Asterisk and
// the app and its own RTP packets came late (keys read twice). Here a call costs a few
// datagrams and a timer slot.
//
// UDP reliability (RFC 3261 17.1): the INVITE is sent again at 0.5, 1, 2, 4 s until a response;
// BYE likewise until a final response; a repeated 200 OK is ACKed again.
import dgram from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import type { CallResult } from '../../sipp/caller.js';
import type { Step } from '../../sipp/rtp-pcap.js';
import { RtpClock } from './rtp-clock.js';
import { callerSdp, contactUri, cseqMethod, header, parseSip, sdpAudio, writeResponse, writeSip, type SipMessage } from './sip-text.js';

export interface LightCallOptions {
  target: { host: string; port: number };
  dialled: string;
  callerNumber: string;
  steps: Step[];
  /** Hang up this long after the answer unless told to earlier or the far end does. */
  hangupAfterMs: number;
}

/** What happened to one call: the fields of a SIPp caller's result (sipp/caller.ts) the bench reads. */
export type LightCallResult = Omit<CallResult, 'sippExitCode'>;

const HOST = '127.0.0.1';
const RETRANSMIT_MS = [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000];
/** A call with no final answer to its INVITE this long is given up (timer B). */
const INVITE_GIVE_UP_MS = 32_000;

interface Peer {
  host: string;
  port: number;
}

interface Call {
  options: LightCallOptions;
  callId: string;
  fromTag: string;
  branch: string;
  invite: string;
  toHeader: string | null;
  remoteTarget: string;
  cseq: number;
  state: 'calling' | 'answered' | 'leaving' | 'ended';
  result: LightCallResult;
  timers: NodeJS.Timeout[];
  /** A provisional response came: the INVITE is no longer sent again. */
  sawProvisional: boolean;
  /** Told to hang up while still ringing: BYE at the answer. */
  hangUpAtAnswer: boolean;
  done: (result: LightCallResult) => void;
  onAnswered: (() => void) | null;
}

const now = () => performance.timeOrigin + performance.now();

export class LightCallers {
  private readonly calls = new Map<string, Call>();
  private readonly rtp: RtpClock;

  private constructor(
    private readonly sip: dgram.Socket,
    private readonly media: dgram.Socket,
  ) {
    this.rtp = new RtpClock(media);
    sip.on('message', (data, from) => this.onSip(data.toString('latin1'), { host: from.address, port: from.port }));
    // Asterisk's audio to the callers is read and dropped: the callers only listen by their keys.
    media.on('message', () => undefined);
  }

  static async open(): Promise<LightCallers> {
    const bind = async () => {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, HOST, () => resolve());
      });
      return socket;
    };
    return new LightCallers(await bind(), await bind());
  }

  get live(): number {
    return this.calls.size;
  }

  /** Places a call; resolves with its result once it has ended. `onAnswered` runs at the 200 OK. */
  place(options: LightCallOptions, onAnswered?: () => void): { callId: string; result: Promise<LightCallResult> } {
    const callId = `tbl-${randomBytes(9).toString('hex')}`;
    const sipPort = this.sip.address().port;
    const fromTag = randomBytes(6).toString('hex');
    const branch = `z9hG4bK-${randomBytes(8).toString('hex')}`;
    const requestUri = `sip:${options.dialled}@${options.target.host}:${options.target.port}`;
    const invite = writeSip(
      `INVITE ${requestUri} SIP/2.0`,
      [
        ['Via', `SIP/2.0/UDP ${HOST}:${sipPort};branch=${branch};rport`],
        ['From', `<sip:${options.callerNumber}@${HOST}:${sipPort}>;tag=${fromTag}`],
        ['To', `<${requestUri}>`],
        ['Call-ID', callId],
        ['CSeq', '1 INVITE'],
        ['Contact', `<sip:${options.callerNumber}@${HOST}:${sipPort}>`],
        ['Max-Forwards', '70'],
        ['Content-Type', 'application/sdp'],
      ],
      callerSdp(HOST, this.media.address().port, randomInt(1, 2 ** 31)),
    );
    const result: LightCallResult = { callId, finalStatus: null, answered: false, hungUpBy: 'none', answeredAt: null, endedAt: null, log: '' };
    const promise = new Promise<LightCallResult>((resolve) => {
      const call: Call = { options, callId, fromTag, branch, invite, toHeader: null, remoteTarget: requestUri, cseq: 1, state: 'calling', result, timers: [], sawProvisional: false, hangUpAtAnswer: false, done: resolve, onAnswered: onAnswered ?? null };
      this.calls.set(callId, call);
      this.sendRepeating(call, invite, () => call.state === 'calling' && call.result.finalStatus === null && !call.sawProvisional);
      call.timers.push(setTimeout(() => this.end(call, 'none', 'no final response to the INVITE'), INVITE_GIVE_UP_MS));
    });
    return { callId, result: promise };
  }

  /** Sends BYE now (a call still ringing is hung up at its answer). */
  hangUp(callId: string): void {
    const call = this.calls.get(callId);
    if (call === undefined) return;
    if (call.state === 'answered') this.sendBye(call);
    else if (call.state === 'calling') call.hangUpAtAnswer = true;
  }

  async close(): Promise<void> {
    for (const call of [...this.calls.values()]) this.end(call, 'none', 'closed');
    this.rtp.close();
    await Promise.all([this.sip, this.media].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private onSip(text: string, from: Peer): void {
    const message = parseSip(text);
    if (message === null) return;
    const call = this.calls.get(header(message, 'call-id') ?? '');
    if (message.kind === 'response') {
      if (call !== undefined) this.onResponse(call, message);
      return;
    }
    if (message.method === 'ACK') return;
    if (call === undefined) {
      this.reply(from, message, 481, 'Call/Transaction Does Not Exist', []);
      return;
    }
    this.onRequest(call, message, from);
  }

  private onResponse(call: Call, response: SipMessage): void {
    const method = cseqMethod(response);
    if (method === 'INVITE') {
      if (response.status < 200) {
        call.sawProvisional = true;
        return;
      }
      if (response.status >= 300) {
        this.ackFailure(call, response);
        if (call.state === 'calling') {
          call.result.finalStatus = response.status;
          this.end(call, 'none', `final ${response.status}`);
        }
        return;
      }
      // 2xx: ACK it (again, if Asterisk repeats its 200 because our ACK was lost).
      call.toHeader = header(response, 'to') ?? call.toHeader;
      call.remoteTarget = contactUri(header(response, 'contact')) ?? call.remoteTarget;
      this.send(call.options.target, this.ack(call));
      if (call.state !== 'calling') return;
      call.state = 'answered';
      call.result.finalStatus = response.status;
      call.result.answered = true;
      call.result.answeredAt = now();
      const media = sdpAudio(response.body);
      if (media !== null) this.rtp.start(call.callId, media, call.options.steps);
      call.onAnswered?.();
      if (call.hangUpAtAnswer === true) this.sendBye(call);
      else call.timers.push(setTimeout(() => this.sendBye(call), call.options.hangupAfterMs));
      return;
    }
    if (method === 'BYE' && response.status >= 200 && call.state === 'leaving') this.end(call, 'caller', `BYE answered ${response.status}`);
  }

  private onRequest(call: Call, request: SipMessage, from: Peer): void {
    if (request.method === 'BYE') {
      this.reply(from, request, 200, 'OK', []);
      if (call.state === 'leaving') this.end(call, 'caller', 'BYE glare');
      else this.end(call, 'far-end', 'far-end BYE');
      return;
    }
    if (request.method === 'INVITE') {
      const media = sdpAudio(request.body);
      if (media !== null) this.rtp.retarget(call.callId, media);
      const sipPort = this.sip.address().port;
      this.reply(from, request, 200, 'OK', [['Contact', `<sip:${call.options.callerNumber}@${HOST}:${sipPort}>`], ['Content-Type', 'application/sdp']], callerSdp(HOST, this.media.address().port, 1));
      return;
    }
    this.reply(from, request, 200, 'OK', []); // OPTIONS, INFO, UPDATE, NOTIFY
  }

  private sendBye(call: Call): void {
    if (call.state !== 'answered') return;
    call.state = 'leaving';
    call.result.endedAt = now();
    this.rtp.stop(call.callId);
    call.cseq += 1;
    const bye = this.inDialog(call, 'BYE', `z9hG4bK-${randomBytes(8).toString('hex')}`);
    this.sendRepeating(call, bye, () => call.state === 'leaving');
    call.timers.push(setTimeout(() => this.end(call, 'caller', 'BYE never answered'), INVITE_GIVE_UP_MS));
  }

  private ack(call: Call): string {
    return this.inDialog(call, 'ACK', `z9hG4bK-${randomBytes(8).toString('hex')}`, 1);
  }

  /** A request inside the dialog: to the far end's Contact, with its To tag. */
  private inDialog(call: Call, method: string, branch: string, cseq = call.cseq): string {
    const sipPort = this.sip.address().port;
    return writeSip(`${method} ${call.remoteTarget} SIP/2.0`, [
      ['Via', `SIP/2.0/UDP ${HOST}:${sipPort};branch=${branch};rport`],
      ['From', `<sip:${call.options.callerNumber}@${HOST}:${sipPort}>;tag=${call.fromTag}`],
      ['To', call.toHeader ?? `<sip:${call.options.dialled}@${call.options.target.host}:${call.options.target.port}>`],
      ['Call-ID', call.callId],
      ['CSeq', `${cseq} ${method}`],
      ['Max-Forwards', '70'],
    ]);
  }

  /** The ACK of a non-2xx final response: the INVITE's own transaction (same branch). */
  private ackFailure(call: Call, response: SipMessage): void {
    const sipPort = this.sip.address().port;
    this.send(
      call.options.target,
      writeSip(`ACK sip:${call.options.dialled}@${call.options.target.host}:${call.options.target.port} SIP/2.0`, [
        ['Via', `SIP/2.0/UDP ${HOST}:${sipPort};branch=${call.branch};rport`],
        ['From', `<sip:${call.options.callerNumber}@${HOST}:${sipPort}>;tag=${call.fromTag}`],
        ['To', header(response, 'to') ?? ''],
        ['Call-ID', call.callId],
        ['CSeq', '1 ACK'],
        ['Max-Forwards', '70'],
      ]),
    );
  }

  private reply(to: Peer, request: SipMessage, status: number, reason: string, extra: Array<[string, string]>, body = ''): void {
    this.send(to, writeResponse(request, status, reason, extra, randomBytes(6).toString('hex'), body));
  }

  private sendRepeating(call: Call, text: string, stillDue: () => boolean): void {
    this.send(call.options.target, text);
    let delay = 0;
    for (const step of RETRANSMIT_MS) {
      delay += step;
      call.timers.push(
        setTimeout(() => {
          if (stillDue()) this.send(call.options.target, text);
        }, delay),
      );
    }
  }

  private send(to: Peer, text: string): void {
    this.sip.send(Buffer.from(text, 'latin1'), to.port, to.host);
  }

  private end(call: Call, by: LightCallResult['hungUpBy'], why: string): void {
    if (call.state === 'ended') return;
    if (call.result.answered) call.result.hungUpBy = by;
    call.result.endedAt ??= now();
    call.result.log = why;
    call.state = 'ended';
    for (const t of call.timers) clearTimeout(t);
    this.rtp.stop(call.callId);
    this.calls.delete(call.callId);
    call.done(call.result);
  }
}
