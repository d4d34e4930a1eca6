# The two set-up commands of the README, and the pieces they are made of.
#   make run   builds Release and serves on 127.0.0.1:5000 with data in ./data (no config)
#   make test  installs what the tests need, builds, and runs every test
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20

.PHONY: run test build deps unit fuzz integration bench clean

run: build
	./build/cangku serve --addr 127.0.0.1:5000 --data-dir ./data

deps:
	bash tools/install-deps.sh build

build: deps
	cmake --preset release -DCANGKU_TESTS=OFF
	cmake --build build -j$(JOBS) --target cangku

test:
	bash tools/install-deps.sh test
	cmake --preset release -DCANGKU_TESTS=ON
	cmake --build build -j$(JOBS)
	$(MAKE) unit fuzz integration

unit:
	bash tools/run-unit-tests.sh

fuzz:
	bash tools/run-fuzzers.sh $(FUZZ_SECONDS)

integration:
	bash tools/run-integration-tests.sh

bench:
	bash bench/run.sh

clean:
	rm -rf build build-debug build-fuzz
