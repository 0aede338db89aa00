/*
 * Fetching actors, keys, objects and WebFinger documents. The parsers are
 * pure (bytes in, structs out) and tested without sockets; the fetchers add
 * httpc_get() and the store.
 */
#include "activitypub/fetch.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/httpc.h"
#include "activitypub/keyring.h"
#include "crypto/keys.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/str.h"
#include "util/url.h"

/* ---- small JSON helpers ---- */

/* True when v is no deeper than max levels (a scalar is one level). */
static bool json_depth_ok(const json_t *v, int max)
{
	const char *k;
	json_t *child;
	size_t i;

	if (max <= 0)
		return false;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, child)
			if (!json_depth_ok(child, max - 1))
				return false;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			if (!json_depth_ok(child, max - 1))
				return false;
	}
	return true;
}

/* Decode untrusted bytes into an object: no duplicate keys, no NUL, bounded depth. */
static int json_object_load(const char *json, size_t len, json_t **out, struct err *err)
{
	json_error_t jerr;
	json_t *root;

	*out = NULL;
	if (len > LIMIT_FETCH_BYTES)
		return errorf(err, ERR_TOOBIG, "document larger than %d bytes", LIMIT_FETCH_BYTES);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return errorf(err, ERR_INVALID, "not JSON: %s (line %d)", jerr.text, jerr.line);
	if (!json_is_object(root)) {
		json_decref(root);
		return errorf(err, ERR_INVALID, "not a JSON object");
	}
	if (!json_depth_ok(root, LIMIT_JSON_DEPTH)) {
		json_decref(root);
		return errorf(err, ERR_TOOBIG, "JSON nested deeper than %d levels", LIMIT_JSON_DEPTH);
	}
	*out = root;
	return 0;
}

/* The string value of key in obj, or NULL (borrowed). */
static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* An http(s) URL we can parse, or false. */
static bool url_ok(const char *s)
{
	struct url u;

	if (!s || url_parse(s, &u, NULL))
		return false;
	url_release(&u);
	return true;
}

/* The origin (scheme://authority) of an http(s) URL, new; NULL when not a URL. */
static char *origin_of(const char *s)
{
	struct url u;
	char *o;

	if (!s || url_parse(s, &u, NULL))
		return NULL;
	o = xasprintf("%s://%s", u.scheme, u.authority);
	url_release(&u);
	return o;
}

static bool same_origin(const char *a, const char *b)
{
	char *oa = origin_of(a), *ob = origin_of(b);
	bool same = oa && ob && strcmp(oa, ob) == 0;

	free(oa);
	free(ob);
	return same;
}

/*
 * A link as Mastodon reads inbox-like properties: a string, the first item
 * of an array, or an object's id (or href). Borrowed; NULL when none.
 */
static const char *link_of(const json_t *v)
{
	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v)) {
		const char *s = jstr(v, "id");

		return s ? s : jstr(v, "href");
	}
	return NULL;
}

/* A URL without its #fragment, new. */
static char *strip_fragment(const char *s)
{
	return xstrndup(s, strcspn(s, "#"));
}

/* ---- actors ---- */

static const char *const actor_types[] = { "Person", "Organization", "Service", "Group",
					   "Application" };

static const char *actor_type_one(const char *t)
{
	for (size_t i = 0; t && i < sizeof(actor_types) / sizeof(actor_types[0]); i++)
		if (strcmp(t, actor_types[i]) == 0)
			return actor_types[i];
	return NULL;
}

/* The actor type of a type value (a string, or the first actor type of an array). */
static const char *actor_type_of(const json_t *v)
{
	json_t *item;
	size_t i;

	if (json_is_string(v))
		return actor_type_one(json_string_value(v));
	json_array_foreach(v, i, item) {
		const char *t = actor_type_one(json_string_value(item));

		if (t)
			return t;
	}
	return NULL;
}

