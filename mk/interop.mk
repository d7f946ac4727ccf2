# The interop stage: the official MCP conformance suite and SDK client, pinned
# in tests/interop/package-lock.json, against the real daemon (tests/interop/run.sh).
# Needs npm and curl; promtool is installed from Debian's `prometheus` as root.
.PHONY: interop
interop: $(BIN)
	@bash tests/interop/run.sh $(BIN)
