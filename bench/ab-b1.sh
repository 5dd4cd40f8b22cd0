#!/usr/bin/env bash
# B1 A/B: two payhub binaries measured in alternation, in the same minutes, so that a code change
# is judged against the same machine noise. Usage:
#   bench/ab-b1.sh BACKEND ROUNDS NAME_A=BINARY_A NAME_B=BINARY_B
# e.g. bench/ab-b1.sh postgres 2 before=/tmp/payhub-before after=target/release/payhub
# Each round runs bench/run-all.sh's B1 (no pgbench) for A then B; the JSON lines of every run,
# labelled, are gathered into bench/results/ab-<UTC time>.jsonl and summarised (median per side).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=$1 rounds=$2; shift 2
out=bench/results/ab-$(date -u +%Y%m%dT%H%M%SZ).jsonl
mkdir -p bench/results
for round in $(seq "$rounds"); do
  for side in "$@"; do
    name=${side%%=*} binary=$(realpath "${side#*=}")
    BENCH_PAYHUB=$binary BENCH_BACKENDS=$backend BENCH_SKIP="b2 b3 whole micro pgbench" \
      BENCH_CALLBACKS=${BENCH_CALLBACKS:-6000} BENCH_SECONDS=${BENCH_SECONDS:-5} \
      bench/run-all.sh > /dev/null 2>&1
    dir=$(ls -td bench/results/*/ | head -1)
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l); r["side"] = sys.argv[2]; r["round"] = int(sys.argv[3]); print(json.dumps(r))
' "$dir/b1.jsonl" "$name" "$round" >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{sys.argv[1]}: median of {max(r['round'] for r in rows)} rounds")
print("| side | backend | conc. | req/s | p50 ms | p99 ms | exactly once |")
print("|---|---|---:|---:|---:|---:|---|")
for key in sorted({(r["side"], r["backend"], r["concurrency"]) for r in rows}, key=lambda k: (k[2], k[0])):
    rs = [r for r in rows if (r["side"], r["backend"], r["concurrency"]) == key]
    med = lambda f: statistics.median(r[f] for r in rs)
    once = "yes" if all(r["exactly_once"] for r in rs) else "NO"
    print(f"| {key[0]} | {key[1]} | {key[2]} | {med('per_second'):,.0f} | {med('p50_ms'):.2f} | {med('p99_ms'):.2f} | {once} |")
PY
