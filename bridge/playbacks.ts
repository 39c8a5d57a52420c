// Tracks playbacks started by tollbridge until Asterisk says they finished. The id is chosen
// here and registered before the request goes out, so a fast PlaybackFinished is never missed.
import { randomUUID } from 'node:crypto';

export class PlaybackTracker {
  private readonly waiting = new Map<string, () => void>();

  /** A new playback id and a promise that settles when finished(id) is called. */
  register(): { id: string; finished: Promise<void> } {
    const id = `tb-${randomUUID()}`;
    const finished = new Promise<void>((resolve) => this.waiting.set(id, resolve));
    return { id, finished };
  }

  finished(id: string): void {
    const resolve = this.waiting.get(id);
    if (resolve === undefined) return;
    this.waiting.delete(id);
    resolve();
  }

  get pending(): number {
    return this.waiting.size;
  }
}
