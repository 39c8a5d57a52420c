// Why a leg ended when the app did not hang it up itself, from the ChannelHangupRequest that
// Asterisk sent before StasisEnd.
import type { LegEndReason } from '../domain/legs.js';
import type { HangupRequest } from '../domain/call-events.js';

/**
 * AST_SOFTHANGUP_DEV: the channel driver itself asked for the hang-up. On an answered PJSIP
 * channel held in the Stasis app that is res_pjsip_sdp_rtp's RTP timeout (seen here: soft,
 * cause 1, with Asterisk's "Disconnecting channel ... for lack of audio RTP activity").
 */
export const SOFTHANGUP_BY_DRIVER = 1;
/**
 * AST_CAUSE_NO_USER_RESPONSE: chan_pjsip's mapping of SIP 408, which ends a session whose
 * session-timer refresh got no answer (seen here: not soft, cause 18, test/e2e/limits.test.ts).
 */
export const CAUSE_NO_USER_RESPONSE = 18;

export function endReasonFromHangupRequest(request: HangupRequest | null): LegEndReason {
  if (request === null) return 'hangup';
  if (request.soft && request.cause === SOFTHANGUP_BY_DRIVER) return 'rtp-timeout';
  if (!request.soft && request.cause === CAUSE_NO_USER_RESPONSE) return 'session-timeout';
  return 'hangup';
}
