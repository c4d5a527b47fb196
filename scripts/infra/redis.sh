#!/usr/bin/env bash
# Redis (Debian's redis-server) as our own instance on 127.0.0.1:16379, no persistence.
INFRA_NAME=redis
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REDIS_HOME=$(instance_home redis "$REDIS_PORT" 16379)
PIDFILE="$REDIS_HOME/redis.pid"
LOGFILE="$REDIS_HOME/redis.log"

cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
ready() { [[ $(cli ping 2>/dev/null) == PONG ]]; }

cmd_install() {
  apt_install redis-server redis-tools
  command -v redis-server >/dev/null || die "redis-server not found after install"
  mkdir -p "$REDIS_HOME"
}

cmd_status() {
  local pid
  if pid=$(live_pid "$PIDFILE") && ready; then
    log "running (pid $pid) on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  log "not running"
  return 1
}

cmd_start() {
  if live_pid "$PIDFILE" >/dev/null && ready; then
    log "already running on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || cmd_install
  mkdir -p "$REDIS_HOME"
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is already taken by another process"
  log "starting redis-server"
  rm -f "$PIDFILE"
  # Our own instance on our own port: a system redis started by the package does not matter.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --save '' --appendonly no \
    --dir "$REDIS_HOME" --daemonize yes --pidfile "$PIDFILE" --logfile "$LOGFILE" ||
    die "redis-server failed to start (see $LOGFILE)"
  wait_until 20 "Redis on 127.0.0.1:$REDIS_PORT" "$LOGFILE" ready ||
    die "Redis did not answer PING (see $LOGFILE)"
  wait_until 5 "Redis pid file" "$LOGFILE" live_pid "$PIDFILE" >/dev/null || die "Redis wrote no pid file"
  log "ready on 127.0.0.1:$REDIS_PORT (pid $(<"$PIDFILE"))"
}

cmd_stop() { stop_pid redis "$PIDFILE" 15; }

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
