#!/usr/bin/env bash
# Installs the Debian packages tollbridge needs on a Debian 12 machine (as root), only when
# something is missing: debootstrap (builds Asterisk's root), sip-tester (SIPp, the test
# caller), postgresql (the multi-machine database), sox (audio checks); with --tests also
# chromium (the web pages' browser tests drive it headless through playwright-core; nothing is
# downloaded by npm), which `npm start` does not need.
set -euo pipefail
PACKAGES=(debootstrap sip-tester postgresql sox)
if [ "${1:-}" = "--tests" ]; then PACKAGES+=(chromium); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all present (${PACKAGES[*]})"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-system-deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
