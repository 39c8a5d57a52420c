// The phone a callback rings, played by SIPp as a UAS on the test Asterisk's callback trunk
// (asterisk-fixture.ts TEST_CALLBACK_PORT): it takes one INVITE, logs the number called (the
// Request-URI's user part), and either answers after a ring (sending PCMU silence for its whole
// stay, so Asterisk's RTP timeout never ends it) and waits for the bridge's BYE, or never answers
// (rings until Asterisk gives up and CANCELs).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRtpStream, toPcap } from '../../sipp/rtp-pcap.js';
import { PCMU_SDP } from '../../sipp/scenario.js';
import { freePort } from './free-port.js';

const HEAD = `[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>`;

function scenario(answers: boolean, stayMs: number): string {
  const invite = `  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="^INVITE sip:([^@;> ]+)" search_in="msg" check_it="true" assign_to="all,ruser"/>
      <log message="INVITE_RURI [$ruser]"/>
    </action>
  </recv>
  <send><![CDATA[
SIP/2.0 180 Ringing
${HEAD}
Content-Length: 0

]]></send>`;
  const answer = `  <pause milliseconds="700"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
${HEAD}
Content-Type: application/sdp
Content-Length: [len]

${PCMU_SDP}

]]></send>
  <recv request="ACK" crlf="true">
    <action><log message="ANSWERED"/><exec play_pcap_audio="phone.pcap"/></action>
  </recv>
  <recv request="BYE" timeout="${stayMs}"/>
  <send><![CDATA[
SIP/2.0 200 OK
${HEAD}
Content-Length: 0

]]></send>
  <nop><action><log message="BYE_RECEIVED"/></action></nop>`;
  const ringOut = `  <recv request="CANCEL" timeout="${stayMs}">
    <action><log message="CANCELLED"/></action>
  </recv>
  <send><![CDATA[
SIP/2.0 200 OK
${HEAD}
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [last_CSeq_number] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK" timeout="5000" ontimeout="done"/>
  <label id="done"/>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="tollbridge callback phone">
${invite}
${answers ? answer : ringOut}
  <Reference variables="all"/>
</scenario>
`;
}

export interface SippPhone {
  /** Resolves with SIPp's exit code once its one call is over. */
  done: Promise<number | null>;
  /** The number each INVITE asked for (the Request-URI's user part), in order. */
  numbersCalled(): string[];
  answered(): boolean;
  /** What the phone saw of its call (the number, ANSWERED, BYE_RECEIVED or CANCELLED). */
  log(): string;
  stop(): void;
}

export async function startPhone(options: { port: number; answers: boolean; stayMs: number }): Promise<SippPhone> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-phone-'));
  fs.writeFileSync(path.join(dir, 'phone.xml'), scenario(options.answers, options.stayMs));
  fs.writeFileSync(path.join(dir, 'phone.pcap'), toPcap(buildRtpStream([], { lengthMs: options.stayMs })));
  const mediaPort = await freePort();
  const actions = path.join(dir, 'actions.log');
  const child: ChildProcess = spawn('sipp', [
    '-sf', 'phone.xml', '-m', '1', '-i', '127.0.0.1', '-p', String(options.port), '-mp', String(mediaPort), '-nostdin',
    '-timeout', `${Math.ceil(options.stayMs / 1000) + 60}s`, '-trace_logs', '-log_file', actions, '-trace_msg', '-message_file', path.join(dir, 'messages.log'),
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  const read = () => (fs.existsSync(actions) ? fs.readFileSync(actions, 'utf8') : '');
  // SIPp binds its port at once; give it a moment before the bridge dials.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    done,
    numbersCalled: () => [...read().matchAll(/INVITE_RURI \[?([^\]\s]+)\]?/g)].map((m) => m[1] ?? ''),
    answered: () => /ANSWERED/.test(read()),
    log: () => `${read()}${stderr === '' ? '' : `\nstderr: ${stderr}`}\n(files in ${dir})`,
    stop: () => {
      child.kill('SIGKILL');
    },
  };
}
