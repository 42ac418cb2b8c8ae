# relayhint - top-level GNU Makefile
#
#   make                 build the library, the CLI and (when their headers
#                        are installed) the milter and the Exim object
#   make check           install test dependencies when root, build, run
#                        every test, end with "N passed, N failed, N skipped"
#   make demo            classify and rewrite the bundled sample bounces
#   make install DESTDIR=... PREFIX=...   every file, units with their paths
#   make uninstall DESTDIR=... PREFIX=... removes them (not relayhint.conf)
#   make deb             the Debian packages, built in $(B)/deb/ (debian/)
#   make check-sanitize  the unit tests under ASan+UBSan and valgrind
#   make check-load      only the load and fault test (10,000 bounces through
#                        a private Postfix; RH_LOAD_N=... to change)

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
LIBEXECDIR	?= $(PREFIX)/libexec
SYSCONFDIR	?= /etc
DATADIR		?= $(PREFIX)/share
MANDIR		?= $(DATADIR)/man
SYSTEMDUNITDIR	?= $(LIBDIR)/systemd/system
DESTDIR		?=

CC		?= cc
PKG_CONFIG	?= pkg-config
# CPPFLAGS, CFLAGS and LDFLAGS come from the environment (dpkg-buildflags
# puts the hardening flags there) and reach every compile and link line.
# -Werror only in our own builds: make check, check-unit and CI set it; a
# user's newer compiler with new warnings must not break the build.
CFLAGS		?= -O2 -g
CPPFLAGS	?=
LDFLAGS		?=
WERROR		?= $(if $(CI),-Werror)
RH_VERSION	:= $(shell cat VERSION)
WARN		 = -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wstrict-prototypes \
		   -Wmissing-prototypes -Wno-unused-parameter
RH_CFLAGS	 = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
		   -fPIC -Icommon -I$(B) $(CPPFLAGS) \
		   -DRH_VERSION='"$(RH_VERSION)"' \
		   -DRH_SYSCONFDIR='"$(SYSCONFDIR)/relayhint"' \
		   -DRH_DATADIR='"$(DATADIR)/relayhint"' \
		   -DRH_LIBEXECDIR='"$(LIBEXECDIR)/relayhint"'
LDLIBS		?=
# libcurl and OpenSSL: only relayhint-net (probe, alert-drain, token,
# which relayhint runs for them) and test_alert; the relayhint command,
# librelayhint.a, the milter and the Exim object stay free of them
NET_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libcurl openssl 2>/dev/null)
NET_LIBS	:= $(shell $(PKG_CONFIG) --libs libcurl openssl 2>/dev/null)