/* url: a string, a Link (href), or an array of them (a text/html one first). */
static char *profile_url(const json_t *v, const char *actor_id)
{
	const char *found = NULL;
	json_t *item;
	size_t i;
	char *u;

	if (json_is_string(v)) {
		found = json_string_value(v);
	} else if (json_is_object(v)) {
		found = jstr(v, "href");
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			const char *s = json_is_string(item) ? json_string_value(item) : jstr(item, "href");

			if (!s)
				continue;
			if (!found)
				found = s;
			if (json_is_object(item) && str_eq(jstr(item, "mediaType"), "text/html")) {
				found = s;
				break;
			}
		}
	}
	/* As Mastodon: a profile link on another host than the actor is not the actor's. */
	if (!url_ok(found) || !same_origin(found, actor_id))
		return NULL;
	u = xstrdup(found);
	return u;
}

/* icon: a URL, an Image (its url, itself a string or a Link), or an array of them. */
static char *icon_url(const json_t *v)
{
	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (json_is_object(v)) {
		const json_t *u = json_object_get(v, "url");

		if (json_is_array(u))
			u = json_array_get(u, 0);
		if (json_is_object(u))
			u = json_object_get(u, "href");
		v = u;
	}
	return json_is_string(v) && url_ok(json_string_value(v)) ? xstrdup(json_string_value(v))
								 : NULL;
}

/* Pick the key: the one with id want_key_id, else the first object. Borrowed. */
static const json_t *key_pick(const json_t *pk, const char *want_key_id)
{
	const json_t *first = NULL;
	json_t *item;
	size_t i;

	if (json_is_object(pk))
		return pk;
	json_array_foreach(pk, i, item) {
		if (!json_is_object(item))
			continue;
		if (!first)
			first = item;
		if (want_key_id && str_eq(jstr(item, "id"), want_key_id))
			return item;
	}
	return first;
}

/* Check a publicKey object against the actor it is embedded in. */
static int key_check(const json_t *key, const char *actor_id, struct err *err)
{
	const char *kid = jstr(key, "id"), *owner = jstr(key, "owner");
	const char *pem = jstr(key, "publicKeyPem");
	struct key *k = NULL;
	int rc;

	if (!url_ok(kid))
		return errorf(err, ERR_INVALID, "actor %s: publicKey has no valid id", actor_id);
	if (!same_origin(kid, actor_id))
		return errorf(err, ERR_FORBIDDEN, "actor %s: key %s is on another host", actor_id,
			      kid);
	if (!owner)
		return errorf(err, ERR_INVALID, "actor %s: key %s has no owner", actor_id, kid);
	if (!str_eq(owner, actor_id))
		return errorf(err, ERR_FORBIDDEN, "actor %s: key %s is owned by %s", actor_id, kid,
			      owner);
	if (!pem)
		return errorf(err, ERR_INVALID, "actor %s: key %s has no publicKeyPem", actor_id,
			      kid);
	rc = key_load_public(pem, &k, err);
	key_free(k);
	if (rc) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		return errorf(err, rc == -ERR_TOOBIG ? ERR_TOOBIG : ERR_INVALID,
			      "actor %.150s: key %.150s does not load: %.150s", actor_id, kid,
			      why);
	}
	return 0;
}

int actor_parse(const char *json, size_t len, const char *fetched_url, const char *want_key_id,
		struct remote_actor **out, struct err *err)
{
	struct remote_actor *a = NULL;
	const json_t *key, *endpoints;
	json_t *root = NULL;
	const char *id, *type, *inbox, *shared;
	int rc;

	*out = NULL;
	if ((rc = json_object_load(json, len, &root, err)))
		return rc;
	id = jstr(root, "id");
	if (!url_ok(id)) {
		rc = errorf(err, ERR_INVALID, "actor document without a valid id");
		goto out;
	}
	if (!same_origin(id, fetched_url)) {
		rc = errorf(err, ERR_FORBIDDEN, "document from %s claims id %s on another host",
			    fetched_url, id);
		goto out;
	}
	type = actor_type_of(json_object_get(root, "type"));
	if (!type) {
		rc = errorf(err, ERR_INVALID, "%s is not an actor (type)", id);
		goto out;
	}
	inbox = link_of(json_object_get(root, "inbox"));
	if (!url_ok(inbox)) {
		rc = errorf(err, ERR_INVALID, "actor %s has no valid inbox", id);
		goto out;
	}
	key = key_pick(json_object_get(root, "publicKey"), want_key_id);
	if (!key) {
		rc = errorf(err, ERR_INVALID, "actor %s has no publicKey", id);
		goto out;
	}
	if ((rc = key_check(key, id, err)))
		goto out;

