#!/usr/bin/env bash
# A second NATS server, 2.11 or newer, for what only those do: message tracing (Nats-Trace-Dest),
# which tells the broker's witness which queue-group member got each message. The machine's own
# NATS may be older (Debian 12 ships 2.9); this one runs beside it on its own port and store. A
# server that already answers there with a new enough version is reused.
#   scripts/nats-tracing.sh up       find or fetch the server once, start it, wait until it answers
#   scripts/nats-tracing.sh status   say whether it answers, and its version
#   scripts/nats-tracing.sh stop     stop the server this script started
#
# Fetched, when no nats-server here is new enough, as Debian's own package from the first of its
# newer suites that has one (NATS_TRACING_SUITES: testing, then unstable), with apt's state kept
# in data/ so the machine's sources stay as they are. The package is a static Go binary: it runs
# on Debian 12.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="$root/data/nats-tracing"
bin="$home/bin/nats-server"
port="${NATS_TRACING_PORT:-4223}"
suites="${NATS_TRACING_SUITES:-forky unstable}"
mirror="${NATS_TRACING_MIRROR:-http://deb.debian.org/debian}"
wait_s=15

# The server's INFO line names its version: {"server_id":…,"version":"2.15.1",…}
version_on_port() {
  ( exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    timeout 2 head -n 1 <&3 | sed -n 's/.*"version":"\([^"]*\)".*/\1/p' ) 2>/dev/null
}
version_of_binary() { "$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p'; }
# 2.11 or newer.
traces() {
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  (( major > 2 || (major == 2 && minor >= 11) ))
}

# The candidate version of nats-server in the suite whose lists are in $apt/lists.
candidate() { apt-cache "${options[@]}" policy nats-server 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9][^-+~]*\).*/\1/p'; }

fetch() {
  command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || {
    echo "  ✗ no nats-server 2.11 or newer here, and no apt-get to fetch one: install one and put it at $bin" >&2
    return 1
  }
  local apt="$home/apt" suite version
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$home/bin"
  options=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=root")
  : >"$home/fetch.log"
  # The first suite whose package traces: testing first, unstable should testing have dropped it.
  for suite in $suites; do
    printf "  … looking for nats-server 2.11+ in Debian %s " "$suite"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$apt/sources.list"
    rm -rf "$apt/lists" && mkdir -p "$apt/lists/partial"
    if ! apt-get "${options[@]}" -qq update >>"$home/fetch.log" 2>&1; then
      echo "unreachable; see $home/fetch.log"
      continue
    fi
    version="$(candidate)"
    if ! traces "$version"; then
      echo "only ${version:-none}"
      continue
    fi
    printf "%s, fetching (once, about 5 MB) " "$version"
    rm -f "$home"/nats-server_*.deb
    if (cd "$home" && apt-get "${options[@]}" -qq download nats-server >>"$home/fetch.log" 2>&1) &&
      rm -rf "$home/extracted" && dpkg-deb -x "$home"/nats-server_*.deb "$home/extracted" &&
      cp "$home/extracted/usr/sbin/nats-server" "$bin"; then
      rm -rf "$home/extracted" "$home"/nats-server_*.deb "$apt/lists" "$apt/cache"
      echo "done"
      return 0
    fi
    echo "failed; see $home/fetch.log"
  done
  echo "  ✗ no Debian suite of $suites had a nats-server that traces; install 2.11 or newer at $bin, or set NATS_TRACING_SUITES" >&2
  return 1
}

find_server() {
  local candidate
  for candidate in "$bin" "$(command -v nats-server 2>/dev/null)" /usr/sbin/nats-server; do
    [ -x "$candidate" ] && traces "$(version_of_binary "$candidate")" && { echo "$candidate"; return 0; }
  done
  return 1
}

up() {
  local running
  running="$(version_on_port)"
  if [ -n "$running" ]; then
    if traces "$running"; then
      echo "  ✓ nats $running (message tracing) already running on 127.0.0.1:$port (reused)"
      return 0
    fi
    echo "  ✗ NATS $running answers on 127.0.0.1:$port, and it does not trace messages: stop it or set NATS_TRACING_PORT" >&2
    return 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "  ✗ something that is not NATS answers on 127.0.0.1:$port: set NATS_TRACING_PORT" >&2
    return 1
  fi
  mkdir -p "$home"
  local server
  server="$(find_server)" || { fetch && server="$bin"; } || return 1
  printf "  … starting nats %s (message tracing) on 127.0.0.1:%s " "$(version_of_binary "$server")" "$port"
  "$server" -a 127.0.0.1 -p "$port" -js -sd "$home/store" -P "$home/nats.pid" -l "$home/nats.log" >/dev/null 2>&1 &
  disown
  local waited=0
  until [ -n "$(version_on_port)" ]; do
    if [ "$waited" -ge $((wait_s * 2)) ]; then
      echo; echo "  ✗ it did not answer within $wait_s s" >&2
      tail -n 15 "$home/nats.log" 2>/dev/null | sed 's/^/  | /' >&2
      return 1
    fi
    printf "."; sleep 0.5; waited=$((waited + 1))
  done
  echo " up"
}

case "${1:-up}" in
  up) up ;;
  status)
    running="$(version_on_port)"
    if [ -n "$running" ]; then echo "nats-tracing up ($running on 127.0.0.1:$port)"; else echo "nats-tracing down (127.0.0.1:$port)"; exit 1; fi ;;
  stop)
    [ -f "$home/nats.pid" ] && kill "$(cat "$home/nats.pid")" 2>/dev/null && echo "stopped" || echo "not started by this script" ;;
  *)
    echo "usage: scripts/nats-tracing.sh up | status | stop" >&2; exit 2 ;;
esac
