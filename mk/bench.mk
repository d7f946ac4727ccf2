# The benchmark: sigma-agent against nginx (the HTTP ceiling) and the
# official MCP TypeScript SDK, interleaved, with wrk; plus idle RSS, RSS with
# 1000 idle connections, idle CPU, startup time, stripped size and the token
# comparator's timing. Sources in tests/bench/, results in $(BUILD)/bench/
# (results.json, results.md). Never part of `make check`.
# Needs python3, g++, taskset, and wrk + nginx-light (installed with apt-get
# when missing and running as root); node and the SDK come from tests/interop.
# BENCH_ARGS passes options through, e.g. BENCH_ARGS=--quick or --rounds=5.
BENCH_ARGS ?=

.PHONY: bench
bench: $(BIN)
	@python3 tests/bench/bench.py --bin $(BIN) --out $(BUILD)/bench $(BENCH_ARGS)
