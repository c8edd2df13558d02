# Sourced by the backup scripts: PostgreSQL URL helpers, plain bash (no scripts/env.sh), so
# they also work in the compose backup service, which mounts scripts/ into a postgres image.
# shellcheck shell=bash

# url_database URL: the database named in a postgres:// URL (empty when it names none).
url_database() {
  local rest="${1#*://}"
  rest="${rest%%\?*}"
  case "$rest" in
    */*) printf '%s\n' "${rest#*/}" ;;
    *) printf '\n' ;;
  esac
}

# url_with_database URL NAME: the same URL (user, password, host, port, options) for database NAME.
url_with_database() {
  local url="$1" name="$2" query="" scheme rest
  case "$url" in *\?*) query="?${url#*\?}" url="${url%%\?*}" ;; esac
  scheme="${url%%://*}"
  rest="${url#*://}"
  printf '%s://%s/%s%s\n' "$scheme" "${rest%%/*}" "$name" "$query"
}

# url_redacted URL: the URL without its password, for messages.
url_redacted() {
  local url="$1" scheme rest authority
  scheme="${url%%://*}"
  rest="${url#*://}"
  authority="${rest%%/*}"
  case "$authority" in
    *:*@*) printf '%s://%s:***@%s\n' "$scheme" "${authority%%:*}" "${rest#*@}" ;;
    *) printf '%s\n' "$url" ;;
  esac
}
