#!/usr/bin/env bash
# run-integration-tests.sh [PYTEST ARGS] - builds the test images once (cached in
# build/test-images), then runs the integration suite against build/cangku, two at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
images=${CANGKU_TEST_IMAGES:-$PWD/build/test-images}
if [ ! -f "$images/debian/index.json" ]; then
  bash ../shared/scripts/make-test-images.sh "$images" debian
fi
export CANGKU_TEST_IMAGES=$images
exec /usr/bin/python3 -m pytest -n 2 -p no:cacheprovider tests/integration "$@"
