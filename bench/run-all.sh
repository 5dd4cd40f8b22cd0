#!/usr/bin/env bash
# Reproduces every figure of BENCHMARKS.md in one run, baselines included:
#   B1 callback apply (a third each: VNPAY IPNs, VCB notifications, VCB credit notifications of
#      VietQR transfers) and B2 order create: PayHub over HTTP (payhub-loadgen) on SQLite and on
#      PostgreSQL at each concurrency, and pgbench running the same SQL on a scratch database;
#   B3 reconciliation: PayHub's engine and DuckDB (SQL) over the same generated CSV files; the
#      whole `payhub reconcile --file` run on SQLite and PostgreSQL beside DuckDB over that day;
#   micro-benchmarks (criterion): VNPAY sign/verify, statement parsers, the matching core.
# Results land in bench/results/<UTC time>/ (JSON lines, logs, and tables.md).
#
# Needs: PostgreSQL at $BENCH_PG (trust auth), pgbench and psql, python3 (DuckDB is installed
# into bench/.venv on first use), GNU time at /usr/bin/time. Not part of .ci/run.
# Knobs (environment): BENCH_SECONDS (per load run, default 10), BENCH_CONCURRENCY ("1 16 64"),
# BENCH_SIZES ("100000 1000000 10000000"), BENCH_WHOLE_SIZES (the same), BENCH_SKIP
# (words among b1 b2 b3 whole micro pgbench), BENCH_BACKENDS ("sqlite postgres"), BENCH_PAYHUB
# (another payhub binary to measure, e.g. an older build, for an A/B in the same minutes),
# BENCH_PROFILE=dev (a smoke run of the script on debug builds; its figures are not results).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
SECS=${BENCH_SECONDS:-10}
CONCURRENCY=${BENCH_CONCURRENCY:-"1 16 64"}
SIZES=${BENCH_SIZES:-"100000 1000000 10000000"}
SKIP=${BENCH_SKIP:-}
OUT=$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
PORT=18080
mkdir -p "$OUT"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }
skip() { [[ " $SKIP " == *" $1 "* ]]; }
export PGHOST=127.0.0.1 PGUSER=postgres

machine() {
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (uncommitted changes)')"
    echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "postgres: $(psql -tAc 'show server_version') (shared_buffers $(psql -tAc 'show shared_buffers'), synchronous_commit $(psql -tAc 'show synchronous_commit'), fsync $(psql -tAc 'show fsync'))"
    echo "rustc: $(rustc --version)"
    echo "load at start: $(uptime)"
  } > "$OUT/machine.txt"
  cat "$OUT/machine.txt" >&2
}

build() {
  local target=${CARGO_TARGET_DIR:-$ROOT/target}
  if [[ ${BENCH_PROFILE:-release} == dev ]]; then
    # A smoke run of the script itself (small BENCH_CALLBACKS): the figures mean nothing.
    log "building payhub and payhub-loadgen (dev profile: a smoke run, not a measurement)"
    cargo build -q -p payhub -p payhub-loadgen
    PAYHUB=${BENCH_PAYHUB:-$target/debug/payhub}
    LOADGEN=$target/debug/payhub-loadgen
  else
    log "building payhub and payhub-loadgen (release)"
    cargo build --release -q -p payhub -p payhub-loadgen
    PAYHUB=${BENCH_PAYHUB:-$target/release/payhub}
    LOADGEN=$target/release/payhub-loadgen
  fi
  echo "payhub binary: $PAYHUB" >> "$OUT/machine.txt"
}

# --- PayHub under load -------------------------------------------------------------------

payhub_config() { # $1 database url
  cat > "$OUT/payhub.toml" <<EOF
[server]
listen = "127.0.0.1:$PORT"
public_url = "http://127.0.0.1:$PORT"
workers = false

[database]
url = "$1"
max_connections = ${BENCH_POOL:-16}

[banks.vnpay]
pay_url = "http://127.0.0.1:18091/paymentv2/vpcpay.html"
api_url = "http://127.0.0.1:18091/merchant_webapi/api/transaction"
[[banks.vnpay.terminals]]
code = "BENCH001"
hash_secret = "BENCHSECRETVNPAY0123456789ABCDEF"

[banks.vcb]
base_url = "http://127.0.0.1:18092"
merchant_id = "PAYHUB01"
secret = "bench-vcb-secret-0123456789"
EOF
}

