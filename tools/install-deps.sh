#!/usr/bin/env bash
# install-deps.sh [build|test|bench] - installs the Debian packages Cangku needs, if missing.
#   build: compilers and -dev libraries (what `make run` needs)
#   test:  build + real clients and peers the test suite drives
#   bench: test + load tools for `make bench`
set -euo pipefail
what=${1:-build}
build=(build-essential cmake ninja-build pkg-config
       libboost-dev libboost-system-dev libboost-context-dev libssl-dev libcurl4-openssl-dev
       libsoci-dev libsqlite3-dev libpq-dev nlohmann-json3-dev libyaml-cpp-dev
       libspdlog-dev libfmt-dev libcli11-dev prometheus-cpp-dev libarchive-dev
       zlib1g-dev libzstd-dev libcrypt-dev)
test=(libgtest-dev libgmock-dev clang libclang-rt-14-dev python3 python3-pytest python3-pytest-xdist
      skopeo podman umoci containerd jq curl debootstrap bc iproute2 procps postgresql openssl)
bench=(libbenchmark-dev wrk docker-registry linux-perf)
want=("${build[@]}")
case $what in
  build) ;;
  test) want+=("${test[@]}") ;;
  bench) want+=("${test[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
