#!/usr/bin/env bash
# Renders the @@NAME@@ placeholders of sip-config/ and dialplan/ from the same TOLLBRIDGE_*
# variables and defaults as config/config.ts (test/config checks that both know the same
# names), then runs Asterisk in the foreground.
set -euo pipefail
INSTANCE=${TOLLBRIDGE_ASTERISK_INSTANCE:-main}
declare -A V=(
  [INSTANCE]=$INSTANCE
  [SIP_PORT]=${TOLLBRIDGE_SIP_PORT:-5060}
  [ARI_PORT]=${TOLLBRIDGE_ARI_PORT:-8088}
  [AMI_PORT]=${TOLLBRIDGE_AMI_PORT:-5038}
  [RTP_START]=${TOLLBRIDGE_RTP_START:-20000}
  [RTP_END]=${TOLLBRIDGE_RTP_END:-24999}
  [ARI_USER]=${TOLLBRIDGE_ARI_USER:-tollbridge}
  [ARI_PASSWORD]=${TOLLBRIDGE_ARI_PASSWORD:?set TOLLBRIDGE_ARI_PASSWORD: a long random value, the same as the app's}
  [AMI_USER]=${TOLLBRIDGE_AMI_USER:-tollbridge}
  [AMI_PASSWORD]=${TOLLBRIDGE_AMI_PASSWORD:?set TOLLBRIDGE_AMI_PASSWORD: a long random value, the same as the app's}
  # The app's AMI user reads CEL, hang-up requests, keys pressed in a room and talk detection,
  # and writes "call" for Setvar MUTEAUDIO(in) (asterisk/config-render.ts amiRights,
  # AMI_APP_EVENTS); no diagnostics user in service.
  [AMI_READ]=call,dtmf
  [AMI_WRITE]=call
  [AMI_EVENT_FILTERS]=$'eventfilter = Event: CEL\neventfilter = Event: SoftHangupRequest\neventfilter = Event: HangupRequest\neventfilter = Event: DTMFEnd\neventfilter = Event: ChannelTalkingStart\neventfilter = Event: ChannelTalkingStop'
  [AMI_DIAGNOSTICS_USER]=
  [ARI_APP]=${TOLLBRIDGE_ARI_APP:-tollbridge}
  [SYSTEMNAME]=${TOLLBRIDGE_ASTERISK_SYSTEMNAME:-$INSTANCE}
  [RUN_USER]=${TOLLBRIDGE_ASTERISK_USER:-asterisk}
  [RUN_GROUP]=${TOLLBRIDGE_ASTERISK_USER:-asterisk}
  [RTP_TIMEOUT]=${TOLLBRIDGE_RTP_TIMEOUT_S:-60}
  [RTP_HOLD_TIMEOUT]=${TOLLBRIDGE_RTP_HOLD_TIMEOUT_S:-600}
  [SESSION_TIMERS]=${TOLLBRIDGE_SESSION_TIMERS:-yes}
  [SESSION_EXPIRES]=${TOLLBRIDGE_SESSION_EXPIRES_S:-1800}
)
match_lines=""
IFS=',' read -ra ips <<<"${TOLLBRIDGE_CARRIER_IPS:-127.0.0.1}"
for ip in "${ips[@]}"; do match_lines+="match = ${ip}"$'\n'; done
V[CARRIER_MATCH_LINES]=${match_lines%$'\n'}
# The outbound trunk for callbacks (asterisk/config-render.ts callbackTrunkSection): none when unset.
if [ -n "${TOLLBRIDGE_CALLBACK_TRUNK:-}" ]; then
  V[CALLBACK_TRUNK_SECTION]=$(printf '%s\n' '[callback-trunk]' 'type = aor' "contact = sip:${TOLLBRIDGE_CALLBACK_TRUNK}" '' \
    '[callback-trunk]' 'type = endpoint' 'transport = transport-udp' 'context = from-carrier' 'aors = callback-trunk' 'disallow = all' 'allow = ulaw,alaw' \
    'dtmf_mode = rfc4733' 'direct_media = no' 'rtp_symmetric = yes' 'force_rport = yes' 'rewrite_contact = yes' \
    "rtp_timeout = ${V[RTP_TIMEOUT]}" "rtp_timeout_hold = ${V[RTP_HOLD_TIMEOUT]}" 'send_pai = no')
else
  V[CALLBACK_TRUNK_SECTION]='; no callback trunk (TOLLBRIDGE_CALLBACK_TRUNK is empty): callbacks are off'
fi

out=/etc/asterisk-$INSTANCE
mkdir -p "$out" "/var/lib/asterisk-$INSTANCE" "/var/spool/asterisk-$INSTANCE" "/var/run/asterisk-$INSTANCE" "/var/log/asterisk-$INSTANCE/cel-custom"
if [ "${V[RUN_USER]}" != root ]; then
  chown -R "${V[RUN_USER]}:${V[RUN_GROUP]}" "/var/lib/asterisk-$INSTANCE" "/var/spool/asterisk-$INSTANCE" "/var/run/asterisk-$INSTANCE" "/var/log/asterisk-$INSTANCE"
fi
for f in /opt/tollbridge/templates/*.conf; do
  text=$(cat "$f")
  for k in "${!V[@]}"; do text=${text//@@$k@@/${V[$k]}}; done
  if grep -q '@@[A-Z_]*@@' <<<"$text"; then echo "unknown placeholder in $f" >&2; exit 1; fi
  printf '%s\n' "$text" >"$out/$(basename "$f")"
done
exec /usr/sbin/asterisk -f -C "$out/asterisk.conf"
