// PIN guessing counts and locks: the pure rule (stored counts: test/db/pin-guard.test.ts).
import { expect } from 'chai';
import { countFailure, currentCount } from '../../domain/pin-locks.js';

describe('PIN guessing counts (pure rule)', () => {
  const policy = { lockMs: 1000, windowMs: 5000 };
  it('counts in a window, locks at the limit once, and starts again after the lock or the window', () => {
    let row = countFailure(undefined, 0, 3, policy).row;
    row = countFailure(row, 10, 3, policy).row;
    const third = countFailure(row, 20, 3, policy);
    expect(third.lockBegan).to.equal(true);
    expect(currentCount(third.row, 500, policy.windowMs)).to.deep.include({ locked: true, failures: 3 });
    expect(countFailure(third.row, 600, 3, policy).lockBegan).to.equal(false);
    expect(currentCount(third.row, 1020, policy.windowMs)).to.deep.include({ locked: false, failures: 0 });
    expect(countFailure(third.row, 1020, 3, policy).row.failures).to.equal(1);
    expect(currentCount({ failures: 2, windowStartedAt: 0, lockedUntil: null }, 5000, policy.windowMs).failures).to.equal(0);
  });
});

describe('PIN guessing locks the room owner lifts (pure rule)', () => {
  const policy = { lockMs: 1000, windowMs: 5000 };
  it('a lifted lock lets the right PIN in but keeps the failures: the next wrong PIN locks again at once, until the lock would have ended', () => {
    const locked = { failures: 3, windowStartedAt: 0, lockedUntil: 1020, lockedAt: 20, liftedAt: null };
    const lifted = { ...locked, liftedAt: 100 };
    expect(currentCount(locked, 100, policy.windowMs)).to.deep.include({ locked: true, failures: 3 });
    expect(currentCount(lifted, 100, policy.windowMs)).to.deep.equal({ locked: false, failures: 3, lockedUntil: null });
    const again = countFailure(lifted, 200, 3, policy);
    expect(again.lockBegan).to.equal(true);
    expect(again.row).to.deep.include({ failures: 4, lockedUntil: 1200, lockedAt: 200, liftedAt: null });
    // Once the lifted lock would have ended, counting starts again as after any lock.
    expect(countFailure(lifted, 1020, 3, policy)).to.deep.include({ lockBegan: false });
    expect(countFailure(lifted, 1020, 3, policy).row.failures).to.equal(1);
  });
});
