// The AMI session against a small fake AMI server on loopback: it logs in, hands CEL events
// to its listeners, and when the server drops the connection it dials again and logs in again.
import { expect } from 'chai';
import net from 'node:net';
import { AmiSession } from '../../bridge/ami-session.js';
import { AmiCallRecords } from '../../reconcile/call-records.js';
import { silentLog } from '../support/fakes.js';
import { waitFor } from '../support/wait.js';

/** Speaks just enough AMI: greeting, Login (checks the secret), then whatever the test sends. */
class FakeAmi {
  readonly sockets = new Set<net.Socket>();
  logins = 0;
  private constructor(readonly server: net.Server) {}

  static async start(secret: string): Promise<FakeAmi> {
    const server = net.createServer();
    const fake = new FakeAmi(server);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
      socket.write('Asterisk Call Manager/9.0.0\r\n');
      let buffer = '';
      socket.on('data', (data) => {
        buffer += data.toString();
        let end: number;
        while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 4);
          const id = /ActionID: (.*)/i.exec(message)?.[1] ?? '';
          if (/Action: login/i.test(message)) {
            const ok = message.includes(`Secret: ${secret}`);
            if (ok) fake.logins++;
            socket.write(`Response: ${ok ? 'Success' : 'Error'}\r\nActionID: ${id}\r\nMessage: ${ok ? 'Authentication accepted' : 'Authentication failed'}\r\n\r\n`);
          } else {
            socket.write(`Response: Success\r\nActionID: ${id}\r\nPing: Pong\r\n\r\n`);
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  send(fields: Record<string, string>): void {
    const text = Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
    for (const s of this.sockets) s.write(text);
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise((r) => this.server.close(r));
  }
}

describe('AMI session (fake AMI server)', function () {
  this.timeout(20_000);

  it('logs in, answers actions, and hands CEL events to CallRecords (end = HANGUP time, µs kept to the ms)', async () => {
    const fake = await FakeAmi.start('s3cret');
    const ami = new AmiSession({ host: '127.0.0.1', port: fake.port, user: 'tb', password: 's3cret' }, silentLog);
    const records = new AmiCallRecords(ami);
    try {
      await ami.start(5000);
      expect(ami.connected).to.equal(true);
      expect(await ami.action({ action: 'Ping' })).to.include({ ping: 'Pong' });
      fake.send({ Event: 'CEL', EventName: 'ANSWER', EventTime: '1796159651.624002', UniqueID: 'edge-1796159646.8', Channel: 'PJSIP/carrier-00000006', Exten: '+18005550100' });
      // As Asterisk 22 sends it: EventTime in whole local seconds, the µs in the Timestamp header.
      fake.send({ Event: 'CEL', Timestamp: '1796159665.631699', EventName: 'HANGUP', EventTime: '2026-12-01 21:57:39', UniqueID: 'edge-1796159646.8', Channel: 'PJSIP/carrier-00000006', Exten: '+18005550100' });
      const end = await waitFor('the HANGUP over AMI', () => records.endOf('edge-1796159646.8'));
      expect(end).to.be.closeTo(1796159665631.699, 0.01);
      expect(await records.endOf('edge-unknown.1')).to.equal(null);
    } finally {
      ami.close();
      await fake.stop();
    }
  });

  it('when the connection drops, it dials again and logs in again by itself', async () => {
    const fake = await FakeAmi.start('s3cret');
    const ami = new AmiSession({ host: '127.0.0.1', port: fake.port, user: 'tb', password: 's3cret' }, silentLog);
    try {
      await ami.start(5000);
      fake.dropAll();
      await waitFor('a second login', () => ami.logins === 2 && ami.connected, { timeoutMs: 10_000 });
      expect(fake.logins).to.equal(2);
    } finally {
      ami.close();
      await fake.stop();
    }
  });

  it('a wrong secret is not a login: start() times out and nothing is connected', async () => {
    const fake = await FakeAmi.start('s3cret');
    const ami = new AmiSession({ host: '127.0.0.1', port: fake.port, user: 'tb', password: 'wrong' }, silentLog);
    try {
      let error: unknown;
      await ami.start(500).catch((err: unknown) => (error = err));
      expect(String(error)).to.contain('not logged in');
      expect(ami.connected).to.equal(false);
    } finally {
      ami.close();
      await fake.stop();
    }
  });
});
