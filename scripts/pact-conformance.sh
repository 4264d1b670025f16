#!/usr/bin/env bash
# Run the official PACT v3 conformance suite (wbcsd/pact-conformance-service) against a fresh
# Tanji, end to end, in the suite's SERVER mode so the two callback cases (13, 14.B) are judged:
#   scripts/pact-conformance.sh SUITE_ARCHIVE_OR_DIR
# It makes a throwaway PostgreSQL cluster (Debian's postgresql), a self-signed certificate for
# localhost/127.0.0.1, a fresh Tanji database with a client made by the CLI, serves Tanji over
# HTTPS with `make run`, starts the suite's server, runs one test run and prints its result
# lines. Exit status 0 only when all 41 entries pass. Everything it starts is stopped on exit.
# Installs postgresql / nodejs+npm / openssl with apt when missing and run as root.
# Env: PACT_SUITE_CACHE (where the unpacked suite and its node_modules are kept; default
# .cache/pact-conformance), PACT_KEEP_WORK=1 keeps the temp dir with the logs,
# PACT_TANJI_ENGINE=postgresql stores Tanji in a database of the same throwaway cluster
# (TANJI_DATABASE_URL) instead of SQLite.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="${1:?usage: scripts/pact-conformance.sh SUITE_ARCHIVE_OR_DIR}"
[ -e "$SRC" ] || { echo "No suite at $SRC" >&2; exit 2; }
SRC="$(cd "$(dirname "$SRC")" && pwd)/$(basename "$SRC")"
PY="${PYTHON:-python3}"
say() { echo "pact-conformance: $*" >&2; }

# -- system packages ---------------------------------------------------------------------
pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  command -v initdb >/dev/null && dirname "$(command -v initdb)"
}
[ -n "$(pg_bin)" ] || "$ROOT/scripts/system-deps.sh" postgresql
command -v node >/dev/null && command -v npm >/dev/null || "$ROOT/scripts/system-deps.sh" nodejs npm
command -v openssl >/dev/null || "$ROOT/scripts/system-deps.sh" openssl
PG="$(pg_bin)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || { echo "The suite needs Node.js >= 18 (found $(node --version))" >&2; exit 2; }

# -- the suite, unpacked once, with its npm packages --------------------------------------
CACHE="${PACT_SUITE_CACHE:-$ROOT/.cache/pact-conformance}"
NAME="$(basename "$SRC")"; NAME="${NAME%.tar.gz}"; NAME="${NAME%.tgz}"
SUITE="$CACHE/$NAME"
if [ ! -f "$SUITE/package.json" ]; then
  say "unpacking $SRC into $SUITE"
  rm -rf "$SUITE.tmp" && mkdir -p "$SUITE.tmp"
  if [ -d "$SRC" ]; then
    (cd "$SRC" && tar --exclude=node_modules -cf - .) | tar -xf - -C "$SUITE.tmp"
  else
    tar -xzf "$SRC" -C "$SUITE.tmp"
  fi
  inner="$(dirname "$(find "$SUITE.tmp" -maxdepth 2 -name package.json | head -1)")"
  rm -rf "$SUITE" && mv "$inner" "$SUITE" && rm -rf "$SUITE.tmp"
