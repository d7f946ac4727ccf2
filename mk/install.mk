# make install: the conventional layout, for a package build (DESTDIR) or a
# host without one. The unit's ExecStart= follows SBINDIR. An existing
# $(SYSCONFDIR)/default/sigma-agent is the operator's and is never overwritten.
PREFIX         ?= /usr/local
SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
SYSCONFDIR     ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR    ?= $(PREFIX)/lib/tmpfiles.d
INSTALL        ?= install

.PHONY: install
install: $(BIN)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/default
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/sigma-agent
	$(INSTALL) -m 0644 man/sigma-agent.8 $(DESTDIR)$(MANDIR)/man8/sigma-agent.8
	$(INSTALL) -m 0644 man/sigma-agent.conf.5 $(DESTDIR)$(MANDIR)/man5/sigma-agent.conf.5
	sed 's|^ExecStart=/usr/sbin/sigma-agent|ExecStart=$(SBINDIR)/sigma-agent|' packaging/sigma-agent.service \
	  > $(BUILD)/sigma-agent.service
	$(INSTALL) -m 0644 $(BUILD)/sigma-agent.service $(DESTDIR)$(SYSTEMDUNITDIR)/sigma-agent.service
	$(INSTALL) -m 0644 packaging/sigma-agent.sysusers $(DESTDIR)$(SYSUSERSDIR)/sigma-agent.conf
	$(INSTALL) -m 0644 packaging/sigma-agent.tmpfiles $(DESTDIR)$(TMPFILESDIR)/sigma-agent.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/default/sigma-agent ]; then \
	  echo "install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/default/sigma-agent"; \
	else \
	  echo "$(INSTALL) -m 0644 packaging/sigma-agent.default $(DESTDIR)$(SYSCONFDIR)/default/sigma-agent"; \
	  $(INSTALL) -m 0644 packaging/sigma-agent.default $(DESTDIR)$(SYSCONFDIR)/default/sigma-agent; \
	fi
