// Requests about one room, one at a time in the order asked (a room's global variable, its
// bridge's music): the last one asked is the one that stays. Rooms do not wait for each other.
export class PerRoomOrder {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `request` after the room's earlier ones; a failure goes to `failed`, never to the next. */
  run(room: string, request: () => Promise<unknown>, failed: (err: unknown) => void): Promise<void> {
    const next = (this.tails.get(room) ?? Promise.resolve()).then(request).then(() => undefined, failed);
    this.tails.set(room, next);
    void next.then(() => {
      if (this.tails.get(room) === next) this.tails.delete(room);
    });
    return next;
  }

  /**
   * Runs `request` only when the room's flag in `flags` changes to `on` (the flag is set at
   * once); otherwise resolves with the room's last request.
   */
  runOnChange(flags: Set<string>, room: string, on: boolean, request: () => Promise<unknown>, failed: (err: unknown) => void): Promise<void> {
    if (on === flags.has(room)) return this.last(room);
    if (on) flags.add(room);
    else flags.delete(room);
    return this.run(room, request, failed);
  }

  /** The room's last request (resolved when it has none in flight). */
  last(room: string): Promise<void> {
    return this.tails.get(room) ?? Promise.resolve();
  }
}
