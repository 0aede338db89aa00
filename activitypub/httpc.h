/*
 * The HTTP client: everything Undersigned sends out over HTTP. The only file
 * that sees libcurl is httpc.c.
 *
 * Every request, GET or POST:
 *  - goes only to http(s) URLs, and without allow_private_network only to
 *    https URLs whose connected address is public (net_addr_is_public(): the
 *    address is checked when the socket is opened, after DNS, so a name that
 *    resolves to 127.0.0.1 and a redirect to one are refused alike);
 *  - never uses a proxy from the environment;
 *  - is cut at a total timeout, and its response body at a byte cap;
 *  - carries User-Agent "Undersigned/VERSION (+BASE_URL/)", and a Host
 *    header equal to the URL's authority (port included when not the default),
 *    which is the value signed.
 * Signed requests are draft-cavage, rsa-sha256 (crypto/httpsig.h), signed
 * fresh for every request and every redirect hop.
 *
 * Threads: httpc_global_init() once before any thread starts; after that
 * httpc_get() may run in several threads at once; a struct httpc_multi is
 * used by one thread (httpc_multi_wakeup() excepted).
 */
#ifndef ACTIVITYPUB_HTTPC_H
#define ACTIVITYPUB_HTTPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct key;
struct gate;

/* How requests are made. Zero values mean the production limits of util/limits.h. */
struct httpc_opts {
	const char *base_url;       /* ours, for the User-Agent; NULL leaves it out */
	bool allow_private_network; /* plain http and private/loopback addresses allowed */
	long timeout_ms;            /* whole request (all redirect hops of a GET);
				       0 = LIMIT_FETCH_TIMEOUT_S for GET, LIMIT_DELIVERY_TIMEOUT_S for POST */
	long connect_timeout_ms;    /* 0 = LIMIT_CONNECT_TIMEOUT_S */
	size_t max_bytes;           /* response body cap; 0 = LIMIT_FETCH_BYTES */
	struct gate *gate;          /* GETs pass it, each hop by its host (util/gate.h); NULL: none */
	const atomic_bool *cancel;  /* a GET under way is abandoned (-ERR_IO) within about a
				       second of it turning true (a worker stopping); NULL: never */
};

/* Who signs a request: our key id (e.g. B/actor#main-key) and its private key. Both borrowed. */
struct httpc_signer {
	const char *key_id;
	struct key *key;
};

/* A response. Every pointer is owned; release with httpc_response_release(). */
struct httpc_response {
	long status;        /* HTTP status of the last hop */
	char *content_type; /* Content-Type as received, or NULL */
	char *final_url;    /* the URL that answered (after redirects) */
	char *body;         /* NUL-terminated (the NUL not counted); never NULL after success */
	size_t body_len;
};

/* Call once in main before any thread starts. Returns 0 or -ERR_INTERNAL. */
int httpc_global_init(struct err *err);
/* The counterpart, once at exit (after every thread using httpc stopped). */
void httpc_global_cleanup(void);

/*
 * GET url with this Accept header. signer NULL sends it unsigned; otherwise
 * it is signed over "(request-target) host date" (Mastodon's authorized fetch
 * needs it). Redirects (301, 302, 303, 307, 308) are followed, at most
 * LIMIT_REDIRECTS, each target checked and the request signed anew.
 * Returns 0 when a response arrived, whatever its status (resp filled: the
 * caller checks resp->status); -ERR_INVALID for a malformed URL;
 * -ERR_FORBIDDEN for a URL or address the SSRF rules refuse; -ERR_TOOBIG for
 * a body over the cap or too many redirects; -ERR_IO for timeouts and
 * connection errors; -ERR_RETRY when o->gate refuses a hop. On error resp is
 * left empty.
 */
int httpc_get(const struct httpc_opts *o, const char *url, const char *accept,
	      const struct httpc_signer *signer, struct httpc_response *resp, struct err *err);

/* Free what a response holds and zero it; fine on a zeroed or released response. */
void httpc_response_release(struct httpc_response *resp);

/* ---- many POSTs at once (the delivery worker) ---- */

struct httpc_multi;

/* What became of one POST (see httpc_multi_done()). */
struct httpc_done {
	void *user;          /* as given to httpc_multi_post() */
	int rc;              /* 0 when a response arrived, else -ERR_* as for httpc_get() */
	long status;         /* HTTP status, 0 when none arrived */
	int64_t retry_after; /* seconds a Retry-After header asked for, 0 when none */
	struct err err;      /* why, when rc != 0 */
};

/* A new set of concurrent transfers sharing connections. *out: free with httpc_multi_free(). */
int httpc_multi_new(const struct httpc_opts *o, struct httpc_multi **out, struct err *err);
/* Abandon any transfer in flight (its result is never reported) and free. NULL is fine. */
void httpc_multi_free(struct httpc_multi *m);

/*
 * Start a POST of body (len bytes, copied) to url with this Content-Type,
 * signed by signer (required) over "(request-target) host date digest", with
 * Date and Digest (SHA-256 of the exact body) made now. A redirect is not
 * followed (it is reported as its status). Its outcome comes later from
 * httpc_multi_done() with user. Returns 0; -ERR_INVALID / -ERR_FORBIDDEN for a
 * URL refused at once (then nothing is started and no outcome will come).
 */
int httpc_multi_post(struct httpc_multi *m, const char *url, const char *content_type,
		     const char *body, size_t len, const struct httpc_signer *signer, void *user,
		     struct err *err);

/* Transfers started and not yet reported by httpc_multi_done(). */
size_t httpc_multi_count(const struct httpc_multi *m);

/*
 * Move the transfers on: wait up to timeout_ms for network activity (or a
 * httpc_multi_wakeup()), then do what can be done without blocking.
 * Returns 0, or -ERR_INTERNAL when curl fails.
 */
int httpc_multi_poll(struct httpc_multi *m, int timeout_ms, struct err *err);

/* Take the next finished transfer: true and *out filled, or false when none is finished. */
bool httpc_multi_done(struct httpc_multi *m, struct httpc_done *out);

/* Make a httpc_multi_poll() in another thread return now. Safe from any thread. */
void httpc_multi_wakeup(struct httpc_multi *m);

#endif
