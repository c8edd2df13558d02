# Sourced by the other scripts: paths and tool versions in one place.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export PATH="$HOME/.cargo/bin:$ROOT/tools/node_modules/.bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# cargo-leptos writes the site (HTML assets, /pkg bundle) here; the server reads it.
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$CARGO_TARGET_DIR/site}"

CARGO_LEPTOS_VERSION="0.3.10"
# The quality gates of the test command: line coverage and dependency licenses/advisories.
CARGO_LLVM_COV_VERSION="0.9.1"
CARGO_DENY_VERSION="0.20.2"
# sqlx-cli: `cargo sqlx prepare` writes .sqlx, the description of every compile-checked query.
SQLX_CLI_VERSION="0.8.6"
# Builds check the queries written with sqlx's macros against the committed .sqlx, never a live
# database (scripts/sqlx-prepare.sh refreshes it; the test command fails when it is stale).
export SQLX_OFFLINE=true
# The wasm-bindgen CLI must match the library version locked in Cargo.lock exactly.
# (Quiet without Cargo.lock: the compose backup service mounts scripts/ alone.)
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock" 2>/dev/null)"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# A free TCP port on loopback (the kernel picks it; node is there for the scripts that use this).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# DIR DAYS: a self-signed cert.pem and key.pem for localhost in DIR.
self_signed_localhost() {
  openssl req -x509 -newkey rsa:2048 -nodes -days "$2" -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null &&
    chmod 600 "$1/key.pem"
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
