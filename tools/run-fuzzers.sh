#!/usr/bin/env bash
# run-fuzzers.sh [SECONDS] - builds the libFuzzer targets with clang and runs each for SECONDS
# (default 20) from its seed corpus in fuzz/corpus/. Fails on the first crash, leaving the
# crashing input in build-fuzz/crashes/.
set -euo pipefail
seconds=${1:-20}
cd "$(dirname "$0")/.."
cmake --preset fuzz >/dev/null
targets=(reference manifest range)
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
mkdir -p build-fuzz/crashes
for t in "${targets[@]}"; do
  scratch=$(mktemp -d)
  echo "fuzz_$t: ${seconds}s"
  ./build-fuzz/fuzz/fuzz_"$t" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=build-fuzz/crashes/"$t"- "$scratch" fuzz/corpus/"$t" 2>&1 |
    grep -E '^(stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true
  rm -rf "$scratch"
  if compgen -G "build-fuzz/crashes/$t-*" >/dev/null; then
    echo "fuzz_$t found a crash: $(ls build-fuzz/crashes/$t-*)" >&2
    exit 1
  fi
done
