# A private PostgreSQL cluster for tests and benchmarks: initdb into a
# temporary directory, listen on a free port of 127.0.0.1, remove on stop.
# Sourced by tools/dev and tools/bench/bench_lib.sh.
#
#   start_postgres     # exports LATCHKEY_TEST_POSTGRES_URL and friends
#   stop_postgres
#
# PG_SERVER_OPTS: extra server settings ("-c fsync=off ..."); empty keeps
# PostgreSQL's defaults (durable commits).

PG_DIR=""
PG_USER=""
PG_BIN=""
PG_SERVER_OPTS="${PG_SERVER_OPTS:-}"

pg_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
pg_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

pg_as_owner() {
  if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

stop_postgres() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate >/dev/null 2>&1 || true
  fi
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
  PG_DIR=""
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$PG_BIN/initdb" ] || pg_die "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)"
  PG_DIR=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
  # PostgreSQL refuses to run as root; run it as the package's own user.
  if [ "$(id -u)" -eq 0 ]; then PG_USER=postgres; chown "$PG_USER" "$PG_DIR"; fi
  local port
  port=$(free_port)
  pg_log "starting PostgreSQL on 127.0.0.1:$port ($PG_DIR)"
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync \
    -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; pg_die "initdb failed"; }
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 $PG_SERVER_OPTS" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; pg_die "PostgreSQL did not start"; }
  export LATCHKEY_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export LATCHKEY_TEST_PGDATA="$PG_DIR/data"
  export LATCHKEY_TEST_PG_BIN="$PG_BIN"
  export LATCHKEY_TEST_PG_USER="$PG_USER"
}