start_payhub() { # $1 backend
  local url
  if [[ $1 == sqlite ]]; then
    rm -f "$OUT"/payhub.db*
    url="sqlite://$OUT/payhub.db"
  else
    psql -qc "drop database if exists payhub_bench" -c "create database payhub_bench"
    url="$PG/payhub_bench"
  fi
  payhub_config "$url"
  export PAYHUB_CONFIG=$OUT/payhub.toml PAYHUB_LOG=warn
  BENCH_ADMIN_KEY=$("$PAYHUB" keys create --role admin --name bench-admin | tail -1)
  BENCH_PORTAL_KEY=$("$PAYHUB" keys create --role portal --name bench-portal | tail -1)
  export BENCH_ADMIN_KEY BENCH_PORTAL_KEY
  "$PAYHUB" serve >> "$OUT/payhub-$1.log" 2>&1 &
  PAYHUB_PID=$!
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && return 0
    sleep 0.2
  done
  echo "PayHub did not start; see $OUT/payhub-$1.log" >&2
  exit 1
}

PAYHUB_PID=
stop_payhub() {
  [[ -n $PAYHUB_PID ]] && kill "$PAYHUB_PID" && wait "$PAYHUB_PID" || true
  PAYHUB_PID=
}
trap stop_payhub EXIT

payments_count() { # $1 backend
  if [[ $1 == sqlite ]]; then
    sqlite3 "$OUT/payhub.db" "select count(*) from payments"
  else
    psql -d payhub_bench -tAc "select count(*) from payments"
  fi
}

payhub_runs() {
  for backend in ${BENCH_BACKENDS:-sqlite postgres}; do
    log "PayHub on $backend"
    start_payhub "$backend"
    if ! skip b2; then
      for c in $CONCURRENCY; do
        log "B2 order create, $backend, concurrency $c"
        "$LOADGEN" orders --concurrency "$c" --seconds "$SECS" --requests 40000 \
          --label bench=b2 --label backend="$backend" | tee -a "$OUT/b2.jsonl"
      done
    fi
    if ! skip b1; then
      for c in $CONCURRENCY; do
        log "B1 callback apply, $backend, concurrency $c (seeding attempts first)"
        local before after
        before=$(payments_count "$backend")
        "$LOADGEN" callbacks --concurrency "$c" --seconds "$SECS" --requests "${BENCH_CALLBACKS:-4000}" \
          --label bench=b1 --label backend="$backend" > "$OUT/b1-last.json"
        after=$(payments_count "$backend")
        # Exactly once: one payment row per callback fired, although each was sent twice.
        python3 - "$OUT/b1-last.json" "$before" "$after" >> "$OUT/b1.jsonl" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["payments_added"] = int(sys.argv[3]) - int(sys.argv[2])
r["exactly_once"] = r["payments_added"] == r["requests"] == r["verified_paid_once"]
print(json.dumps(r))
EOF
        tail -1 "$OUT/b1.jsonl"
      done
    fi
    stop_payhub
  done
}

# --- pgbench baselines -------------------------------------------------------------------

