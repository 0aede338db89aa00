/*
 * From what a coordinator types to the statement to sign (see resolve.h).
 * The readers at the top look at documents already fetched; the walk at
 * the bottom fetches them: WebFinger, the actor, its featured collection,
 * else its outbox.
 */
#include "activitypub/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activitypub/activity.h"
#include "activitypub/fetch.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

/* ---- pure readers ---- */

static bool is_url(const char *s)
{
	struct url u;

	if (!s || url_parse(s, &u, NULL))
		return false;
	url_release(&u);
	return true;
}

enum resolve_kind resolve_classify(const char *arg)
{
	const char *p, *at;

	if (!arg || !*arg)
		return RESOLVE_BAD;
	if (str_istarts(arg, "https://") || str_istarts(arg, "http://"))
		return is_url(arg) ? RESOLVE_URL : RESOLVE_BAD;
	p = str_starts(arg, "acct:") ? arg + 5 : arg;
	if (*p == '@')
		p++;
	at = strchr(p, '@');
	/* exactly one @ between a user and a host, no spaces or URL punctuation */
	if (!at || at == p || !at[1] || strchr(at + 1, '@'))
		return RESOLVE_BAD;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c <= ' ' || strchr("/?#\\\"<>", *c))
			return RESOLVE_BAD;
	return RESOLVE_HANDLE;
}

bool resolve_actor_closed(const json_t *actor)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(actor, "attachment"), i, item) {
		if (ap_type_is(item, "PropertyValue") && str_ieq(ap_str(item, "name"), "Signing") &&
		    str_ieq(ap_str(item, "value"), "closed"))
			return true;
	}
	return false;
}

bool resolve_is_post(const json_t *obj)
{
	return ap_type_is(obj, "Note") || ap_type_is(obj, "Article") || ap_type_is(obj, "Page") ||
	       ap_type_is(obj, "Question");
}

/* attributedTo (a link, or an array of them) names actor_id. */
static bool attributed_to(const json_t *post, const char *actor_id)
{
	return ap_links_to(json_object_get(post, "attributedTo"), actor_id);
}

/* The items of a collection or page: orderedItems, else items. Borrowed. */
static json_t *items_of(const json_t *coll)
{
	json_t *items = json_object_get(coll, "orderedItems");

	return json_is_array(items) ? items : json_object_get(coll, "items");
}

const char *resolve_post_in(const json_t *coll, const char *actor_id, const json_t **post)
{
	json_t *item;
	size_t i;

	if (post)
		*post = NULL;
	json_array_foreach(items_of(coll), i, item) {
		const json_t *obj = item;

		if (json_is_string(item))
			return json_string_value(item); /* a featured post given by id */
		if (ap_type_is(item, "Create")) {
			if (!str_eq(ap_link_id(json_object_get(item, "actor")), actor_id))
				continue;
			obj = json_object_get(item, "object");
			if (json_is_string(obj))
				return json_string_value(obj);
		}
		if (resolve_is_post(obj) && attributed_to(obj, actor_id) && ap_str(obj, "id")) {
			if (post)
				*post = obj;
			return ap_str(obj, "id");
		}
	}
	return NULL;
}

bool resolve_lists(const json_t *coll, const char *actor_id)
{
	json_t *item;
	size_t i;

	json_array_foreach(items_of(coll), i, item)
		if (str_eq(ap_link_id(item), actor_id))
			return true;
	return false;
}

void resolved_release(struct resolved *r)
{
	free(r->actor_id);
	free(r->inbox);
	free(r->post_id);
	free(r->title);
	free(r->handle);
	free(r->signatures);
	memset(r, 0, sizeof(*r));
}

/* ---- the walk ---- */

/*
 * The first page of a collection: embedded, or fetched. *page is a new
 * reference (NULL when the collection has no first page).
 */
static int first_page(struct ctx *ctx, const json_t *coll, json_t **page, struct err *err)
{
	const json_t *first = json_object_get(coll, "first");

	*page = NULL;
	if (json_is_object(first)) {
		*page = json_incref((json_t *)first);
		return 0;
	}
	if (!json_is_string(first))
		return 0;
	return fetch_object(ctx, json_string_value(first), page, NULL, err);
}

