import { expect } from 'chai';
import { buildRtpStream, eventCode, KEY_TONE_MS, PACKET_MS, PT_EVENT, PT_PCMU, readPcap, toPcap } from '../../sipp/rtp-pcap.js';
import { linearToUlaw } from '../../sipp/g711.js';
import { buildScenario } from '../../sipp/scenario.js';

describe('caller RTP stream (pcap writer)', () => {
  const packets = readPcap(toPcap(buildRtpStream([{ pauseMs: 100 }, { digits: '7742#' }, { toneHz: 440, ms: 200 }])));

  it('sequence numbers rise by one and timestamps never go down, across every key', () => {
    for (let i = 1; i < packets.length; i++) {
      expect(packets[i]?.sequence).to.equal(((packets[i - 1]?.sequence ?? 0) + 1) & 0xffff);
      expect(packets[i]?.timestamp ?? 0).to.be.at.least(packets[i - 1]?.timestamp ?? 0);
      expect((packets[i]?.atMs ?? 0) - (packets[i - 1]?.atMs ?? 0)).to.equal(PACKET_MS);
    }
  });

  it('each key is one event: marker first, growing durations, three end packets, distinct start timestamps', () => {
    const events = packets.filter((p) => p.payloadType === PT_EVENT);
    const starts = events.filter((p) => p.marker);
    expect(starts.map((p) => p.payload[0])).to.deep.equal([7, 7, 4, 2, 11]);
    expect(new Set(starts.map((p) => p.timestamp)).size).to.equal(5);
    for (const start of starts) {
      const same = events.filter((p) => p.timestamp === start.timestamp);
      const ends = same.filter((p) => ((p.payload[1] ?? 0) & 0x80) !== 0);
      expect(ends).to.have.length(3);
      expect(ends.every((p) => p.payload.readUInt16BE(2) === (KEY_TONE_MS / PACKET_MS) * 160)).to.equal(true);
      const durations = same.filter((p) => ((p.payload[1] ?? 0) & 0x80) === 0).map((p) => p.payload.readUInt16BE(2));
      expect(durations).to.deep.equal([160, 320, 480, 640, 800]);
    }
  });

  it('audio is PCMU: silence between keys, then a tone that is not silence', () => {
    const audio = packets.filter((p) => p.payloadType === PT_PCMU);
    expect(audio[0]?.payload.every((b) => b === linearToUlaw(0))).to.equal(true);
    const last = audio[audio.length - 1];
    expect(last?.payload.some((b) => b !== linearToUlaw(0))).to.equal(true);
  });

  it('maps keys to RFC 4733 event codes and refuses others', () => {
    expect(['0', '9', '*', '#', 'A', 'd'].map(eventCode)).to.deep.equal([0, 9, 10, 11, 12, 15]);
    expect(() => eventCode('x')).to.throw(/not a DTMF key/);
  });

  it('µ-law encodes full scale and zero as G.711 does', () => {
    expect(linearToUlaw(0)).to.equal(0xff);
    expect(linearToUlaw(32767)).to.equal(0x80);
    expect(linearToUlaw(-32768)).to.equal(0x00);
  });

  it('the scenario escapes what it is given and answers re-INVITEs', () => {
    const xml = buildScenario({ dialled: '+1800<555>', callerNumber: 'a"b', pcapFile: '/tmp/x&y.pcap', stayMs: 5000 });
    expect(xml).to.contain('sip:+1800555@').and.to.contain('x&amp;y.pcap').and.not.to.contain('a"b');
    expect(xml).to.contain('<recv request="INVITE" optional="true" next="reinvite"');
    expect(xml).to.contain('timeout="5000" ontimeout="hangup"');
  });
});
