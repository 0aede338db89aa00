# Undersigned: a plain Makefile. `make` builds ./undersigned, `make test` runs
# every test (plain build, then the same suite under ASan+UBSan), `make run`
# serves the example statement.

PKGS     := libmicrohttpd openssl jansson libcurl sqlite3
CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -I. $(WARN) -pthread
LDFLAGS  += -pthread
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# `make SANITIZE=address,undefined` builds everything sanitized, in its own folder.
SANITIZE ?=
ifneq ($(SANITIZE),)
BUILD    := build/san
CFLAGS   += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZE)
BIN      := $(BUILD)/undersigned
else
BUILD    := build/plain
BIN      := undersigned
endif

# The sources, in the order a request travels through them (bottom layer last).
SERVER_SRC := server/pages.c server/assets.c server/http.c server/conns.c server/router.c server/cli.c server/web.c server/import.c server/markdown.c server/cli_common.c server/cli_signatures.c server/proof_bundle.c server/moderate.c server/admin.c server/cli_ops.c server/feeds.c server/pagecache.c server/web_life.c server/cli_life.c server/cli_orgs.c
AP_SRC     := activitypub/documents.c activitypub/reply.c activitypub/request.c activitypub/serve.c activitypub/keyring.c activitypub/activity.c activitypub/httpc.c activitypub/fetch.c activitypub/deliver.c activitypub/verify.c activitypub/inbox.c activitypub/outbox.c activitypub/handle_follow.c activitypub/handle_react.c activitypub/handle_actor.c activitypub/publish.c activitypub/proof.c activitypub/export.c activitypub/domaincheck.c activitypub/handle_sign.c activitypub/keycache.c activitypub/handlers.c activitypub/metrics.c activitypub/handle_quote.c activitypub/intents.c activitypub/org_documents.c activitypub/resolve.c activitypub/org.c activitypub/handle_org.c
CRYPTO_SRC := crypto/keys.c crypto/digest.c crypto/httpsig.c crypto/httpsig_cavage.c crypto/httpsig_rfc9421.c
STORE_SRC  := store/db.c store/migrate.c store/statements.c store/signatories.c store/actors.c store/follows.c store/blocks.c store/queue.c store/pool.c store/orgs.c store/backup.c store/stats.c store/quotes.c store/life.c
UTIL_SRC   := util/buf.c util/err.c util/log.c util/mem.c util/str.c util/url.c util/utf8.c util/net.c util/lang.c util/ratelimit.c util/gate.c

LIB_SRC  := $(SERVER_SRC) $(AP_SRC) $(CRYPTO_SRC) $(STORE_SRC) $(UTIL_SRC)
MAIN_SRC := server/main.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libundersigned.a

# One cmocka program per module.
UNIT_TESTS := tests/unit/test_util.c tests/unit/test_crypto.c tests/unit/test_store.c tests/unit/test_documents.c tests/unit/test_pages.c tests/unit/test_import.c tests/unit/test_httpc.c tests/unit/test_fetch.c tests/unit/test_deliver.c tests/unit/test_publish.c tests/unit/test_proof.c tests/unit/test_domaincheck.c tests/unit/test_sign.c tests/unit/test_keycache.c tests/unit/test_lang.c tests/unit/test_orgs.c tests/unit/test_quotes.c tests/unit/test_feeds.c tests/unit/test_intents.c tests/unit/test_ops.c tests/unit/test_life.c tests/unit/test_limits.c
UNIT_BINS  := $(UNIT_TESTS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test test-plain test-san unit e2e run clean style banned bench install uninstall

all: deps $(BIN)

# Installs the Debian packages the build and tests need when any is missing.
deps:
	@./scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) -lcmocka

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ./$$t; done

e2e: $(BIN)
	@UNDERSIGNED_BIN=$(abspath $(BIN)) ./tests/e2e/run.sh

# The whole suite twice: plain, then under AddressSanitizer + UndefinedBehaviorSanitizer.
test: deps banned
	$(MAKE) test-plain
	$(MAKE) test-san
	$(MAKE) fuzz-smoke
	@echo "all tests passed (plain and sanitized)"

test-plain: $(BIN)
	$(MAKE) unit e2e

test-san:
	$(MAKE) SANITIZE=address,undefined unit e2e

# Serves the example statement from ./undersigned.db (imported on the first run).
RUN_DB   ?= undersigned.db
RUN_URL  ?= http://127.0.0.1:8080
RUN_LISTEN ?= 127.0.0.1:8080
run: all
	@./undersigned statement list --db $(RUN_DB) | grep -q '^hands-off-venezuela ' || \
		./undersigned statement import --db $(RUN_DB) --slug hands-off-venezuela \
			--file examples/hands-off-venezuela.txt
	./undersigned serve --db $(RUN_DB) --base-url $(RUN_URL) --listen $(RUN_LISTEN)

# Calls that must never appear in our C (git's banned.h, as a check).
banned:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|gmtime|localtime|ctime|asctime)\s*\(' \
		$$(git ls-files '*.c' '*.h' 2>/dev/null || ls */*.c */*.h) \
		|| (echo "banned call found (see above)"; exit 1)

style:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build undersigned

# The binary, its man page, the systemd unit and its system user, the proxy
# samples and the docs. PREFIX=/usr/local by default; DESTDIR stages (packages).
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DOCDIR      ?= $(PREFIX)/share/doc/undersigned
install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/undersigned
	install -m 644 docs/undersigned.1 $(DESTDIR)$(MANDIR)/man1/undersigned.1
	sed 's|/usr/local/bin/undersigned|$(BINDIR)/undersigned|' contrib/undersigned.service \
		> $(DESTDIR)$(UNITDIR)/undersigned.service
	chmod 644 $(DESTDIR)$(UNITDIR)/undersigned.service
	install -m 644 contrib/undersigned.sysusers $(DESTDIR)$(SYSUSERSDIR)/undersigned.conf
	install -m 644 contrib/undersigned.env contrib/nginx.conf contrib/Caddyfile \
		examples/hands-off-venezuela.txt $(DESTDIR)$(DOCDIR)/examples/
	install -m 644 README.md FEDERATION.md docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/undersigned $(DESTDIR)$(MANDIR)/man1/undersigned.1 \
		$(DESTDIR)$(UNITDIR)/undersigned.service $(DESTDIR)$(SYSUSERSDIR)/undersigned.conf
	rm -rf $(DESTDIR)$(DOCDIR)

# make fuzz, make fuzz-smoke: libFuzzer targets for the parsers of untrusted input.
include fuzz/fuzz.mk

# make bench: the benchmark suite (bench/run.sh), one table of figures and ratios.
include bench/bench.mk

# make soak: SOAK_SECONDS (600) of steady mixed signed traffic from Fedify peers
# against the plain binary, then RSS, descriptors, 5xx and every activity checked
# (tests/soak/soak.mjs; docs/performance.md, "Soak"). Not part of `make test`.
soak: deps
	@$(MAKE) --no-print-directory SANITIZE= undersigned
	@UNDERSIGNED_BIN=$(abspath undersigned) ./tests/soak/run.sh

.PHONY: soak

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
