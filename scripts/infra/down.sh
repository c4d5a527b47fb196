#!/usr/bin/env bash
# Stops our Kafka, ClickHouse and Redis (data under .cache/ is kept).
INFRA_NAME=down
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

pids=()
for svc in kafka clickhouse redis; do
  "$INFRA_DIR/$svc.sh" stop &
  pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit "$rc"
