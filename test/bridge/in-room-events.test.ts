import { expect } from 'chai';
import type { AmiEvent } from '../../bridge/ami-session.js';
import { listenInRoom } from '../../bridge/in-room-events.js';
import { controlForKey } from '../../ivr/in-call-keys.js';
import { silentLog } from '../support/fakes.js';

function listening(quiet: string[]) {
  const handlers = new Map<string, (event: AmiEvent) => void>();
  const heard: string[] = [];
  listenInRoom(
    { onEvent: (name, handler) => void handlers.set(name, handler) },
    { isQuiet: (id) => quiet.includes(id) },
    { key: (id, digit) => void heard.push(`key ${id} ${digit}`), talking: (id, on) => void heard.push(`talking ${id} ${on}`) },
    silentLog,
  );
  const ami = (name: string, event: AmiEvent) => handlers.get(name)?.(event);
  return { ami, heard };
}

describe('keys and talking of callers in a room, over AMI', () => {
  it('takes the keys a quiet conference member pressed, not those passed on to others or pressed in the IVR (ARI has those)', () => {
    const t = listening(['in-room']);
    t.ami('DTMFEnd', { uniqueid: 'in-room', digit: '1', direction: 'Received' });
    t.ami('DTMFEnd', { uniqueid: 'in-room', digit: '1', direction: 'Sent' });
    t.ami('DTMFEnd', { uniqueid: 'in-ivr', digit: '4', direction: 'Received' });
    t.ami('ChannelTalkingStart', { uniqueid: 'in-room' });
    t.ami('ChannelTalkingStop', { uniqueid: 'in-room', duration: '1200' });
    expect(t.heard).to.deep.equal(['key in-room 1', 'talking in-room true', 'talking in-room false']);
  });

  it('the key map: everyone has 1, 5, 9 and *; only moderators 2, 3, 4, 6 and 8; only participants 7; 0 and # do nothing', () => {
    const map = (role: 'moderator' | 'participant') => [...'0123456789*#'].map((d) => `${d}:${controlForKey(d, role) ?? '-'}`).join(' ');
    expect(map('participant')).to.equal('0:- 1:muteSelf 2:- 3:- 4:- 5:count 6:- 7:callback 8:- 9:leave *:help #:-');
    expect(map('moderator')).to.equal('0:- 1:muteSelf 2:lock 3:removeLast 4:muteAll 5:count 6:record 7:- 8:end 9:leave *:help #:-');
  });
});