B		 = build
V		?= 0
ifeq ($(V),0)
Q		 = @
SAY		 = @echo
else
Q		 =
SAY		 = @true
endif
COMMON_SRC	 = $(sort $(wildcard common/*.c))
COMMON_OBJ	 = $(COMMON_SRC:common/%.c=$(B)/common/%.o) $(B)/common/builtin.o
CATALOGS	 = $(sort $(wildcard conf/hints/*.catalog))
LIB		 = $(B)/librelayhint.a
# doctor/ (the configuration audit) is a CLI feature: its own archive,
# linked by the relayhint command and its tests, never by the adapters
DOCTOR_SRC	 = $(sort $(wildcard doctor/*.c))
DOCTOR_OBJ	 = $(DOCTOR_SRC:doctor/%.c=$(B)/doctor/%.o)
DOCTOR_LIB	 = $(B)/libdoctor.a

CMOCKA_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS	:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
UNIT_SRC	 = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN	 = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

# relayhint-net: the commands that talk to servers (cli/net_main.c)
NET_SRC		 = cli/net_main.c cli/net.c cli/probe.c cli/alert_drain.c \
		   cli/alert_sign.c cli/token.c
NET_SHARED	 = cli/climain.c cli/conf.c cli/help.c cli/out.c cli/metrics.c \
		   cli/alert.c cli/token_write.c
CLI_SRC		 = $(filter-out $(NET_SRC),$(wildcard cli/*.c))

PROGS		 = $(B)/relayhint $(B)/relayhint-net

all: $(LIB) $(PROGS) adapters

$(B)/common $(B)/doctor $(B)/tests $(B)/cli $(B)/tools:
	@mkdir -p $@

# tools/embed checks the rules and catalogs with the library's own
# loaders (a bad file fails the build) and writes them out as C data; it
# links the loaders from an archive without the data it generates
$(B)/tools/libload.a: $(filter-out $(B)/common/builtin.o,$(COMMON_OBJ)) | $(B)/tools
	$(SAY) "  AR      $@"
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/tools/embed: tools/embed.c $(B)/tools/libload.a | $(B)/tools
	$(SAY) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/tools/libload.a

$(B)/common/builtin.c: $(B)/tools/embed conf/relayhint.rules $(CATALOGS) | $(B)/common
	$(SAY) "  EMBED   $@"
	$(Q)$(B)/tools/embed $@.tmp conf/relayhint.rules $(CATALOGS)
	$(Q)mv -f $@.tmp $@

$(B)/common/builtin.o: $(B)/common/builtin.c
	$(SAY) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) -c -o $@ $<

$(B)/common/%.o: common/%.c $(wildcard common/*.h) | $(B)/common
	$(SAY) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) -c -o $@ $<

$(B)/doctor/%.o: doctor/%.c $(wildcard doctor/*.h) $(wildcard common/*.h) | $(B)/doctor
	$(SAY) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) -Idoctor -c -o $@ $<

# the version is compiled in: a new VERSION rebuilds everything
$(COMMON_OBJ) $(DOCTOR_OBJ): VERSION

$(LIB): $(COMMON_OBJ)
	$(SAY) "  AR      $@"
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(DOCTOR_LIB): $(DOCTOR_OBJ)
	$(SAY) "  AR      $@"
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/relayhint: $(CLI_SRC) $(wildcard cli/*.h) $(DOCTOR_LIB) $(LIB) | $(B)/cli
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) -Icli -Idoctor $(LDFLAGS) -o $@ $(filter %.c,$^) $(DOCTOR_LIB) $(LIB) $(LDLIBS)

$(B)/relayhint-net: $(NET_SRC) $(NET_SHARED) $(wildcard cli/*.h) $(LIB) | $(B)/cli
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(NET_CFLAGS) -Icli $(LDFLAGS) -o $@ $(filter %.c,$^) $(LIB) $(LDLIBS) $(NET_LIBS)

# test_alert also compiles cli/alert.c and alert_sign.c (OpenSSL, kept out of the library)
$(B)/tests/test_alert: tests/unit/test_alert.c cli/alert.c cli/alert_sign.c cli/alert.h tests/unit/testutil.h tests/unit/kbfixture.h $(LIB) | $(B)/tests
	$(SAY) "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(NET_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -Icli \
	    -DRH_SRCDIR='"$(CURDIR)"' $(LDFLAGS) -o $@ tests/unit/test_alert.c cli/alert.c cli/alert_sign.c $(LIB) $(CMOCKA_LIBS) $(NET_LIBS)

# test_doctor also links the doctor (doctor/, outside the library)
$(B)/tests/test_doctor: tests/unit/test_doctor.c tests/unit/testutil.h $(DOCTOR_LIB) $(LIB) | $(B)/tests
	$(SAY) "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -Idoctor \
	    -DRH_SRCDIR='"$(CURDIR)"' $(LDFLAGS) -o $@ $< $(DOCTOR_LIB) $(LIB) $(CMOCKA_LIBS)

# test_scanpar also compiles cli/scanpar.c (the scan's threads)
$(B)/tests/test_scanpar: tests/unit/test_scanpar.c cli/scanpar.c cli/scanpar.h tests/unit/testutil.h $(LIB) | $(B)/tests
	$(SAY) "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -Icli \
	    -DRH_SRCDIR='"$(CURDIR)"' $(LDFLAGS) -o $@ tests/unit/test_scanpar.c cli/scanpar.c $(LIB) $(CMOCKA_LIBS) $(LDLIBS)

# Unit tests: one cmocka program per tests/unit/test_*.c
$(B)/tests/%: tests/unit/%.c tests/unit/testutil.h tests/unit/kbfixture.h $(LIB) | $(B)/tests
	$(SAY) "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit \
	    -DRH_SRCDIR='"$(CURDIR)"' -DRH_BUILDDIR='"$(CURDIR)/$(B)"' \
	    $(LDFLAGS) -o $@ $< $(LIB) $(CMOCKA_LIBS)

tests: $(UNIT_BIN)

# Adapters add themselves to "adapters" from their own fragments.
adapters:
-include milter/Makefile.inc
-include exim-dlfunc/Makefile.inc
-include fuzz/Makefile.inc
-include bench/Makefile.inc

check:
	@sh tools/deps.sh test
	@$(MAKE) --no-print-directory WERROR=-Werror all tests
	@sh tests/run.sh

# our own builds treat warnings as errors (see WERROR above)
check-unit: WERROR = -Werror
check-unit: all tests
	@sh tests/run.sh --unit-only

demo:
	@sh tools/deps.sh build
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

check-sanitize:
	@sh tools/deps.sh test
	@sh tests/sanitize.sh

check-load:
	@sh tools/deps.sh test
	@$(MAKE) --no-print-directory all
	@sh tests/integration/load/run.sh

# Installing: every file goes to a temporary name next to its place and is
# then renamed over the old one, so a running milter, Exim or relayhint
# never reads half a file.  Units, man pages and the Exim snippets get the
# paths and version of this build (@BINDIR@, @SBINDIR@, @SYSCONFDIR@, mdoc
# .Os).  Configuration files are installed only when missing and are left
# by uninstall.
RH_SED		 = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
		   -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
		   -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
		   -e 's|/usr/local/lib/exim4/|$(EXIM_LIBDIR)/|g' \
		   -e 's|/usr/local/share/relayhint|$(DATADIR)/relayhint|g' \
		   -e '/^\.Os$$/s/$$/ relayhint $(RH_VERSION)/'
# rh_install MODE,FILE,DEST / rh_subst MODE,FILE,DEST (through RH_SED) /
# rh_conf MODE,FILE,DEST (only when DEST is missing)
rh_install	 = install -m $(1) $(2) $(DESTDIR)$(3).rh-new && \
		   mv -f $(DESTDIR)$(3).rh-new $(DESTDIR)$(3)
rh_subst	 = $(RH_SED) $(2) > $(DESTDIR)$(3).rh-new && \
		   chmod $(1) $(DESTDIR)$(3).rh-new && \
		   mv -f $(DESTDIR)$(3).rh-new $(DESTDIR)$(3)
rh_conf		 = [ -e $(DESTDIR)$(3) ] || { $(call rh_install,$(1),$(2),$(3)); }
RH_UNITS	 = relayhint-probe.service relayhint-probe.timer \
		   relayhint-alert-drain.service relayhint-alert-drain.timer \
		   relayhint-token-refresh.service relayhint-token-refresh.timer
BASHCOMPDIR	?= $(DATADIR)/bash-completion/completions

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/relayhint \
	    $(DESTDIR)$(SYSCONFDIR)/relayhint \
	    $(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(DATADIR)/relayhint/hints \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(BASHCOMPDIR)
	$(call rh_install,755,$(B)/relayhint,$(BINDIR)/relayhint)
	$(call rh_install,755,$(B)/relayhint-net,$(LIBEXECDIR)/relayhint/relayhint-net)
	$(call rh_install,644,conf/relayhint.rules,$(DATADIR)/relayhint/relayhint.rules)
	for f in $(CATALOGS); do \
	    $(call rh_install,644,$$f,$(DATADIR)/relayhint/hints/$${f##*/}) || exit 1; \
	done
	$(call rh_subst,644,man/relayhint.1,$(MANDIR)/man1/relayhint.1)
	$(call rh_subst,644,man/relayhint.conf.5,$(MANDIR)/man5/relayhint.conf.5)
	for u in $(RH_UNITS); do \
	    $(call rh_subst,644,conf/$$u,$(SYSTEMDUNITDIR)/$$u) || exit 1; \
	done
	$(call rh_conf,644,conf/default/relayhint-probe,$(SYSCONFDIR)/default/relayhint-probe)
	$(call rh_install,644,conf/bash-completion,$(BASHCOMPDIR)/relayhint)
	$(MAKE) --no-print-directory install-adapters

