# The benchmark: sigma-agent against nginx (the HTTP ceiling) and the
# official MCP TypeScript SDK, interleaved, with wrk; plus idle RSS, RSS with
# 1000 idle connections, idle CPU, startup time, stripped size and the token
# comparator's timing; and the CPU of one port-scan pass over 10000-30000 with
# 5000 listeners beside one `ss -tulnp` (iproute2) on the same host; and one
# query_traffic call with 10000 established loopback connections beside one
# `ss -tinp` (wall, CPU, daemon RSS).
# Sources in tests/bench/, results in $(BUILD)/bench/
# (results.json, results.md). Never part of `make check`.
# Needs python3, g++, taskset, and wrk + nginx-light (installed with apt-get
# when missing and running as root); node and the SDK come from tests/interop.
# BENCH_ARGS passes options through, e.g. BENCH_ARGS=--quick, --rounds=5, or
# --port-scan-only (just the scan comparison: needs ss, not nginx, wrk or node),
# or --traffic-only (just the query_traffic comparison).
BENCH_ARGS ?=

.PHONY: bench
bench: $(BIN)
	@python3 tests/bench/bench.py --bin $(BIN) --out $(BUILD)/bench $(BENCH_ARGS)
