#!/usr/bin/env bash
# A real single-node Apache Kafka in KRaft mode without Docker: the broker's jars come from Maven
# Central (scripts/kafka/pom.xml) and run on this machine's Java. A broker that already answers
# is reused and never restarted.
#   scripts/kafka.sh up       fetch the jars once, format storage once, start, wait until it answers
#   scripts/kafka.sh status   say whether Kafka answers
#   scripts/kafka.sh stop     stop the broker this script started
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="$root/data/kafka"
libs="$home/libs"
pom="$root/scripts/kafka/pom.xml"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")"

brokers="${KAFKA_BROKERS:-127.0.0.1:9092}"
first="${brokers%%,*}"
host="${first%:*}"; port="${first##*:}"
[ "$host" = "$first" ] && port=9092
host="${host#[}"; host="${host%]}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
heap="${KAFKA_HEAP:-512m}"
wait_s="${KAFKA_START_WAIT_S:-120}"

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
# Something answering on the port is reused only if it speaks Kafka: an ApiVersions request
# must come back with its correlation id (0x4853).
is_kafka() {
  local reply
  reply="$( (exec 3<>"/dev/tcp/$host/$port" || exit 1
    printf '\x00\x00\x00\x19\x00\x12\x00\x00\x00\x00\x48\x53\x00\x0fhopscope-health' >&3
    timeout 3 head -c 8 <&3 | od -An -tx1 | tr -d ' \n') 2>/dev/null)"
  [ "${reply:8:8}" = "00004853" ]
}
free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
elapsed() { echo "$(( $(date +%s%N) / 1000000 - started_ms ))"; }
seconds() { printf "%d.%d s" "$(( $1 / 1000 ))" "$(( ($1 % 1000) / 100 ))"; }

require() {
  command -v java >/dev/null 2>&1 || { echo "  ✗ kafka needs Java 17 or newer (apt-get install -y openjdk-17-jre-headless)" >&2; return 1; }
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  if [ -n "$major" ] && [ "$major" -lt 17 ]; then
    echo "  ✗ kafka $version needs Java 17 or newer; this machine's java is $major" >&2; return 1
  fi
}

# The jars are fetched once; a marker written last tells a complete set from an interrupted one.
fetch() {
  [ -f "$libs/.complete-$version" ] && return 0
  command -v mvn >/dev/null 2>&1 || { echo "  ✗ fetching Kafka needs Maven (apt-get install -y maven)" >&2; return 1; }
  rm -rf "$libs"; mkdir -p "$libs"
  local log="$home/fetch.log"
  printf "  … fetching Kafka %s jars from Maven Central (once, about 45 MB) " "$version"
  # The plugin's version is pinned: a fresh machine resolves the same one as this one.
  mvn -B -f "$pom" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >"$log" 2>&1 &
  local mvn_pid=$!
  # A background job ignores Ctrl-C: stop it with the script, or it writes into the next run.
  trap 'kill "$mvn_pid" 2>/dev/null; exit 130' INT TERM
  while kill -0 "$mvn_pid" 2>/dev/null; do
    if [ -t 1 ]; then
      printf "\r  … fetching Kafka %s jars from Maven Central (once, about 45 MB): %s files downloaded " "$version" "$(grep -c 'Downloaded from' "$log")"
    else
      printf "."
    fi
    sleep 1
  done
  local fetched=0
  wait "$mvn_pid" || fetched=$?
  trap - INT TERM
  if [ "$fetched" -ne 0 ]; then
    echo; echo "  ✗ Maven could not fetch Kafka; see $log" >&2
    grep -m3 ERROR "$log" >&2
    return 1
  fi
  touch "$libs/.complete-$version"
  echo "done, $(find "$libs" -name '*.jar' | wc -l) jars ($(du -sh "$libs" | cut -f1))"
}

write_config() {
  mkdir -p "$home/logs"
  cat >"$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$home/logs
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# A workshop's groups form at once instead of waiting for stragglers.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  cat >"$home/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$home/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.state.name=state.change.logger
logger.state.level=WARN
PROPS
}

java_run() { java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -cp "$libs/*" -Dlog4j2.configurationFile="$home/log4j2.properties" "$@"; }
# The broker this script started, if it still runs: its pid file, checked against what runs.
our_broker() {
  local pid
  pid="$(cat "$home/kafka.pid" 2>/dev/null)" || return 1
  ps -o args= -p "$pid" 2>/dev/null | grep -q "kafka.Kafka $home/server.properties" && echo "$pid"
}

format() {
  [ -f "$home/logs/meta.properties" ] && return 0
  local cluster
  cluster="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  printf "  … formatting storage in data/kafka (cluster %s) " "$cluster"
  if ! java_run kafka.tools.StorageTool format -t "$cluster" -c "$home/server.properties" >"$home/format.log" 2>&1; then
    echo; echo "  ✗ formatting failed; see $home/format.log" >&2; return 1
  fi
  echo "done"
}

up() {
  if answers; then
    if is_kafka; then
      echo "  ✓ kafka already running on $host:$port (reused)"
      return 0
    fi
    # Ours, still starting: wait for it below instead of starting a second one.
    if [ -z "$(our_broker)" ]; then
      echo "  ✗ something that is not Kafka answers on $host:$port; stop it or set KAFKA_BROKERS" >&2
      return 1
    fi
  fi
  case "$host" in 127.0.0.1|localhost|::1) ;; *)
    echo "  ✗ kafka is not answering at $host:$port, and that is not this machine" >&2; return 1 ;;
  esac
  require || return 1
  mkdir -p "$home"
  started_ms=$(( $(date +%s%N) / 1000000 ))
  fetch || return 1
  write_config
  format || return 1
  if [ -z "$(our_broker)" ]; then
    if ! free "$controller_port"; then
      echo "  ✗ the KRaft controller port $controller_port is taken; set KAFKA_CONTROLLER_PORT" >&2
      return 1
    fi
    printf "  … starting kafka %s (KRaft) on 127.0.0.1:%s " "$version" "$port"
    : >"$home/server.log"
    setsid nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -cp "$libs/*" -Dlog4j2.configurationFile="$home/log4j2.properties" \
      kafka.Kafka "$home/server.properties" >"$home/stdout.log" 2>&1 </dev/null &
    echo $! >"$home/kafka.pid"
  else
    printf "  … kafka is still starting on 127.0.0.1:%s " "$port"
  fi
  local waited=0
  until is_kafka; do
    if [ -z "$(our_broker)" ]; then
      echo; echo "  ✗ kafka exited while starting; see $home/server.log and $home/stdout.log" >&2
      tail -5 "$home/server.log" "$home/stdout.log" >&2
      return 1
    fi
    if [ "$waited" -ge "$((wait_s * 2))" ]; then
      echo; echo "  ✗ kafka did not answer within $wait_s s; see $home/server.log" >&2
      return 1
    fi
    printf "."; sleep 0.5; waited=$((waited + 1))
  done
  echo " up in $(seconds "$(elapsed)")"
}

stop() {
  local pid
  pid="$(our_broker)" || { echo "no kafka started by this script is running"; rm -f "$home/kafka.pid"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka (pid $pid) did not stop within 30 s" >&2
    return 1
  fi
  rm -f "$home/kafka.pid"
  echo "kafka stopped"
}

case "${1:-up}" in
  up) up ;;
  status) if is_kafka; then echo "kafka up ($host:$port)"; else echo "kafka down ($host:$port)"; fi ;;
  stop) stop ;;
  *) echo "usage: scripts/kafka.sh up | status | stop" >&2; exit 2 ;;
esac
