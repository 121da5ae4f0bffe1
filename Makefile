# tokenguard build. `make` builds every program, `make test` builds and
# runs every test, `make SAN=1 test` does so under ASan and UBSan,
# `make bench` measures speed, `make lint` runs the checks,
# `make install PREFIX=/usr/local DESTDIR=` installs, `make deb` makes a
# Debian package.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC ?= cc

CFLAGS ?= -O2 -g
LDFLAGS ?=

PKGS := libgit2 libpcre2-8 libcurl libcrypto zlib jansson libarchive
# libarchive is linked into what uses common/image.c only (the scan CLI
# and its tests): the hooks and the watcher start without loading it.
IMAGE_PKGS := libarchive
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libzxcvbn (the guess estimate of common/guess.c) ships no pkg-config
# file; Debian's static archive is not position-independent.
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out $(IMAGE_PKGS),\
    $(PKGS)) 2>/dev/null) -lzxcvbn -lm
IMAGE_LIBS := $(shell $(PKG_CONFIG) --libs $(IMAGE_PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

WARN := -std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow \
    -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
    -Wno-overlength-strings
override CFLAGS += $(WARN) -D_GNU_SOURCE -pthread -Icommon $(DEP_CFLAGS)
override LDFLAGS += -pthread

ifeq ($(SAN),1)
BUILD ?= build/san
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
    -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
else
BUILD ?= build/release
endif

# common/notls.c is linked by name into the CLI and the hooks (it
# replaces a libgit2 start-up cost they never need), never through the
# archive.
COMMON_SRC := $(filter-out common/notls.c,$(sort $(wildcard common/*.c)))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
NOTLS_OBJ := $(BUILD)/common/notls.o
LIB := $(BUILD)/libtokenguard.a

CLI_SRC := $(sort $(wildcard cli/*.c))
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)

HOOK_SRC := $(sort $(wildcard hooks/*.c))
HOOKS := $(HOOK_SRC:hooks/%.c=$(BUILD)/tokenguard-%)

WATCH_SRC := $(sort $(wildcard watcher/*.c))

PROGRAMS := $(BUILD)/tokenguard $(HOOKS) $(BUILD)/tokenguard-watch
TEST_HELPERS := $(BUILD)/tests/tokgen

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_SUPPORT := $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))

.PHONY: all test unit integration bench lint format install uninstall \
    clean programs valgrind
all: programs
programs: $(PROGRAMS)

$(BUILD)/%.o: %.c $(wildcard common/*.h cli/*.h watcher/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD):
	@mkdir -p $@

$(LIB): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tokenguard: $(CLI_OBJ) $(NOTLS_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(NOTLS_OBJ) $(LIB) $(DEP_LIBS) \
	    $(IMAGE_LIBS)

# Each hooks/NAME.c is the program tokenguard-NAME, linked statically
# against the library so that it works when copied into .git/hooks.
$(BUILD)/tokenguard-%: $(BUILD)/hooks/%.o $(NOTLS_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(NOTLS_OBJ) $(LIB) $(DEP_LIBS)

# The watcher daemon: every watcher/*.c, one program.
$(BUILD)/tokenguard-watch: $(WATCH_SRC) $(wildcard watcher/*.h common/*.h) \
    $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(WATCH_SRC) $(LIB) $(DEP_LIBS)

$(BUILD)/tests/tokgen: tests/tokgen.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

# The watcher's delivery modules have unit tests of their own, which
# link the module's object besides the library.
$(BUILD)/tests/test_queue: $(BUILD)/watcher/queue.o $(BUILD)/watcher/hash.o
$(BUILD)/tests/test_webhook: $(BUILD)/watcher/webhook.o

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_SUPPORT) \
    $(wildcard tests/unit/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -Iwatcher $(LDFLAGS) \
	    -o $@ $< $(UNIT_SUPPORT) $(filter $(BUILD)/watcher/%.o,$^) \
	    $(LIB) $(CMOCKA_LIBS) $(DEP_LIBS) $(IMAGE_LIBS)

# Every unit test binary, then every integration scenario; one summary.
test: programs $(TEST_HELPERS) $(UNIT_BIN)
	@BUILD=$(BUILD) sh tests/run.sh $(UNIT_BIN)

# The unit tests and the integration scenarios below under valgrind
# memcheck (tests/run.sh VALGRIND=1); VALGRIND_TESTS= runs every scenario.
VALGRIND_TESTS ?= t-allowlist t-binary t-checksum t-exit-codes t-fifo \
    t-filenames t-format-json t-format-sarif t-format-text t-gitdir \
    t-help-version t-longline t-order t-rules t-stdin t-symlinks \
    t-unreadable t-user-rule t-scan-git t-prereceive-basic \
    t-prereceive-policy t-watch-basic
valgrind: programs $(TEST_HELPERS) $(UNIT_BIN)
	@BUILD=$(BUILD) VALGRIND=1 TESTS="$(VALGRIND_TESTS)" \
	    sh tests/run.sh $(UNIT_BIN)

unit: $(UNIT_BIN)
	@BUILD=$(BUILD) sh tests/run.sh --unit-only $(UNIT_BIN)

integration: programs $(TEST_HELPERS)
	@BUILD=$(BUILD) sh tests/run.sh --integration-only

$(BUILD)/tests/gencorpus: tests/bench/gencorpus.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

bench: programs $(TEST_HELPERS) $(BUILD)/tests/gencorpus
	@BUILD=$(BUILD) sh tests/bench/run.sh

# make precision: the scan on tests/precision/ (labelled snippets of
# real public code: leaks found, clean snippets flagged, every miss and
# flag listed); TREES="DIR..." also measures checkouts of real
# repositories (tests/precision/README.md).
.PHONY: precision
precision: programs
	python3 tests/precision/score.py tests/precision $(BUILD)/tokenguard
	@if [ -n "$(TREES)" ]; then \
	    python3 tests/precision/trees.py $(BUILD)/tokenguard $(TREES); fi

LINT_SRC := $(COMMON_SRC) common/notls.c $(CLI_SRC) $(HOOK_SRC) $(WATCH_SRC)
lint:
	sh tests/lint.sh $(LINT_SRC)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --std=c11 -D_GNU_SOURCE -Icommon $(LINT_SRC)
	clang-tidy --quiet $(LINT_SRC) -- $(filter-out -Werror,$(CFLAGS))

format:
	clang-format --dry-run $(LINT_SRC) $(wildcard common/*.h)

# The man pages, uncompressed: man/NAME.N goes to $(MANDIR)/manN/.
MAN1 := $(sort $(wildcard man/*.1))
MAN5 := $(sort $(wildcard man/*.5))
MAN8 := $(sort $(wildcard man/*.8))

install: programs
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/

uninstall:
	rm -f $(PROGRAMS:$(BUILD)/%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) \
	    $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
	    $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)

# make deb: a Debian package of what `make install PREFIX=/usr` installs,
# plus the watcher's unit and configuration (packaging/deb/mkdeb.sh), in
# $(DEBDIR).
DEBDIR ?= $(BUILD)/deb
.PHONY: deb
deb: programs
	test -n "$(DEBDIR)"
	rm -rf $(DEBDIR)/debian
	$(MAKE) --no-print-directory install PREFIX=/usr \
	    DESTDIR=$(DEBDIR)/debian/tokenguard
	sh packaging/deb/mkdeb.sh $(DEBDIR)

# make fuzz: each tests/fuzz/fuzz_*.c is a libFuzzer harness, built with
# clang, ASan and UBSan against the library's sources and the watcher's
# config parsers, queue and webhook compiled the same way (needs clang
# and libclang-rt-dev), then run for FUZZ_SECONDS each from a copy of
# tests/fuzz/corpus/NAME/.
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 300
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(filter-out -Werror,$(WARN)) \
    -D_GNU_SOURCE -pthread -Icommon -Iwatcher -Itests/fuzz $(DEP_CFLAGS) \
    -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SUPPORT := $(filter-out $(FUZZ_SRC),$(sort $(wildcard tests/fuzz/*.c)))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(COMMON_SRC) watcher/conf.c \
    watcher/log.c watcher/queue.c watcher/webhook.c watcher/hash.c)
.PHONY: fuzz fuzz-build
$(FUZZ_OBJ): $(FUZZ_BUILD)/%.o: %.c $(wildcard common/*.h watcher/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZ_BUILD)/libfuzz.a: $(FUZZ_OBJ)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_BIN): $(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_SUPPORT) \
    $(wildcard tests/fuzz/*.h) $(FUZZ_BUILD)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_SUPPORT) \
	    $(FUZZ_BUILD)/libfuzz.a $(DEP_LIBS) $(IMAGE_LIBS)
fuzz-build: $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    sh tests/fuzz/run.sh $(FUZZ_BIN)

clean:
	rm -rf build
