// AriRest against a local HTTP server standing in for ARI: the paths, query strings and auth
// it sends, and how it reports ARI's refusals (over real Asterisk: test/e2e/*).
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AriRequestError, AriRest } from '../../bridge/ari-rest.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

async function withServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void, run: (rest: AriRest, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rest = new AriRest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'user', 'secret');
  try {
    await run(rest, seen);
  } finally {
    rest.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('AriRest: the caller path over plain HTTP', () => {
  it('sends the requests ARI documents, with basic auth and comma-separated lists', async () => {
    await withServer(
      (_req, res) => res.writeHead(204).end(),
      async (rest, seen) => {
        await rest.answer('ch 1');
        await rest.hangup('ch1', 'congestion');
        await rest.play('ch1', ['sound:a', 'sound:b'], 'pb-1');
        await rest.addChannel('tollbridge-live-1', ['c1', 'c2'], 'participant');
        await rest.setChannelVar('ch1', 'TOLLBRIDGE_CALL', 'v=1;room=2');
        await rest.unsubscribe('tollbridge', 'channel:ch1');
        await rest.stopPlayback('pb-1');
        expect(seen.map((s) => `${s.method} ${s.url}`)).to.deep.equal([
          'POST /ari/channels/ch%201/answer',
          'DELETE /ari/channels/ch1?reason=congestion',
          'POST /ari/channels/ch1/play/pb-1?media=sound%3Aa%2Csound%3Ab',
          'POST /ari/bridges/tollbridge-live-1/addChannel?channel=c1%2Cc2&role=participant',
          'POST /ari/channels/ch1/variable?variable=TOLLBRIDGE_CALL&value=v%3D1%3Broom%3D2',
          'DELETE /ari/applications/tollbridge/subscription?eventSource=channel%3Ach1',
          'DELETE /ari/playbacks/pb-1',
        ]);
        expect(seen[0]?.authorization).to.equal(`Basic ${Buffer.from('user:secret').toString('base64')}`);
      },
    );
  });

  it("rejects with ARI's message and status when ARI refuses", async () => {
    await withServer(
      (_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Channel not found' })),
      async (rest) => {
        const err = await rest.answer('gone').then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(AriRequestError);
        expect((err as AriRequestError).status).to.equal(404);
        expect((err as AriRequestError).message).to.contain('Channel not found');
      },
    );
  });

  it('tells its timer each request by operation and whether it succeeded (GET /metrics)', async () => {
    await withServer(
      (req, res) => res.writeHead(req.url?.includes('gone') === true ? 404 : 204).end(),
      async (rest) => {
        const heard: Array<{ operation: string; seconds: number; ok: boolean }> = [];
        rest.timer = { observe: (operation, seconds, ok) => heard.push({ operation, seconds, ok }) };
        await rest.answer('ch1');
        await rest.addChannel('tollbridge-live-1', ['ch1'], 'participant');
        await rest.hangup('gone').catch(() => undefined);
        expect(heard.map((h) => `${h.operation} ${h.ok}`)).to.deep.equal(['channels.answer true', 'bridges.addChannel true', 'channels.hangup false']);
        for (const h of heard) expect(h.seconds).to.be.within(0, 15);
      },
    );
  });

  it('rejects with status 0 when nothing answers', async () => {
    const rest = new AriRest('http://127.0.0.1:1', 'user', 'secret');
    try {
      const err = await rest.hangup('x').then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as AriRequestError).status).to.equal(0);
    } finally {
      rest.close();
    }
  });
});
