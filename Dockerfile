# syntax=docker/dockerfile:1
#
# Production image: a builder stage runs `cargo leptos build --release` with the same tools
# scripts/setup.sh installs; the runtime stage holds only what the server needs at run time.
#
#   docker build -t sasa .
#   docker run --rm -p 127.0.0.1:3000:3000 --env-file prod.env sasa
#
# Without a Docker engine, scripts/container-check.sh checks this file (every COPY source, the
# tool pins, .dockerignore) and runs docker-entrypoint.sh in the same layout. See docs/deploy.md.

# Node 20 for npm (wasm-opt from the binaryen package, see tools/package.json).
FROM node:20-bookworm-slim AS node

FROM rust:1.95-bookworm AS builder
# Same pins as scripts/env.sh; container-check.sh fails when they drift apart.
# WASM_BINDGEN_VERSION must equal the wasm-bindgen version locked in Cargo.lock.
ARG CARGO_LEPTOS_VERSION=0.3.10
ARG WASM_BINDGEN_VERSION=0.2.130

COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version

RUN rustup target add wasm32-unknown-unknown

# The tools layer depends only on the two pins, so code changes reuse it (it takes the longest).
# no_downloads: cargo-leptos must use the wasm-bindgen and wasm-opt installed here.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    CARGO_TARGET_DIR=/tmp/tools-target \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads \
 && CARGO_TARGET_DIR=/tmp/tools-target cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
 && rm -rf /tmp/tools-target

WORKDIR /src
# wasm-opt from npm's binaryen: Debian's is too old and breaks hydration.
COPY tools/package.json tools/package-lock.json tools/
RUN cd tools && npm ci --no-audit --no-fund --loglevel=error
ENV PATH=/src/tools/node_modules/.bin:$PATH \
    CARGO_TARGET_DIR=/src/target \
    SQLX_OFFLINE=true

COPY Cargo.toml Cargo.lock Leptos.toml ./
COPY src src
COPY app app
COPY frontend frontend
COPY server server
COPY migrations migrations
# The compile-checked queries build from their committed descriptions (SQLX_OFFLINE).
COPY .sqlx .sqlx
COPY style style
COPY public public
RUN mkdir -p public/vendor/leaflet \
 && cp -r tools/node_modules/leaflet/dist/leaflet.js tools/node_modules/leaflet/dist/leaflet.css tools/node_modules/leaflet/dist/images public/vendor/leaflet/
COPY scripts/docker-entrypoint.sh scripts/docker-entrypoint.sh

# The server binary and cargo-leptos's hash.txt (names of the content-hashed /pkg files) land in
# target/release, the site (HTML assets and /pkg) in target/site.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo leptos build --release --precompress \
 && test -x target/release/server \
 && test -s target/release/hash.txt \
 && test -d target/site/pkg

FROM debian:bookworm-slim AS runtime
# curl for the health check; ca-certificates for TLS to the mail server.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 sasa \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin sasa

WORKDIR /app
# hash.txt must sit beside the server binary: the server reads it from there.
COPY --from=builder /src/target/release/server /src/target/release/hash.txt /app/
COPY --from=builder /src/target/site /app/site
# The server embeds its migrations at compile time; this copy is for operators to read.
COPY --from=builder /src/migrations /app/migrations
COPY --from=builder /src/Leptos.toml /app/Leptos.toml
COPY --from=builder --chmod=0755 /src/scripts/docker-entrypoint.sh /app/docker-entrypoint.sh

# Production by default: the server then refuses to start without JWT_SECRET, HEALTH_DATA_KEY
# and SMTP_URL (development mode would refuse 0.0.0.0 anyway). See .env.example for the rest.
ENV APP_ENV=production \
    LOG_FORMAT=json \
    LEPTOS_CONFIG=/app/Leptos.toml \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_ADDR=0.0.0.0:3000

USER 10001:10001
EXPOSE 3000
# GET /healthz with curl on the port of LEPTOS_SITE_ADDR (liveness: the process answers).
# Load balancers should route traffic on /readyz, which also needs the database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/app/docker-entrypoint.sh", "healthcheck"]
# SIGTERM starts a graceful shutdown of up to 20 s (SHUTDOWN_GRACE): give the container 30 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/docker-entrypoint.sh"]
