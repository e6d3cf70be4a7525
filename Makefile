# renkei - the front door.  Meson + Ninja do the real work; this file only
# names the jobs a person runs:
#   make          install what is missing, build build/renkei (and build/renkei-gen)
#   make demo     install what is missing, build, generate the demo capture,
#                 analyse it and print the report
#   make check    install what is missing, build, run every test
#   make bench    the benchmark against the tools a user would pick instead
# 'install what is missing' runs apt-get as root (tools/deps.sh).

BUILD ?= build
MESON_OPTS ?=

.PHONY: all build deps-build demo check bench clean

all: deps-build
	$(MAKE) build

$(BUILD)/build.ninja:
	@command -v meson >/dev/null 2>&1 && command -v ninja >/dev/null 2>&1 || \
	    { echo "meson/ninja missing: run 'make demo' or 'tools/deps.sh build' (as root) first"; exit 1; }
	meson setup $(BUILD) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps-build:
	tools/deps.sh build

demo: deps-build
	$(MAKE) build
	$(BUILD)/renkei-gen --seed 7 --clients 300 --servers 30 --subnets 10 --packets 200000 \
	    -o $(BUILD)/demo.pcap --truth $(BUILD)/demo-truth.json
	@echo
	@echo "== renkei analyze $(BUILD)/demo.pcap =="
	$(BUILD)/renkei analyze --services tools/gen/site-services $(BUILD)/demo.pcap

check:
	tools/deps.sh check
	tests/run-check.sh

bench:
	tools/deps.sh bench
	$(MAKE) build
	bench/run-bench.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-clang
