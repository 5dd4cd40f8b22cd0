#!/usr/bin/env bash
# Runs every fuzz target for EXECUTIONS runs each (default 10 million), after replaying the
# regression inputs of fuzz/regressions/<target>/ (crashes found before, fixed since). Prints, per
# target, the executions done, the wall time, exec/s and the crashes found; exits non-zero when
# any target crashed. See FUZZING.md. Not part of .ci/run: ten million runs of a dozen targets
# take most of an hour on two cores.
#
#   fuzz/run.sh [EXECUTIONS] [TARGET...]
#
# FUZZ_MAX_SECONDS, when set, also stops each target after that many seconds (libFuzzer's
# -max_total_time), for the slow targets; the count reached is printed as usual.
# FUZZ_SANITIZER (default none) is passed to `cargo fuzz build --sanitizer`; address needs the
# sanitizer runtime of the toolchain and runs about half as fast.
set -euo pipefail

cd "$(dirname "$0")"
runs=${1:-10000000}
shift || true
sanitizer=${FUZZ_SANITIZER:-none}
time_limit=()
[ -n "${FUZZ_MAX_SECONDS:-}" ] && time_limit=(-max_total_time="$FUZZ_MAX_SECONDS")
# libFuzzer's flags are unstable rustc flags: allowed on the stable toolchain this way.
export RUSTC_BOOTSTRAP=1

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

echo "building the targets (sanitizer: $sanitizer)"
cargo fuzz build --sanitizer "$sanitizer"
bin_dir=target/x86_64-unknown-linux-gnu/release

failed=0
summary=()
for target in "${targets[@]}"; do
  bin="$bin_dir/$target"
  artifacts="artifacts/$target"
  work="corpus-work/$target"
  mkdir -p "$artifacts" "$work" "corpus/$target"
  log="$artifacts/run.log"

  # Regressions first: each file once; any panic fails the target before fuzzing.
  regressions=0
  if [ -d "regressions/$target" ] && [ -n "$(ls -A "regressions/$target")" ]; then
    regressions=$(find "regressions/$target" -type f | wc -l)
    if ! "$bin" -runs=1 "regressions/$target"/* >"$artifacts/regressions.log" 2>&1; then
      echo "$target: a regression input crashes again (see $artifacts/regressions.log)"
      summary+=("$(printf '%-16s %12s %9s %10s %8s' "$target" "-" "-" "-" "REGRESSED")")
      failed=1
      continue
    fi
  fi

  before=$(find "$artifacts" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
  start=$(date +%s.%N)
  status=0
  # New inputs go to the work corpus (first directory); the committed seeds are only read.
  "$bin" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${time_limit[@]}" \
    -artifact_prefix="$artifacts/" "$work" "corpus/$target" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  after=$(find "$artifacts" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
  crashes=$((after - before))
  [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
  # libFuzzer's final stats: "stat::number_of_executed_units: N".
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  execs=${execs:-0}
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  rate=$(awk -v n="$execs" -v s="$secs" 'BEGIN { printf "%d", n / s }')
  line=$(printf '%-16s %12s %8.0fs %10s %8s' "$target" "$execs" "$secs" "$rate" "$crashes")
  echo "$line  (+$regressions regressions replayed)"
  summary+=("$line")
  if [ "$crashes" -ne 0 ]; then
    failed=1
    echo "  crash input(s) in $artifacts/; log $log"
    grep -m1 -A3 "panicked at" "$log" | sed 's/^/  /' || true
  fi
done

echo
printf '%-16s %12s %9s %10s %8s\n' target executions time exec/s crashes
printf '%s\n' "${summary[@]}"
exit "$failed"
