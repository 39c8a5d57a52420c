// Generates one call's SIPp scenario. The caller:
//  - sends INVITE offering PCMU and telephone-event/8000 (RFC 4733) on payload type 101;
//  - on a final failure (4xx-6xx) ACKs it in the INVITE's transaction and ends;
//  - on 200 OK sends ACK and starts playing its RTP stream (keys, silence, tones);
//  - then waits, answering re-INVITEs at any point (Asterisk re-INVITEs when a channel joins a
//    mixing bridge; OPTIONS/INFO/NOTIFY/UPDATE are answered by SIPp's -aa), until either the
//    far end sends BYE, a MESSAGE from the test tells it to hang up now, or `stayMs` passes
//    and it sends BYE itself (the stay timer restarts after a re-INVITE; caller.ts also sends
//    the MESSAGE at answer + afterMs so the call length does not depend on re-INVITEs);
//  - while its own BYE is out it still answers a crossing BYE or re-INVITE.
// <log> lines (ANSWERED, FAREND_BYE, CALLER_BYE, TOLD_TO_HANG_UP, REJECTED) with SIPp's
// [timestamp] (epoch seconds with microseconds) tell the runner what happened and when.

export interface ScenarioOptions {
  dialled: string;
  callerNumber: string;
  pcapFile: string;
  /** How long to stay on the line before hanging up, if the far end has not. */
  stayMs: number;
  /**
   * true: re-INVITEs while waiting are swallowed, never answered: a far side whose SIP is gone
   * while its media still flows (the session-timer refresh fails). Default false.
   */
  ignoresReinvites?: boolean;
}

/** Every final failure code SIPp may see (3xx-6xx): each is ACKed and recorded, none aborts the call. */
export const FAILURE_CODES: readonly number[] = [
  300, 301, 302, 305, 380,
  ...Array.from({ length: 100 }, (_, i) => 400 + i),
  ...Array.from({ length: 14 }, (_, i) => 500 + i), 555, 580,
  600, 603, 604, 606, 607, 608,
];

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The SDP a SIPp side offers or answers with: PCMU and RFC 4733 keys, SIPp's own media port. */
export const PCMU_SDP = `v=0
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

export function buildScenario(o: ScenarioOptions): string {
  const user = (s: string) => xmlEscape(s.replace(/[^0-9A-Za-z+*#._-]/g, ''));
  const dialled = user(o.dialled);
  const caller = user(o.callerNumber);
  const sdp = PCMU_SDP;
  const from = `From: <sip:${caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;
  const contact = `Contact: <sip:${caller}@[local_ip]:[local_port]>`;
  // 200 OK to the request just received (re-INVITE: with our SDP; BYE: empty), then go to `next`.
  const okReply = (next: string, body: string) => `  <send next="${next}">
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
${body}
    ]]>
  </send>`;
  const okWithSdp = (next: string) => okReply(next, `${contact}\nContent-Type: application/sdp\nContent-Length: [len]\n\n${sdp}`);
  const okEmpty = (next: string) => okReply(next, 'Content-Length: 0');
  const stay = `timeout="${Math.max(1, Math.round(o.stayMs))}" ontimeout="hangup"`;
  // The ACK of a non-2xx final response belongs to the INVITE's transaction and must carry its
  // branch (RFC 3261 17.1.1.3); SIPp's [branch] differs per message, and ack_txn does not change that.
  const inviteBranch = 'z9hG4bK-[pid]-[call_number]-invite';
  const provisional = [100, 180, 181, 182, 183, 199].map((c) => `  <recv response="${c}" optional="true" response_txn="invite"/>`).join('\n');
  const failures = FAILURE_CODES.map((c) => `  <recv response="${c}" optional="true" next="rejected" response_txn="invite"><action><log message="FINAL ${c} [timestamp]"/></action></recv>`).join('\n');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="tollbridge caller">
  <send retrans="500" start_txn="invite">
    <![CDATA[
INVITE sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${inviteBranch}
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
${provisional}
${failures}
  <recv response="200" rrs="true" response_txn="invite"><action><log message="FINAL 200 [timestamp]"/></action></recv>
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
  <recv request="INVITE" optional="true" next="${o.ignoresReinvites === true ? 'ignoredreinvite' : 'reinvite'}" ${stay}/>
  <recv request="ACK" optional="true" next="wait" ${stay}/>
  <recv request="MESSAGE" optional="true" next="told" ${stay}/>
  <recv request="BYE" next="farend" ${stay}/>

  <label id="reinvite"/>
${okWithSdp('wait')}

  <label id="ignoredreinvite"/>
  <nop next="wait"><action><log message="IGNORED_REINVITE [timestamp]"/></action></nop>

  <!-- The test's "hang up now" (caller.ts): a MESSAGE with this call's Call-ID sent straight to
       SIPp's port. Not answered: a reply would go to the far end, which never sent it. -->
  <label id="told"/>
  <nop><action><log message="TOLD_TO_HANG_UP [timestamp]"/></action></nop>

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
  <!-- While our BYE is out: the far end may hang up at the same instant (BYE glare), a
       re-INVITE may cross it, and a late "hang up now" may arrive; none of these may abort. -->
  <label id="byewait"/>
  <recv response="481" optional="true" next="end"/>
  <recv response="408" optional="true" next="end"/>
  <recv request="BYE" optional="true" next="byeglare"/>
  <recv request="INVITE" optional="true" next="byereinvite"/>
  <recv request="ACK" optional="true" next="byewait"/>
  <recv request="MESSAGE" optional="true" next="byewait"/>
  <recv response="200" next="end"/>

  <label id="byeglare"/>
${okEmpty('byewait')}

  <label id="byereinvite"/>
${okWithSdp('byewait')}

  <label id="farend"/>
  <nop><action><log message="FAREND_BYE [timestamp]"/></action></nop>
${okEmpty('end')}

  <label id="rejected"/>
  <nop><action><log message="REJECTED [timestamp]"/></action></nop>
  <send ack_txn="invite">
    <![CDATA[
ACK sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${inviteBranch}
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