fi
if [ ! -x "$SUITE/node_modules/.bin/ts-node" ]; then
  say "npm ci (the suite's ~455 packages, once)"
  (cd "$SUITE" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# -- a temp dir, ports, and cleanup -------------------------------------------------------
WORK="$(mktemp -d /tmp/pact-conformance.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  # Wait for them to exit (gunicorn's gevent workers close kept-alive connections gracefully,
  # and the database's -wal/-shm files go away only then) before removing their directory.
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
  done
  if [ -f "$WORK/pg/PG_VERSION" ]; then as_pg "$PG/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ "${PACT_KEEP_WORK:-0}" = 1 ] || [ $status -ne 0 ]; then say "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_PORT="$(free_port)"; SUITE_PORT="$(free_port)"; TANJI_PORT="$(free_port)"
wait_for() {  # wait_for WHAT SECONDS COMMAND...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq 1 $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  say "$what did not come up in ${seconds}s"; return 1
}

# -- PostgreSQL: a throwaway cluster (initdb refuses to run as root) ---------------------
if [ "$(id -u)" -eq 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi
mkdir -p "$WORK/pg" "$WORK/pgsock"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg" "$WORK/pgsock"
say "PostgreSQL on 127.0.0.1:$PG_PORT"
as_pg "$PG/initdb" -D "$WORK/pg" -U postgres -A trust >"$WORK/initdb.log" 2>&1
as_pg "$PG/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w -t 60 \
  -o "-p $PG_PORT -k $WORK/pgsock -c listen_addresses=127.0.0.1" start >/dev/null
as_pg "$PG/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres pact-conformance-db
if [ "${PACT_TANJI_ENGINE:-sqlite}" = postgresql ]; then
  as_pg "$PG/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres tanji
  export TANJI_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/tanji"
  say "Tanji stores in PostgreSQL ($TANJI_DATABASE_URL)"
fi

# -- TLS: a self-signed certificate for localhost and 127.0.0.1 --------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

# -- Tanji: fresh database, a client made by the CLI, served over HTTPS by `make run` ----
BASE="https://localhost:$TANJI_PORT"
CALLBACK="http://127.0.0.1:$SUITE_PORT"
export TANJI_DATABASE="$WORK/tanji.db"
export TANJI_PUBLIC_BASE_URL="$BASE"
export TANJI_PACT_EVENT_RECIPIENTS="{\"$CALLBACK\": {\"client_id\": \"test_client_id\", \"client_secret\": \"test_client_secret\"}}"
export TANJI_TLS_CERT="$WORK/cert.pem" TANJI_TLS_KEY="$WORK/key.pem"
make -s -C "$ROOT" setup >&2
CLIENT="$("$ROOT/.venv/bin/flask" --app "$ROOT/app" pact clients create "PACT conformance suite" --json)"
CLIENT_ID="$(echo "$CLIENT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')"
CLIENT_SECRET="$(echo "$CLIENT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')"
say "Tanji on $BASE (client $CLIENT_ID)"
setsid make -s -C "$ROOT" run HOST=127.0.0.1 PORT="$TANJI_PORT" >"$WORK/tanji.log" 2>&1 &
PIDS+=($!)
wait_for "Tanji" 120 curl -sf --cacert "$WORK/cert.pem" "$BASE/v1/health"

# -- the suite's server -------------------------------------------------------------------
export NODE_ENV=development PORT="$SUITE_PORT" CONFORMANCE_API="$CALLBACK" \
  DB_CONNECTION_STRING="postgres://postgres@127.0.0.1:$PG_PORT/pact-conformance-db" \
  JWT_SECRET="$(openssl rand -hex 16)" TESTCASE_TIMEOUT="${TESTCASE_TIMEOUT:-2000}" \
  LOG_OUTPUT=console NODE_EXTRA_CA_CERTS="$WORK/cert.pem" TS_NODE_TRANSPILE_ONLY=1
(cd "$SUITE" && node_modules/.bin/ts-node src/data/migrate.ts latest) >"$WORK/migrate.log" 2>&1
(cd "$SUITE" && exec setsid node_modules/.bin/ts-node src/server.ts) >"$WORK/suite.log" 2>&1 &
PIDS+=($!)
wait_for "the suite" 120 curl -sf "$CALLBACK/health-check"

# -- one test run; callbacks finish it asynchronously ---------------------------------------
say "running the suite against $BASE"
"$PY" - "$CALLBACK" "$BASE" "$CLIENT_ID" "$CLIENT_SECRET" <<'EOF'
import json, sys, time, urllib.request

suite, base, client_id, secret = sys.argv[1:]
def call(method, path, body=None):
    req = urllib.request.Request(suite + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)

run = call("POST", "/testruns/", {
    "baseUrl": base, "clientId": client_id, "clientSecret": secret, "version": "V3.0",
    "organizationName": "Tanji", "adminEmail": "conformance@tanji.invalid", "adminName": "Tanji CI"})
run_id = run["testRunId"]
deadline = time.time() + 60
while run.get("status") == "PENDING" and time.time() < deadline:
    time.sleep(1)
    run = call("GET", f"/testruns/{run_id}")
results = run.get("results", [])
passed = sum(r["status"] == "SUCCESS" for r in results)
for r in results:
    mark = {"SUCCESS": "PASS", "FAILURE": "FAIL"}.get(r["status"], r["status"])
    line = f"{mark:7} {r['testKey']:14} {r['name']}"
    if r["status"] != "SUCCESS" and r.get("errorMessage"):
        line += f" -- {r['errorMessage'][:300]}"
    print(line)
print(f"Test run {run_id}: {run.get('status')}, {passed}/{len(results)} entries passed")
sys.exit(0 if passed == len(results) == 41 else 1)
EOF
