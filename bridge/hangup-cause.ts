// What a channel's hang-up cause (Q.850, from ARI's ChannelHangupRequest) says about why a leg
// ended, when the app did not hang it up itself.
import type { LegEndReason } from '../flows/ports.js';

/** AST_CAUSE_REQUESTED_CHAN_UNAVAIL: res_pjsip_sdp_rtp sets it when rtp_timeout hangs a channel up. */
export const CAUSE_RTP_TIMEOUT = 44;
/** AST_CAUSE_NO_USER_RESPONSE: chan_pjsip's mapping of a 408, which ends a session whose timer refresh got no answer. */
export const CAUSE_NO_USER_RESPONSE = 18;

export function endReasonFromCause(cause: number | null): LegEndReason {
  switch (cause) {
    case CAUSE_RTP_TIMEOUT:
      return 'rtp-timeout';
    case CAUSE_NO_USER_RESPONSE:
      return 'session-timeout';
    default:
      return 'hangup';
  }
}
