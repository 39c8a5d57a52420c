// An observer ARI app subscribed to every channel: what Asterisk played to each channel (media
// URIs, in order), including prompts the app under test plays to channels it no longer hears.
import type { Client } from 'ari-client';
import { pino } from 'pino';
import { connectAri } from '../../bridge/ari-session.js';
import { testAsteriskConfig } from './asterisk-fixture.js';
import { waitFor } from './wait.js';

export interface PlaybackObserver {
  client: Client;
  /** Per channel id, the media played to it. */
  played: Map<string, string[]>;
}

/**
 * A second ARI app on the test Asterisk, subscribed to everything, registered before it
 * resolves. `name` tells this observer's app apart from other test files'.
 */
export async function startObserverApp(name: string): Promise<{ client: Client; app: string }> {
  const cfg = testAsteriskConfig();
  const client = await connectAri(`http://${cfg.host}:${cfg.ariPort}`, cfg.ariUser, cfg.ariPassword, pino({ level: 'silent' }));
  const app = `${cfg.ariApp}-${name}-observer`;
  await client.start(app, true);
  await waitFor('the observer app registered', async () => client.applications.get({ applicationName: app }).then(() => true, () => false));
  return { client, app };
}

/** What Asterisk played to each channel, seen through an observer app named after `name`. */
export async function playbackObserver(name: string): Promise<PlaybackObserver> {
  const { client } = await startObserverApp(name);
  const played = new Map<string, string[]>();
  client.on('PlaybackStarted', (event) => {
    const uri = event.playback.target_uri;
    if (!uri.startsWith('channel:')) return;
    const channelId = uri.slice('channel:'.length);
    played.set(channelId, [...(played.get(channelId) ?? []), event.playback.media_uri]);
  });
  return { client, played };
}