	a = xcalloc(1, sizeof(*a));
	a->id = xstrdup(id);
	a->type = xstrdup(type);
	a->inbox = xstrdup(inbox);
	endpoints = json_object_get(root, "endpoints");
	shared = link_of(json_object_get(endpoints, "sharedInbox"));
	if (!shared)
		shared = link_of(json_object_get(root, "sharedInbox"));
	a->shared_inbox = url_ok(shared) ? xstrdup(shared) : NULL;
	if (jstr(root, "name"))
		a->name = xstrdup(jstr(root, "name"));
	if (jstr(root, "preferredUsername"))
		a->preferred_username = xstrdup(jstr(root, "preferredUsername"));
	a->url = profile_url(json_object_get(root, "url"), id);
	a->icon = icon_url(json_object_get(root, "icon"));
	a->key_id = xstrdup(jstr(key, "id"));
	a->public_pem = xstrdup(jstr(key, "publicKeyPem"));
	a->document = xstrndup(json, len);
	*out = a;
out:
	json_decref(root);
	return rc;
}

int key_document_parse(const char *json, size_t len, const char *fetched_url, char **owner,
		       struct err *err)
{
	json_t *root = NULL;
	const char *id, *own;
	int rc;

	*owner = NULL;
	if ((rc = json_object_load(json, len, &root, err)))
		return rc;
	own = jstr(root, "owner");
	if (json_object_get(root, "inbox") ||
	    !(str_eq(jstr(root, "type"), "CryptographicKey") ||
	      (own && json_object_get(root, "publicKeyPem")))) {
		rc = errorf(err, ERR_NOTFOUND, "not a key document");
		goto out;
	}
	id = jstr(root, "id");
	if (!url_ok(id)) {
		rc = errorf(err, ERR_INVALID, "key document without a valid id");
		goto out;
	}
	if (!same_origin(id, fetched_url)) {
		rc = errorf(err, ERR_FORBIDDEN, "document from %s claims id %s on another host",
			    fetched_url, id);
		goto out;
	}
	if (!url_ok(own)) {
		rc = errorf(err, ERR_INVALID, "key %s has no valid owner", id);
		goto out;
	}
	if (!same_origin(own, id)) {
		rc = errorf(err, ERR_FORBIDDEN, "key %s claims an owner on another host: %s", id, own);
		goto out;
	}
	*owner = xstrdup(own);
out:
	json_decref(root);
	return rc;
}

/* ---- fetching ---- */

static void opts_of(const struct ctx *ctx, struct httpc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->base_url = ctx->cfg->base_url;
	o->allow_private_network = ctx->cfg->allow_private_network;
	o->gate = ctx->fetches;
	o->cancel = ctx->cancel;
}

/* Map a transport error: what may work later is -ERR_RETRY. */
static int transport_error(int rc, struct err *err)
{
	if (rc == -ERR_IO) {
		char why[sizeof(err->msg)];

		if (!err)
			return -ERR_RETRY;
		snprintf(why, sizeof(why), "%s", err->msg);
		return errorf(err, ERR_RETRY, "%s", why);
	}
	return rc;
}

static int status_error(long status, const char *url, struct err *err)
{
	if (status == 404 || status == 410)
		return errorf(err, ERR_NOTFOUND, "%s: HTTP %ld", url, status);
	if (status >= 500 || status == 408 || status == 429)
		return errorf(err, ERR_RETRY, "%s: HTTP %ld", url, status);
	return errorf(err, ERR_INVALID, "%s: HTTP %ld", url, status);
}

/* application/activity+json, or application/ld+json (any profile). */
static bool as_content_type(const char *ct)
{
	size_t n;

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, ";");
	while (n && ct[n - 1] == ' ')
		n--;
	return (n == 25 && strncasecmp(ct, "application/activity+json", n) == 0) ||
	       (n == 19 && strncasecmp(ct, "application/ld+json", n) == 0);
}