install-adapters:

# uninstall - remove what install put there, except the configuration
uninstall: uninstall-adapters
	rm -f $(DESTDIR)$(BINDIR)/relayhint \
	    $(DESTDIR)$(LIBEXECDIR)/relayhint/relayhint-net \
	    $(DESTDIR)$(DATADIR)/relayhint/relayhint.rules \
	    $(CATALOGS:conf/hints/%=$(DESTDIR)$(DATADIR)/relayhint/hints/%) \
	    $(DESTDIR)$(MANDIR)/man1/relayhint.1 \
	    $(DESTDIR)$(MANDIR)/man5/relayhint.conf.5 \
	    $(RH_UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%) \
	    $(DESTDIR)$(BASHCOMPDIR)/relayhint
	-rmdir $(DESTDIR)$(DATADIR)/relayhint/hints $(DESTDIR)$(DATADIR)/relayhint \
	    $(DESTDIR)$(LIBEXECDIR)/relayhint \
	    $(DESTDIR)$(SYSCONFDIR)/relayhint 2>/dev/null

uninstall-adapters:

# deb - the packages of debian/, built from a copy of the tree in
# $(B)/deb/ so that dpkg-buildpackage's output (it writes to ..) and its
# staging directories stay out of the source tree
deb:
	rm -rf $(B)/deb
	mkdir -p $(B)/deb/relayhint-$(RH_VERSION)
	tar -cf - --exclude=./$(B) --exclude=./build* --exclude=./.git --exclude=__pycache__ . | \
	    tar -xf - -C $(B)/deb/relayhint-$(RH_VERSION)
	cd $(B)/deb/relayhint-$(RH_VERSION) && dpkg-buildpackage -us -uc -b
	ls -l $(B)/deb/*.deb

clean:
	rm -rf $(B)

.PHONY: all tests adapters check check-unit demo check-sanitize check-load install \
	install-adapters uninstall uninstall-adapters deb clean
