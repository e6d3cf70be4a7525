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

# The demo: the report's summary on the terminal, the whole report in files
# it names, a store for the web report, and what to try next.
DEMO_ANALYZE = $(BUILD)/renkei analyze --services tools/gen/site-services

demo: deps-build
	$(MAKE) build
	$(BUILD)/renkei-gen --seed 7 --clients 300 --servers 30 --subnets 10 --packets 200000 \
	    -o $(BUILD)/demo.pcap --truth $(BUILD)/demo-truth.json
	rm -f $(BUILD)/demo.db $(BUILD)/demo.db-wal $(BUILD)/demo.db-shm
	$(DEMO_ANALYZE) --db $(BUILD)/demo.db -o $(BUILD)/demo-report.txt $(BUILD)/demo.pcap
	$(DEMO_ANALYZE) --json -o $(BUILD)/demo-report.json $(BUILD)/demo.pcap
	@echo
	@sed -n '/^Summary/,/^$$/p' $(BUILD)/demo-report.txt
	@echo "The whole report, host by host:  $(BUILD)/demo-report.txt"
	@echo "The same as JSON:                $(BUILD)/demo-report.json"
	@echo "The generator's ground truth:    $(BUILD)/demo-truth.json"
	@echo
	@echo "Next:"
	@echo "  $(BUILD)/renkei serve --db $(BUILD)/demo.db        # the web report and map: http://127.0.0.1:8080/"
	@echo "  $(BUILD)/renkei report --db $(BUILD)/demo.db --services tools/gen/site-services --host 10.0.0.39"
	@echo "  $(BUILD)/renkei analyze --explain 10.0.0.39:8080/tcp $(BUILD)/demo.pcap   # why that is a service"
	@echo "  $(BUILD)/renkei analyze --help                    # every option; README.md for the rest"

check:
	tools/deps.sh check
	tests/run-check.sh

bench:
	tools/deps.sh bench
	$(MAKE) build
	bench/run-bench.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-clang