/*
 * A signed AS GET of url (no fragment): status 200 and an AS Content-Type.
 * resp is filled on success (caller releases).
 */
static int get_as(struct ctx *ctx, const char *url, struct httpc_response *resp,
		  struct err *err)
{
	struct httpc_signer signer;
	struct httpc_opts o;
	/* The shared keyring keeps the instance key parsed (a PEM costs about 0.5 ms). */
	struct keyring *kr = ctx->keyring ? NULL : keyring_new(ctx->cfg->base_url);
	int rc;

	memset(resp, 0, sizeof(*resp));
	opts_of(ctx, &o);
	rc = keyring_signer(kr ? kr : ctx->keyring, ctx->store, 0, &signer.key_id, &signer.key,
			   err);
	if (rc)
		goto out;
	rc = transport_error(httpc_get(&o, url, FETCH_ACCEPT_AS, &signer, resp, err), err);
	if (rc)
		goto out;
	if (resp->status != 200) {
		rc = status_error(resp->status, url, err);
		goto out;
	}
	if (!as_content_type(resp->content_type)) {
		rc = errorf(err, ERR_INVALID, "%s: Content-Type '%s' is not ActivityStreams", url,
			    resp->content_type ? resp->content_type : "");
		goto out;
	}
out:
	if (rc)
		httpc_response_release(resp);
	keyring_free(kr);
	return rc;
}

int fetch_object(struct ctx *ctx, const char *url, json_t **out, char **final_url,
		 struct err *err)
{
	struct httpc_response resp;
	json_t *root = NULL;
	char *bare = strip_fragment(url);
	int rc;

	*out = NULL;
	if (final_url)
		*final_url = NULL;
	if ((rc = get_as(ctx, bare, &resp, err)))
		goto out;
	if ((rc = json_object_load(resp.body, resp.body_len, &root, err)))
		goto out;
	if (!url_ok(jstr(root, "id")) || !same_origin(jstr(root, "id"), resp.final_url)) {
		rc = errorf(err, ERR_FORBIDDEN, "document from %s has no id on that host",
			    resp.final_url);
		goto out;
	}
	*out = root;
	root = NULL;
	if (final_url) {
		*final_url = resp.final_url;
		resp.final_url = NULL;
	}
out:
	json_decref(root);
	httpc_response_release(&resp);
	free(bare);
	return rc;
}

/* GET an actor document at url (no fragment) and parse it, looking for want_key_id. */
static int actor_get(struct ctx *ctx, const char *url, const char *want_key_id,
		     struct remote_actor **out, char **key_owner, struct err *err)
{
	struct httpc_response resp;
	int rc;

	*out = NULL;
	if (key_owner)
		*key_owner = NULL;
	if ((rc = get_as(ctx, url, &resp, err)))
		return rc;
	if (key_owner) {
		rc = key_document_parse(resp.body, resp.body_len, resp.final_url, key_owner, err);
		if (rc != -ERR_NOTFOUND)
			goto out;
	}
	rc = actor_parse(resp.body, resp.body_len, resp.final_url, want_key_id, out, err);
out:
	httpc_response_release(&resp);
	return rc;
}

int fetch_actor(struct ctx *ctx, const char *actor_or_key_id, struct remote_actor **out,
		struct err *err)
{
	struct remote_actor *a = NULL, *old = NULL;
	char *url = strip_fragment(actor_or_key_id), *owner = NULL, *owner_url = NULL;
	int rc;

