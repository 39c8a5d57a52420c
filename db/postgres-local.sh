#!/usr/bin/env bash
# Starts (or finds running) a PostgreSQL server on 127.0.0.1 for tests and CI, in a cluster
# directory of its own, and prints the URL to use. Needs Debian's `postgresql` package and root.
#   bash db/postgres-local.sh start [PORT]   (default 55432)
#   bash db/postgres-local.sh stop [PORT]
set -euo pipefail
action=${1:-start}
PORT=${2:-${TOLLBRIDGE_PG_PORT:-55432}}
DIR=${TOLLBRIDGE_PG_DIR:-/var/cache/tollbridge/pg-$PORT}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
URL="postgres://tollbridge:tollbridge@127.0.0.1:$PORT/postgres"
[ -n "$BIN" ] || { echo "postgres-local: PostgreSQL is not installed (as root: bash scripts/install-system-deps.sh --postgres)" >&2; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }

case "$action" in
  start)
    if as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then echo "$URL"; exit 0; fi
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      chown postgres:postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k /tmp -c fsync=off -c max_connections=200" start >/dev/null
    for _ in $(seq 1 100); do
      as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
      sleep 0.1
    done
    as_pg "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -c \
      "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tollbridge') THEN CREATE ROLE tollbridge LOGIN SUPERUSER PASSWORD 'tollbridge'; END IF; END \$\$;" >/dev/null
    echo "$URL"
    ;;
  stop)
    # Stopping a server that is not running is not an error.
    if [ -f "$DIR/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null; fi
    ;;
  *)
    echo "usage: $0 start|stop [PORT]" >&2
    exit 64
    ;;
esac
