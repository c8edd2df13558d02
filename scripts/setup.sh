#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine with rustup and Node 20.
# Idempotent: every step is skipped when the right version is already there.
#   scripts/setup.sh            tools to build and run
#   scripts/setup.sh --browser  also Chromium and Playwright, for the end-to-end tests
set -euo pipefail
source "$(dirname "$0")/env.sh"
with_browser=false
[ "${1:-}" = "--browser" ] && with_browser=true

apt_missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_missing+=(postgresql)
command -v psql >/dev/null || apt_missing+=(postgresql-client)
command -v openssl >/dev/null || apt_missing+=(openssl)
$with_browser && ! command -v chromium >/dev/null && apt_missing+=(chromium)
# wrk: the page benchmark's load generator.
$with_browser && ! command -v wrk >/dev/null && apt_missing+=(wrk)
if [ ${#apt_missing[@]} -gt 0 ]; then
  step "apt: installing ${apt_missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  step "cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
  # no_downloads: cargo-leptos must use the wasm-bindgen and wasm-opt installed here.
  CARGO_TARGET_DIR="$HOME/.cache/sasa-tools-target" \
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: one of its locked dependency versions is no longer on crates.io.
  CARGO_TARGET_DIR="$HOME/.cache/sasa-tools-target" cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if $with_browser; then
  # The test command's quality gates (its --browser run is the test command's own).
  if ! rustup component list --installed | grep -q '^llvm-tools'; then
    step "rustup: adding llvm-tools (for coverage)"
    rustup component add llvm-tools-preview
  fi
  for tool in "cargo-llvm-cov $CARGO_LLVM_COV_VERSION" "cargo-deny $CARGO_DENY_VERSION"; do
    read -r name version <<<"$tool"
    if ! cargo "${name#cargo-}" --version 2>/dev/null | grep -q "$version"; then
      step "$name $version (a few minutes on 2 cores, once)"
      CARGO_TARGET_DIR="$HOME/.cache/sasa-tools-target" cargo install "$name" --version "$version" --locked
    fi
  done
  if ! cargo sqlx --version 2>/dev/null | grep -q "$SQLX_CLI_VERSION"; then
    step "sqlx-cli $SQLX_CLI_VERSION (a few minutes on 2 cores, once)"
    CARGO_TARGET_DIR="$HOME/.cache/sasa-tools-target" cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --locked \
      --no-default-features --features postgres,rustls
  fi
fi

npm_install() { # dir [npm ci flags]: `npm ci` unless node_modules was installed from this very lockfile
  local dir="$1" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$dir/node_modules/.installed-from" 2>/dev/null)" = "$want" ] && return 0
  step "npm: installing $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "${@:2}")
  echo "$want" > "$dir/node_modules/.installed-from"
}
# wasm-opt from npm's binaryen: Debian's is too old and breaks hydration.
npm_install "$ROOT/tools"
# Leaflet for the Fish Mouth maps, served from our own origin (public/ is copied into the site).
mkdir -p "$ROOT/public/vendor/leaflet"
cp -r "$ROOT"/tools/node_modules/leaflet/dist/{leaflet.js,leaflet.css,images} "$ROOT/public/vendor/leaflet/"
$with_browser && npm_install "$ROOT/end2end"
if $with_browser; then
  # The Observatory scanner's install scripts download a CA bundle and the HSTS preload list;
  # offline they abort. Skipped: scripts/observatory.sh passes its own CA, and the preload list
  # only decides a bonus no local host can earn.
  npm_install "$ROOT/tools/observatory" --ignore-scripts
  npm_install "$ROOT/tools/lighthouse"
  preload="$ROOT/tools/observatory/node_modules/@mdn/mdn-http-observatory/conf/hsts-preload.json"
  [ -f "$preload" ] || echo '{}' > "$preload"
fi
exit 0
