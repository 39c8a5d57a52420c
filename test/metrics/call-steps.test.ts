// Live calls by step are read from the call machine's states: every state must belong to a step,
// so a state added later cannot silently count as another.
import { expect } from 'chai';
import { createCallMachine } from '../../flows/call-machine.js';
import { callStep, STEP_OF_STATE } from '../../flows/call-steps.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, silentLog } from '../support/fakes.js';

describe('call steps (GET /metrics live calls)', () => {
  it('every state of the call machine belongs to a step', () => {
    const machine = createCallMachine({
      channel: new FakeChannel(), directory: new FakeDirectory(), ledger: new FakeLedger(),
      rooms: { join: () => undefined, leave: () => undefined, replace: () => undefined, admitted: () => true },
      clock: { now: () => 0 }, timing: DEFAULT_IVR_TIMING, log: silentLog,
    });
    const states = Object.keys(machine.root.states);
    expect(states.length).to.be.greaterThan(10);
    for (const state of states) expect(STEP_OF_STATE, state).to.have.property(state);
  });

  it('in the room, the placement watch says joining, waiting (hold) or in the room (live)', () => {
    expect(callStep('inRoom', 'placing')).to.equal('joining');
    expect(callStep('inRoom', 'retrying')).to.equal('joining');
    expect(callStep('inRoom', 'onHold')).to.equal('waiting');
    expect(callStep('inRoom', 'live')).to.equal('in-room');
    // Resumed after a restart: its watch starts in the bridge Asterisk has the caller in.
    expect(callStep('resumedInRoom', 'live')).to.equal('in-room');
    expect(callStep('resumedInRoom', 'onHold')).to.equal('waiting');
    expect(callStep('farewell', undefined)).to.equal('farewell');
    expect(callStep({ pin: 'entering' }, undefined)).to.equal('pin');
  });
});
