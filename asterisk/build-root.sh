#!/usr/bin/env bash
# Builds (or reuses) a Debian "sid" root file system holding Asterisk 22 from Debian's own
# packages. Debian 12 has no asterisk package and sid's needs a newer libc than the host's,
# so Asterisk lives in its own root and runs with chroot (see ../shared/ASTERISK.md).
#
# The root is cached outside the work tree (TOLLBRIDGE_ASTERISK_ROOT, default
# /var/cache/tollbridge/asterisk-root) and rebuilt only when it is missing, incomplete, or its
# recorded package list differs from the one below.
set -euo pipefail

ROOT=${TOLLBRIDGE_ASTERISK_ROOT:-/var/cache/tollbridge/asterisk-root}
PACKAGES="asterisk,asterisk-modules,asterisk-core-sounds-en-wav,asterisk-moh-opsound-wav"
STAMP="$ROOT/.tollbridge-stamp"
WANT="packages=$PACKAGES"

if [ "$(id -u)" != 0 ]; then
  echo "build-root: must run as root (debootstrap and chroot need it)" >&2
  exit 1
fi

# Prompts in the languages rooms may speak besides English (Debian's GSM packs, about 2 MB
# each), unpacked from the host's own apt into the root: sounds/<lang> points at the voice's
# directory, as the packages' own postinst does with update-alternatives. Idempotent, so an
# existing root gains them without a rebuild.
LANGUAGES="es fr it ru"
install_languages() {
  local root=$1 lang dir work
  for lang in $LANGUAGES; do
    [ -e "$root/usr/share/asterisk/sounds/$lang/conf-getpin.gsm" ] && continue
    work=$(mktemp -d)
    # A machine whose package lists were never fetched has nothing to download from: fetch once.
    (cd "$work" && apt-get download "asterisk-core-sounds-$lang-gsm" >/dev/null 2>&1) ||
      (apt-get update -qq >/dev/null 2>&1 && cd "$work" && apt-get download "asterisk-core-sounds-$lang-gsm" >/dev/null 2>&1) || {
      rm -rf "$work"
      echo "build-root: could not download asterisk-core-sounds-$lang-gsm (apt-get update first?)" >&2
      exit 1
    }
    dpkg-deb -x "$work"/asterisk-core-sounds-"$lang"-gsm_*.deb "$work/x"
    dir=$(basename "$(find "$work/x/usr/share/asterisk/sounds" -mindepth 1 -maxdepth 1 -type d | head -1)")
    mkdir -p "$root/usr/share/asterisk/sounds"
    cp -a "$work/x/usr/share/asterisk/sounds/$dir" "$root/usr/share/asterisk/sounds/"
    ln -sfn "$dir" "$root/usr/share/asterisk/sounds/$lang"
    rm -rf "$work"
    echo "build-root: prompts in $lang ($dir)"
  done
}

# One build at a time: test runs in several checkouts call this script, and a second
# debootstrap into the same partial root deletes the first one's work under it.
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock 9

if [ -f "$STAMP" ] && grep -qx "$WANT" "$STAMP" && [ -x "$ROOT/usr/sbin/asterisk" ]; then
  install_languages "$ROOT"
  echo "build-root: reusing $ROOT ($(grep '^asterisk=' "$STAMP" || true))"
  exit 0
fi

command -v debootstrap >/dev/null || {
  echo "build-root: debootstrap is missing; install it with: apt-get install -y debootstrap" >&2
  exit 1
}

# The mirror comes from this machine's own apt sources, never a host name written in the repo.
MIRROR=${TOLLBRIDGE_DEBIAN_MIRROR:-}
if [ -z "$MIRROR" ]; then
  MIRROR=$(grep -hm1 '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' || true)
fi
if [ -z "$MIRROR" ]; then
  MIRROR=$(grep -hm1 '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' || true)
fi
[ -n "$MIRROR" ] || { echo "build-root: no Debian mirror found in apt sources; set TOLLBRIDGE_DEBIAN_MIRROR" >&2; exit 1; }

# Never delete a root with /proc mounted inside it (a recursive delete would walk into /proc).
if mountpoint -q "$ROOT/proc" 2>/dev/null; then umount "$ROOT/proc"; fi
if [ -e "$ROOT" ]; then
  if grep -q " $ROOT/" /proc/mounts; then
    echo "build-root: something is still mounted below $ROOT; unmount it first" >&2
    exit 1
  fi
  rm -rf --one-file-system "$ROOT"
fi
mkdir -p "$(dirname "$ROOT")"
TMP="$ROOT.partial"
# A failed debootstrap can leave /proc mounted inside the partial root: unmount before deleting.
clear_partial() {
  local m
  for m in $(awk -v t="$TMP/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  rm -rf --one-file-system "$TMP"
}

# debootstrap's lines go to $TMP.log; its progress is said on stdout (debootstrap-progress.sh).
# shellcheck source=debootstrap-progress.sh
source "$(dirname "$0")/debootstrap-progress.sh"

# A download or signature check that fails now and then (a mirror being updated) passes when
# run again: up to three whole attempts.
echo "build-root: debootstrap sid into $TMP from $MIRROR (a few minutes; its log: $TMP.log)"
start=$(date +%s)
for attempt in 1 2 3; do
  clear_partial
  : >"$TMP.log"
  if debootstrap --keep-debootstrap-dir --variant=minbase --include="$PACKAGES" sid "$TMP" "$MIRROR" 2>&1 | debootstrap_progress; then
    rm -rf "$TMP/debootstrap"
    break
  fi
  echo "build-root: debootstrap attempt $attempt failed; last lines of $TMP.log:" >&2
  tail -n 15 "$TMP.log" >&2
  if [ -f "$TMP/debootstrap/debootstrap.log" ]; then
    echo "build-root: dpkg's complaints (debootstrap.log):" >&2
    grep -iE "error|fail|depends" "$TMP/debootstrap/debootstrap.log" | grep -v "URL:" | tail -n 15 >&2 || true
  fi
  if [ "$attempt" = 3 ]; then
    clear_partial
    exit 1
  fi
done

# Asterisk drops capabilities when run as root; its state directories must be root's.
for d in var/lib/asterisk var/spool/asterisk var/log/asterisk var/run/asterisk; do
  mkdir -p "$TMP/$d"
  chown -R root:root "$TMP/$d"
done
# Without a hosts file, bursts of calls stalled ~5 s at setup (ASTERISK.md).
echo "127.0.0.1 localhost $(hostname)" >"$TMP/etc/hosts"

install_languages "$TMP"
version=$(chroot "$TMP" dpkg-query -W -f='${Version}' asterisk)
printf '%s\nasterisk=%s\n' "$WANT" "$version" >"$TMP/.tollbridge-stamp"
mv "$TMP" "$ROOT"
echo "build-root: built $ROOT with asterisk $version in $(( $(date +%s) - start )) s"
