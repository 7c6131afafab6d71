#!/usr/bin/env bash
# Brings up the brokers Hopscope needs without Docker, from the servers installed on this
# machine. A broker that already answers is reused and never restarted.
#   scripts/brokers.sh up [nats|redis|rabbitmq|kafka ...]   start the missing ones (default: all)
# Kafka has a script of its own (scripts/kafka.sh): it runs from jars fetched with Maven.
#   scripts/brokers.sh status                          show what answers
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/data"
mkdir -p "$data"

port_of() { # URL or host:port, default port -> port
  local value="${1#*://}" default="$2"
  value="${value##*@}"; value="${value%%/*}"; value="${value%%,*}"
  [[ "$value" == *:* ]] && echo "${value##*:}" || echo "$default"
}
host_of() {
  local value="${1#*://}"
  value="${value##*@}"; value="${value%%/*}"; value="${value%%,*}"; value="${value%:*}"
  echo "${value:-127.0.0.1}"
}

nats_url="${NATS_URL:-nats://127.0.0.1:4222}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
amqp_url="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}"
# The management API takes the AMQP URL's credentials (guest may log in from loopback only).
amqp_credentials="${amqp_url#*://}"; [[ "$amqp_credentials" == *@* ]] && amqp_credentials="${amqp_credentials%%@*}" || amqp_credentials="guest:guest"
amqp_user="${amqp_credentials%%:*}"; amqp_password="${amqp_credentials#*:}"

declare -A PORT=( [nats]="$(port_of "$nats_url" 4222)" [redis]="$(port_of "$redis_url" 6379)" [rabbitmq]="$(port_of "$amqp_url" 5672)" )
declare -A HOST=( [nats]="$(host_of "$nats_url")" [redis]="$(host_of "$redis_url")" [rabbitmq]="$(host_of "$amqp_url")" )
declare -A BINARY=( [nats]=nats-server [redis]=redis-server [rabbitmq]=rabbitmq-server )
declare -A PACKAGE=( [nats]=nats-server [redis]=redis-server [rabbitmq]=rabbitmq-server )
# RabbitMQ boots an Erlang VM: give it longer.
declare -A WAIT_S=( [nats]=15 [redis]=15 [rabbitmq]=90 )

answers() { (exec 3<>"/dev/tcp/${HOST[$1]}/${PORT[$1]}") 2>/dev/null; }
is_local() { [[ "${HOST[$1]}" == "127.0.0.1" || "${HOST[$1]}" == "localhost" || "${HOST[$1]}" == "::1" ]]; }
find_binary() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || { [ -x "/usr/lib/rabbitmq/bin/$1" ] && echo "/usr/lib/rabbitmq/bin/$1"; }; }

node_runs() { command -v rabbitmqctl >/dev/null 2>&1 && timeout 20 rabbitmqctl -q ping >/dev/null 2>&1; }

