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
docdir      ?= $(datadir)/doc/postured
sysusersdir ?= $(libdir)/sysusers.d
dbussystemdir ?= $(datadir)/dbus-1/system.d
dbussystemservicedir ?= $(datadir)/dbus-1/system-services
dbusinterfacedir ?= $(datadir)/dbus-1/interfaces
polkitactiondir ?= $(datadir)/polkit-1/actions
userunitdir ?= $(libdir)/systemd/user
autostartdir ?= $(sysconfdir)/xdg/autostart
bashcompletiondir ?= $(datadir)/bash-completion/completions
zshcompletiondir ?= $(datadir)/zsh/vendor-completions
fishcompletiondir ?= $(datadir)/fish/vendor_completions.d
DESTDIR     ?=

CC          ?= cc
PKG_CONFIG  ?= pkg-config

SANITIZE    ?= 0

# Installed into /usr, the files systemd and udev read go where this
# system's systemd and udev look (systemd.pc, udev.pc: /lib/systemd/system
# and /lib/udev/rules.d on Debian 12); under any other prefix, below libdir.
ifeq ($(PREFIX),/usr)
PC_UNITDIR    := $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null)
PC_CATALOGDIR := $(shell $(PKG_CONFIG) --variable=catalogdir systemd 2>/dev/null)
PC_UDEVDIR    := $(shell $(PKG_CONFIG) --variable=udevdir udev 2>/dev/null)
endif
unitdir      ?= $(or $(PC_UNITDIR),$(libdir)/systemd/system)
catalogdir   ?= $(or $(PC_CATALOGDIR),$(libdir)/systemd/catalog)
udevrulesdir ?= $(if $(PC_UDEVDIR),$(PC_UDEVDIR)/rules.d,$(libdir)/udev/rules.d)

ifeq ($(SANITIZE),1)
BUILD       ?= build/sanitize
OPTFLAGS    := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD       ?= build
OPTFLAGS    := -O2 -D_FORTIFY_SOURCE=3
endif

WARNFLAGS   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
               -Wno-missing-field-initializers -Wno-unused-parameter
# -ffp-contract=off: no fused multiply-add unless written. The fast paths of
# analyze (angle-view.h, estimator-walk-sure.c, the AVX2 and scalar lanes)
# prove their results the same as the exact ones operation by operation;
# GCC's -std=c11 already implies it, clang's default does not.
BASEFLAGS   := -std=c11 -g $(OPTFLAGS) $(WARNFLAGS) -ffp-contract=off -fstack-protector-strong \
               -fPIC -D_GNU_SOURCE -Idaemon -I$(BUILD)

SYSTEMD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsystemd 2>/dev/null)
SYSTEMD_LIBS   := $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null)
INIH_CFLAGS    := $(shell $(PKG_CONFIG) --cflags inih 2>/dev/null)
INIH_LIBS      := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
CMOCKA_CFLAGS  := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS    := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
IIO_CFLAGS     := $(shell $(PKG_CONFIG) --cflags libiio 2>/dev/null)
IIO_LIBS       := $(shell $(PKG_CONFIG) --libs libiio 2>/dev/null)
EVDEV_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libevdev 2>/dev/null)
EVDEV_LIBS     := $(shell $(PKG_CONFIG) --libs libevdev 2>/dev/null)
SQLITE_CFLAGS  := $(shell $(PKG_CONFIG) --cflags sqlite3 2>/dev/null)
SQLITE_LIBS    := $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null)
CAIRO_CFLAGS   := $(shell $(PKG_CONFIG) --cflags cairo fontconfig 2>/dev/null)

