# Packaging: the Debian package (make deb), the static release tarballs (make
# dist), and their checks. Scripts in tests/packaging/.

# The last commit's time, so that two builds of one commit are identical;
# outside git, the Makefile's modification time. Exported for the compilers
# and tar (https://reproducible-builds.org/specs/source-date-epoch/).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null | grep . || stat -c %Y Makefile)
export SOURCE_DATE_EPOCH

DEB_STAGE := $(BUILD)/deb/sigma-agent-$(VERSION)
# What the package is built from: the sources and the files the build and the
# unit tests read; never build/ or node_modules/.
DEB_TREE  := Makefile mk src tests man packaging README.md CONTRIBUTING.md

.PHONY: deb dist check-package check-reproducible check-arm64

deb:
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	  { echo "packaging/debian/changelog is at $$v but the Makefile's VERSION is $(VERSION): add a changelog entry" >&2; exit 1; }
	rm -rf $(BUILD)/deb
	mkdir -p $(DEB_STAGE)
	tar -cf - --exclude=node_modules $(DEB_TREE) | tar -xf - -C $(DEB_STAGE)
	cp -R packaging/debian $(DEB_STAGE)/debian
	cd $(DEB_STAGE) && dpkg-buildpackage -b -us -uc -J$(JOBS)
	@ls -1 $(BUILD)/deb/*.deb

# Release tarballs. Each architecture builds in its own directory with the
# Debian cross toolchain named by its triplet (on an amd64 host
# x86_64-linux-gnu-g++ is the native compiler).
DIST_ARCHES     := amd64 arm64
DIST_DIR        := $(BUILD)/dist
TRIPLET_amd64   := x86_64-linux-gnu
TRIPLET_arm64   := aarch64-linux-gnu
DIST_FILES      := man/sigma-agent.8 man/sigma-agent.conf.5 packaging/sigma-agent.service \
                   packaging/sigma-agent.default packaging/sigma-agent.sysusers \
                   packaging/sigma-agent.tmpfiles README.md

dist: $(DIST_ARCHES:%=$(DIST_DIR)/sigma-agent-$(VERSION)-linux-%.tar.gz)

# Not a file rule on the binary: the sub-make knows the binary's dependencies.
$(DIST_DIR)/sigma-agent-$(VERSION)-linux-%.tar.gz: FORCE
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(DIST_DIR)/$* STATIC=1 \
	  CXX=$(TRIPLET_$*)-g++ AR=$(TRIPLET_$*)-ar $(DIST_DIR)/$*/sigma-agent
	sh tests/packaging/dist.sh $(DIST_DIR)/$*/sigma-agent $(TRIPLET_$*)-strip \
	  $(DIST_DIR) sigma-agent-$(VERSION)-linux-$* $(DIST_FILES)

.PHONY: FORCE
FORCE:

check-package:
	@sh tests/packaging/check.sh

check-reproducible:
	@sh tests/packaging/reproducible.sh

# The arm64 tests under qemu-user-static. The unit tests are cross-built and
# run with the cross toolchain's libraries (they link dynamically). The
# integration tests are the native test binary driving the arm64 release
# binary (through a wrapper script that starts it under qemu), so what is
# tested is the binary the tarball ships. Three cases are left out, all
# artefacts of emulation: qemu-user fakes /proc/self/stat with 0 in the
# resident-set field (the live-/proc case of the process metrics; the
# parser's fixture cases still run); a 5 ms periodic timer's catch-up case
# counts ticks against the wall clock, which emulation stretches; and the RSS
# of an emulated process includes qemu's own memory (the batch-amplification
# memory budget). qemu-user does not translate NETLINK_SOCK_DIAG messages, so
# the live dumps (the sock_diag case on a real connection, query_traffic's
# hundred connections) are left out too; the parser's cases still run.
QEMU_UNIT_EXCLUDED  := the live /proc of this test process renders every process metric,a periodic timer that fell behind skips the missed ticks,sock_diag_dump: a loopback connection*
QEMU_INTEG_EXCLUDED := batch amplification: 100 000 tiny requests*,query_traffic sees 100 loopback connections*
check-arm64: $(INTEG_BIN)
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(DIST_DIR)/arm64 CXX=aarch64-linux-gnu-g++ \
	  AR=aarch64-linux-gnu-ar $(DIST_DIR)/arm64/tests/unit_tests $(DIST_DIR)/arm64/sigma-agent
	@echo "check-arm64: left out under qemu: \"$(QEMU_UNIT_EXCLUDED)\" (qemu-user's /proc/self/stat; wall-clock timing; no sock_diag translation)"
	QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64-static ./$(DIST_DIR)/arm64/tests/unit_tests \
	  --test-case-exclude='$(QEMU_UNIT_EXCLUDED)'
	printf '#!/bin/sh\nexec qemu-aarch64-static "%s" "$$@"\n' "$(CURDIR)/$(DIST_DIR)/arm64/sigma-agent" \
	  > $(DIST_DIR)/arm64/sigma-agent-qemu
	chmod +x $(DIST_DIR)/arm64/sigma-agent-qemu
	@echo "check-arm64: left out under qemu: \"$(QEMU_INTEG_EXCLUDED)\" (qemu's memory is in the RSS; no sock_diag translation)"
	SIGMA_AGENT_BIN=$(DIST_DIR)/arm64/sigma-agent-qemu ./$(INTEG_BIN) --test-case-exclude='$(QEMU_INTEG_EXCLUDED)'
