/*
 * Sending a reader to their own server to follow or sign a statement.
 *
 * The reader types their address (you@your.server). Their server may
 * publish, in its WebFinger answer, templates of the pages where its users
 * do things: FEP-3b86 "activity intents" (rel https://w3id.org/fep/3b86/Follow,
 * .../Create, with {object}, {content}, {inReplyTo}), or the older OStatus
 * subscribe link (rel http://ostatus.org/schema/1.0/subscribe, {uri}) that
 * Mastodon publishes. We use the first that fits, else Mastodon's own pages
 * (https://SERVER/authorize_interaction?uri=..., https://SERVER/share?text=...).
 *
 * A template comes from a stranger's server, so the URL it gives is used only
 * when it stays on that server: http(s), the reader's domain or a subdomain
 * of it, the same port. Anything else falls back to the Mastodon page.
 */
#ifndef ACTIVITYPUB_INTENTS_H
#define ACTIVITYPUB_INTENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct ctx;

#define INTENT_REL_PREFIX    "https://w3id.org/fep/3b86/"
#define INTENT_REL_SUBSCRIBE "http://ostatus.org/schema/1.0/subscribe"

enum intent {
	INTENT_FOLLOW, /* follow the statement actor */
	INTENT_SIGN,   /* write a post that mentions it with the sign word */
};

/* What goes into a template. Borrowed; NULL is an empty value. */
struct intent_values {
	const char *object;	 /* FOLLOW: the statement actor's id ({object}, {uri}) */
	const char *content;	 /* SIGN: the text to post ({content}), e.g. "@slug@host sign" */
	const char *in_reply_to; /* SIGN: the statement post ({inReplyTo}) */
};

/*
 * The template a JRD (json, len bytes; a stranger's) offers for kind: FOLLOW
 * the FEP-3b86 Follow intent, else the OStatus subscribe link; SIGN the
 * FEP-3b86 Create intent. New string, or NULL when it offers none (or is not
 * a JRD). Pure.
 */
char *intent_template(const char *json, size_t len, enum intent kind);

/*
 * Expand a URI template (RFC 6570 simple {name} expressions): object and uri
 * take v->object, content v->content, inReplyTo v->in_reply_to, every value
 * percent-encoded; any other name (on-success, on-cancel...) or operator
 * expression becomes "" as FEP-3b86 asks. New string, or NULL for a malformed
 * template or one longer than LIMIT_URL_BYTES once expanded. Pure.
 */
char *intent_expand(const char *tmpl, const struct intent_values *v);

/*
 * Whether url may be where we send a reader whose server is domain
 * (host[:port], as intent_domain gives it): https (or http when allow_http),
 * the same host or a subdomain of it, and the same port. Pure.
 */
bool intent_url_allowed(const char *url, const char *domain, bool allow_http);

/*
 * The reader's account split from what they typed ("you@server",
 * "@you@server", "acct:you@server", or just "server"): *user (new, NULL when
 * only a server was given) and *domain (new, lower case host[:port]).
 * Returns 0 or -ERR_INVALID. Pure.
 */
int intent_account(const char *typed, char **user, char **domain, struct err *err);

/*
 * Mastodon's page for kind on domain: FOLLOW
 * https://DOMAIN/authorize_interaction?uri=OBJECT, SIGN
 * https://DOMAIN/share?text=CONTENT. New string. Pure.
 */
char *intent_fallback(const char *domain, enum intent kind, const struct intent_values *v);

/*
 * Where to send the reader who typed acct: their server's WebFinger is
 * asked (httpc: the SSRF rules, LIMIT_INTENT_TIMEOUT_S, LIMIT_INTENT_JRD_BYTES;
 * https, or http to loopback with --allow-private-network) and its template
 * for kind used when intent_url_allowed; on any failure, intent_fallback.
 * *url new. Returns 0, or -ERR_INVALID when acct is not an address.
 */
int intent_url(struct ctx *ctx, const char *acct, enum intent kind, const struct intent_values *v,
	       char **url, struct err *err);

#endif
