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
# The wasm-bindgen CLI must match the library version locked in Cargo.lock exactly.
# (Quiet without Cargo.lock: the compose backup service mounts scripts/ alone.)
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock" 2>/dev/null)"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
