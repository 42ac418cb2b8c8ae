# relayhint - top-level GNU Makefile
#
#   make                 build the library, the CLI and (when their headers
#                        are installed) the milter and the Exim object
#   make check           install test dependencies when root, build, run
#                        every test, end with "N passed, N failed, N skipped"
#   make demo            classify and rewrite the bundled sample bounces
#   make install DESTDIR=... PREFIX=...
#   make check-sanitize  the unit tests under ASan+UBSan and valgrind
#   make check-load      only the load and fault test (10,000 bounces through
#                        a private Postfix; RH_LOAD_N=... to change)

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
SYSCONFDIR	?= /etc
DATADIR		?= $(PREFIX)/share
MANDIR		?= $(DATADIR)/man
DESTDIR		?=

CC		?= cc
PKG_CONFIG	?= pkg-config
CFLAGS		?= -O2 -g
WARN		 = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
		   -Wmissing-prototypes -Wno-unused-parameter
RH_CFLAGS	 = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
		   -fPIC -Icommon -I$(B) \
		   -DRH_SYSCONFDIR='"$(SYSCONFDIR)/relayhint"' \
		   -DRH_DATADIR='"$(DATADIR)/relayhint"'
LDLIBS		?=
# libcurl and OpenSSL: only the relayhint command (probe, alert-drain) and
# test_alert; librelayhint.a, the milter and the Exim object stay free of them
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

CMOCKA_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS	:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
UNIT_SRC	 = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN	 = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

PROGS		 = $(B)/relayhint

all: $(LIB) $(PROGS) adapters

$(B)/common $(B)/tests $(B)/cli $(B)/tools:
	@mkdir -p $@

$(B)/tools/embed: tools/embed.c | $(B)/tools
	$(SAY) "  CC      $@"
	$(Q)$(CC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ $<

$(B)/common/builtin.c: $(B)/tools/embed conf/relayhint.rules $(CATALOGS) | $(B)/common
	$(SAY) "  EMBED   $@"
	$(Q)$(B)/tools/embed $@ conf/relayhint.rules $(CATALOGS)

$(B)/common/builtin.o: $(B)/common/builtin.c
	$(SAY) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) -c -o $@ $<

$(B)/common/%.o: common/%.c $(wildcard common/*.h) | $(B)/common
	$(SAY) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) -c -o $@ $<

$(LIB): $(COMMON_OBJ)
	$(SAY) "  AR      $@"
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/relayhint: $(wildcard cli/*.c) $(wildcard cli/*.h) $(LIB) | $(B)/cli
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(NET_CFLAGS) -Icli -o $@ $(filter %.c,$^) $(LIB) $(LDLIBS) $(NET_LIBS)

# test_alert also compiles cli/alert.c (OpenSSL, kept out of the library)
$(B)/tests/test_alert: tests/unit/test_alert.c cli/alert.c cli/alert.h tests/unit/testutil.h $(LIB) | $(B)/tests
	$(SAY) "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(NET_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -Icli \
	    -DRH_SRCDIR='"$(CURDIR)"' -o $@ tests/unit/test_alert.c cli/alert.c $(LIB) $(CMOCKA_LIBS) $(NET_LIBS)

# Unit tests: one cmocka program per tests/unit/test_*.c
$(B)/tests/%: tests/unit/%.c tests/unit/testutil.h tests/unit/kbfixture.h $(LIB) | $(B)/tests
	$(SAY) "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(RH_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit \
	    -DRH_SRCDIR='"$(CURDIR)"' -o $@ $< $(LIB) $(CMOCKA_LIBS)

tests: $(UNIT_BIN)

# Adapters add themselves to "adapters" from their own fragments.
adapters:
-include milter/Makefile.inc
-include exim-dlfunc/Makefile.inc
-include fuzz/Makefile.inc
-include bench/Makefile.inc

check:
	@sh tools/deps.sh test
	@$(MAKE) --no-print-directory all tests
	@sh tests/run.sh

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

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/relayhint \
	    $(DESTDIR)$(DATADIR)/relayhint/hints $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(B)/relayhint $(DESTDIR)$(BINDIR)/relayhint
	install -m 644 conf/relayhint.rules $(DESTDIR)$(DATADIR)/relayhint/relayhint.rules
	install -m 644 $(CATALOGS) $(DESTDIR)$(DATADIR)/relayhint/hints/
	for m in man/*.1; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done; true
	for m in man/*.5; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/; done; true
	for m in man/*.8; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man8/; done; true
	$(MAKE) --no-print-directory install-adapters

install-adapters:

clean:
	rm -rf $(B)

.PHONY: all tests adapters check check-unit demo check-sanitize check-load install \
	install-adapters clean
