# sigma-agent — build, run, test, install and package.
#
#   make                build build/sigma-agent (static, stripped of nothing)
#   make run            build and start the daemon with the embedded defaults
#   make check          build and run every test; ends with "N passed, M failed"
#   make check-asan     the same suite under AddressSanitizer + UBSan
#   make check-unit     the unit tests alone (what the Debian build runs)
#   make fuzz           libFuzzer harnesses (FUZZ_SECONDS=N each)
#   make bench          benchmark against nginx and the official MCP SDK
#   make interop        the official MCP conformance suite and SDK client
#   make install        binary, man pages, systemd unit, sysusers.d/tmpfiles.d
#                       entries and /etc/default/sigma-agent (kept if present);
#                       DESTDIR, PREFIX (/usr/local), SBINDIR, MANDIR,
#                       SYSCONFDIR (/etc), SYSTEMDUNITDIR, SYSUSERSDIR, TMPFILESDIR
#   make deb            the Debian package, built from a copy of the tree in
#                       build/deb/ (packaging/debian staged as debian/); the
#                       .deb lands in build/deb/
#   make dist           build/dist/sigma-agent-VERSION-linux-{amd64,arm64}.tar.gz:
#                       stripped static binaries (arm64 with Debian's
#                       g++-aarch64-linux-gnu), man pages, unit, default file
#   make check-package  build the .deb, lint it, score the unit, install it,
#                       check the shipped config, purge it (tests/packaging/)
#   make check-reproducible  `make dist` twice in two directories, compared byte
#                       for byte (SOURCE_DATE_EPOCH: the last commit's time)
#   make check-arm64    the arm64 unit tests, and the integration tests against
#                       the arm64 release binary, under qemu-user-static
#   make clean
#
# STATIC=0 links the C library dynamically (the C++ runtime stays linked in,
# so the binary still needs libc only); the Debian package builds that way.

VERSION    := 0.1.0
CXX        ?= g++
BUILD      ?= build
CXXSTD     := -std=c++17
WARN       := -Wall -Wextra -Werror
OPT        ?= -O2
CPPFLAGS   += -Isrc -DSIGMA_VERSION='"$(VERSION)"' -MMD -MP
# Sections per function so the static link can drop what nothing calls.
CXXFLAGS   += $(CXXSTD) $(WARN) $(OPT) -pthread -ffunction-sections -fdata-sections
SAN_FLAGS  :=
STATIC     ?= 1
ifeq ($(STATIC),1)
  LINK_MODE := -static -Wl,--gc-sections
else
  LINK_MODE := -static-libstdc++ -static-libgcc -Wl,--gc-sections
endif

ifeq ($(SANITIZE),1)
  SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  OPT       := -O1 -g
  LINK_MODE :=
endif

CXXFLAGS += $(SAN_FLAGS)
LDFLAGS  += $(SAN_FLAGS) -pthread

# LC_ALL=C: the order of the objects, and so the archive and the binary, must
# not depend on the locale (reproducible builds).
LIB_SRCS   := $(shell find src -name '*.cpp' ! -name main.cpp | LC_ALL=C sort)
LIB_OBJS   := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
UNIT_SRCS  := $(shell find tests/unit -name '*.cpp' 2>/dev/null | LC_ALL=C sort)
UNIT_OBJS  := $(UNIT_SRCS:%.cpp=$(BUILD)/obj/%.o)
INTEG_SRCS := $(shell find tests/integration -name '*.cpp' 2>/dev/null | LC_ALL=C sort)
INTEG_OBJS := $(INTEG_SRCS:%.cpp=$(BUILD)/obj/%.o)

# `make run` and `make check` build in parallel by themselves.
JOBS       ?= $(shell nproc 2>/dev/null || echo 1)

BIN        := $(BUILD)/sigma-agent
UNIT_BIN   := $(BUILD)/tests/unit_tests
INTEG_BIN  := $(BUILD)/tests/integration_tests

.PHONY: all run check check-asan check-unit check-prereqs test-binaries fuzz fuzz-build bench interop clean check-deps

all: $(BIN)

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(BUILD)/libsigma.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcsD $@ $^

$(BIN): $(BUILD)/obj/src/main.o $(BUILD)/libsigma.a
	$(CXX) $(LINK_MODE) $(LDFLAGS) -o $@ $^

$(UNIT_BIN): $(UNIT_OBJS) $(BUILD)/libsigma.a
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^

$(INTEG_BIN): $(INTEG_OBJS) $(BUILD)/libsigma.a
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^

test-binaries: $(BIN) $(UNIT_BIN) $(INTEG_BIN)

# Started as root the daemon drops to AGENT_USER (default sigma-agent, which a
# build machine usually lacks); a development run uses nobody unless told.
run: check-prereqs
	@$(MAKE) --no-print-directory -j$(JOBS) $(BIN)
	AGENT_USER="$${AGENT_USER:-nobody}" ./$(BIN)

check-prereqs:
	@sh tests/prereqs.sh build

check:
	@sh tests/prereqs.sh check
	@$(MAKE) --no-print-directory -j$(JOBS) test-binaries
	@sh tests/run_checks.sh $(BUILD)

check-asan:
	@sh tests/prereqs.sh check
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/asan SANITIZE=1 test-binaries
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  SIGMA_SANITIZED=1 sh tests/run_checks.sh build/asan

check-deps:
	@sh tests/check_deps.sh

# The unit tests alone, from the repository root (some read man/ and packaging/).
check-unit: $(UNIT_BIN)
	./$(UNIT_BIN)

# Fuzzing (clang + libFuzzer, ASan + UBSan). Harnesses: tests/fuzz/*_fuzz.cpp,
# seed corpora: tests/fuzz/corpus/<harness>/. Crash reproducers land in build/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_CXX     ?= clang++
FUZZ_FLAGS   := -std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Isrc -DSIGMA_VERSION='"$(VERSION)"'
FUZZ_SRCS    := $(shell find tests/fuzz -name '*_fuzz.cpp' 2>/dev/null | sort)
FUZZ_NAMES   := $(notdir $(FUZZ_SRCS:_fuzz.cpp=))
FUZZ_LIB_OBJS := $(LIB_SRCS:%.cpp=build/fuzz/obj/%.o)
FUZZ_BINS    := $(FUZZ_NAMES:%=build/fuzz/%_fuzz)

build/fuzz/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -c $< -o $@

build/fuzz/%_fuzz: tests/fuzz/%_fuzz.cpp $(FUZZ_LIB_OBJS)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ -o $@

# Keep the instrumented objects between runs (they are intermediates to make).
.SECONDARY: $(FUZZ_LIB_OBJS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh "$(FUZZ_SECONDS)" $(FUZZ_NAMES)

clean:
	rm -rf build

-include mk/install.mk
-include mk/package.mk
-include mk/interop.mk
-include mk/bench.mk

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(INTEG_OBJS:.o=.d) $(BUILD)/obj/src/main.d
