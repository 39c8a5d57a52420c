// Tracks Asterisk recordings (a caller's name, a conference) until Asterisk says they ended:
// RecordingFinished or RecordingFailed, by recording name. Registered before the request that
// starts the recording, so a fast end is never missed.
export type RecordingEnd = 'finished' | 'failed' | 'timeout';

export class RecordingEnds {
  private readonly waiting = new Map<string, (end: RecordingEnd) => void>();

  /** Settles when `name` ends, or with 'timeout' after `guardMs` (an end Asterisk never reported). */
  expect(name: string, guardMs: number): Promise<RecordingEnd> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle('timeout'), guardMs);
      timer.unref();
      const settle = (end: RecordingEnd) => {
        clearTimeout(timer);
        if (this.waiting.get(name) === settle) this.waiting.delete(name);
        resolve(end);
      };
      this.waiting.set(name, settle);
    });
  }

  /** `timeout`: the app gave up waiting for Asterisk's word (ari-bridge-recorder.ts). */
  ended(name: string, end: RecordingEnd): void {
    this.waiting.get(name)?.(end);
  }
}
