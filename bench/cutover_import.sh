#!/usr/bin/env bash
# The cutover import's speed (issue 16): `payhub import legacy` of N history rows (default one
# million, bench/legacy_export.py) into a fresh database, on SQLite and on PostgreSQL, then the
# same file again (every row `unchanged`). Baseline, in the same run: the database loading the
# same file into one plain table with its own bulk path (PostgreSQL `\copy`, SQLite
# `executemany` from Python), so the ratio says what PayHub's checks, six tables and indexes
# cost over moving the bytes. Wall time and peak memory by GNU time.
#
# Needs: a release build (cargo build --release), PostgreSQL at $BENCH_PG (trust auth), psql,
# python3. Knobs: BENCH_IMPORT_ROWS, BENCH_PAYHUB (binary), BENCH_BACKENDS ("sqlite postgres").
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${BENCH_IMPORT_ROWS:-1000000}
PAYHUB=${BENCH_PAYHUB:-$PWD/target/release/payhub}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
BACKENDS=${BENCH_BACKENDS:-"sqlite postgres"}
OUT=$PWD/bench/results/import-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
export PGHOST=127.0.0.1 PGUSER=postgres
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (uncommitted changes)')"
  echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "load at start: $(uptime)"
} | tee "$OUT/machine.txt"

python3 bench/legacy_export.py "$ROWS" > "$OUT/export.csv"
echo "export: $ROWS rows, $(du -h "$OUT/export.csv" | cut -f1)"

timed() { # label, command...: prints "label wall_s max_rss_mib"
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err"
  read -r wall rss < "$OUT/time.txt"
  printf '%-28s %8.2f s %8d MiB   %s\n' "$label" "$wall" "$((rss / 1024))" "$(tail -n 1 "$OUT/$label.out")" | tee -a "$OUT/results.txt"
}

for backend in $BACKENDS; do
  if [ "$backend" = sqlite ]; then
    url="sqlite://$OUT/bench.db"
  else
    psql "$PG/postgres" -qc 'drop database if exists payhub_import_bench' -c 'create database payhub_import_bench'
    url="$PG/payhub_import_bench"
  fi
  cat > "$OUT/payhub.toml" <<TOML
[database]
url = "$url"
[[legacy.partners]]
code = "BENCH_PARTNER"
secret = "bench-secret"
agencies = ["000.00.12.H26"]
confirm_url = "https://dvc.example.gov.vn/payment/confirm"
TOML
  "$PAYHUB" --config "$OUT/payhub.toml" migrate > /dev/null
  seed="insert into agencies (code, name, webhook_secret, created_at, updated_at)
        values ('000.00.12.H26', 'Sở Xây dựng Hà Nội', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
  if [ "$backend" = sqlite ]; then
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$OUT/bench.db" "$seed"
    timed "sqlite baseline (executemany)" python3 -c "
import csv, sqlite3, sys
c = sqlite3.connect(sys.argv[1] + '.baseline')
c.execute('create table t (' + ', '.join(f'c{i} text' for i in range(18)) + ')')
r = csv.reader(open(sys.argv[2], encoding='utf-8')); next(r)
c.executemany('insert into t values (' + ','.join('?' * 18) + ')', r); c.commit()
print('loaded', c.execute('select count(*) from t').fetchone()[0])" "$OUT/bench.db" "$OUT/export.csv"
  else
    psql "$PG/payhub_import_bench" -qc "$seed"
    cols=$(python3 -c "print(', '.join(f'c{i} text' for i in range(18)))")
    psql "$PG/payhub_import_bench" -qc "create table baseline ($cols)"
    timed "postgres baseline (\\copy)" psql "$PG/payhub_import_bench" -c "\\copy baseline from '$OUT/export.csv' csv header"
  fi
  timed "$backend import" "$PAYHUB" --config "$OUT/payhub.toml" import legacy --file "$OUT/export.csv"
  timed "$backend re-import" "$PAYHUB" --config "$OUT/payhub.toml" import legacy --file "$OUT/export.csv"
done
echo "results: $OUT/results.txt"