/* A post given by id: fetch it, and it must be a post of actor_id. */
static int check_post(struct ctx *ctx, const char *post_id, const char *actor_id,
		      struct err *err)
{
	json_t *post = NULL;
	int rc = fetch_object(ctx, post_id, &post, NULL, err);

	if (!rc && !(resolve_is_post(post) && attributed_to(post, actor_id)))
		rc = errorf(err, ERR_INVALID, "%s is not a post of %s", post_id, actor_id);
	json_decref(post);
	return rc;
}

/* The post in the collection at url (its items, else its first page). */
static int post_in_collection(struct ctx *ctx, const char *url, const char *actor_id,
			      char **post_id, struct err *err)
{
	json_t *coll = NULL, *page = NULL;
	const json_t *post = NULL;
	const char *found;
	int rc;

	*post_id = NULL;
	if ((rc = fetch_object(ctx, url, &coll, NULL, err)))
		return rc;
	found = resolve_post_in(coll, actor_id, &post);
	if (!found) {
		if ((rc = first_page(ctx, coll, &page, err)))
			goto out;
		found = page ? resolve_post_in(page, actor_id, &post) : NULL;
	}
	/* Given only by id: it must be a post of this actor too. */
	if (found && !post && (rc = check_post(ctx, found, actor_id, err)))
		goto out;
	if (found)
		*post_id = xstrdup(found);
out:
	json_decref(page);
	json_decref(coll);
	return rc;
}

/* The statement post of an actor: its featured post, else what its outbox created. */
static int find_post(struct ctx *ctx, const json_t *actor, const char *actor_id, char **post_id,
		     struct err *err)
{
	const char *featured = ap_link_id(json_object_get(actor, "featured"));
	const char *outbox = ap_link_id(json_object_get(actor, "outbox"));
	int rc = 0;

	*post_id = NULL;
	/* An unreadable featured collection is no reason to give up: the outbox may tell. */
	if (featured && is_url(featured) &&
	    post_in_collection(ctx, featured, actor_id, post_id, err) == -ERR_RETRY)
		return -ERR_RETRY;
	if (!*post_id && outbox && is_url(outbox)) {
		rc = post_in_collection(ctx, outbox, actor_id, post_id, err);
		if (rc && rc != -ERR_RETRY)
			rc = errorf(err, ERR_NOTFOUND, "%s has no post to endorse (%s)", actor_id,
				    err ? err->msg : "");
	}
	if (!rc && !*post_id)
		rc = errorf(err, ERR_NOTFOUND,
			    "%s has no post to endorse (nothing featured, nothing in its outbox):"
			    " not a statement",
			    actor_id);
	if (!rc && !ap_same_origin(*post_id, actor_id))
		rc = errorf(err, ERR_FORBIDDEN, "the post %s is on another server than %s",
			    *post_id, actor_id);
	if (rc) {
		free(*post_id);
		*post_id = NULL;
	}
	return rc;
}

/* The handle "@user@host" typed, normalised (new). */
static char *handle_of_arg(const char *arg)
{
	const char *p = str_starts(arg, "acct:") ? arg + 5 : arg;

	return xasprintf("@%s", *p == '@' ? p + 1 : p);
}

/* Fill r from the actor (fetched and checked by fetch_actor) and its document. */
static int from_actor(struct ctx *ctx, const char *actor_url, const char *handle,
		      const char *post_id, struct resolved *r, struct err *err)
{
	struct remote_actor *a = NULL;
	json_t *doc = NULL;
	struct url u;
	int rc;

	memset(&u, 0, sizeof(u));
	if ((rc = fetch_actor(ctx, actor_url, &a, err)))
		goto out;
	doc = json_loads(a->document, JSON_REJECT_DUPLICATES, NULL);
	if (!doc) {
		rc = errorf(err, ERR_INVALID, "%s: the actor document does not parse", a->id);
		goto out;
	}
	r->actor_id = xstrdup(a->id);
	r->inbox = xstrdup(a->inbox);
	r->closed = resolve_actor_closed(doc);
	if (is_url(ap_link_id(json_object_get(doc, "signatures"))))
		r->signatures = xstrdup(ap_link_id(json_object_get(doc, "signatures")));
	if (handle)
		r->handle = xstrdup(handle);
	else if (a->preferred_username && url_parse(a->id, &u, NULL) == 0)
		r->handle = xasprintf("@%s@%s", a->preferred_username, u.authority);
	r->title = xstrdup(a->name && *a->name ? a->name : r->handle ? r->handle : a->id);
	if (post_id) {
		r->post_id = xstrdup(post_id);
		rc = 0;
	} else {
		rc = find_post(ctx, doc, a->id, &r->post_id, err);
	}
out:
	url_release(&u);
	json_decref(doc);
	remote_actor_free(a);
	if (rc)
		resolved_release(r);
	return rc;
}

