#!/usr/bin/env bash
# Make PostgreSQL and Redis available for the test suite and print the URLs to use as
# shell assignments (the Makefile exports them). A server already answering on the
# standard port is reused; otherwise Debian's packages are installed if missing and a
# private server is started on a private port with its data under .services/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PG_PORT=55432
REDIS_PORT=56379

log() { echo "services: $*" >&2; }

apt_install() {
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    log "installing $* ..."
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    log "cannot install $* (need root and apt-get); install it and re-run"
    exit 1
  fi
}

pg_answers() { # host port
  command -v psql >/dev/null 2>&1 && psql -h "$1" -p "$2" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
  if pg_answers 127.0.0.1 5432; then
    echo "TESTABLE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres"
    return
  fi
  if pg_answers 127.0.0.1 "$PG_PORT"; then
    echo "TESTABLE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
    return
  fi
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bindir" ]; then
    apt_install postgresql
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local data="$ROOT/.services/postgres"
  local run_as=()
  if [ "$(id -u)" = "0" ]; then
    # PostgreSQL refuses to run as root; Debian's package created the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    run_as=(runuser -u postgres --)
  fi
  mkdir -p "$data"
  [ "$(id -u)" = "0" ] && chown -R postgres "$ROOT/.services/postgres"
  chmod 0755 "$ROOT/.services" 2>/dev/null || true
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a private PostgreSQL cluster in $data"
    "${run_as[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  "${run_as[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
  echo "TESTABLE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
}

redis_answers() { # port
  command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -p "$1" ping 2>/dev/null)" = "PONG" ]
}

ensure_redis() {
  if redis_answers 6379; then
    echo "TESTABLE_TEST_REDIS_URL=redis://127.0.0.1:6379/15"
    return
  fi
  if ! redis_answers "$REDIS_PORT"; then
    command -v redis-server >/dev/null 2>&1 || apt_install redis-server
    mkdir -p "$ROOT/.services/redis"
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
      --appendonly no --dir "$ROOT/.services/redis" --logfile "$ROOT/.services/redis/redis.log"
    for _ in $(seq 50); do redis_answers "$REDIS_PORT" && break; sleep 0.1; done
  fi
  echo "TESTABLE_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/15"
}

command -v psql >/dev/null 2>&1 || apt_install postgresql-client
ensure_postgres
ensure_redis
