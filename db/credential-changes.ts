// In-process notice that an account's credentials may have ended (sign-out, a password change,
// revoked keys, a deactivation, an erasure), so whatever holds one open (the live view's event
// stream) checks it at once instead of at its next poll. Other processes sharing the database
// do not hear it: holders also poll (api/credential-streams.ts).
export type CredentialChangeListener = (accountId: number) => void;

export class CredentialChanges {
  private readonly listeners = new Set<CredentialChangeListener>();

  /** Hears every change; returns how to stop hearing. */
  listen(listener: CredentialChangeListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  changed(accountId: number): void {
    for (const listener of [...this.listeners]) listener(accountId);
  }
}