	*out = NULL;
	rc = actor_get(ctx, url, actor_or_key_id, &a, &owner, err);
	if (!rc && owner) {
		/* A key document: its owner must list this very key. */
		owner_url = strip_fragment(owner);
		rc = actor_get(ctx, owner_url, actor_or_key_id, &a, NULL, err);
		if (!rc && !str_eq(a->id, owner)) {
			rc = errorf(err, ERR_FORBIDDEN, "key %s names owner %s, which is %s",
				    actor_or_key_id, owner, a->id);
			goto out;
		}
	}
	if (rc)
		goto out;
	if (!str_eq(a->id, actor_or_key_id) && !str_eq(a->key_id, actor_or_key_id) &&
	    !str_eq(a->id, url)) {
		rc = errorf(err, ERR_FORBIDDEN, "actor %s does not have the key %s", a->id,
			    actor_or_key_id);
		goto out;
	}
	a->fetched_at = (int64_t)time(NULL);
	/* A handle WebFinger confirmed stays while the username does. */
	if (store_actor_get(ctx->store, a->id, &old, NULL) == 0 && old->handle &&
	    str_eq(old->preferred_username, a->preferred_username))
		a->handle = xstrdup(old->handle);
	if ((rc = store_actor_put(ctx->store, a, err)))
		goto out;
	log_debug("event=actor_fetched actor=%s key=%s", a->id, a->key_id);
	*out = a;
	a = NULL;
out:
	remote_actor_free(a);
	remote_actor_free(old);
	free(url);
	free(owner);
	free(owner_url);
	return rc;
}

int fetch_actor_cached(struct ctx *ctx, const char *key_id, bool refresh,
		       struct remote_actor **out, struct err *err)
{
	int rc;

	*out = NULL;
	if (!key_id || !*key_id)
		return errorf(err, ERR_INVALID, "no key id");
	if (!refresh) {
		rc = store_actor_get_by_key(ctx->store, key_id, out, err);
		if (rc != -ERR_NOTFOUND)
			return rc;
		rc = store_actor_get(ctx->store, key_id, out, err);
		if (rc != -ERR_NOTFOUND)
			return rc;
	}
	return fetch_actor(ctx, key_id, out, err);
}

/* ---- WebFinger ---- */

static bool self_type(const char *t)
{
	return str_eq(t, "application/activity+json") || str_istarts(t, "application/ld+json");
}

int webfinger_parse(const char *json, size_t len, char **href, char **subject,
		    struct err *err)
{
	json_t *root = NULL, *links, *link;
	const char *sub;
	size_t i;
	int rc;

	*href = NULL;
	*subject = NULL;
	if ((rc = json_object_load(json, len, &root, err)))
		return rc;
	links = json_object_get(root, "links");
	if (links && !json_is_array(links)) {
		rc = errorf(err, ERR_INVALID, "WebFinger links is not an array");
		goto out;
	}
	rc = errorf(err, ERR_NOTFOUND, "WebFinger has no ActivityPub self link");
	json_array_foreach(links, i, link) {
		const char *h = jstr(link, "href");

		if (str_eq(jstr(link, "rel"), "self") && self_type(jstr(link, "type")) && url_ok(h)) {
			*href = xstrdup(h);
			rc = 0;
			break;
		}
	}
	if (rc)
		goto out;
	sub = jstr(root, "subject");
	if (sub)
		*subject = xstrdup(str_starts(sub, "acct:") ? sub + 5 : sub);
out:
	json_decref(root);
	return rc;
}

/* Split "acct:user@host" / "@user@host" / "user@host" into user and host (new). */
static int acct_split(const char *acct, char **user, char **host, struct err *err)
{
	const char *at;
	char *probe;
	struct url u;
	int rc;

	*user = *host = NULL;
	if (str_starts(acct, "acct:"))
		acct += 5;
	if (*acct == '@')
		acct++;
	at = strrchr(acct, '@');
	if (!at || at == acct || !at[1])
		return errorf(err, ERR_INVALID, "'%s' is not user@host", acct);
	for (const char *p = acct; p < at; p++)
		if ((unsigned char)*p <= ' ' || strchr("/?#@%", *p))
			return errorf(err, ERR_INVALID, "'%s' is not user@host", acct);
	probe = xasprintf("https://%s/", at + 1);
	rc = url_parse(probe, &u, NULL);
	free(probe);
	if (rc || !str_eq(u.path, "/") || u.query) {
		if (!rc)
			url_release(&u);
		return errorf(err, ERR_INVALID, "'%s' has a bad host", acct);
	}
	*user = xstrndup(acct, (size_t)(at - acct));
	*host = xstrdup(u.authority);
	url_release(&u);
	return 0;
}