# What the broker said, so a failure in CI explains itself.
show_logs() {
  local log
  for log in "$data/$1"*.log; do
    [ -s "$log" ] && { echo "  --- $log (last lines)"; tail -n 15 "$log" | sed 's/^/  | /'; }
  done
  if [ "$1" = rabbitmq ]; then
    for log in /var/log/rabbitmq/*.log; do
      [ -s "$log" ] && { echo "  --- $log (last lines)"; tail -n 15 "$log" | sed 's/^/  | /'; }
    done
  fi
  return 0
}

launch() {
  local name="$1" bin="$2"
  case "$name" in
    nats)
      mkdir -p "$data/nats"
      start-stop-daemon --start --oknodo --background --exec "$bin" -- \
        -a 127.0.0.1 -p "${PORT[nats]}" -m 8222 -js -sd "$data/nats" -l "$data/nats.log" ;;
    redis)
      mkdir -p "$data/redis"
      "$bin" --daemonize yes --bind 127.0.0.1 --port "${PORT[redis]}" --save "" --appendonly no \
        --dir "$data/redis" --logfile "$data/redis.log" ;;
    rabbitmq)
      # A node whose application was stopped (rabbitmqctl stop_app, say by an interrupted soak)
      # still runs, and a second `rabbitmq-server -detached` exits 0 without starting anything.
      if node_runs; then
        rabbitmqctl start_app >"$data/rabbitmq-start.log" 2>&1
      else
        "$bin" -detached >"$data/rabbitmq-start.log" 2>&1
      fi ;;
  esac
}

up() {
  local name="$1"
  if answers "$name"; then
    echo "  ✓ $name already running on ${HOST[$name]}:${PORT[$name]} (reused)"
    return 0
  fi
  if ! is_local "$name"; then
    echo "  ✗ $name is not answering at ${HOST[$name]}:${PORT[$name]}, and that is not this machine" >&2
    return 1
  fi
  local bin
  bin="$(find_binary "${BINARY[$name]}")"
  if [ -z "$bin" ]; then
    echo "  ✗ $name is not installed. Install it with: apt-get install -y ${PACKAGE[$name]}   (or use: docker compose up -d $name)" >&2
    return 1
  fi
  printf "  … starting %s on 127.0.0.1:%s " "$name" "${PORT[$name]}"
  launch "$name" "$bin"
  local waited=0
  until answers "$name"; do
    if [ "$waited" -ge "$((WAIT_S[$name] * 2))" ]; then
      echo; echo "  ✗ $name did not answer within ${WAIT_S[$name]} s" >&2
      show_logs "$name" >&2
      return 1
    fi
    printf "."; sleep 0.5; waited=$((waited + 1))
  done
  echo " up"
}

# The queue node's unacked counts and the RabbitMQ tap (which switches the firehose on and reads
# queue counters) need the management API. Enabling the plugin is online and idempotent, so a
# running broker is not restarted; the API takes a few seconds more to answer after that.
management_answers() { curl -fsS -o /dev/null -u "$amqp_user:$amqp_password" --max-time 2 "http://${HOST[rabbitmq]}:15672/api/overview" 2>/dev/null; }
management() {
  is_local rabbitmq && answers rabbitmq || return 0
  management_answers && return 0
  local plugins
  plugins="$(find_binary rabbitmq-plugins)"
  if [ -z "$plugins" ]; then
    echo "  ✗ rabbitmq-plugins not found: enable the management plugin with: rabbitmq-plugins enable rabbitmq_management" >&2
    return 1
  fi
  printf "  … enabling RabbitMQ's management plugin (queue counts, the RabbitMQ tap) "
  if ! "$plugins" enable rabbitmq_management >"$data/rabbitmq-plugins.log" 2>&1; then
    echo "failed; see $data/rabbitmq-plugins.log" >&2
    return 1
  fi
  local waited=0
  until management_answers; do
    if [ "$waited" -ge 60 ]; then
      echo; echo "  ✗ the management API did not answer on ${HOST[rabbitmq]}:15672 within 30 s; see $data/rabbitmq-plugins.log" >&2
      return 1
    fi
    printf "."; sleep 0.5; waited=$((waited + 1))
  done
  echo " up"
}

command="${1:-up}"; shift || true
names=("$@"); [ ${#names[@]} -eq 0 ] && names=(nats redis rabbitmq kafka)
case "$command" in
  up)
    echo "Brokers:"
    failed=0
    for name in "${names[@]}"; do
      if [ "$name" = kafka ]; then bash "$root/scripts/kafka.sh" up || failed=1; continue; fi
      [[ -n "${PORT[$name]:-}" ]] || { echo "  ? unknown broker '$name' (known: nats redis rabbitmq kafka)" >&2; failed=1; continue; }
      up "$name" || failed=1
      [ "$name" = rabbitmq ] && { management || failed=1; }
    done
    exit "$failed" ;;
  status)
    for name in nats redis rabbitmq; do
      if answers "$name"; then echo "$name up (${HOST[$name]}:${PORT[$name]})"; else echo "$name down (${HOST[$name]}:${PORT[$name]})"; fi
    done
    bash "$root/scripts/kafka.sh" status ;;
  *)
    echo "usage: scripts/brokers.sh up [nats|redis|rabbitmq|kafka ...] | status" >&2; exit 2 ;;
esac
