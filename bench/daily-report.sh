#!/usr/bin/env bash
# The daily report on a small and on a large history (BENCHMARKS.md, "B4 daily report"): for
# each size, a PostgreSQL database with that many paid orders over the year before the report
# day (bench/sql/report_seed.sql, the same 10 000 orders on the day itself), then
# `payhub report daily` for that day, run BENCH_RUNS times (default 5); the best and median wall
# times of each size, and the ratio of the largest size's to the smallest's. Made in one run, so
# the sizes share the machine's minutes. Also, as the figure's baseline, one count of every
# payment of the history (what a report that scanned history would read at least).
#
# Needs: PostgreSQL at $BENCH_PG (trust auth), psql, a payhub binary ($BENCH_PAYHUB, default
# target/release/payhub, built if missing). Knobs: BENCH_REPORT_SIZES ("100000 10000000"),
# BENCH_KEEP=1 keeps the databases, and a kept database is timed again without seeding it anew
# (seeding 10 million takes about half an hour on 2 busy cores).
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
SIZES=${BENCH_REPORT_SIZES:-"100000 10000000"}
RUNS=${BENCH_RUNS:-5}
DAY=2026-06-01
PAYHUB=${BENCH_PAYHUB:-target/release/payhub}
[[ -x $PAYHUB ]] || cargo build --release -q -p payhub
OUT=bench/results/report-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (uncommitted changes)')"
  echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "postgres: $(psql "$PG/postgres" -tAc 'show server_version')"
  echo "payhub: $PAYHUB"
  echo "load at start: $(uptime)"
} | tee "$OUT/machine.txt"

ms() { date +%s%3N; }
echo "| payments in history | seed s | report best ms | report median ms | count(*) of payments ms |" > "$OUT/table.md"
echo "|---:|---:|---:|---:|---:|" >> "$OUT/table.md"
declare -A BEST
for n in $SIZES; do
  db=payhub_bench_report_$n
  url="$PG/$db"
  seed=kept
  if [[ -z ${BENCH_KEEP:-} ]] || ! psql "$url" -tAc "select count(*) from payments" > /dev/null 2>&1; then
    psql "$PG/postgres" -qc "drop database if exists $db" -c "create database $db"
    PAYHUB_DATABASE__URL=$url "$PAYHUB" migrate > /dev/null
    t0=$(ms)
    psql "$url" -q -v ON_ERROR_STOP=1 -v n="$n" -v day="$DAY" -f bench/sql/report_seed.sql
    seed=$(( ($(ms) - t0) / 1000 ))
  fi
  PAYHUB_DATABASE__URL=$url "$PAYHUB" migrate > /dev/null
  times=()
  for _ in $(seq "$RUNS"); do
    t0=$(ms)
    PAYHUB_DATABASE__URL=$url "$PAYHUB" report daily --date $DAY --out "$OUT/report-$n.xlsx" > "$OUT/report-$n.txt"
    times+=($(( $(ms) - t0 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  t0=$(ms); psql "$url" -tAc "select count(*) from payments" > /dev/null; scan=$(( $(ms) - t0 ))
  BEST[$n]=${sorted[0]}
  echo "| $n | $seed | ${sorted[0]} | ${sorted[$(( RUNS / 2 ))]} | $scan |" | tee -a "$OUT/table.md"
  grep -m3 "Đơn đã thanh toán\|Hồ sơ tạo" "$OUT/report-$n.txt" || true
  [[ -n ${BENCH_KEEP:-} ]] || psql "$PG/postgres" -qc "drop database $db"
done
set -- $SIZES
first=$1; last=${!#}
echo "ratio (best, $last ÷ $first): $(awk "BEGIN { printf \"%.2f\", ${BEST[$last]} / ${BEST[$first]} }")" | tee -a "$OUT/table.md"
echo "load at end: $(uptime)" | tee -a "$OUT/machine.txt"
