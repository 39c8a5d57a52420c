// Generates one call's SIPp scenario. The caller:
//  - sends INVITE offering PCMU and telephone-event/8000 (RFC 4733) on payload type 101;
//  - on a final failure (4xx-6xx) ACKs it in the INVITE's transaction and ends;
//  - on 200 OK sends ACK and starts playing its RTP stream (keys, silence, tones);
//  - then waits, answering re-INVITEs at any point (Asterisk re-INVITEs when a channel joins a
//    mixing bridge; OPTIONS/INFO/NOTIFY/UPDATE are answered by SIPp's -aa), until either the
//    far end sends BYE, a MESSAGE from the test tells it to hang up now, or `stayMs` passes
//    and it sends BYE itself.
// <log> lines (ANSWERED, FAREND_BYE, CALLER_BYE, REJECTED) tell the runner what happened.

export interface ScenarioOptions {
  dialled: string;
  callerNumber: string;
  pcapFile: string;
  /** How long to stay on the line before hanging up, if the far end has not. */
  stayMs: number;
}

const FAILURE_CODES = [400, 401, 403, 404, 405, 407, 408, 410, 415, 480, 481, 482, 483, 484, 485, 486, 487, 488, 491, 500, 501, 502, 503, 504, 600, 603, 604, 606];

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function buildScenario(o: ScenarioOptions): string {
  const user = (s: string) => xmlEscape(s.replace(/[^0-9A-Za-z+*#._-]/g, ''));
  const dialled = user(o.dialled);
  const caller = user(o.callerNumber);
  const sdp = `v=0
o=tollbridge 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv`;
  const from = `From: <sip:${caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;
  const contact = `Contact: <sip:${caller}@[local_ip]:[local_port]>`;
  const stay = `timeout="${Math.max(1, Math.round(o.stayMs))}" ontimeout="hangup"`;
  const failures = FAILURE_CODES.map((c) => `  <recv response="${c}" optional="true" next="rejected" response_txn="invite"/>`).join('\n');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="tollbridge caller">
  <send retrans="500" start_txn="invite">
    <![CDATA[
INVITE sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
To: <sip:${dialled}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
${contact}
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${sdp}
    ]]>
  </send>
  <recv response="100" optional="true" response_txn="invite"/>
  <recv response="180" optional="true" response_txn="invite"/>
  <recv response="183" optional="true" response_txn="invite"/>
${failures}
  <recv response="200" rtd="true" rrs="true" response_txn="invite"/>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
To: <sip:${dialled}@[remote_ip]:[remote_port]>[peer_tag_param]
[routes]
Call-ID: [call_id]
CSeq: 1 ACK
${contact}
Max-Forwards: 70
Content-Length: 0
    ]]>
  </send>
  <nop>
    <action>
      <log message="ANSWERED [timestamp]"/>
      <exec play_pcap_audio="${xmlEscape(o.pcapFile)}"/>
    </action>
  </nop>

  <label id="wait"/>
  <!-- SIPp waits at the group's first recv, so each carries the stay timeout (restarted after a re-INVITE). -->
  <recv request="INVITE" optional="true" next="reinvite" ${stay}/>
  <recv request="ACK" optional="true" next="wait" ${stay}/>
  <recv request="MESSAGE" optional="true" next="told" ${stay}/>
  <recv request="BYE" next="farend" ${stay}/>

  <label id="reinvite"/>
  <send next="wait">
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
${contact}
Content-Type: application/sdp
Content-Length: [len]

${sdp}
    ]]>
  </send>

  <label id="told"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
    ]]>
  </send>

  <label id="hangup"/>
  <nop><action><log message="CALLER_BYE [timestamp]"/></action></nop>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
To: <sip:${dialled}@[remote_ip]:[remote_port]>[peer_tag_param]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
${contact}
Max-Forwards: 70
Content-Length: 0
    ]]>
  </send>
  <recv response="481" optional="true" next="end"/>
  <recv response="200" next="end"/>

  <label id="farend"/>
  <nop><action><log message="FAREND_BYE [timestamp]"/></action></nop>
  <send next="end">
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
    ]]>
  </send>

  <label id="rejected"/>
  <nop><action><log message="REJECTED [timestamp]"/></action></nop>
  <send ack_txn="invite">
    <![CDATA[
ACK sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
    ]]>
  </send>

  <label id="end"/>
</scenario>
`;
}
