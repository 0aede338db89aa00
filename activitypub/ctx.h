/*
 * The configuration (immutable after start) and the context every handler,
 * document builder and page gets: no globals.
 */
#ifndef ACTIVITYPUB_CTX_H
#define ACTIVITYPUB_CTX_H

#include <stdatomic.h>
#include <stdbool.h>

struct store;
struct store_pool;
struct deliver;
struct domaincheck_worker;
struct keycache;
struct keyring;
struct pagecache;
struct metrics;
struct ratelimit;
struct gate;

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
	/* serve --rate-ip/--rate-domain/--rate-fetch, per second (0: no limit) */
	double rate_ip, rate_domain, rate_fetch;
	int request_timeout_s;  /* serve --request-timeout: request line to last body byte */
	/* serve --trusted-proxy: whose X-Forwarded-For names the client. NULL: loopback
	   addresses; "none": nobody; else one IP address */
	const char *trusted_proxy;
};

struct ctx {
	const struct config *cfg;
	struct store *store;   /* this thread's connection */
	struct deliver *deliver; /* the delivery worker to wake; NULL in the CLI and tests */
	struct domaincheck_worker *checks; /* the domain check worker to wake; NULL in the CLI and tests */
	const atomic_bool *cancel; /* fetches are abandoned when it turns true (a worker that
				      stops); NULL: never */
	struct keycache *keys;   /* signers' keys kept parsed, shared; NULL parses each time */
	struct metrics *metrics; /* counters for /metrics, shared; NULL counts nothing */
	struct pagecache *pages; /* rendered statement pages (server/pagecache.h), shared; NULL: none */
	struct store_pool *pool; /* the HTTP threads' store, for shared write batches; may be NULL */
	struct keyring *keyring; /* our private keys, parsed once, shared; NULL parses each time */
	/* Abuse limits, shared; NULL: no limit (the CLI, the tests' contexts) */
	struct ratelimit *inbox_per_ip;     /* inbox POSTs by client address */
	struct ratelimit *inbox_per_domain; /* inbox POSTs by the signer's host[:port] */
	struct gate *fetches;               /* fetches made while a request waits */
};

#endif
