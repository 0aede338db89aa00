/*
 * Token buckets by key (a client address, a remote server): each key may
 * spend `burst` requests at once, refilled at `rate` per second. The table
 * has a fixed number of slots, so memory stays bounded whatever the number
 * of keys; a key that finds no slot takes the most idle one (an idle bucket
 * is full, so forgetting it changes nothing). Thread-safe.
 */
#ifndef UTIL_RATELIMIT_H
#define UTIL_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* rate: tokens per second, 0 = no limit (every take succeeds); burst >= 1. */
struct ratelimit *ratelimit_new(double rate, double burst, size_t slots);
void ratelimit_free(struct ratelimit *rl);

/*
 * Take one token from key's bucket at now_ms (a monotonic clock). True when
 * there was one; false when not, with *wait_s (may be NULL) the whole seconds
 * until there is one again (at least 1). rl NULL: true.
 */
bool ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms, int *wait_s);

/* Milliseconds of CLOCK_MONOTONIC, the clock the callers pass. */
int64_t ratelimit_now_ms(void);

#endif