pgbench_run() { # $1 script, $2 bench label, $3 concurrency
  local jobs=$(( $3 < 2 ? $3 : 2 ))
  rm -rf "$OUT/pgbench-log" && mkdir -p "$OUT/pgbench-log"
  (cd "$OUT/pgbench-log" && pgbench -n -M prepared -c "$3" -j "$jobs" -T "$SECS" -l \
    -f "$ROOT/bench/sql/$1" payhub_pgbench > "$OUT/pgbench-$2-$3.txt" 2>&1)
  # Per-transaction log: client, txn, latency (µs), script, epoch s, epoch µs.
  python3 - "$OUT/pgbench-log" "$2" "$3" "$SECS" >> "$OUT/pgbench.jsonl" <<'EOF'
import glob, json, sys
lat = sorted(int(l.split()[2]) for f in glob.glob(sys.argv[1] + "/pgbench_log.*") for l in open(f))
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] / 1000 if lat else None
print(json.dumps({"bench": sys.argv[2], "backend": "pgbench", "concurrency": int(sys.argv[3]),
  "requests": len(lat), "per_second": round(len(lat) / int(sys.argv[4])),
  "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99)}))
EOF
  tail -1 "$OUT/pgbench.jsonl"
}

pgbench_runs() {
  log "pgbench: scratch database payhub_pgbench with PayHub's schema"
  psql -qc "drop database if exists payhub_pgbench" -c "create database payhub_pgbench"
  for f in migrations/postgres/*.sql; do psql -q -v ON_ERROR_STOP=1 -d payhub_pgbench -f "$f"; done
  psql -q -v ON_ERROR_STOP=1 -v n="${BENCH_PGBENCH_ATTEMPTS:-150000}" -d payhub_pgbench -f bench/sql/seed.sql
  for c in $CONCURRENCY; do
    skip b1 || pgbench_run callback_apply.sql b1 "$c"
    skip b2 || pgbench_run order_create.sql b2 "$c"
  done
  rm -rf "$OUT/pgbench-log"
}

# --- B3 reconciliation -------------------------------------------------------------------

duckdb_env() {
  if [[ ! -x bench/.venv/bin/python ]]; then
    log "installing duckdb into bench/.venv"
    python3 -m venv bench/.venv
  fi
  bench/.venv/bin/python -c "import duckdb" 2>/dev/null || bench/.venv/bin/pip install -q duckdb
}

# Runs a command under GNU time; appends its max RSS (KiB) and wall time to its JSON line.
measured() { # $1 label, $2 size, rest: command
  local label=$1 size=$2; shift 2
  /usr/bin/time -v -o "$OUT/time-$label-$size.txt" "$@" > "$OUT/out-$label-$size.json"
  python3 - "$OUT/out-$label-$size.json" "$OUT/time-$label-$size.txt" "$label" "$size" >> "$OUT/b3.jsonl" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
t = dict(l.strip().rsplit(": ", 1) for l in open(sys.argv[2]) if ": " in l)
r["contender"] = sys.argv[3]
r["size"] = int(sys.argv[4])
r["max_rss_kb"] = int(t["Maximum resident set size (kbytes)"])
w = t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
r["wall_s"] = sum(float(x) * 60 ** i for i, x in enumerate(reversed(w)))
print(json.dumps(r))
EOF
  tail -1 "$OUT/b3.jsonl"
}

recon_runs() {
  duckdb_env
  for size in $SIZES; do
    local dir=$OUT/day-$size
    log "B3: generating a day of $size lines"
    "$LOADGEN" recon-gen --lines "$size" --out "$dir" > "$OUT/gen-$size.json"
    log "B3: PayHub's engine, $size lines"
    measured payhub "$size" "$LOADGEN" recon-engine --dir "$dir"
    log "B3: DuckDB, $size lines (all cores)"
    measured duckdb "$size" bench/.venv/bin/python bench/duckdb_recon.py "$dir"
    # One thread too, up to 1M lines (at 10M it alone takes ≈ 5 min of the 20-minute budget).
    if (( size <= 1000000 )); then
      log "B3: DuckDB, $size lines (one thread)"
      measured duckdb-1thread "$size" bench/.venv/bin/python bench/duckdb_recon.py "$dir" 1
    fi
    rm -rf "$dir"
  done
}

# The whole `payhub reconcile --file` run on each backend: parse the bank's file, read the day's
# records from the database, the engine, store the run, print the summary. The day is seeded by
# SQL (untimed): every payment matched, the common case. Beside it, in the same minutes, DuckDB
# reads the same day (the statement's lines and the database's records and accounts, exported
# as CSV, untimed) and classifies it with bench/duckdb_recon.py: the whole run against a
# process that starts from CSV files instead of a database.
WHOLE_DAY=2026-11-20
whole_seed_sqlite() { # $1 dir, $2 size
  PAYHUB_DATABASE__URL="sqlite://$1/payhub.db" "$PAYHUB" migrate > /dev/null
  (cd "$1" && sqlite3 -cmd ".parameter init" -cmd ".parameter set :n $2" \
    -cmd ".parameter set :day \"'$WHOLE_DAY'\"" payhub.db < "$ROOT/bench/sql/recon_day_sqlite.sql")
}

whole_seed_postgres() { # $1 size
  psql -qc "drop database if exists payhub_whole" -c "create database payhub_whole"
  PAYHUB_DATABASE__URL="$PG/payhub_whole" "$PAYHUB" migrate > /dev/null
  psql -q -v ON_ERROR_STOP=1 -v n="$1" -v day="$WHOLE_DAY" -d payhub_whole \
    -f "$ROOT/bench/sql/recon_day_postgres.sql"
}

# The engine's input fields of the seeded day as bench/duckdb_recon.py reads them.
whole_export_csv() { # $1 dir
  (cd "$1" && sqlite3 payhub.db < "$ROOT/bench/sql/recon_day_csv.sql")
}

whole_run() { # $1 backend, $2 size, $3 dir, $4 database url
  log "B3 whole run: payhub reconcile --file on $1, $2 lines"
  PAYHUB_DATABASE__URL="$4" /usr/bin/time -v -o "$OUT/time-whole-$1-$2.txt" \
    "$PAYHUB" reconcile --bank vcb --date "$WHOLE_DAY" --file "$3/statement.csv" \
    > "$OUT/out-whole-$1-$2.txt"
  python3 - "$OUT/out-whole-$1-$2.txt" "$OUT/time-whole-$1-$2.txt" "$2" \
    "$(stat -c %s "$3/statement.csv")" "$1" >> "$OUT/b3-whole.jsonl" <<'EOF'
import json, re, sys
summary = open(sys.argv[1]).read()
t = dict(l.strip().rsplit(": ", 1) for l in open(sys.argv[2]) if ": " in l)
w = t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
print(json.dumps({
    "backend": sys.argv[5], "lines": int(sys.argv[3]), "file_bytes": int(sys.argv[4]),
    "matched": int(re.search(r"^matched\s+(\d+)", summary, re.M).group(1)),
    "wall_s": sum(float(x) * 60 ** i for i, x in enumerate(reversed(w))),
    "max_rss_kb": int(t["Maximum resident set size (kbytes)"]),
}))
EOF
  tail -1 "$OUT/b3-whole.jsonl"
}

whole_runs() {
  duckdb_env
  local day_start
  day_start=$(date -u -d "$WHOLE_DAY 00:00:00 +0700" +%s)
  for size in ${BENCH_WHOLE_SIZES:-100000 1000000 10000000}; do
    local dir=$OUT/whole-$size
    mkdir -p "$dir"
    log "B3 whole run: seeding a day of $size VCB payments (SQLite, and its statement)"
    whole_seed_sqlite "$dir" "$size"
    for backend in ${BENCH_BACKENDS:-sqlite postgres}; do
      if [[ $backend == sqlite ]]; then
        whole_run sqlite "$size" "$dir" "sqlite://$dir/payhub.db"
      else
        log "B3 whole run: seeding the same day on PostgreSQL"
        whole_seed_postgres "$size"
        whole_run postgres "$size" "$dir" "$PG/payhub_whole"
        psql -qc "drop database payhub_whole"
      fi
    done
    log "B3 whole run: DuckDB over the same day as CSV, $size lines"
    whole_export_csv "$dir"
    rm -f "$dir"/payhub.db*
    BENCH_DAY_START=$day_start measured duckdb-whole "$size" \
      bench/.venv/bin/python bench/duckdb_recon.py "$dir"
    rm -rf "$dir"
  done
}

micro_runs() {
  log "micro-benchmarks (criterion)"
  cargo bench -q -p bank-adapters --bench adapters -- --warm-up-time 1 --measurement-time 3 \
    2>&1 | tee "$OUT/micro-adapters.txt"
  cargo bench -q -p reconciliation --bench reconcile -- --warm-up-time 1 --measurement-time 5 \
    2>&1 | tee "$OUT/micro-reconcile.txt"
}

started=$(date +%s)
machine
build
skip b1 && skip b2 || payhub_runs
skip b1 && skip b2 || skip pgbench || pgbench_runs
skip b3 || recon_runs
skip whole || whole_runs
skip micro || micro_runs
echo "load at end: $(uptime)" >> "$OUT/machine.txt"
echo "total: $(( $(date +%s) - started )) s" >> "$OUT/machine.txt"
python3 bench/render.py "$OUT" > "$OUT/tables.md"
log "done in $(( $(date +%s) - started )) s: $OUT/tables.md"
cat "$OUT/tables.md"
