#!/usr/bin/env bash
# bench/run.sh - the entry point of `make bench`: installs what the benchmarks need, builds
# cangku (Release) and cangku-loadgen, makes the test image if missing, then runs bench/bench.py
# against CNCF Distribution and Cangku in the same run. See BENCHMARKS.md for the knobs
# (BENCH_QUICK=1 for a short run). Benchmarks never fail CI: this exits 0 once a table is
# printed, even if some measures (or all of cangku's) came out n/a.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BENCH_BUILD_DIR:-build}
say() { printf '[bench] %s\n' "$*" >&2; }

if [ "${BENCH_SKIP_DEPS:-0}" != 1 ]; then
  tools/install-deps.sh bench
fi

loadgen=$build/bench/cangku-loadgen
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  say "building cangku and cangku-loadgen (Release, -j2) in $build/"
  if cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCANGKU_BENCH=ON >/dev/null; then
    cmake --build "$build" -j2 --target cangku-loadgen || true
    if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^cangku:'; then
      cmake --build "$build" -j2 --target cangku || say "cangku does not build: its side will be n/a"
    else
      say "no cangku target yet: its side will be n/a"
    fi
  else
    say "configuring the project failed: measuring Distribution only"
  fi
  if [ ! -x "$loadgen" ]; then  # the loadgen builds on its own, whatever state src/ is in
    say "building cangku-loadgen standalone in $build/bench-standalone/"
    cmake -S bench -B "$build/bench-standalone" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build/bench-standalone" -j2
    loadgen=$build/bench-standalone/cangku-loadgen
  fi
elif [ ! -x "$loadgen" ]; then
  loadgen=$build/bench-standalone/cangku-loadgen
fi

image=${BENCH_TEST_IMAGE:-$root/build/test-images/debian}
if [ ! -f "$image/index.json" ] && [ "${BENCH_SKIP_IMAGES:-0}" != 1 ]; then
  say "making the Debian test image (debootstrap + umoci) in $(dirname "$image")"
  bash "${CANGKU_SHARED:-$root/../shared}/scripts/make-test-images.sh" "$(dirname "$image")" debian >&2 \
    || say "could not make the test image: skopeo measures will be n/a"
fi
export BENCH_TEST_IMAGE=$image

py=/usr/bin/python3
[ -x "$py" ] || py=python3
exec "$py" bench/bench.py --loadgen "$loadgen" --cangku "${BENCH_CANGKU:-$build/cangku}"
