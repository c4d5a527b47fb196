# Shared helpers for scripts/infra/*.sh (sourced, not executed).
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/../.." && pwd)"
CACHE_DIR="$REPO_ROOT/.cache"

# Non-default ports so a developer's own servers don't collide; overridable so two checkouts can run side by side.
KAFKA_PORT=${TICKMESH_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${TICKMESH_KAFKA_CONTROLLER_PORT:-19093}
CLICKHOUSE_HTTP_PORT=${TICKMESH_CLICKHOUSE_HTTP_PORT:-18123}
CLICKHOUSE_TCP_PORT=${TICKMESH_CLICKHOUSE_TCP_PORT:-19000}
REDIS_PORT=${TICKMESH_REDIS_PORT:-16379}

# Where an instance keeps its data, logs and pid file. The default instance (default ports) keeps the
# historical .cache/<server>; one on other ports gets .cache/<server>-<port>, so a private set (a fault
# test stopping its own servers) never shares a data dir or pid file with the default one.
# TICKMESH_INFRA_STATE_DIR moves instance state elsewhere (a test's temp dir); installs stay in .cache.
STATE_ROOT=${TICKMESH_INFRA_STATE_DIR:-$CACHE_DIR}

# instance_home SERVER PORT DEFAULT_PORT
instance_home() {
  if [[ $2 == "$3" && -z ${TICKMESH_INFRA_STATE_DIR:-} ]]; then echo "$STATE_ROOT/$1"; else echo "$STATE_ROOT/$1-$2"; fi
}

log() { printf '[%s] %s\n' "${INFRA_NAME:-infra}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_root_for_apt() {
  [[ $(id -u) -eq 0 ]] || die "installing Debian packages needs root (run as root or install '$*' yourself)"
}

# True when the TCP port accepts a connection.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Pid from a pid file if that process is alive, else empty.
live_pid() {
  local file=$1 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# stop_pid NAME PIDFILE [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local name=$1 file=$2 grace=${3:-30} pid i
  if ! pid=$(live_pid "$file"); then
    log "$name is not running"
    rm -f "$file"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$file"; log "$name stopped"; return 0; }
    sleep 0.1
  done
  log "$name did not stop within ${grace}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
}

# wait_until TIMEOUT_SECONDS DESCRIPTION LOGFILE CMD...: polls CMD every 0.2 s.
wait_until() {
  local timeout=$1 what=$2 logfile=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what; last lines of $logfile:"
      tail -n 40 "$logfile" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
}

# Installs the given Debian packages (one apt-get call) unless all are installed.
# A temporary policy-rc.d keeps postinst scripts from starting system services.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  need_root_for_apt "${missing[*]}"
  log "installing Debian packages: ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  local rc=0
  (
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq &&
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ) || rc=$?
  ((created_policy)) && rm -f "$policy"
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
}

usage() {
  echo "usage: $0 install|start|stop|status" >&2
  exit 2
}
