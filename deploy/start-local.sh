#!/usr/bin/env bash
# The production topology on this machine, from Debian packages: nginx (TLS, buffering,
# public-GET cache; deploy/nginx.conf) in front of two app nodes (gunicorn, deploy/gunicorn.conf.py)
# that share one PostgreSQL cluster and one Redis, each on a free loopback port.
#
#   deploy/start-local.sh start [DIR]   # start everything; DIR/topology.env says where it is
#   deploy/start-local.sh stop [DIR]    # stop everything it started, and remove its data
#   deploy/start-local.sh status [DIR]
#
# DIR (default instance/topology) holds the state, the logs and topology.env, which the CLI
# can source to reach the same database: `set -a; . DIR/topology.env; flask --app app keys create TJSCC`.
# Settings: TANJI_NODES (2), TANJI_WORKERS (2 per node), TANJI_LOCAL_PG_OPTIONS (extra
# `postgres` options, e.g. "-c fsync=off" for a throwaway test), and any TANJI_* setting,
# which every node inherits. Missing packages (nginx, postgresql, redis-server) are installed
# with apt when we are root. PostgreSQL refuses to run as root: as root, the cluster runs as the
# `postgres` user, and nginx's workers as `nobody`, each in a directory of its own under /tmp.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ACTION="${1:-}"
DIR="$(mkdir -p "${2:-$ROOT/instance/topology}" && cd "${2:-$ROOT/instance/topology}" && pwd)"
NODES="${TANJI_NODES:-2}"
WORKERS="${TANJI_WORKERS:-2}"
PYTHON="$ROOT/.venv/bin/python"
PATH="$PATH:/usr/sbin:/sbin"

as_root() { [ "$(id -u)" -eq 0 ]; }
log() { echo "start-local: $*" >&2; }

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$bin" ] || { log "PostgreSQL is not installed (apt-get install postgresql)"; return 1; }
  echo "$bin"
}

