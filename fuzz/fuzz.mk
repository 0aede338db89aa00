# Fuzzing, included by the Makefile: one libFuzzer target per parser of
# untrusted input (fuzz/fuzz_*.c), built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, linked against the library compiled the same
# way in build/fuzz/. Seed corpora are in fuzz/corpus/<target>/.
#
#   make fuzz                     build every target
#   make fuzz-smoke               run each for FUZZ_SMOKE_S seconds (CI)
#   build/fuzz/fuzz_url -max_total_time=600 build/fuzz/corpus/url fuzz/corpus/url
#                                 a long run; new inputs go to the first folder

FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The library is other people's code under another compiler: its warnings are
# shown, not fatal (gcc's -Werror build is the judge). The targets keep -Werror.
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -I. $(filter-out -Werror,$(WARN)) -pthread -g -O1 $(FUZZ_SAN)
FUZZ_TARGETS := httpsig digest activity actor webfinger import url
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# Everything but the libmicrohttpd glue and the command line, which no target reaches.
FUZZ_LIB_SRC := $(filter-out server/http.c server/cli.c,$(LIB_SRC))
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB     := $(FUZZ_BUILD)/libundersigned.a
FUZZ_SMOKE_S ?= 10

.PHONY: fuzz fuzz-smoke

fuzz: $(FUZZ_BINS)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h fuzz/fuzz_server.h $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB) \
		$(PKG_LIBS)

# Each target for FUZZ_SMOKE_S seconds, starting from its seed corpus (and
# what earlier runs found, kept in build/fuzz/corpus/). A crash, a leak or a
# broken invariant fails the run and leaves the input as build/fuzz/crash-*.
fuzz-smoke: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		log=$(FUZZ_BUILD)/smoke-$$t.log; \
		if ./$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SMOKE_S) -timeout=10 \
			-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t \
			>$$log 2>&1; then \
			echo "fuzz_$$t: $$(grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' $$log | tr '\n' ' ')"; \
		else \
			tail -n 60 $$log; echo "fuzz_$$t failed (log: $$log)"; exit 1; \
		fi; \
	done

-include $(FUZZ_LIB_OBJ:.o=.d)
