#!/usr/bin/env bash
# Makes a fresh clone ready to run: installs the npm dependencies when they are missing or stale,
# then makes sure PostgreSQL, Redis and NATS (with JetStream) answer at their URLs.
#
# A service already reachable at its URL is used as it is. One that is not, on a local address,
# is started from the locally installed server, or with `docker compose up -d --wait` where a
# Docker engine runs. Otherwise this stops and says what is missing and how to get it.
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/eventstore}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}

say() { printf '[setup] %s\n' "$*" >&2; }

install_dependencies() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund >&2
  fi
}

# host and port of a URL, e.g. "127.0.0.1 5432"
host_port() {
  node -e 'const u = new URL(process.argv[1]); console.log(u.hostname.replace(/^\[|\]$/g, ""), u.port || process.argv[2])' "$1" "$2"
}

answers() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

is_local() { case "$1" in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac; }

docker_runs() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

wait_for() { # name host port
  for _ in $(seq 1 60); do
    answers "$2" "$3" && return 0
    sleep 0.5
  done
  say "$1 did not answer on $2:$3 within 30 s"
  return 1
}

ensure() { # name url default-port compose-service server-binary start-command install-hint
  local name=$1 url=$2 default_port=$3 service=$4 binary=$5 start=$6 hint=$7 host port
  read -r host port < <(host_port "$url" "$default_port")
  answers "$host" "$port" && return 0
  if ! is_local "$host"; then
    say "$name does not answer at $host:$port, and it is not local, so it is not started here"
    exit 1
  fi
  if command -v "$binary" >/dev/null 2>&1; then
    say "starting $name: $start"
    bash -c "$start" >&2 || true
  elif docker_runs; then
    say "starting $name with docker compose"
    docker compose up -d --wait "$service" >&2
  else
    say "$name is not running on $host:$port and cannot be started here. $hint"
    exit 1
  fi
  wait_for "$name" "$host" "$port"
}

install_dependencies
pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
ensure PostgreSQL "$DATABASE_URL" 5432 postgres pg_ctlcluster \
  "${pg_version:+pg_ctlcluster --skip-systemctl-redirect $pg_version main start}" \
  "Install it (apt-get install postgresql) or run Docker (docker compose up -d postgres)."
ensure Redis "$REDIS_URL" 6379 redis redis-server \
  "redis-server --daemonize yes --bind 127.0.0.1 --port $(host_port "$REDIS_URL" 6379 | cut -d' ' -f2) --save '' --appendonly no" \
  "Install it (apt-get install redis-server) or run Docker (docker compose up -d redis)."
nats_port=$(host_port "$NATS_URL" 4222 | cut -d' ' -f2)
ensure NATS "$NATS_URL" 4222 nats nats-server \
  "setsid nats-server -a 127.0.0.1 -p $nats_port -js -sd ${TMPDIR:-/tmp}/eventstore-nats > ${TMPDIR:-/tmp}/eventstore-nats.log 2>&1 &" \
  "Install it (apt-get install nats-server) or run Docker (docker compose up -d nats)."
say "PostgreSQL, Redis and NATS answer"
