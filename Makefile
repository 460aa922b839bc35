# SPDX-License-Identifier: LGPL-2.1-or-later
#
# postured — build, test and install. `make check` and `make demo` install
# missing Debian packages first (tools/install-deps), then build.

PREFIX      ?= /usr/local
exec_prefix ?= $(PREFIX)
bindir      ?= $(exec_prefix)/bin
sbindir     ?= $(exec_prefix)/sbin
libdir      ?= $(exec_prefix)/lib
libexecdir  ?= $(exec_prefix)/libexec
datadir     ?= $(PREFIX)/share
mandir      ?= $(datadir)/man
sysconfdir  ?= $(PREFIX)/etc
plugindir   ?= $(libdir)/postured/plugins
pkgdatadir  ?= $(datadir)/postured
unitdir     ?= $(libdir)/systemd/system
dbussystemdir ?= $(datadir)/dbus-1/system.d
dbussystemservicedir ?= $(datadir)/dbus-1/system-services
dbusinterfacedir ?= $(datadir)/dbus-1/interfaces
DESTDIR     ?=

CC          ?= cc
PKG_CONFIG  ?= pkg-config
SANITIZE    ?= 0

ifeq ($(SANITIZE),1)
BUILD       ?= build/sanitize
OPTFLAGS    := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD       ?= build
OPTFLAGS    := -O2 -D_FORTIFY_SOURCE=3
endif

WARNFLAGS   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
               -Wno-missing-field-initializers
BASEFLAGS   := -std=c11 -g $(OPTFLAGS) $(WARNFLAGS) -fstack-protector-strong -fPIC \
               -D_GNU_SOURCE -Idaemon \
               -DPOSTURED_SYSCONFDIR='"$(sysconfdir)"' \
               -DPOSTURED_PLUGINDIR='"$(plugindir)"' \
               -DPOSTURED_PKGDATADIR='"$(pkgdatadir)"'

SYSTEMD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsystemd 2>/dev/null)
SYSTEMD_LIBS   := $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null)
INIH_CFLAGS    := $(shell $(PKG_CONFIG) --cflags inih 2>/dev/null)
INIH_LIBS      := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
CMOCKA_CFLAGS  := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS    := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ALL_CFLAGS  := $(BASEFLAGS) $(SYSTEMD_CFLAGS) $(INIH_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(OPTFLAGS) -Wl,-z,relro,-z,now $(LDFLAGS)
LIBM        := -lm

# The daemon proper: everything that talks to sd-event, sd-bus, dlopen.
DAEMON_SRCS := daemon/main.c daemon/manager.c daemon/bus.c daemon/plugin.c daemon/log.c
# The pure core: every other file in daemon/ (no I/O beyond reading a config).
CORE_SRCS   := $(filter-out $(DAEMON_SRCS),$(wildcard daemon/*.c))
CLIENT_SRCS := $(wildcard client/*.c)
PLUGINS     := replay
TEST_SRCS   := $(wildcard tests/test-*.c)
TESTS       := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

CORE_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRCS))
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS))
CLIENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLIENT_SRCS))
CORE_LIB    := $(BUILD)/libpostured-core.a

all: $(BUILD)/postured $(BUILD)/posturectl $(patsubst %,$(BUILD)/plugins/%.so,$(PLUGINS)) $(TESTS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/postured: $(DAEMON_OBJS) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -rdynamic -o $@ $^ $(SYSTEMD_LIBS) $(INIH_LIBS) $(LIBM) -ldl -lpthread

$(BUILD)/posturectl: $(CLIENT_OBJS) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) $(INIH_LIBS) $(LIBM)

$(BUILD)/plugins/%.so: $(BUILD)/plugins/%.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -shared -fvisibility=hidden -o $@ $^ $(LIBM) -lpthread

$(BUILD)/plugins/%.o: plugins/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/test-%: $(BUILD)/tests/test-%.o $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(INIH_LIBS) $(SYSTEMD_LIBS) $(LIBM) -lpthread

deps:
	@tools/install-deps

# Build after deps so pkg-config answers: a fresh machine gets the packages first.
check: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run-tests

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tools/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/bench/run

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -D__GNUC__ --include=tools/cppcheck-defs.h -Idaemon daemon plugins client

install: all
	install -Dm755 $(BUILD)/postured $(DESTDIR)$(sbindir)/postured
	install -Dm755 $(BUILD)/posturectl $(DESTDIR)$(bindir)/posturectl
	install -d $(DESTDIR)$(plugindir)
	install -m755 $(patsubst %,$(BUILD)/plugins/%.so,$(PLUGINS)) $(DESTDIR)$(plugindir)/
	install -Dm644 conf/postured.conf $(DESTDIR)$(sysconfdir)/postured/postured.conf
	install -d $(DESTDIR)$(sysconfdir)/postured/postured.conf.d
	install -Dm644 dbus/org.postured.Posture1.xml $(DESTDIR)$(dbusinterfacedir)/org.postured.Posture1.xml
	install -Dm644 dbus/org.postured.Posture1.conf $(DESTDIR)$(dbussystemdir)/org.postured.Posture1.conf
	install -Dm644 dbus/org.postured.Posture1.service $(DESTDIR)$(dbussystemservicedir)/org.postured.Posture1.service
	sed -e 's|@sbindir@|$(sbindir)|g' systemd/postured.service.in > $(BUILD)/postured.service
	install -Dm644 $(BUILD)/postured.service $(DESTDIR)$(unitdir)/postured.service
	install -Dm644 man/postured.8 $(DESTDIR)$(mandir)/man8/postured.8
	install -Dm644 man/posturectl.1 $(DESTDIR)$(mandir)/man1/posturectl.1
	install -Dm644 man/postured.conf.5 $(DESTDIR)$(mandir)/man5/postured.conf.5

clean:
	rm -rf build

.PHONY: all deps check demo bench format lint install clean

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
