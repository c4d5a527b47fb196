#!/usr/bin/env bash
# Apache Kafka (KRaft, single combined broker+controller) on 127.0.0.1:19092, from Maven Central jars.
INFRA_NAME=kafka
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_VERSION=3.9.2
SLF4J_VERSION=1.7.36
# Jars are installed once (.cache/kafka/libs); config, data, logs and pid file are per instance.
INSTALL_HOME="$CACHE_DIR/kafka"
LIBS="$INSTALL_HOME/libs"
KAFKA_HOME=$(instance_home kafka "$KAFKA_PORT" 19092)
DATA="$KAFKA_HOME/data"
LOGS="$KAFKA_HOME/logs"
PIDFILE="$KAFKA_HOME/kafka.pid"
PROPS="$KAFKA_HOME/server.properties"
M2="$CACHE_DIR/m2"
STDOUT_LOG="$LOGS/stdout.log"

java_bin() {
  command -v java >/dev/null || die "java not found: install a Java 17 runtime (apt-get install openjdk-17-jre-headless)"
  echo java
}

kafka_java() {
  "$(java_bin)" -Dlog4j.configuration="file:$KAFKA_HOME/log4j.properties" -Dkafka.logs.dir="$LOGS" \
    -cp "$LIBS/*" "$@"
}

write_pom() {
  mkdir -p "$INSTALL_HOME"
  cat >"$INSTALL_HOME/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tickmesh.infra</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version>
      <exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
}

write_config() {
  mkdir -p "$KAFKA_HOME" "$DATA" "$LOGS"
  cat >"$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$DATA
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
# After a kill -9 the old registration blocks the restarted broker until its session expires (default 9 s).
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
PROPS
  cat >"$KAFKA_HOME/log4j.properties" <<LOG4J
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
LOG4J
}

installed() { [[ -f $LIBS/kafka_2.13-$KAFKA_VERSION.jar && -f $LIBS/kafka-tools-$KAFKA_VERSION.jar && -f $LIBS/slf4j-reload4j-$SLF4J_VERSION.jar ]]; }

cmd_install() {
  java_bin >/dev/null
  if installed; then
    log "Kafka $KAFKA_VERSION jars already in $LIBS"
  else
    command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
    log "downloading Kafka $KAFKA_VERSION from Maven Central into $LIBS"
    write_pom
    rm -rf "$LIBS.tmp"
    mkdir -p "$LOGS"
    mvn -q -B -Dstyle.color=never -f "$INSTALL_HOME/pom.xml" -Dmaven.repo.local="$M2" \
      dependency:copy-dependencies -DoutputDirectory="$LIBS.tmp" >"$LOGS/mvn.log" 2>&1 ||
      { tail -n 30 "$LOGS/mvn.log" >&2; die "mvn dependency:copy-dependencies failed (see $LOGS/mvn.log)"; }
    rm -rf "$LIBS"
    mv "$LIBS.tmp" "$LIBS"
  fi
  write_config
  if [[ ! -f $DATA/meta.properties ]]; then
    local cluster_id
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid)
    log "formatting KRaft storage (cluster id $cluster_id)"
    kafka_java kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$PROPS" >>"$LOGS/format.log" 2>&1 ||
      { tail -n 20 "$LOGS/format.log" >&2; die "kafka storage format failed"; }
  fi
}

# Sends an ApiVersions v0 request and checks for a well-formed, error-free answer.
api_versions_ok() {
  local reply
  reply=$(
    exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT" || exit 1
    printf '\x00\x00\x00\x0e\x00\x12\x00\x00\x00\x00\x00\x07\x00\x04tick' >&3
    timeout 2 head -c 10 <&3 | od -An -tx1 | tr -d ' \n'
  ) 2>/dev/null || return 1
  # 4 bytes length, correlation id 7, error code 0
  [[ ${reply:8:12} == "000000070000" ]]
}

started_in_log() { grep -q 'Kafka Server started' "$LOGS/server.log" 2>/dev/null; }
ready() { port_open "$KAFKA_PORT" && started_in_log && api_versions_ok; }

cmd_status() {
  local pid
  if pid=$(live_pid "$PIDFILE") && api_versions_ok; then
    log "running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  log "not running"
  return 1
}

cmd_start() {
  if live_pid "$PIDFILE" >/dev/null && api_versions_ok; then
    log "already running on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  installed && [[ -f $DATA/meta.properties ]] || cmd_install
  write_config
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is already taken by another process"
  fi
  [[ -f $LOGS/server.log ]] && mv -f "$LOGS/server.log" "$LOGS/server.log.prev"
  log "starting Kafka $KAFKA_VERSION"
  # shellcheck disable=SC2086 # the heap setting is a list of JVM flags
  setsid nohup "$(java_bin)" ${TICKMESH_KAFKA_HEAP:--Xms256m -Xmx1g} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_HOME/log4j.properties" -Dkafka.logs.dir="$LOGS" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" >>"$STDOUT_LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_until 90 "Kafka to accept clients on 127.0.0.1:$KAFKA_PORT" "$LOGS/server.log" \
    ready_or_dead || { cmd_stop >/dev/null 2>&1 || true; die "Kafka did not start (see $LOGS/server.log, $STDOUT_LOG)"; }
  # One real client round trip (metadata) before declaring success.
  kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --list >/dev/null 2>>"$STDOUT_LOG" ||
    die "Kafka is up but a metadata request failed (see $STDOUT_LOG)"
  log "ready on 127.0.0.1:$KAFKA_PORT (pid $(<"$PIDFILE"))"
}

ready_or_dead() {
  live_pid "$PIDFILE" >/dev/null || { tail -n 20 "$STDOUT_LOG" >&2; die "Kafka process exited during startup"; }
  ready
}

cmd_stop() { stop_pid kafka "$PIDFILE" 30; }

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
