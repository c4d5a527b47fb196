#!/usr/bin/env bash
# Prints the environment for tests and services: eval "$(scripts/infra/env.sh)"
INFRA_NAME=env
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT CLICKHOUSE_URL=http://127.0.0.1:$CLICKHOUSE_HTTP_PORT REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
