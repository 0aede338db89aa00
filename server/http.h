/* The HTTP server (libmicrohttpd): reads requests, calls the router, logs one line each. */
#ifndef SERVER_HTTP_H
#define SERVER_HTTP_H

#include "util/err.h"

struct ctx;
struct http_server;
struct store_pool;

/*
 * Listen on addr ("127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80") and serve
 * with LIMIT_HTTP_THREADS threads; requests that may wait on other servers
 * (POSTs, the remote follow) are handled by LIMIT_HTTP_WORKERS workers while
 * their connection is suspended. Each request gets a copy of ctx whose store
 * is a connection borrowed from pool (size it for both). ctx and pool are
 * borrowed and must outlive the server.
 * Returns 0, or -ERR_INVALID (bad address) / -ERR_IO (port in use...).
 */
int http_start(const struct ctx *ctx, struct store_pool *pool, const char *addr,
	       struct http_server **out, struct err *err);
/* Stop accepting, finish the requests under way, free everything. NULL ok. */
void http_stop(struct http_server *srv);

#endif
