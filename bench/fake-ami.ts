// An in-process stand-in for Asterisk's Manager Interface, for the soak bench: it accepts the
// app's login and sends what Asterisk sends the app for every call (sip-config/cel.conf and
// manager.conf): CEL CHAN_START, ANSWER, HANGUP, CHAN_END and the hang-up request. As over a
// real second connection, the hang-up's AMI events may come after ARI's StasisEnd.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { HangupReport } from './fake-ari.js';

export class FakeAmi implements HangupReport {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  eventsSent = 0;

  private constructor() {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async listen(): Promise<FakeAmi> {
    const fake = new FakeAmi();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  started(channelId: string, channelName: string, exten: string): void {
    this.cel('CHAN_START', channelId, channelName, exten);
  }

  answered(channelId: string, channelName: string, exten: string): void {
    this.cel('ANSWER', channelId, channelName, exten);
  }

  /** After ARI's StasisEnd (next turn of the event loop), as a second connection may deliver it. */
  hangup(channelId: string, channelName: string, exten: string, soft: boolean): void {
    setImmediate(() => {
      this.send(soft ? { Event: 'SoftHangupRequest', Uniqueid: channelId, Channel: channelName, Cause: '32' } : { Event: 'HangupRequest', Uniqueid: channelId, Channel: channelName, Cause: '16' });
      this.cel('HANGUP', channelId, channelName, exten);
      this.cel('CHAN_END', channelId, channelName, exten);
    });
  }

  private cel(name: string, channelId: string, channelName: string, exten: string): void {
    const now = Date.now();
    this.send({ Event: 'CEL', Timestamp: (now / 1000).toFixed(6), EventName: name, EventTime: String(Math.floor(now / 1000)), Uniqueid: channelId, Channel: channelName, Exten: exten, Context: 'tollbridge-inbound' });
  }

  private send(fields: Record<string, string>): void {
    const text = Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n\r\n';
    this.eventsSent++;
    for (const socket of this.sockets) socket.write(text);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    socket.write('Asterisk Call Manager/9.0.0\r\n');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const actionId = /actionid: *([^\r\n]+)/i.exec(block)?.[1] ?? '';
        const isLogin = /action: *login/i.test(block);
        // Login succeeds; anything else (the Filter actions) is refused, as the app's user has no write rights.
        socket.write(isLogin ? `Response: Success\r\nActionID: ${actionId}\r\nMessage: Authentication accepted\r\n\r\n` : `Response: Error\r\nActionID: ${actionId}\r\nMessage: Permission denied\r\n\r\n`);
      }
    });
  }
}
