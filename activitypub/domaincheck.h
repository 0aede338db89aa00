/*
 * Who speaks for the organisation: the handle WebFinger confirms, and whether
 * a domain vouches for the signer ("domain verified").
 *
 * A website of an actor is the origin (scheme://host[:port]) of
 *  - its `url`, when that is not on the actor's own server, and
 *  - the first link in the value of each PropertyValue of `attachment`
 *    (https; http too when private networks are allowed, for tests),
 * never one on the actor's own server (its id's authority): on a shared
 * server anyone can link the server itself, or get a page there (a profile
 * with rel="me" links) to say anything. At most LIMIT_DOMAINCHECK_SITES.
 *
 * A signer is domain verified when
 *  (a) its handle's domain, as WebFinger confirmed it, is one of its
 *      websites (or www. of it): that domain's own WebFinger names the actor;
 *  (b) or the home page (the root of a website's origin, not a deeper page,
 *      which could be anyone's content) links back to the actor's id or
 *      profile url with rel="me".
 */
#ifndef ACTIVITYPUB_DOMAINCHECK_H
#define ACTIVITYPUB_DOMAINCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct ctx;
struct remote_actor;

/*
 * Pure: true when html[0..len) has an <a> or <link> element whose rel
 * (a space-separated list, any case) holds "me" and whose href (character
 * references decoded, outer white space trimmed) equals actor_id or
 * profile_url (scheme and host compared without case; either may be NULL).
 * Tag and attribute names are read without case, values double-, single- or
 * un-quoted; comments and the content of script, style, template, textarea
 * and title are skipped. Any bytes are safe (NUL included); linear time.
 */
bool domaincheck_html_links_back(const char *html, size_t len, const char *actor_id,
				 const char *profile_url);

/*
 * Pure: the websites (origins, as described above) of an actor document
 * (JSON text) whose id is actor_id, in the order url, then attachments;
 * distinct; at most max. out[i] are new strings (caller frees each).
 * Returns how many. A document that does not parse has none.
 */
size_t domaincheck_websites(const char *actor_json, const char *actor_id, bool allow_http,
			    char **out, size_t max);

/* Pure: true when handle ("@user@domain[:port]") has website's host[:port] (or www.host) as domain. */
bool domaincheck_handle_matches(const char *handle, const char *website);

/*
 * Decide for actor a (its cached document is read): *handle is the handle
 * fetch_handle_confirm() confirms (new, NULL when WebFinger does not confirm
 * one), *verified whether rule (a) or (b) holds. At most
 * LIMIT_DOMAINCHECK_SITES home pages are fetched (unsigned, Accept text/html,
 * LIMIT_FETCH_BYTES, LIMIT_DOMAINCHECK_TIMEOUT_S each; httpc's SSRF rules).
 * Returns 0 when decided (verified or not); -ERR_RETRY when not verified
 * but a fetch failed for now, so the answer may change (*handle still set
 * when confirmed).
 */
int domaincheck_actor(struct ctx *ctx, const struct remote_actor *a, bool *verified,
		      char **handle, struct err *err);

/*
 * Run domaincheck_actor() for a and store the outcome on all of a's
 * signatures (the confirmed handle, also kept in the actor cache, and the
 * domain mark; an undecided check keeps the mark as it was). When an
 * approved signature shows something new, an edit of that statement's post
 * is scheduled (cfg->update_interval_s). Blocks for the fetches (WebFinger
 * and up to LIMIT_DOMAINCHECK_SITES pages): the worker below calls it, never
 * an HTTP thread. Returns 0 when decided, -ERR_RETRY when undecided (a fetch
 * failed for now); store failures are logged.
 */
int domaincheck_signatory(struct ctx *ctx, const struct remote_actor *a);

/*
 * The checks happen in the background. The inbox records a signature (or an
 * actor's Update) with its check pending in the store (see
 * store_domaincheck_request()), answers at once and wakes the worker; while
 * pending, a new signature shows as not domain verified. The worker does one
 * check at a time, each with the timeouts above. An undecided one is tried
 * again after domaincheck_backoff(attempts), at most LIMIT_DOMAINCHECK_ATTEMPTS
 * times, then given up (the mark stays as it was: not verified for a new
 * signature). Pending checks survive a crash: the store holds them.
 */

/* Seconds to wait after the attempts-th undecided check (1 = the first). Pure. */
int64_t domaincheck_backoff(int attempts);

/*
 * Do the checks due at now, one after the other, at most max (0: all that
 * are due), with ctx's store; *done (may be NULL) counts them. The worker's
 * loop; tests call it directly. Returns 0 or a store error.
 */
int domaincheck_run_due(struct ctx *ctx, int64_t now, size_t max, size_t *done, struct err *err);

struct domaincheck_worker;

/*
 * Start the worker: a thread with its own store connection on db_path and a
 * copy of *base (its store replaced; everything else borrowed, and must
 * outlive the worker). It looks for due checks every second, and at once
 * after domaincheck_kick(). *out: stop with domaincheck_stop(). Returns 0,
 * or the error of store_open() / thread creation.
 */
int domaincheck_start(const struct ctx *base, const char *db_path, struct domaincheck_worker **out,
		      struct err *err);

/* Wake the worker: a check was asked for. Safe from any thread; NULL is fine. */
void domaincheck_kick(struct domaincheck_worker *w);

/*
 * Stop the worker within about a second (the fetches of a check under way
 * are abandoned, and that check stays pending in the store for the next
 * start, its attempts unchanged), join it and free it. NULL is fine.
 */
void domaincheck_stop(struct domaincheck_worker *w);

#endif
