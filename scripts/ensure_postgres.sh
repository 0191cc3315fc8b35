#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (Debian's package: /usr/lib/postgresql/*/bin).
#
#   scripts/ensure_postgres.sh start DIR   # initdb in DIR, start on a free port; prints the URL
#   scripts/ensure_postgres.sh stop DIR    # stop it (DIR can then be removed)
#
# PostgreSQL refuses to run as root: when run as root, DIR is given to the `postgres` user (its
# parent must be traversable by that user, e.g. mode 711) and
# the server runs as that user. It listens on 127.0.0.1 and on a socket in DIR only, trusts
# local connections (a test cluster, never a production one) and has a database `dispatch`.
# Exit 3 when PostgreSQL is not installed (the tests then skip, unless DISPATCH_REQUIRE_POSTGRES=1).
set -euo pipefail
cmd="${1:-}"; dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR" >&2; exit 2
fi
# PG_BIN: PostgreSQL's bin directory (default: the newest of Debian's /usr/lib/postgresql/*/bin).
bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "error: PostgreSQL not installed (no ${bin:-/usr/lib/postgresql/*/bin}/initdb); apt-get install postgresql, or set PG_BIN" >&2; exit 3
fi
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres dispatch
    echo "$port" >"$dir/port"
    echo "postgresql://postgres@127.0.0.1:$port/dispatch"
    ;;
stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2
    ;;
esac
