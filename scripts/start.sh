#!/usr/bin/env bash
# `npm start` (after `npm run build`): the Debian packages the bridge needs, installed only when
# missing, then the bridge itself (`tollbridge start`, with the arguments given). Both need root
# (Asterisk runs under chroot; SIPp sends RTP through a raw socket). Run as root, they run as
# they are; run by a user, they go through sudo; without sudo, this says how to get root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  echo "tollbridge: the bridge runs as root (Asterisk under chroot, SIPp's raw socket): using sudo" >&2
  as_root=(sudo)
else
  echo "tollbridge: the bridge runs as root (Asterisk under chroot, SIPp's raw socket), and sudo is not installed." >&2
  echo "  Run the same command as root (su -), or as root install sudo: apt-get install -y sudo && adduser $(id -un) sudo" >&2
  exit 1
fi

# Each step says itself on stderr: with --json, stdout carries only the bridge's JSON document.
echo "tollbridge: [1/2] Debian packages this setup needs (only the missing ones are installed)" >&2
"${as_root[@]}" bash scripts/install-system-deps.sh >&2
echo "tollbridge: [2/2] starting the bridge (a first start builds Asterisk 22's root: a few minutes, progress below)" >&2

# sudo resets the environment: hand the TOLLBRIDGE_* settings over explicitly, and node by its
# path (sudo's secure_path may not hold the user's node). exec: signals reach the bridge.
settings=()
while IFS= read -r name; do
  settings+=("$name=${!name}")
done < <(compgen -e | grep '^TOLLBRIDGE_' || true)
# V8's young generation capped at 1 MB a semi-space (node's default here: 16 MB, touched within
# the first calls and never given back). bench/soak.ts, 10,000 calls, three configurations side
# by side: RSS about 15 MB lower at the start, at 150 live calls and after (89 / 119 / 98 MB
# instead of 105 / 135 / 135), back within 10 % of the start 10 s after the calls instead of
# 29 %; the app's CPU per call about 12 % higher (more scavenges).
# TOLLBRIDGE_NODE_FLAGS replaces these flags (empty: node's defaults).
read -r -a node_flags <<< "${TOLLBRIDGE_NODE_FLAGS---max-semi-space-size=1}"
exec "${as_root[@]}" env "${settings[@]}" "$(command -v node)" "${node_flags[@]}" dist/cli/main.js start "$@"
