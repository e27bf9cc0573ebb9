# SPDX-License-Identifier: GPL-2.0
# Installing tcpstate, included by the top-level Makefile
# (or: make -f Makefile -f packaging/install.mk TARGET):
#
#   make install        tcpstate.ko into /lib/modules/$(KVER)/updates/ (then
#                       depmod), the tool into $(PREFIX)/sbin, its
#                       translations into $(LOCALEDIR), the man pages,
#                       the bash completion, the modprobe.d example, the
#                       exporter's systemd unit into $(PREFIX)/lib/systemd/
#                       system (systemd reads /usr/local/lib/systemd/system;
#                       not enabled), its options file, the Prometheus
#                       examples into $(DOCDIR)/examples
#   make uninstall      removes exactly what install put there
#   make dkms-install   the sources into /usr/src/tcpstate-$(VERSION), then
#                       dkms add/build/install for the running kernel (or KVER=)
#   make dkms-uninstall dkms remove for every kernel, the sources removed
#   make deb            build/deb/tcpstate-dkms_$(VERSION)_all.deb and
#                       build/deb/tcpstate_$(VERSION)_amd64.deb (dpkg-deb,
#                       hand-written control files: packaging/debian/)
#   make deb-lint       lintian on both (packaging/debian/*.lintian-overrides)
#
# DESTDIR (staged install: no root check, no depmod) and PREFIX (default
# /usr/local) are honoured; the module always goes under
# $(DESTDIR)/lib/modules, the modprobe.d file under $(DESTDIR)/etc.
# install builds nothing: run make first, as yourself, then sudo make
# install (tcpstate.ko must have been built for KVER: checked).

# Included anywhere in the top Makefile, this file does not change its
# default goal (restored at the end).
INSTALL_MK_SAVED_GOAL := $(.DEFAULT_GOAL)

VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null)
ifeq ($(VERSION),)
$(error $(CURDIR)/VERSION is missing or empty: it holds the version)
endif

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR ?= $(PREFIX)/share/doc/tcpstate
# Where the tool looks for its translations: built in by tools/flags.mk
# with the same default, so a PREFIX or LOCALEDIR given to install must
# have been given to make as well.
LOCALEDIR ?= $(PREFIX)/share/locale
# The catalogs make built (tools/Makefile), one per po/LANG.po.
LOCALE_BUILD = $(or $(BUILD),$(CURDIR)/build)/locale
LINGUAS := $(patsubst po/%.po,%,$(wildcard po/*.po))
MO_FILES = $(foreach l,$(LINGUAS),$(l)/LC_MESSAGES/tcpstate.mo)
UNITDIR ?= $(PREFIX)/lib/systemd/system
UNIT := $(DESTDIR)$(UNITDIR)/tcpstate-exporter.service
EXPORTER_CONF := $(DESTDIR)/etc/tcpstate/exporter.conf
EXAMPLES := prometheus.yml tcpstate-rules.yml
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/updates
MODPROBE_CONF := $(DESTDIR)/etc/modprobe.d/tcpstate.conf
# The running kernel for DKMS unless KVER is given (make dkms-install KVER=...).
DKMS_KVER := $(if $(filter command line environment,$(origin KVER)),$(KVER),$(shell uname -r))
DKMS_SRC := $(DESTDIR)/usr/src/tcpstate-$(VERSION)
# What the DKMS source tree holds: the module's sources and its build files.
DKMS_FILES := Kbuild VERSION dkms.conf $(sort $(wildcard module/*.c module/*.h)) \
	$(sort $(wildcard module/uapi/*.h))
# The installed man pages say which version they belong to.
MAN_SED := sed -e 's/@VERSION@/$(VERSION)/g'

.PHONY: install uninstall install-check dkms-install dkms-uninstall dkms-check \
	deb deb-lint

# Root is needed to write /lib/modules, $(PREFIX) and /etc, and for depmod.
install-check:
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" != 0 ]; then \
		echo "make $(MAKECMDGOALS): needs root: it writes /lib/modules/$(KVER)/updates, $(PREFIX), /etc/modprobe.d and /etc/tcpstate and runs depmod; run 'sudo make $(MAKECMDGOALS)', or stage it with DESTDIR=/some/dir" >&2; \
		exit 1; \
	fi
	@test -n "$(KVER)" || { echo "make $(MAKECMDGOALS): no kernel release: set KVER= (or KDIR=)" >&2; exit 1; }

install: install-check
	@for f in tcpstate.ko tools/tcpstate $(addprefix $(LOCALE_BUILD)/,$(MO_FILES)); do \
		test -f $$f || { echo "make install: $$f is missing: run 'make' first (as yourself), then 'sudo make install'" >&2; exit 1; }; \
	done
	@vm=$$(/sbin/modinfo -F vermagic tcpstate.ko) || exit 1; \
	case "$$vm" in \
	"$(KVER) "*) ;; \
	*) echo "make install: tcpstate.ko was built for $${vm%% *}, not KVER=$(KVER): make clean && make KVER=$(KVER), or make install KVER=$${vm%% *}" >&2; exit 1 ;; \
	esac
	install -d $(MODDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR)
	install -m 0644 tcpstate.ko $(MODDIR)/tcpstate.ko
	install -m 0755 tools/tcpstate $(DESTDIR)$(SBINDIR)/tcpstate
	for m in $(MO_FILES); do \
		install -D -m 0644 $(LOCALE_BUILD)/$$m $(DESTDIR)$(LOCALEDIR)/$$m || exit 1; \
	done
	$(MAN_SED) man/tcpstate.8 > $(DESTDIR)$(MANDIR)/man8/tcpstate.8
	$(MAN_SED) man/tcpstate.4 > $(DESTDIR)$(MANDIR)/man4/tcpstate.4
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/tcpstate.8 $(DESTDIR)$(MANDIR)/man4/tcpstate.4
	install -m 0644 packaging/completion/tcpstate $(DESTDIR)$(BASHCOMPDIR)/tcpstate
	install -m 0644 packaging/modprobe.d/tcpstate.conf $(DESTDIR)$(DOCDIR)/modprobe.d-tcpstate.conf
	@# The unit runs the tool where this install put it.
	sed 's|/usr/sbin/tcpstate|$(SBINDIR)/tcpstate|g' contrib/tcpstate-exporter.service > $(UNIT)
	chmod 0644 $(UNIT)
	for f in $(EXAMPLES); do install -m 0644 contrib/$$f $(DESTDIR)$(DOCDIR)/examples/$$f || exit 1; done
	@# The exporter's options, as the modprobe.d example: never replaced.
	@if [ -e $(EXPORTER_CONF) ]; then \
		echo "make install: keeping the existing $(EXPORTER_CONF)"; \
	else \
		echo "install -D -m 0644 contrib/exporter.conf $(EXPORTER_CONF)"; \
		install -D -m 0644 contrib/exporter.conf $(EXPORTER_CONF); \
	fi
	@# The example (all comments) goes to /etc only if no file is there:
	@# a configuration of the administrator's own is never replaced.
	@if [ -e $(MODPROBE_CONF) ]; then \
		echo "make install: keeping the existing $(MODPROBE_CONF)"; \
	else \
		echo "install -D -m 0644 packaging/modprobe.d/tcpstate.conf $(MODPROBE_CONF)"; \
		install -D -m 0644 packaging/modprobe.d/tcpstate.conf $(MODPROBE_CONF); \
	fi
	@if [ -z "$(DESTDIR)" ]; then echo "depmod -a $(KVER)"; /sbin/depmod -a $(KVER); \
	else echo "make install: DESTDIR set: run 'depmod -a $(KVER)' on the target"; fi

uninstall: install-check
	rm -f $(MODDIR)/tcpstate.ko $(DESTDIR)$(SBINDIR)/tcpstate \
		$(DESTDIR)$(MANDIR)/man8/tcpstate.8 $(DESTDIR)$(MANDIR)/man4/tcpstate.4 \
		$(DESTDIR)$(BASHCOMPDIR)/tcpstate $(DESTDIR)$(DOCDIR)/modprobe.d-tcpstate.conf \
		$(UNIT) $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(EXAMPLES)) \
		$(addprefix $(DESTDIR)$(LOCALEDIR)/,$(MO_FILES))
	@# /etc/tcpstate/exporter.conf only if it is still the example.
	@if [ -e $(EXPORTER_CONF) ]; then \
		if cmp -s contrib/exporter.conf $(EXPORTER_CONF); then \
			echo "rm -f $(EXPORTER_CONF)"; rm -f $(EXPORTER_CONF); \
		else \
			echo "make uninstall: keeping $(EXPORTER_CONF): it was edited"; \
		fi; \
	fi
	@# /etc/modprobe.d/tcpstate.conf only if it is still the example.
	@if [ -e $(MODPROBE_CONF) ]; then \
		if cmp -s packaging/modprobe.d/tcpstate.conf $(MODPROBE_CONF); then \
			echo "rm -f $(MODPROBE_CONF)"; rm -f $(MODPROBE_CONF); \
		else \
			echo "make uninstall: keeping $(MODPROBE_CONF): it was edited"; \
		fi; \
	fi
	@# The directories install made, if nothing else is in them.
	@rmdir $(MODDIR) $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)/etc/tcpstate $(DESTDIR)$(UNITDIR) $(dir $(DESTDIR)$(UNITDIR)) \
		2>/dev/null || true
	@if [ -z "$(DESTDIR)" ]; then echo "depmod -a $(KVER)"; /sbin/depmod -a $(KVER); fi

# --- DKMS ----------------------------------------------------------------------

dkms-check:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "make $(MAKECMDGOALS): needs root: it writes /usr/src, /var/lib/dkms and /lib/modules; run 'sudo make $(MAKECMDGOALS)'" >&2; \
		exit 1; \
	fi
	@command -v dkms >/dev/null || { echo "make $(MAKECMDGOALS): dkms is not installed: apt-get install dkms" >&2; exit 1; }

dkms-install: dkms-check
	@test -e /lib/modules/$(DKMS_KVER)/build/include || { \
		echo "make dkms-install: no headers for kernel $(DKMS_KVER) (/lib/modules/$(DKMS_KVER)/build): apt-get install linux-headers-$(DKMS_KVER)" >&2; \
		exit 1; }
	@# The same version may be registered already (a second run): then
	@# its sources are replaced and it is built again.
	@if dkms status -m tcpstate -v $(VERSION) | grep -q .; then \
		echo "dkms remove -m tcpstate -v $(VERSION) --all"; \
		dkms remove -m tcpstate -v $(VERSION) --all || exit 1; \
	fi
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/module/uapi
	for f in $(DKMS_FILES); do install -m 0644 $$f $(DKMS_SRC)/$$f || exit 1; done
	dkms add -m tcpstate -v $(VERSION)
	dkms build -m tcpstate -v $(VERSION) -k $(DKMS_KVER)
	dkms install -m tcpstate -v $(VERSION) -k $(DKMS_KVER)

dkms-uninstall: dkms-check
	@if dkms status -m tcpstate -v $(VERSION) | grep -q .; then \
		echo "dkms remove -m tcpstate -v $(VERSION) --all"; \
		dkms remove -m tcpstate -v $(VERSION) --all || exit 1; \
	fi
	rm -rf $(DKMS_SRC)

# --- Debian packages -------------------------------------------------------------
#
# Built with dpkg-deb from hand-written control files (packaging/debian/),
# not debhelper: two small binary packages, no source package to upload,
# nothing to install for building them but dpkg-dev, and every file and
# maintainer script is in plain view. Owner root:root via
# dpkg-deb --root-owner-group (no fakeroot).

DEB_DIR = $(or $(BUILD),$(CURDIR)/build)/deb
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_DKMS = $(DEB_DIR)/tcpstate-dkms_$(VERSION)_all.deb
DEB_TOOL = $(DEB_DIR)/tcpstate_$(VERSION)_$(DEB_ARCH).deb

deb:
	@command -v dpkg-deb >/dev/null || { echo "make deb: dpkg-deb missing: apt-get install dpkg-dev" >&2; exit 1; }
	VERSION=$(VERSION) DEB_DIR=$(DEB_DIR) bash packaging/mkdeb.sh $(DKMS_FILES)

deb-lint: deb
	@command -v lintian >/dev/null || { echo "make deb-lint: lintian missing: apt-get install lintian" >&2; exit 1; }
	lintian --info --pedantic --fail-on error,warning,info,pedantic $(DEB_DKMS) $(DEB_TOOL)

.DEFAULT_GOAL := $(INSTALL_MK_SAVED_GOAL)
