// Dials a callback through the outbound trunk (pjsip endpoint `callback-trunk`, rendered from
// TOLLBRIDGE_CALLBACK_TRUNK): an ARI originate into this Stasis app. Asterisk rings the number
// for at most the answer time, then gives up by itself; once answered the channel enters the
// app with the arguments `callback,<id>` (ari-session.ts makes it a call that claims booking <id>).
import type { CallbackDialer } from '../flows/ports.js';
import type { AriClientSource } from './ari-client-source.js';
import { CALLBACK_APP_ARG } from './ari-session.js';

export const CALLBACK_ENDPOINT = 'callback-trunk';

export class AriCallbackDialer implements CallbackDialer {
  constructor(
    private readonly ari: AriClientSource,
    private readonly app: string,
  ) {}

  async dial(request: { id: string; number: string; callerId: string; timeoutMs: number }): Promise<void> {
    await this.ari.client.channels.originate({
      endpoint: `PJSIP/${request.number}@${CALLBACK_ENDPOINT}`,
      app: this.app,
      appArgs: `${CALLBACK_APP_ARG},${request.id}`,
      // The number the caller dialled: what their phone shows, and where they can call again.
      callerId: request.callerId,
      timeout: Math.ceil(request.timeoutMs / 1000),
    });
  }
}
