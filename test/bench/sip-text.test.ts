// The light callers' SIP text (bench/callers/sip-text.ts): what they read from Asterisk and
// what they answer with. The calls themselves are proven over real SIP in load.test.ts.
import { expect } from 'chai';
import { contactUri, cseqMethod, header, parseSip, sdpAudio, tagOf, writeResponse } from '../../bench/callers/sip-text.js';

const OK = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 127.0.0.1:5062;rport=5062;received=127.0.0.1;branch=z9hG4bK-1',
  'Call-ID: tbl-abc',
  'From: <sip:+15551230001@127.0.0.1:5062>;tag=f1',
  'To: <sip:+18005550100@127.0.0.1:5060>;tag=a2b3',
  'CSeq: 1 INVITE',
  'Contact: <sip:127.0.0.1:5060>',
  'Content-Type: application/sdp',
  'Content-Length: 60',
  '',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 20012 RTP/AVP 0 101\r\n',
].join('\r\n');

const REINVITE = [
  'INVITE sip:+15551230001@127.0.0.1:5062 SIP/2.0',
  'v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-a, SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-b',
  'i: tbl-abc',
  'f: <sip:+18005550100@127.0.0.1:5060>;tag=a2b3',
  't: <sip:+15551230001@127.0.0.1:5062>;tag=f1',
  'CSeq: 102 INVITE',
  'l: 0',
  '',
  '',
].join('\r\n');

describe('bench callers: SIP text', () => {
  it('reads a 200 OK: status, dialog tag, remote target, where to send RTP', () => {
    const m = parseSip(OK);
    expect(m?.kind).to.equal('response');
    expect(m?.status).to.equal(200);
    expect(m === null ? '' : cseqMethod(m)).to.equal('INVITE');
    expect(tagOf(m === null ? undefined : header(m, 'to'))).to.equal('a2b3');
    expect(contactUri(m === null ? undefined : header(m, 'contact'))).to.equal('sip:127.0.0.1:5060');
    expect(sdpAudio(m?.body ?? '')).to.deep.equal({ host: '127.0.0.1', port: 20012 });
  });

  it('reads a request in compact form and answers it with every Via hop, its To tag kept', () => {
    const m = parseSip(REINVITE);
    expect(m).to.include({ kind: 'request', method: 'INVITE' });
    if (m === null) return;
    expect(m.headers.get('via')).to.have.length(2);
    const reply = writeResponse(m, 200, 'OK', [], 'new');
    expect(reply.split('\r\n').filter((l) => l.startsWith('Via: '))).to.have.length(2);
    expect(reply).to.contain('To: <sip:+15551230001@127.0.0.1:5062>;tag=f1\r\n').and.contain('CSeq: 102 INVITE').and.match(/Content-Length: 0\r\n\r\n$/);
  });

  it('gives a tag to a response whose request had none, and rejects what is not SIP', () => {
    const m = parseSip(REINVITE.replace(';tag=f1', ''));
    if (m === null) throw new Error('not parsed');
    expect(writeResponse(m, 481, 'Call/Transaction Does Not Exist', [], 'x9')).to.contain('To: <sip:+15551230001@127.0.0.1:5062>;tag=x9');
    expect(parseSip('hello\r\n\r\n')).to.equal(null);
  });
});
