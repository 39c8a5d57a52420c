// Streams held while their credential authenticates (api/credential-streams.ts), on a fake
// credential source: a change heard in this process ends only that account's dead streams; a
// revocation nobody here hears (another process) is found by the poll; letting go stops it all.
import { expect } from 'chai';
import { pino } from 'pino';
import { CredentialStreams, type CredentialSource, type StreamEndReason } from '../../api/credential-streams.js';
import { waitFor } from '../support/wait.js';

class FakeCredentials implements CredentialSource {
  readonly revoked = new Set<number>();
  readonly listeners = new Set<(accountId: number) => void>();
  isLive(id: number): Promise<boolean> {
    return Promise.resolve(!this.revoked.has(id));
  }
  onChange(listener: (accountId: number) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  changed(accountId: number): void {
    for (const l of this.listeners) l(accountId);
  }
}

const session = (id: number, accountId: number) => ({ id, accountId, kind: 'session' as const, expiresAt: null });

describe('streams held while their credential authenticates', () => {
  const log = pino({ level: 'silent' });

  it('a change for one account ends its revoked streams only; the poll finds what no change told; letting go stops listening', async () => {
    const source = new FakeCredentials();
    const streams = new CredentialStreams(source, log, { now: Date.now, pollMs: 20 });
    const ended: Array<[number, StreamEndReason]> = [];
    streams.hold(session(1, 10), (reason) => ended.push([1, reason]));
    streams.hold(session(2, 10), (reason) => ended.push([2, reason]));
    const release3 = streams.hold(session(3, 11), (reason) => ended.push([3, reason]));
    expect(source.listeners.size).to.equal(1);
    source.revoked.add(1);
    source.changed(10);
    await waitFor('stream 1 ended', () => ended.length === 1);
    expect(ended).to.deep.equal([[1, 'revoked']]);
    // Revoked elsewhere: nobody here says so; the poll finds it.
    source.revoked.add(2);
    await waitFor('stream 2 ended by the poll', () => ended.length === 2);
    expect(ended).to.deep.equal([[1, 'revoked'], [2, 'revoked']]);
    release3();
    expect(streams.size).to.equal(0);
    expect(source.listeners.size).to.equal(0);
  });

  it('a credential already revoked when held ends at once; one expiring ends at its expiry', async () => {
    const source = new FakeCredentials();
    const streams = new CredentialStreams(source, log, { now: Date.now, pollMs: 60_000 });
    const ended: StreamEndReason[] = [];
    source.revoked.add(5);
    streams.hold(session(5, 20), (reason) => ended.push(reason));
    await waitFor('the revoked one ended', () => ended.length === 1);
    streams.hold({ id: 6, accountId: 20, kind: 'session', expiresAt: Date.now() + 50 }, (reason) => ended.push(reason));
    await waitFor('the expiring one ended', () => ended.length === 2);
    expect(ended).to.deep.equal(['revoked', 'expired']);
    expect(streams.size).to.equal(0);
  });
});
