#!/usr/bin/env bash
# Installs (when missing) and starts Kafka, ClickHouse and Redis on loopback. Idempotent.
INFRA_NAME=up
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start_ts=$SECONDS
apt_packages=(clickhouse-server clickhouse-client redis-server redis-tools curl)
command -v java >/dev/null || apt_packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || apt_packages+=(maven)

# run_all NAME:CMD...: runs commands in parallel, fails if any failed.
run_all() {
  local -a pids=() names=()
  local spec failed=0 i
  for spec in "$@"; do
    names+=("${spec%%:*}")
    bash -c "${spec#*:}" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { log "${names[$i]} failed"; failed=1; }
  done
  return "$failed"
}

# One apt-get call for all Debian packages; the Kafka jar download runs alongside unless it needs apt's java/maven.
if command -v java >/dev/null && command -v mvn >/dev/null; then
  run_all "apt:source '$INFRA_DIR/common.sh'; INFRA_NAME=apt apt_install ${apt_packages[*]}" \
    "kafka-install:'$INFRA_DIR/kafka.sh' install" || die "install failed"
else
  apt_install "${apt_packages[@]}"
  "$INFRA_DIR/kafka.sh" install
fi

run_all "kafka:'$INFRA_DIR/kafka.sh' start" \
  "clickhouse:'$INFRA_DIR/clickhouse.sh' start" \
  "redis:'$INFRA_DIR/redis.sh' start" || die "some services did not start; see messages above"

log "all up in $((SECONDS - start_ts))s: Kafka 127.0.0.1:$KAFKA_PORT, ClickHouse http://127.0.0.1:$CLICKHOUSE_HTTP_PORT (native $CLICKHOUSE_TCP_PORT), Redis 127.0.0.1:$REDIS_PORT"
log 'use: eval "$(scripts/infra/env.sh)"'
