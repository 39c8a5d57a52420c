// A room's language over real SIP: from PIN entry on, its callers hear Asterisk's prompts in
// that language (Debian's Italian pack in the root), while the greeting and the room-number
// prompt (one playback with the greeting), played before the room is known, stay English. Seen through a second ARI app
// subscribed to everything: each PlaybackStarted names the prompt and the language Asterisk
// played it in, and the channel's CHANNEL(language) is read back.
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { startCall } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { startObserverApp } from '../support/playback-observer.js';

interface Heard {
  media: string;
  language: string;
}

async function observer(): Promise<{ client: Client; heard: Map<string, Heard[]> }> {
  const { client } = await startObserverApp('language');
  const heard = new Map<string, Heard[]>();
  client.on('PlaybackStarted', (event) => {
    const target = event.playback.target_uri;
    if (!target.startsWith('channel:')) return;
    const channelId = target.slice('channel:'.length);
    heard.set(channelId, [...(heard.get(channelId) ?? []), { media: event.playback.media_uri, language: event.playback.language ?? '' }]);
  });
  return { client, heard };
}


describe('per-room language over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let watch: { client: Client; heard: Map<string, Heard[]> };

  before(async () => {
    bridge = await BridgeUnderTest.start();
    watch = await observer();
  });
  after(async () => {
    watch?.client.stop();
    await bridge?.stop();
  });

  async function callInto(room: SeededRoom): Promise<Heard[]> {
    const call = startCall({ target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: room.tollFree, steps: enter(room.roomNumber, room.moderatorPin), hangup: { by: 'caller', afterMs: 60_000 } });
    await bridge.waitForLive(room.roomNumber, 1);
    const [channelId] = await bridge.liveMembers(room.roomNumber);
    if (channelId === undefined) throw new Error('nobody in the room');
    const language = await bridge.app.ari.client.channels.getChannelVar({ channelId, variable: 'CHANNEL(language)' });
    await call.hangUpNow();
    await bridge.waitForNothingLeft();
    return [...(watch.heard.get(channelId) ?? []), { media: 'CHANNEL(language)', language: language.value }];
  }

  it("an Italian room's callers hear the PIN prompt in Italian; the greeting, before the room is known, stays English", async () => {
    const room = await bridge.seedRoom();
    await bridge.db.rooms.updateSettings(room.roomNumber, { language: 'it' });
    const heard = await callInto(room);
    expect(heard).to.deep.include({ media: 'sound:hello', language: 'en' });
    expect(heard).to.deep.include({ media: 'sound:conf-getpin', language: 'it' });
    expect(heard).to.deep.include({ media: 'CHANNEL(language)', language: 'it' });
  });

  it('an English room (the control): the PIN prompt in English', async () => {
    const room = await bridge.seedRoom();
    const heard = await callInto(room);
    expect(heard).to.deep.include({ media: 'sound:conf-getpin', language: 'en' });
    expect(heard).to.deep.include({ media: 'CHANNEL(language)', language: 'en' });
  });
});
