// Callers waiting for the moderator stand in the live bridge: Asterisk's reports of them are
// "hold" to the machines, and a change inside the bridge is told exactly once.
import { expect } from 'chai';
import { WaitingPlaces, type PlaceEvent } from '../../bridge/waiting-places.js';

const ROOM = '11331134';
const entered = (channelId: string, bridge: 'live' | 'hold' = 'live'): PlaceEvent => ({ type: 'bridge.entered', channelId, room: ROOM, bridge });
const left = (channelId: string, bridge: 'live' | 'hold' = 'live'): PlaceEvent => ({ type: 'bridge.left', channelId, room: ROOM, bridge });
const told = (events: PlaceEvent[]) => events.map((e) => `${e.type === 'bridge.entered' ? '+' : '-'}${e.bridge} ${e.channelId}`);

describe('waiting callers in the live bridge (WaitingPlaces)', () => {
  it('a caller held before entering: Asterisk\'s entry is "hold", nothing told; released: "live" told once', () => {
    const places = new WaitingPlaces();
    expect(places.hold(ROOM, ['w'])).to.deep.equal([]);
    expect(places.classify(entered('w')).bridge).to.equal('hold');
    expect(places.heldIn(ROOM)).to.equal(1);
    const { released, told: events } = places.release(ROOM, ['m', 'w']);
    expect(released).to.deep.equal(['w']);
    expect(told(events)).to.deep.equal(['-hold w', '+live w']);
    expect(places.heldIn(ROOM)).to.equal(0);
    // The app's own report goes through unchanged; a later leave of the conference is "live".
    expect(places.classify(events[1]!)).to.deep.equal(events[1]);
    expect(places.classify(left('w')).bridge).to.equal('live');
  });

  it('released before Asterisk reported the entry: nothing told, the late report is "live"', () => {
    const places = new WaitingPlaces();
    places.hold(ROOM, ['w']);
    const { released, told: events } = places.release(ROOM, ['w']);
    expect(released).to.deep.equal(['w']);
    expect(events).to.deep.equal([]);
    expect(places.classify(entered('w')).bridge).to.equal('live');
  });

  it('callers already in the conference (their moderator left) are held where they stand: "hold" told once', () => {
    const places = new WaitingPlaces();
    places.classify(entered('p'));
    expect(told(places.hold(ROOM, ['p']))).to.deep.equal(['-live p', '+hold p']);
    expect(places.hold(ROOM, ['p']), 'held twice, told once').to.deep.equal([]);
    expect(places.standsIn(ROOM, 'p')).to.equal(true);
  });

  it('a held caller who hangs up leaves "hold" and is no longer held; one who never entered is forgotten at its end', () => {
    const places = new WaitingPlaces();
    places.hold(ROOM, ['a', 'b']);
    places.classify(entered('a'));
    expect(places.classify(left('a')).bridge).to.equal('hold');
    expect(places.isHeld('a')).to.equal(false);
    places.forgetChannel('b');
    expect(places.heldIn(ROOM)).to.equal(0);
  });

  it('the holding bridge of an older release is reported as it is', () => {
    const places = new WaitingPlaces();
    places.hold(ROOM, ['w']);
    expect(places.classify(entered('x', 'hold')).bridge).to.equal('hold');
    expect(places.classify(left('x', 'hold')).bridge).to.equal('hold');
  });

  it('after a resync Asterisk\'s word stands, and a caller this process held and still in its bridge stays held', () => {
    const places = new WaitingPlaces();
    places.hold(ROOM, ['mine', 'gone']);
    places.classify(entered('mine'));
    places.know(new Map([['mine', ROOM], ['w', ROOM], ['p', '22332233']]), new Map([['w', ROOM]]));
    expect(places.isHeld('mine')).to.equal(true);
    expect(places.isHeld('w')).to.equal(true);
    expect(places.isHeld('gone')).to.equal(false);
    expect(places.isHeld('p')).to.equal(false);
    expect(places.standsIn('22332233', 'p')).to.equal(true);
    places.forgetRoom(ROOM);
    expect(places.heldIn(ROOM)).to.equal(0);
    expect(places.standsIn(ROOM, 'w')).to.equal(false);
  });
});
