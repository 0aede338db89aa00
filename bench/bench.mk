# make bench: build the benchmark programs (always an optimised, unsanitized
# build against build/plain) and run every scenario of bench/run.sh on
# 127.0.0.1, printing one table. Results also go to build/bench/results.txt.

BENCH_DIR  := build/bench
BENCH_LIB  := build/plain/libundersigned.a
BENCH_PROGS := $(BENCH_DIR)/bench-load $(BENCH_DIR)/bench-actors $(BENCH_DIR)/bench-sink \
               $(BENCH_DIR)/bench-setup
BENCH_CFLAGS := -O2 -g -std=c11 -D_GNU_SOURCE -I. $(WARN) -pthread

$(BENCH_DIR)/common.o: bench/common.c bench/bench.h
	@mkdir -p $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BENCH_DIR)/bench-%: bench/%.c bench/bench.h $(BENCH_DIR)/common.o $(BENCH_LIB) | bench-server
	$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BENCH_DIR)/common.o $(BENCH_LIB) \
		-pthread $(PKG_LIBS)

# The library and server of the plain build, whatever SANITIZE says.
bench-server:
	@$(MAKE) --no-print-directory SANITIZE= undersigned build/plain/libundersigned.a

bench-deps:
	@./scripts/bench-deps.sh

bench-progs: bench-server $(BENCH_PROGS)

bench: deps bench-deps bench-progs
	@./bench/run.sh

.PHONY: bench-deps bench-progs bench-server
