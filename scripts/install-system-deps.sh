#!/usr/bin/env bash
# Installs the Debian packages a tollbridge setup needs on a Debian 12 machine (as root), only
# when something is missing, and only what that setup uses:
#   (no option)  what `npm start` needs: sip-tester (SIPp, the demo caller it prints), and
#                debootstrap only while the managed Asterisk's root is still to be built
#                (TOLLBRIDGE_MANAGE_ASTERISK=false, or a built root: not needed)
#   --postgres   also postgresql (db/postgres-local.sh: a PostgreSQL on loopback)
#   --tests      everything the tests use: also debootstrap, postgresql, sox (audio checks)
#                and chromium (the web pages' browser tests drive it headless)
#   --list       print the packages the chosen setup needs, one a line, and install nothing
set -euo pipefail

tests=0 postgres=0 list=0
for arg in "$@"; do
  case $arg in
    --tests) tests=1 ;;
    --postgres) postgres=1 ;;
    --list) list=1 ;;
    *) echo "install-system-deps: unknown option $arg (--tests, --postgres, --list)" >&2; exit 2 ;;
  esac
done

# The root build-root.sh makes, and whether it is complete (its stamp and Asterisk in it).
root=${TOLLBRIDGE_ASTERISK_ROOT:-/var/cache/tollbridge/asterisk-root}
root_built=0
if [ -f "$root/.tollbridge-stamp" ] && [ -x "$root/usr/sbin/asterisk" ]; then root_built=1; fi
case ${TOLLBRIDGE_MANAGE_ASTERISK:-true} in
  false | 0 | no | off) managed=0 ;;
  *) managed=1 ;;
esac

PACKAGES=(sip-tester)
if [ $tests = 1 ] || { [ $managed = 1 ] && [ $root_built = 0 ]; }; then PACKAGES+=(debootstrap); fi
if [ $tests = 1 ] || [ $postgres = 1 ]; then PACKAGES+=(postgresql); fi
if [ $tests = 1 ]; then PACKAGES+=(sox chromium); fi

if [ $list = 1 ]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

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
echo "install-system-deps: installing ${missing[*]} (apt-get; a minute or two on a new machine)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-system-deps: installed ${missing[*]}"