/* WebFinger for user@host: the self link and the subject (both new; subject may be NULL). */
static int webfinger_get(struct ctx *ctx, const char *acct, char **href, char **subject,
			 struct err *err)
{
	struct httpc_response resp;
	struct httpc_opts o;
	struct buf b;
	char *user = NULL, *host = NULL, *url = NULL, *bare_host;
	const char *scheme = "https";
	int rc;

	*href = *subject = NULL;
	memset(&resp, 0, sizeof(resp));
	if ((rc = acct_split(acct, &user, &host, err)))
		goto out;
	/* The host without its port, for the loopback test. */
	bare_host = xstrdup(host);
	if (bare_host[0] == '[')
		bare_host[strcspn(bare_host, "]") + 1] = '\0';
	else
		bare_host[strcspn(bare_host, ":")] = '\0';
	if (ctx->cfg->allow_private_network && net_host_is_loopback(bare_host))
		scheme = "http";
	free(bare_host);
	buf_init(&b, LIMIT_URL_BYTES);
	if (buf_printf(&b, "%s://%s/.well-known/webfinger?resource=", scheme, host) ||
	    buf_add_urlenc(&b, "acct:") || buf_add_urlenc(&b, user) || buf_add_urlenc(&b, "@") ||
	    buf_add_urlenc(&b, host)) {
		rc = errorf(err, ERR_TOOBIG, "WebFinger URL for '%s' too long", acct);
		goto out;
	}
	url = buf_detach(&b);
	opts_of(ctx, &o);
	rc = transport_error(httpc_get(&o, url, "application/jrd+json, application/json", NULL,
				       &resp, err),
			     err);
	if (rc)
		goto out;
	if (resp.status != 200) {
		rc = status_error(resp.status, url, err);
		goto out;
	}
	rc = webfinger_parse(resp.body, resp.body_len, href, subject, err);
out:
	httpc_response_release(&resp);
	free(user);
	free(host);
	free(url);
	return rc;
}

int fetch_webfinger(struct ctx *ctx, const char *acct, char **actor_url, struct err *err)
{
	char *subject = NULL;
	int rc = webfinger_get(ctx, acct, actor_url, &subject, err);

	free(subject);
	return rc;
}

int fetch_handle_confirm(struct ctx *ctx, const struct remote_actor *a, char **handle,
			 struct err *err)
{
	char *acct = NULL, *href = NULL, *subject = NULL, *href2 = NULL, *subject2 = NULL;
	json_t *doc = NULL;
	const char *wf;
	struct url u;
	int rc;

	*handle = NULL;
	memset(&u, 0, sizeof(u));
	if ((rc = url_parse(a->id, &u, err)))
		goto out;
	/* FEP-2c59: the actor may name its WebFinger address itself. */
	if (a->document)
		doc = json_loads(a->document, JSON_REJECT_DUPLICATES, NULL);
	wf = jstr(doc, "webfinger");
	if (wf)
		acct = xstrdup(str_starts(wf, "acct:") ? wf + 5 : wf);
	else if (a->preferred_username && *a->preferred_username)
		acct = xasprintf("%s@%s", a->preferred_username, u.authority);
	else {
		rc = errorf(err, ERR_NOTFOUND, "actor %s has no preferredUsername", a->id);
		goto out;
	}
	if ((rc = webfinger_get(ctx, acct, &href, &subject, err)))
		goto out;
	if (!str_eq(href, a->id)) {
		rc = errorf(err, ERR_FORBIDDEN, "WebFinger for %s points to %s, not %s", acct, href,
			    a->id);
		goto out;
	}
	if (subject && !str_ieq(subject, acct)) {
		/* The subject names another account: it must lead back here too. */
		if ((rc = webfinger_get(ctx, subject, &href2, &subject2, err)))
			goto out;
		if (!str_eq(href2, a->id) || !str_ieq(subject2 ? subject2 : subject, subject)) {
			rc = errorf(err, ERR_FORBIDDEN, "WebFinger for %s does not loop back to %s",
				    subject, a->id);
			goto out;
		}
		free(acct);
		acct = xstrdup(subject);
	}
	*handle = xasprintf("@%s", acct);
out:
	json_decref(doc);
	url_release(&u);
	free(acct);
	free(href);
	free(subject);
	free(href2);
	free(subject2);
	return rc;
}
