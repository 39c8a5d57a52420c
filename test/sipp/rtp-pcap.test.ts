import { expect } from 'chai';
import { buildRtpStream, eventCode, KEY_GAP_MS, KEY_TONE_MS, PACKET_MS, PT_EVENT, PT_PCMU, readPcap, toPcap } from '../../sipp/rtp-pcap.js';
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

  it('the scenario escapes what it is given, answers re-INVITEs and ACKs failures in the INVITE transaction', () => {
    const xml = buildScenario({ dialled: '+1800<555>', callerNumber: 'a"b', pcapFile: '/tmp/x&y.pcap', stayMs: 5000 });
    expect(xml).to.contain('sip:+1800555@').and.to.contain('x&amp;y.pcap').and.not.to.contain('a"b');
    expect(xml).to.contain('<recv request="INVITE" optional="true" next="reinvite"');
    expect(xml).to.contain('timeout="5000" ontimeout="hangup"');
    expect(xml).to.contain('<recv response="486" optional="true" next="rejected" response_txn="invite">');
    expect(xml.match(/branch=z9hG4bK-\[pid\]-\[call_number\]-invite/g)).to.have.length(2);
  });

  it('writes a libpcap file of Ethernet/IPv4/UDP/RTP frames with valid lengths and IP checksums', () => {
    const file = toPcap(buildRtpStream([{ digits: '5' }]));
    expect(file.readUInt32LE(0)).to.equal(0xa1b2c3d4);
    expect(file.readUInt32LE(20)).to.equal(1); // LINKTYPE_ETHERNET
    let off = 24;
    let frames = 0;
    while (off < file.length) {
      const len = file.readUInt32LE(off + 8);
      expect(file.readUInt32LE(off + 12)).to.equal(len);
      const frame = file.subarray(off + 16, off + 16 + len);
      expect(frame.readUInt16BE(12)).to.equal(0x0800);
      const ip = frame.subarray(14, 34);
      expect(ip.readUInt16BE(2)).to.equal(len - 14);
      expect(ip[9]).to.equal(17);
      let sum = 0;
      for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      expect(sum).to.equal(0xffff);
      expect(frame.readUInt16BE(38)).to.equal(len - 34); // UDP length
      expect((frame[42] ?? 0) >> 6).to.equal(2); // RTP version 2
      off += 16 + len;
      frames++;
    }
    expect(off).to.equal(file.length);
    expect(frames).to.be.above(0);
  });

  it('pauses are continuous PCMU silence: one packet per 20 ms, timestamps 160 apart', () => {
    const stream = buildRtpStream([{ pauseMs: 1000 }, { silenceMs: 200 }]);
    expect(stream).to.have.length(60);
    stream.forEach((p, i) => {
      expect(p).to.include({ payloadType: PT_PCMU, timestamp: i * 160, atMs: i * PACKET_MS, sequence: i });
      expect(p.payload).to.have.length(160);
    });
  });

  it('each key takes 100 ms of tone and a 150 ms gap; the audio clock jumps over the event', () => {
    const stream = buildRtpStream([{ digits: '11' }, { silenceMs: 20 }]);
    expect(stream.length * PACKET_MS).to.equal(2 * (KEY_TONE_MS + KEY_GAP_MS) + 20);
    const second = stream.filter((p) => p.marker)[1];
    expect(second?.atMs).to.equal(KEY_TONE_MS + KEY_GAP_MS);
    expect(second?.timestamp).to.equal(((KEY_TONE_MS + KEY_GAP_MS) / PACKET_MS) * 160);
    const last = stream[stream.length - 1];
    expect(last?.timestamp).to.equal((stream.length - 1) * 160);
  });

  it('a long call keeps going up: sequence numbers wrap mod 2^16 and timestamps stay increasing', () => {
    const stream = buildRtpStream([{ silenceMs: 70_000 * PACKET_MS }]);
    expect(stream[65_535]?.sequence).to.equal(65_535);
    expect(stream[65_536]?.sequence).to.equal(0);
    for (let i = 1; i < stream.length; i++) expect((stream[i]?.timestamp ?? 0) > (stream[i - 1]?.timestamp ?? 0)).to.equal(true);
  });

  it('many keys, repeated and descending, each arrive as their own event', () => {
    const keys = '99887766554433221100**##';
    const starts = buildRtpStream([{ digits: keys }]).filter((p) => p.marker && p.payloadType === PT_EVENT);
    expect(starts.map((p) => '0123456789*#'[p.payload[0] ?? 0]).join('')).to.equal(keys);
    for (let i = 1; i < starts.length; i++) expect((starts[i]?.timestamp ?? 0) > (starts[i - 1]?.timestamp ?? 0)).to.equal(true);
  });

  it('keeps sending silence after the steps for the whole stay, and stops at stopAtMs for a caller that falls silent', () => {
    const full = buildRtpStream([{ digits: '1#' }], { lengthMs: 10_000 });
    expect(full.at(-1)?.atMs).to.equal(10_000 - PACKET_MS);
    expect(full.slice(-10).every((p) => p.payloadType === PT_PCMU)).to.equal(true);
    const lost = buildRtpStream([{ digits: '1#' }], { lengthMs: 10_000, stopAtMs: 3_000 });
    expect(lost.at(-1)?.atMs).to.equal(3_000 - PACKET_MS);
    expect(buildRtpStream([{ silenceMs: 500 }], { lengthMs: 100 })).to.have.length(500 / PACKET_MS); // never shortened by lengthMs
  });
});
