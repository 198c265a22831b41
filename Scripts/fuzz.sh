#!/usr/bin/env bash
# Runs the mutation fuzzer (trialdiff-fuzz) for SECONDS over the real records, the seeds and
# ../shared/fuzz-regressions, going on past a crash: the input that crashed the process is kept
# under OUT/crashes/ and the run resumes at the next iteration. Exits 1 when any input crashed
# or ran slower than 1 s (kept under OUT/slow/).
#
#   Scripts/fuzz.sh [SECONDS] [OUT] [SEED]        (default: 120 s, .build/fuzz-out, seed 1)
#   TRIALDIFF_FUZZ_BIN=.build/release/trialdiff-fuzz Scripts/fuzz.sh 3600
#   TRIALDIFF_FUZZ_SLOW=3 (seconds an input may take; default 1)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
out=${2:-.build/fuzz-out}
seed=${3:-1}
bin=${TRIALDIFF_FUZZ_BIN:-}
if [ -z "$bin" ]; then
  swift build --product trialdiff-fuzz >/dev/null || exit 2
  bin=$(swift build --product trialdiff-fuzz --show-bin-path)/trialdiff-fuzz
fi
corpus=(Tests/TestSupport/Fixtures/realdata Tests/TestSupport/Fixtures/seeds)
shared=${TRIALDIFF_SHARED:-../shared}
[ -d "$shared/fuzz-regressions" ] && corpus+=("$shared/fuzz-regressions")
mkdir -p "$out/crashes" "$out/slow"
start=0 crashes=0 runs=0
deadline=$(( $(date +%s) + seconds ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  left=$(( deadline - $(date +%s) ))
  "$bin" --seconds "$left" --seed "$seed" --start "$start" --slow "${TRIALDIFF_FUZZ_SLOW:-1}" --out "$out" "${corpus[@]}"
  status=$?
  runs=$((runs + 1))
  if [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; then
    break
  fi
  # A crash: keep the input that was running and resume after it.
  if [ -f "$out/current.txt" ]; then
    iteration=$(head -1 "$out/current.txt")
    name=$(sed -n 2p "$out/current.txt")
    cp "$out/current.bin" "$out/crashes/$name"
    echo "fuzz: crash (status $status) on iteration $iteration: kept $out/crashes/$name" >&2
    crashes=$((crashes + 1))
    start=$((iteration + 1))
  else
    echo "fuzz: trialdiff-fuzz failed with status $status before any input" >&2
    exit 2
  fi
done
kept_slow=$(find "$out/slow" -type f | wc -l)
echo "fuzz: $seconds s, seed $seed: $crashes crashes, $kept_slow slow inputs (kept in $out)"
[ "$crashes" -eq 0 ] && [ "$kept_slow" -eq 0 ]