/* Says what a document is, for an error. */
static const char *type_name(const json_t *obj)
{
	const json_t *t = json_object_get(obj, "type");

	if (json_is_array(t))
		t = json_array_get(t, 0);
	return json_is_string(t) ? json_string_value(t) : "document without a type";
}

static bool is_actor(const json_t *obj)
{
	return ap_type_is(obj, "Person") || ap_type_is(obj, "Organization") ||
	       ap_type_is(obj, "Service") || ap_type_is(obj, "Group") ||
	       ap_type_is(obj, "Application");
}

static int from_url(struct ctx *ctx, const char *url, struct resolved *r, struct err *err)
{
	json_t *obj = NULL;
	const char *author;
	int rc;

	rc = fetch_object(ctx, url, &obj, NULL, err);
	if (rc == -ERR_INVALID || rc == -ERR_NOTFOUND) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		rc = errorf(err, (enum err_code) - rc, "%.200s is not a statement (%.200s)", url,
			    why);
	}
	if (rc)
		goto out;
	if (is_actor(obj)) {
		rc = from_actor(ctx, ap_str(obj, "id"), NULL, NULL, r, err);
		goto out;
	}
	if (!resolve_is_post(obj)) {
		rc = errorf(err, ERR_INVALID, "%s is not a statement: it is a %s", url,
			    type_name(obj));
		goto out;
	}
	/* A post: its author is the statement actor, on the post's own server. */
	author = ap_link_id(json_object_get(obj, "attributedTo"));
	if (json_is_array(json_object_get(obj, "attributedTo")))
		author = ap_link_id(json_array_get(json_object_get(obj, "attributedTo"), 0));
	if (!author || !ap_same_origin(author, ap_str(obj, "id"))) {
		rc = errorf(err, ERR_INVALID, "the post %s has no author on its own server", url);
		goto out;
	}
	rc = from_actor(ctx, author, NULL, ap_str(obj, "id"), r, err);
out:
	json_decref(obj);
	return rc;
}

int resolve_statement(struct ctx *ctx, const char *arg, struct resolved *r, struct err *err)
{
	char *actor_url = NULL, *handle = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	switch (resolve_classify(arg)) {
	case RESOLVE_URL:
		return from_url(ctx, arg, r, err);
	case RESOLVE_HANDLE:
		break;
	default:
		return errorf(err, ERR_INVALID, "'%s' is neither @name@host nor an http(s) URL",
			      arg ? arg : "");
	}
	handle = handle_of_arg(arg);
	rc = fetch_webfinger(ctx, handle, &actor_url, err);
	if (rc == -ERR_NOTFOUND)
		rc = errorf(err, ERR_NOTFOUND, "%s does not resolve: no such account", handle);
	if (!rc)
		rc = from_actor(ctx, actor_url, handle, NULL, r, err);
	free(handle);
	free(actor_url);
	return rc;
}

int resolve_listed(struct ctx *ctx, const char *url, const char *actor_id, bool *listed,
		   struct err *err)
{
	json_t *coll = NULL, *page = NULL;
	char *next = NULL;
	int rc;

	*listed = false;
	if ((rc = fetch_object(ctx, url, &coll, NULL, err)))
		return rc;
	*listed = resolve_lists(coll, actor_id);
	if (!*listed && (rc = first_page(ctx, coll, &page, err)) == 0) {
		for (int n = 0; page && n < LIMIT_RESOLVE_PAGES; n++) {
			const char *nx = ap_link_id(json_object_get(page, "next"));

			if ((*listed = resolve_lists(page, actor_id)) || !nx || str_eq(nx, next))
				break;
			free(next);
			next = xstrdup(nx);
			json_decref(page);
			page = NULL;
			if ((rc = fetch_object(ctx, next, &page, NULL, err)))
				break;
		}
	}
	free(next);
	json_decref(page);
	json_decref(coll);
	return rc;
}
