/*
 * The configuration (immutable after start) and the context every handler,
 * document builder and page gets: no globals.
 */
#ifndef ACTIVITYPUB_CTX_H
#define ACTIVITYPUB_CTX_H

#include <stdbool.h>

struct store;
struct store_pool;
struct deliver;
struct keycache;
struct keyring;
struct pagecache;
struct metrics;

struct config {
	const char *base_url;  /* "https://statements.example.org", no trailing slash */
	const char *authority; /* host[:port] of base_url: the acct: domain */
	const char *listen;    /* "127.0.0.1:8080" */
	bool allow_private_network;
	int update_interval_s; /* batch window for edits of the post */
	const char *sign_word; /* the word that makes a mention a signature */
	const char *admin_token; /* serve --admin-token-file: opens /admin and /metrics beyond
				    loopback; NULL: loopback only */
	const char *admin_csrf;  /* random, made at start: the admin forms' CSRF token */
};

struct ctx {
	const struct config *cfg;
	struct store *store;   /* this thread's connection */
	struct deliver *deliver; /* the delivery worker to wake; NULL in the CLI and tests */
	struct keycache *keys;   /* signers' keys kept parsed, shared; NULL parses each time */
	struct metrics *metrics; /* counters for /metrics, shared; NULL counts nothing */
	struct pagecache *pages; /* rendered statement pages (server/pagecache.h), shared; NULL: none */
	struct store_pool *pool; /* the HTTP threads' store, for shared write batches; may be NULL */
	struct keyring *keyring; /* our private keys, parsed once, shared; NULL parses each time */
};

#endif
