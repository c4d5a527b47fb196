#!/usr/bin/env bash
# Debian's chromium for the headless browser tests (test/browser), driven by playwright-core: no browser download.
# Idempotent: does nothing when /usr/bin/chromium is already there.
INFRA_NAME=chromium
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CHROMIUM=${TICKMESH_CHROMIUM:-/usr/bin/chromium}
# Fonts so screenshots show text; no recommends (no desktop integration needed headless).
PACKAGES=(chromium fonts-liberation)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "installing ${PACKAGES[*]} needs root or sudo (or install them yourself)"
  fi
}

cmd_install() {
  if [[ -x $CHROMIUM ]]; then
    log "already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    return 0
  fi
  log "installing Debian packages: ${PACKAGES[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  [[ -x $CHROMIUM ]] || die "$CHROMIUM not found after install"
  log "installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
}

cmd_status() {
  if [[ -x $CHROMIUM ]]; then log "installed: $("$CHROMIUM" --version 2>/dev/null)"; return 0; fi
  log "not installed"
  return 1
}

case "${1:-install}" in
  install) cmd_install ;;
  status) cmd_status ;;
  *) echo "usage: $0 [install|status]" >&2; exit 2 ;;
esac
