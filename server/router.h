/* Routing: method + path + Accept -> the handler that answers. */
#ifndef SERVER_ROUTER_H
#define SERVER_ROUTER_H

#include <stdbool.h>

#include "activitypub/reply.h"
#include "activitypub/request.h"

struct ctx;

/* Answer req into out (initialised by the caller). Never fails: errors are replies. */
void router_handle(struct ctx *ctx, const struct request *req, struct reply *out);

/* True when an Accept header asks for a web page rather than ActivityPub JSON. */
bool router_wants_html(const char *accept);

/* True for a statement or organisation slug: 1-64 of [a-z0-9_-], starting alphanumeric. */
bool router_slug_valid(const char *slug, size_t len);

#endif
