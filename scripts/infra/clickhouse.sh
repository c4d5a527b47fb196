#!/usr/bin/env bash
# ClickHouse (Debian's clickhouse-server 18.16) with our own config: HTTP 127.0.0.1:18123, native 127.0.0.1:19000.
INFRA_NAME=clickhouse
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CH_HOME=$(instance_home clickhouse "$CLICKHOUSE_HTTP_PORT" 18123)
CH_CONF="$CH_HOME/config.xml"
CH_USERS="$CH_HOME/users.xml"
CH_LOGS="$CH_HOME/logs"
PIDFILE="$CH_HOME/clickhouse.pid"
STDOUT_LOG="$CH_LOGS/stdout.log"
CH_URL="http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"

server_bin() {
  local b
  for b in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    [[ -x $b ]] && { echo "$b"; return 0; }
  done
  return 1
}

write_config() {
  mkdir -p "$CH_HOME/data" "$CH_HOME/tmp" "$CH_HOME/user_files" "$CH_HOME/format_schemas" "$CH_LOGS"
  cat >"$CH_CONF" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$CH_LOGS/clickhouse-server.log</log>
        <errorlog>$CH_LOGS/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$CLICKHOUSE_HTTP_PORT</http_port>
    <tcp_port>$CLICKHOUSE_TCP_PORT</tcp_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>536870912</mark_cache_size>
    <path>$CH_HOME/data/</path>
    <tmp_path>$CH_HOME/tmp/</tmp_path>
    <user_files_path>$CH_HOME/user_files/</user_files_path>
    <format_schema_path>$CH_HOME/format_schemas/</format_schema_path>
    <users_config>$CH_USERS</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
</yandex>
XML
  cat >"$CH_USERS" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
XML
}

cmd_install() {
  apt_install clickhouse-server clickhouse-client curl
  server_bin >/dev/null || die "clickhouse-server binary not found after install"
  write_config
}

ready() { [[ $(curl -sf --max-time 2 "$CH_URL/?query=SELECT%201" 2>/dev/null) == 1 ]]; }

cmd_status() {
  local pid
  if pid=$(live_pid "$PIDFILE") && ready; then
    log "running (pid $pid) on $CH_URL"
    return 0
  fi
  log "not running"
  return 1
}

ready_or_dead() {
  live_pid "$PIDFILE" >/dev/null || { tail -n 20 "$STDOUT_LOG" "$CH_LOGS/clickhouse-server.err.log" >&2 2>/dev/null; die "clickhouse-server exited during startup"; }
  ready
}

cmd_start() {
  if live_pid "$PIDFILE" >/dev/null && ready; then
    log "already running on $CH_URL"
    return 0
  fi
  local bin
  bin=$(server_bin) || cmd_install
  bin=$(server_bin)
  write_config
  if port_open "$CLICKHOUSE_HTTP_PORT" || port_open "$CLICKHOUSE_TCP_PORT"; then
    die "port $CLICKHOUSE_HTTP_PORT or $CLICKHOUSE_TCP_PORT is already taken by another process"
  fi
  # 18.16 runs as root without complaint and checks no data-dir ownership, so the server runs as the
  # invoking user: no chown of the checkout, and `rm -rf .cache` keeps working for that user.
  log "starting clickhouse-server"
  rm -f "$PIDFILE"
  (cd "$CH_HOME" && exec setsid nohup "$bin" --config-file="$CH_CONF" >>"$STDOUT_LOG" 2>&1 </dev/null) &
  echo $! >"$PIDFILE"
  wait_until 60 "ClickHouse on $CH_URL" "$CH_LOGS/clickhouse-server.err.log" ready_or_dead ||
    { cmd_stop >/dev/null 2>&1 || true; die "ClickHouse did not start (see $CH_LOGS)"; }
  log "ready on $CH_URL (pid $(<"$PIDFILE"))"
}

cmd_stop() { stop_pid clickhouse "$PIDFILE" 30; }

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
