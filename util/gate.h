/*
 * A gate for outbound fetches made while a request waits (a signer's key,
 * an object a signature names): at most `in_flight` fetches at once in all,
 * one at a time to any one host, and at most `rate` new ones per second to
 * one host (token bucket, burst of LIMIT_RATE_BURST_S seconds). A fetch
 * finding its host or the gate busy waits up to `wait_ms` (a burst from one
 * server is served one fetch after another), then is refused: the caller
 * answers "try later". So a slow or hostile host holds one worker for a
 * fetch's timeout and a few for wait_ms, never all of them. Thread-safe.
 */
#ifndef UTIL_GATE_H
#define UTIL_GATE_H

#include "util/err.h"

struct gate;

/* rate: fetches per second per host, 0 = no rate limit; in_flight >= 1; wait_ms >= 0. */
struct gate *gate_new(double rate, int in_flight, int wait_ms);
void gate_free(struct gate *g);

/*
 * Enter for host (an authority, "host[:port]", compared as given): 0, or
 * -ERR_RETRY with a message when the host or the gate is busy or the host's
 * rate is spent. g NULL: always 0. Each 0 needs one gate_leave(g, host).
 */
int gate_enter(struct gate *g, const char *host, struct err *err);
void gate_leave(struct gate *g, const char *host);

#endif
