/*
 * The open HTTP connections, as the server's limits need them: how many each
 * client address holds, and which are still reading a request's headers and
 * since when. No HTTP library here: connections are their sockets.
 * Thread-safe: one lock inside.
 */
#ifndef SERVER_CONNS_H
#define SERVER_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conns;
struct conn;

struct conns *conns_new(void);
void conns_free(struct conns *t); /* NULL is fine; connections still in it are freed */

/* Whether key (a client key, util/net.h) holds max connections or more already. */
bool conns_full(struct conns *t, const char *key, int max);
/*
 * A connection started on socket fd. key: its client key, counted for
 * conns_full(); NULL counts it nowhere (a trusted proxy). Never NULL.
 */
struct conn *conns_add(struct conns *t, int fd, const char *key);
/* The connection closed, before its socket is: c is freed. NULL is fine. */
void conns_remove(struct conns *t, struct conn *c);

/* A request line came at now_ms: its headers are being read. NULL c is fine, here and below. */
void conns_head_begin(struct conns *t, struct conn *c, int64_t now_ms);
/* The request's headers are all in. */
void conns_head_end(struct conns *t, struct conn *c);
/*
 * Shut down (both ways, without closing: the server closes its socket as
 * for a client that left) every connection whose headers began more than
 * limit_ms before now_ms and are not all in yet. Returns how many.
 */
size_t conns_sweep(struct conns *t, int64_t now_ms, int64_t limit_ms);

#endif