# Run as the cluster's owner: ourselves, or `postgres` when we are root.
as_pg() { if as_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

# A directory another user can write, and its path: DIR/NAME, or as root a fresh one under
# /tmp owned by OWNER, linked as DIR/NAME (DIR may sit where that user cannot even pass, such
# as pytest's 0700 folders, so the servers are given the real path).
private_dir() {
  local name="$1" owner="$2" target
  if as_root; then
    target="$(mktemp -d "/tmp/tanji-$name.XXXXXX")"
    chown "$owner" "$target"
    ln -sfn "$target" "$DIR/$name"
  else
    mkdir -p "$DIR/$name"
  fi
  readlink -f "$DIR/$name"
}

free_ports() {   # N distinct free loopback ports (held open together while chosen)
  "$PYTHON" - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

wait_for() {   # URL: until it answers 200 (TLS not verified: our own certificate), 30 s at most
  "$PYTHON" - "$1" <<'EOF'
import ssl, sys, time, urllib.request
context = ssl._create_unverified_context()
for _ in range(300):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2, context=context) as resp:
            if resp.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(f"start-local: no answer from {sys.argv[1]} within 30 s")
EOF
}

start() {
  [ -x "$PYTHON" ] || { log "no .venv: run 'make setup' first"; exit 1; }
  [ -e "$DIR/topology.env" ] && { log "already running (or not stopped): $0 stop $DIR"; exit 1; }
  "$ROOT/scripts/system-deps.sh" >&2
  command -v nginx >/dev/null && command -v redis-server >/dev/null \
    || { log "needs nginx and redis-server (apt-get install nginx redis-server)"; exit 1; }
  local pg; pg="$(pg_bin)"
  trap 'log "failed; stopping what started"; stop' ERR

  local ports; read -r -a ports <<<"$(free_ports $((NODES + 3)))"
  local pg_port="${ports[0]}" redis_port="${ports[1]}" nginx_port="${ports[2]}"
  local database_url="postgresql://tanji@127.0.0.1:$pg_port/tanji"
  local redis_url="redis://127.0.0.1:$redis_port/0"
  local public_url="https://127.0.0.1:$nginx_port"

  # PostgreSQL: a cluster of our own; the superuser `tanji`, trusted on loopback only.
  local pgdir; pgdir="$(private_dir postgres postgres)"
  as_pg "$pg/initdb" -D "$pgdir/data" -U tanji --auth=trust -E UTF8 --no-locale >/dev/null
  as_pg "$pg/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 30 \
    -o "-p $pg_port -k $pgdir -c listen_addresses=127.0.0.1 ${TANJI_LOCAL_PG_OPTIONS:-}" \
    start >/dev/null
  "$pg/createdb" -h 127.0.0.1 -p "$pg_port" -U tanji tanji

  # Redis: rate-limit counters only, in memory (no snapshot, no append-only file).
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --daemonize yes --dir "$DIR" --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"

  # What every node (and the CLI) is told; any other TANJI_* setting is inherited.
  export TANJI_DATABASE_URL="$database_url" TANJI_RATELIMIT_STORAGE_URI="$redis_url"
  export TANJI_PUBLIC_BASE_URL="$public_url"
  export TANJI_DATABASE="$DIR/sqlite.db"   # unused with TANJI_DATABASE_URL; never the repo's own
  local nodes; nodes="$(for i in $(seq 1 "$NODES"); do echo -n "http://127.0.0.1:${ports[$((i + 2))]} "; done)"
  cat >"$DIR/topology.env" <<EOF
# deploy/start-local.sh: the settings every node has, then where the topology answers.
TANJI_DATABASE_URL=$database_url
TANJI_RATELIMIT_STORAGE_URI=$redis_url
TANJI_PUBLIC_BASE_URL=$public_url
TANJI_DATABASE=$TANJI_DATABASE
TOPOLOGY_NGINX=$public_url
TOPOLOGY_NODES="${nodes% }"
EOF
  (cd "$ROOT" && .venv/bin/flask --app app init-db >&2)

  local upstreams="" i port
  for i in $(seq 1 "$NODES"); do
    port="${ports[$((i + 2))]}"
    upstreams+="server 127.0.0.1:$port max_fails=3 fail_timeout=5s; "
    (cd "$ROOT" && TANJI_TRUSTED_PROXIES=1 .venv/bin/gunicorn -c deploy/gunicorn.conf.py \
      --workers "$WORKERS" --bind "127.0.0.1:$port" --daemon --pid "$DIR/node-$i.pid" \
      --access-logfile "$DIR/node-$i.log" --error-logfile "$DIR/node-$i.log" --no-control-socket \
      'app:create_app()')
  done
  for i in $(seq 1 "$NODES"); do wait_for "http://127.0.0.1:${ports[$((i + 2))]}/v1/health"; done

  # nginx: deploy/nginx.conf with this machine's values, a self-signed certificate.
  mkdir -p "$DIR/nginx"
  local var; var="$(private_dir nginx-var nobody)"
  mkdir -p "$var/cache" "$var/tmp"
  if as_root; then chown -R nobody "$var"; fi
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$DIR/nginx/tls.key" -out "$DIR/nginx/tls.pem" \
    2>/dev/null
  sed -e "s|\${TANJI_NGINX_LISTEN}|127.0.0.1:$nginx_port|" \
    -e "s|\${TANJI_NGINX_SERVER_NAME}|127.0.0.1|" \
    -e "s|\${TANJI_NGINX_CERT}|$DIR/nginx/tls.pem|" \
    -e "s|\${TANJI_NGINX_KEY}|$DIR/nginx/tls.key|" \
    -e "s|\${TANJI_NGINX_UPSTREAMS}|$upstreams|" \
    -e "s|\${TANJI_NGINX_CACHE}|$var/cache|" \
    -e "s|\${TANJI_NGINX_LOG}|$DIR/nginx/access.log|" \
    "$ROOT/deploy/nginx.conf" >"$DIR/nginx/tanji.conf"
  local tmp="$var/tmp"
  cat >"$DIR/nginx/nginx.conf" <<EOF
$(if as_root; then echo "user nobody nogroup;"; fi)
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $DIR/nginx/tanji.conf;
}
EOF
  nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log"
  wait_for "$public_url/v1/health"
  trap - ERR
  log "up: $public_url (nginx) -> ${nodes% }; PostgreSQL $database_url; Redis $redis_url"
  cat "$DIR/topology.env"
}

STOPPING=()
signal_pid() {   # SIGNAL PIDFILE: signal the process, and remember it for wait_pids
  [ -f "$2" ] || return 0
  STOPPING+=("$(cat "$2")")
  kill "-$1" "${STOPPING[-1]}" 2>/dev/null || true
  rm -f "$2"
}

wait_pids() {   # wait up to 15 s for every signalled process to go, then kill what is left
  local alive pid
  for _ in $(seq 150); do
    alive=()
    for pid in "${STOPPING[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    [ ${#alive[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  kill -KILL "${alive[@]}" 2>/dev/null || true
}

stop() {   # quick, not graceful, all at once (nothing of it is kept)
  local i
  signal_pid TERM "$DIR/nginx/nginx.pid"
  for i in "$DIR"/node-*.pid; do signal_pid INT "$i"; done
  signal_pid TERM "$DIR/redis.pid"
  if [ -f "$DIR/postgres/data/postmaster.pid" ]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$(readlink -f "$DIR/postgres")/data" -m immediate -w stop \
      >/dev/null || true
  fi
  [ ${#STOPPING[@]} -eq 0 ] || wait_pids
  for i in postgres nginx-var; do   # the data (or, as root, the directory under /tmp)
    if [ -L "$DIR/$i" ]; then rm -rf "$(readlink "$DIR/$i")" "$DIR/${i:?}"; else rm -rf "$DIR/${i:?}"; fi
  done
  rm -f "$DIR/topology.env"
}

case "$ACTION" in
  start) start ;;
  stop) stop ;;
  status)
    if [ -f "$DIR/topology.env" ]; then cat "$DIR/topology.env"; else echo "not running"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status [DIR]" >&2; exit 2 ;;
esac
