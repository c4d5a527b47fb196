#!/usr/bin/env bash
# Exit 0 only when Kafka, ClickHouse and Redis are all running and ready.
INFRA_NAME=status
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

rc=0
for svc in kafka clickhouse redis; do
  "$INFRA_DIR/$svc.sh" status || rc=1
done
exit "$rc"