ALL_CFLAGS  := $(BASEFLAGS) $(SYSTEMD_CFLAGS) $(INIH_CFLAGS) $(SQLITE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(OPTFLAGS) -Wl,-z,relro,-z,now $(LDFLAGS)
LIBM        := -lm

# The layers (make lint checks the direction abi <- util <- core <- the rest):
# daemon/abi/ and daemon/util/ are headers and small helpers, daemon/core/ the
# pure library in libpostured-core.a, daemon/*.c the runtime.
DAEMON_SRCS := $(wildcard daemon/*.c)
CORE_SRCS   := $(wildcard daemon/util/*.c daemon/core/*.c daemon/core/*/*.c)
CLIENT_SRCS := $(wildcard client/*.c)
# A plugin whose library is missing is not built; postured reports it
# clearly when a configuration asks for it.
PLUGINS     := replay
ifneq ($(and $(IIO_LIBS),$(wildcard plugins/iio/iio.c)),)
PLUGINS     += iio
endif
ifneq ($(and $(EVDEV_LIBS),$(wildcard plugins/evdev/evdev.c)),)
PLUGINS     += evdev
endif
TEST_SRCS   := $(wildcard tests/unit/test-*.c)
TESTS       := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

CORE_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRCS))
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS))
CLIENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLIENT_SRCS))
NOTIFY_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard client/notify/*.c))
CORE_LIB    := $(BUILD)/libpostured-core.a

VERSION     := 0.1

all: $(BUILD)/postured $(BUILD)/posturectl $(BUILD)/postured-notify $(patsubst %,$(BUILD)/plugins/%.so,$(PLUGINS)) $(TESTS)

# Installation paths compiled in; rewritten only when they change, so that
# `make install PREFIX=/usr` rebuilds what depends on them and nothing else.
$(BUILD)/paths.h: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' '/* Generated by the Makefile. */' '#pragma once' \
		'#define POSTURED_VERSION "$(VERSION)"' \
		'#define POSTURED_SYSCONFDIR "$(sysconfdir)"' \
		'#define POSTURED_PLUGINDIR "$(plugindir)"' \
		'#define POSTURED_PKGDATADIR "$(pkgdatadir)"' \
		'/* Binaries in POSTURED_BUILD_DIR run uninstalled (util/build-tree.h). */' \
		'#define POSTURED_BUILD_DIR "$(abspath $(BUILD))"' \
		'#define POSTURED_SOURCE_DIR "$(CURDIR)"' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(BUILD)/%.o: %.c | $(BUILD)/paths.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# posturectl report draws with cairo (its headers; the library is loaded at run time).
$(BUILD)/client/%.o: client/%.c | $(BUILD)/paths.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CAIRO_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/postured: $(DAEMON_OBJS) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) $(INIH_LIBS) $(LIBM) -ldl -lpthread

# Neither cairo and fontconfig nor libsystemd are linked: report loads the
# first two (client/report-cairo.h), the commands that talk to postured the
# third (client/libsystemd-dl.h).
$(BUILD)/posturectl: $(CLIENT_OBJS) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(INIH_LIBS) $(LIBM) -ldl

$(BUILD)/postured-notify: $(NOTIFY_OBJS) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) $(INIH_LIBS) $(LIBM)

