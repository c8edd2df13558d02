# Sourced: starts a private PostgreSQL cluster unless DATABASE_URL is already set.
# shellcheck shell=bash
# The cluster lives in .data/pg (git-ignored), listens on 127.0.0.1 only, and
# trusts loopback connections: a developer database, never a production one.

PG_PORT="${PG_PORT:-5433}"

# initdb refuses to run as root: as root, the cluster belongs to the postgres user.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Sets PG_BIN and PG_DATA.
pg_locate() {
  PG_BIN="$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1)")"
  PG_DATA="$ROOT/.data/pg"
  mkdir -p "$ROOT/.data"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$ROOT/.data"; then
    # The postgres user cannot reach a folder under this checkout (e.g. /root is 0700).
    PG_DATA="/var/tmp/sasa-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  fi
}

# TLS with a certificate for localhost signed by a private root made once in the data folder
# (root.crt), so the tests can connect as managed PostgreSQL asks: sslmode=require, and
# verify-full against that root.
pg_tls() {
  [ -f "$PG_DATA/root.crt" ] && return 0
  local made
  made="$(mktemp -d)"
  (
    cd "$made" &&
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=sasa-test-root -keyout root.key -out root.crt &&
      openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext &&
      openssl x509 -req -in server.csr -CA root.crt -CAkey root.key -CAcreateserial -days 3650 -extfile ext -out server.crt
  ) >/dev/null 2>&1 || { rm -rf "$made"; return 1; }
  install -m 600 "$made/server.key" "$PG_DATA/server.key"
  install -m 644 "$made/server.crt" "$PG_DATA/server.crt"
  install -m 644 "$made/root.crt" "$PG_DATA/root.crt"
  rm -rf "$made"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DATA/server.key" "$PG_DATA/server.crt" "$PG_DATA/root.crt"
  return 0
}

pg_start() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 && return 0
  pg_tls || return 1
  # pg_stat_statements: the tests and the page benchmark count the statements a page runs.
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c ssl=on -c shared_preload_libraries=pg_stat_statements" start >/dev/null
}

pg_stop() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1
}

db_start() {
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "Using DATABASE_URL from the environment."
    return 0
  fi
  pg_locate
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    step "PostgreSQL: creating a private cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  step "PostgreSQL: private cluster on 127.0.0.1:$PG_PORT"
  if ! pg_start; then
    echo "PostgreSQL did not start on port $PG_PORT (in use? set PG_PORT); its log: $PG_DATA/server.log"
    return 1
  fi
  local admin="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  if [ "$(psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = 'sasa'")" != "1" ]; then
    psql "$admin" -qc "CREATE DATABASE sasa" >/dev/null
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/sasa"
  DB_STARTED_HERE=1
}

db_stop() {
  [ -n "${DB_STARTED_HERE:-}" ] && pg_stop
  return 0
}