# Each plugin is plugins/NAME/*.c plus what every plugin shares, plugins/common/.
plugin_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard plugins/$(1)/*.c plugins/common/*.c))
PLUGIN_LIBS_replay :=
PLUGIN_LIBS_iio    := $(IIO_LIBS)
PLUGIN_LIBS_evdev  := $(EVDEV_LIBS)

.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(call plugin_objs,$$*) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -shared -fvisibility=hidden -Wl,--exclude-libs,ALL -o $@ $^ $(PLUGIN_LIBS_$*) $(LIBM) -lpthread

$(BUILD)/plugins/%.o: plugins/%.c | $(BUILD)/paths.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iplugins $(IIO_CFLAGS) $(EVDEV_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/unit/%.c | $(BUILD)/paths.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iplugins $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

# A unit test links the core, and the plugin or runtime sources it tests (TEST_OBJS_name).
TEST_OBJS_test-iio-scan := $(BUILD)/plugins/iio/iio-scan.o $(BUILD)/plugins/common/plugin-util.o
TEST_OBJS_test-source-thread := $(BUILD)/plugins/common/source-thread.o
TEST_OBJS_test-health   := $(BUILD)/daemon/health.o $(BUILD)/daemon/health-state.o $(BUILD)/daemon/log.o
TEST_OBJS_test-recorder := $(BUILD)/daemon/recorder.o $(BUILD)/daemon/log.o
TEST_OBJS_test-history  := $(BUILD)/daemon/history.o $(BUILD)/daemon/history-maintain.o $(BUILD)/daemon/history-query.o $(BUILD)/daemon/history-schema.o $(BUILD)/daemon/history-sqlite.o $(BUILD)/daemon/log.o
TEST_OBJS_test-sensor   := $(BUILD)/daemon/sensor.o $(BUILD)/daemon/sensor-read.o $(BUILD)/daemon/plugin.o $(BUILD)/daemon/log.o
# test-sensor replays through the build's replay plugin.
$(BUILD)/tests/test-sensor: | $(BUILD)/plugins/replay.so

$(BUILD)/tests/test-%: $(BUILD)/tests/test-%.o $$(TEST_OBJS_test-$$*) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(INIH_LIBS) $(SYSTEMD_LIBS) $(SQLITE_LIBS) $(LIBM) -lpthread

deps:
	@tools/install-deps

# Build after deps so pkg-config answers: a fresh machine gets the packages first.
check: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run-tests

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tools/demo

# Real, labelled recordings (not the project's; see tools/eval): the first of
# these directories that exists, unless given.
REAL_DATA   ?= $(firstword $(wildcard ../shared/data/real /work/shared/data/real))

eval: $(BUILD)/posturectl
	@BUILD=$(BUILD) REAL_DATA=$(REAL_DATA) tools/eval

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint: $(patsubst %,$(BUILD)/plugins/%.so,$(PLUGINS))
	tools/check-plugin-symbols $^
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	tools/check-layering --self-test
	tools/check-layering
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -D__GNUC__ --include=tools/cppcheck-defs.h -Idaemon -Iplugins daemon plugins client

# Every C file of the tree compiled for arm64 (-fsyntax-only, the same
# warnings as errors): debian/control builds on linux-any, and the x86-only
# fast paths (SSE2, AVX2, __builtin_cpu_supports) must stay behind their
# #if guards. tools/install-deps installs the cross compiler.
CROSS_CC ?= aarch64-linux-gnu-gcc
check-cross: all
	@command -v $(CROSS_CC) >/dev/null || \
		{ echo "check-cross: $(CROSS_CC) not found (tools/install-deps installs gcc-aarch64-linux-gnu)" >&2; exit 1; }
	@n=0; for f in $$(git ls-files 'daemon/*.c' 'plugins/*.c' 'client/*.c' 'tests/unit/*.c' 'tests/bench/*.c'); do \
		$(CROSS_CC) -std=c11 $(WARNFLAGS) -ffp-contract=off -D_GNU_SOURCE -Idaemon -I$(BUILD) -Iplugins -Itests/unit \
			$(SYSTEMD_CFLAGS) $(INIH_CFLAGS) $(SQLITE_CFLAGS) $(CMOCKA_CFLAGS) $(IIO_CFLAGS) $(EVDEV_CFLAGS) \
			$(CAIRO_CFLAGS) -fsyntax-only "$$f" || exit 1; \
		n=$$((n + 1)); \
	done; echo "check-cross: $$n files compile for arm64 ($(CROSS_CC))"

# What `make install` installs, and what `make deb` packages: no unit tests
# (they need cmocka, which a system build has no use for).
PROGRAMS    := $(BUILD)/postured $(BUILD)/posturectl $(BUILD)/postured-notify $(patsubst %,$(BUILD)/plugins/%.so,$(PLUGINS))
programs: $(PROGRAMS)
unit-tests: $(TESTS)

# The unit tests alone, without the integration suite (its private buses,
# emulated devices and daemons do not belong in a package build).
check-unit: $(TESTS)
	@fail=0; for t in $(TESTS); do $$t || fail=1; done; exit $$fail

$(BUILD)/postured.service: systemd/postured.service.in FORCE | $(BUILD)/paths.h
	@sed -e 's|@sbindir@|$(sbindir)|g' $< >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

# The user unit and the XDG autostart file of postured-notify.
$(BUILD)/postured-notify.service $(BUILD)/postured-notify.desktop: $(BUILD)/%: systemd/%.in FORCE | $(BUILD)/paths.h
	@sed -e 's|@bindir@|$(bindir)|g' $< >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

# Files of the other parts of the issue-13 work: installed when present.
UDEV_RULES  := $(wildcard udev/*.rules)
CATALOG     := $(wildcard systemd/postured.catalog)

install: $(PROGRAMS) $(BUILD)/postured.service $(BUILD)/postured-notify.service $(BUILD)/postured-notify.desktop
	install -Dm755 $(BUILD)/postured $(DESTDIR)$(sbindir)/postured
	install -Dm755 $(BUILD)/posturectl $(DESTDIR)$(bindir)/posturectl
	install -Dm755 $(BUILD)/postured-notify $(DESTDIR)$(bindir)/postured-notify
	install -Dm644 $(BUILD)/postured-notify.service $(DESTDIR)$(userunitdir)/postured-notify.service
	install -d $(DESTDIR)$(userunitdir)/graphical-session.target.wants
	ln -sf ../postured-notify.service $(DESTDIR)$(userunitdir)/graphical-session.target.wants/postured-notify.service
	install -Dm644 $(BUILD)/postured-notify.desktop $(DESTDIR)$(autostartdir)/postured-notify.desktop
	install -Dm644 man/postured-notify.1 $(DESTDIR)$(mandir)/man1/postured-notify.1
	install -d $(DESTDIR)$(plugindir)
	install -m755 $(patsubst %,$(BUILD)/plugins/%.so,$(PLUGINS)) $(DESTDIR)$(plugindir)/
	install -Dm644 conf/postured.conf $(DESTDIR)$(sysconfdir)/postured/postured.conf
	install -Dm644 conf/advice.conf $(DESTDIR)$(pkgdatadir)/advice.conf
	install -d $(DESTDIR)$(sysconfdir)/postured/postured.conf.d
	install -Dm644 dbus/org.postured.Posture1.xml $(DESTDIR)$(dbusinterfacedir)/org.postured.Posture1.xml
	install -Dm644 dbus/org.postured.Posture1.conf $(DESTDIR)$(dbussystemdir)/org.postured.Posture1.conf
	install -Dm644 dbus/org.postured.Posture1.service $(DESTDIR)$(dbussystemservicedir)/org.postured.Posture1.service
	install -Dm644 polkit/org.postured.policy $(DESTDIR)$(polkitactiondir)/org.postured.policy
	install -Dm644 $(BUILD)/postured.service $(DESTDIR)$(unitdir)/postured.service
	install -Dm644 systemd/postured.sysusers $(DESTDIR)$(sysusersdir)/postured.conf
	install -Dm644 systemd/iio-network.conf $(DESTDIR)$(docdir)/examples/iio-network.conf
ifneq ($(UDEV_RULES),)
	install -d $(DESTDIR)$(udevrulesdir)
	install -m644 $(UDEV_RULES) $(DESTDIR)$(udevrulesdir)/
endif
ifneq ($(CATALOG),)
	install -Dm644 $(CATALOG) $(DESTDIR)$(catalogdir)/postured.catalog
endif
	install -Dm644 man/postured.8 $(DESTDIR)$(mandir)/man8/postured.8
	install -Dm644 man/posturectl.1 $(DESTDIR)$(mandir)/man1/posturectl.1
	install -Dm644 man/postured.conf.5 $(DESTDIR)$(mandir)/man5/postured.conf.5
	install -Dm644 completions/posturectl.bash $(DESTDIR)$(bashcompletiondir)/posturectl
	install -Dm644 completions/_posturectl $(DESTDIR)$(zshcompletiondir)/_posturectl
	install -Dm644 completions/posturectl.fish $(DESTDIR)$(fishcompletiondir)/posturectl.fish
	install -Dm644 contrib/waybar/config.jsonc $(DESTDIR)$(docdir)/examples/waybar/config.jsonc
	install -Dm644 contrib/waybar/style.css $(DESTDIR)$(docdir)/examples/waybar/style.css
	install -Dm644 contrib/i3blocks/postured $(DESTDIR)$(docdir)/examples/i3blocks/postured
	install -Dm644 contrib/i3/config $(DESTDIR)$(docdir)/examples/i3/config
	install -Dm755 contrib/indicator/postured-indicator.py $(DESTDIR)$(docdir)/examples/postured-indicator.py
	@echo
	@echo 'A source install is complete once these have run (as root):'
	@echo '  systemd-sysusers $(sysusersdir)/postured.conf   # the postured user and group'
	@echo '  systemctl daemon-reload                         # the unit'
	@$(if $(UDEV_RULES),echo '  udevadm control --reload && udevadm trigger --subsystem-match=iio --subsystem-match=input   # the udev rules',:)
	@$(if $(CATALOG),echo '  journalctl --update-catalog                     # the message catalog',:)
	@echo 'then: systemctl enable --now postured'

# Removes what install installs (every plugin this source tree can build),
# and the directories install created once they are empty.
uninstall:
	rm -f $(DESTDIR)$(sbindir)/postured $(DESTDIR)$(bindir)/posturectl $(DESTDIR)$(bindir)/postured-notify
	rm -f $(DESTDIR)$(userunitdir)/postured-notify.service $(DESTDIR)$(autostartdir)/postured-notify.desktop \
		$(DESTDIR)$(userunitdir)/graphical-session.target.wants/postured-notify.service \
		$(DESTDIR)$(mandir)/man1/postured-notify.1
	rm -f $(patsubst %,$(DESTDIR)$(plugindir)/%.so,replay iio evdev)
	rm -f $(DESTDIR)$(sysconfdir)/postured/postured.conf $(DESTDIR)$(pkgdatadir)/advice.conf
	rm -f $(DESTDIR)$(dbusinterfacedir)/org.postured.Posture1.xml
	rm -f $(DESTDIR)$(dbussystemdir)/org.postured.Posture1.conf
	rm -f $(DESTDIR)$(dbussystemservicedir)/org.postured.Posture1.service
	rm -f $(DESTDIR)$(polkitactiondir)/org.postured.policy
	rm -f $(DESTDIR)$(unitdir)/postured.service $(DESTDIR)$(sysusersdir)/postured.conf
	rm -f $(DESTDIR)$(docdir)/examples/iio-network.conf
	rm -f $(DESTDIR)$(bashcompletiondir)/posturectl $(DESTDIR)$(zshcompletiondir)/_posturectl \
		$(DESTDIR)$(fishcompletiondir)/posturectl.fish
	rm -f $(DESTDIR)$(docdir)/examples/waybar/config.jsonc $(DESTDIR)$(docdir)/examples/waybar/style.css \
		$(DESTDIR)$(docdir)/examples/i3blocks/postured $(DESTDIR)$(docdir)/examples/i3/config \
		$(DESTDIR)$(docdir)/examples/postured-indicator.py
	rm -f $(patsubst udev/%,$(DESTDIR)$(udevrulesdir)/%,$(UDEV_RULES))
	rm -f $(DESTDIR)$(catalogdir)/postured.catalog
	rm -f $(DESTDIR)$(mandir)/man8/postured.8 $(DESTDIR)$(mandir)/man1/posturectl.1 \
		$(DESTDIR)$(mandir)/man5/postured.conf.5
	@rmdir --ignore-fail-on-non-empty $(DESTDIR)$(plugindir) $(DESTDIR)$(libdir)/postured \
		$(DESTDIR)$(pkgdatadir) $(DESTDIR)$(sysconfdir)/postured/postured.conf.d \
		$(DESTDIR)$(sysconfdir)/postured $(DESTDIR)$(userunitdir)/graphical-session.target.wants \
		$(DESTDIR)$(userunitdir) $(DESTDIR)$(autostartdir) $(DESTDIR)$(sysconfdir)/xdg \
		$(DESTDIR)$(docdir)/examples/waybar \
		$(DESTDIR)$(docdir)/examples/i3blocks $(DESTDIR)$(docdir)/examples/i3 \
		$(DESTDIR)$(docdir)/examples $(DESTDIR)$(docdir) 2>/dev/null || :

# Debian packages (debian/), moved into build/deb/ with their .changes;
# tools/check-deb installs, checks and purges them.
deb:
	@tools/install-deps --deb
	tools/build-deb

clean:
	rm -rf build

.PHONY: FORCE all deps check check-cross demo eval format lint programs unit-tests check-unit install uninstall deb clean

.SECONDARY:

# Benchmarks and SIMD flags
# The SIMD kernels (daemon/filter-*.c) choose their instruction sets per
# function with target attributes, so no file needs flags of its own and the
# build stays baseline x86-64. `make bench` measures (tests/bench/run, which
# installs libliquid-dev for the comparison); `make check` never runs it.
BENCH_LIQUID := $(if $(wildcard /usr/include/liquid/liquid.h),1,0)

$(BUILD)/bench/bench-filter: tests/bench/bench-filter.c $(CORE_LIB) | $(BUILD)/paths.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DHAVE_LIQUID=$(BENCH_LIQUID) $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) \
		$(if $(filter 1,$(BENCH_LIQUID)),-lliquid) $(LIBM)

bench:
	@BUILD=$(BUILD) tests/bench/run

.PHONY: bench

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Fuzzing (tests/fuzz/): libFuzzer harnesses built with clang, ASan and
# UBSan in build/fuzz/ (a make of its own: other compiler, other flags).
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds from its seed corpus
# (tests/fuzz/corpus/NAME/); what it finds is in build/fuzz/artifacts/.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZERS      := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz-util.h $(CORE_LIB) \
		$(BUILD)/plugins/iio/iio-scan.o $(BUILD)/plugins/common/plugin-util.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iplugins -Itests/fuzz -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/plugins/iio/iio-scan.o $(BUILD)/plugins/common/plugin-util.o $(CORE_LIB) \
		$(INIH_LIBS) $(LIBM)

fuzzers: $(patsubst %,$(BUILD)/fuzz/fuzz-%,$(FUZZERS))

fuzz: deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		OPTFLAGS='-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)' fuzzers
	@tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZERS)

.PHONY: fuzz fuzzers
