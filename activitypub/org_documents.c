/*
 * The documents of organisation actors (see org_documents.h). An
 * organisation hosted here is what a statement's signers are: an actor of
 * type Organization, whose Follow of a statement actor is a signature and
 * whose Endorse names the statement post it puts its name to.
 */
#include "activitypub/org_documents.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activitypub/documents.h"
#include "crypto/digest.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

#define AS_CONTEXT "https://www.w3.org/ns/activitystreams"

static const char *nz(const char *s)
{
	return s ? s : "";
}

char *orgdoc_url(const struct config *cfg, const char *slug, const char *suffix)
{
	return xasprintf("%s/o/%s%s", nz(cfg->base_url), nz(slug), nz(suffix));
}

static json_t *url_of(const struct config *cfg, const struct organisation *o, const char *suffix)
{
	char *u = orgdoc_url(cfg, o->slug, suffix);
	json_t *j = doc_string(u);

	free(u);
	return j;
}

/* The summary as HTML: blank lines part paragraphs, a newline is <br>, all escaped. */
static char *summary_html(const char *text)
{
	struct buf b;
	const char *p = nz(text);
	bool open = false;
	int bad = 0;

	buf_init(&b, LIMIT_SMALL_DOC_BYTES * 2);
	while (*p) {
		size_t line = strcspn(p, "\n");
		char *piece = xstrndup(p, line);

		if (line == 0 || strspn(piece, " \t\r") == line) {
			if (open)
				bad |= buf_addstr(&b, "</p>");
			open = false;
		} else {
			bad |= buf_addstr(&b, open ? "<br>" : "<p>");
			bad |= buf_add_html(&b, piece);
			open = true;
		}
		free(piece);
		p += line;
		if (*p == '\n')
			p++;
	}
	if (open)
		bad |= buf_addstr(&b, "</p>");
	if (bad) {
		buf_release(&b);
		return xstrdup("");
	}
	return buf_detach(&b);
}

/* A "Website" field whose value links the site with rel="me", as Mastodon shows it. */
static json_t *website_field(const char *url)
{
	struct buf b;
	json_t *f;
	int bad = 0;

	buf_init(&b, LIMIT_SMALL_DOC_BYTES);
	bad |= buf_addstr(&b, "<a href=\"");
	bad |= buf_add_html(&b, url);
	bad |= buf_addstr(&b, "\" rel=\"me nofollow noopener\" target=\"_blank\">");
	bad |= buf_add_html(&b, url);
	bad |= buf_addstr(&b, "</a>");
	f = bad ? NULL
		: json_pack("{s:s, s:s, s:o}", "type", "PropertyValue", "name", "Website", "value",
			    doc_string(buf_str(&b)));
	buf_release(&b);
	return f;
}

static json_t *shared_inbox(const struct config *cfg)
{
	char *u = xasprintf("%s/inbox", nz(cfg->base_url));
	json_t *j = doc_string(u);

	free(u);
	return j;
}

static json_t *actor_build(const struct config *cfg, const struct organisation *o)
{
	json_t *a = json_object();
	json_t *key = json_object();
	json_t *fields = json_array();
	char *bio = summary_html(o->summary);

	json_object_set_new(a, "id", url_of(cfg, o, ""));
	json_object_set_new(a, "type", json_string("Organization"));
	json_object_set_new(a, "preferredUsername", doc_string(o->slug));
	json_object_set_new(a, "name", doc_string(o->name));
	json_object_set_new(a, "summary", doc_string(bio));
	json_object_set_new(a, "url", url_of(cfg, o, ""));
	json_object_set_new(a, "inbox", url_of(cfg, o, "/inbox"));
	json_object_set_new(a, "outbox", url_of(cfg, o, "/outbox"));
	json_object_set_new(a, "followers", url_of(cfg, o, "/followers"));
	json_object_set_new(a, "following", url_of(cfg, o, "/following"));
	json_object_set_new(a, "endorsed", url_of(cfg, o, "/endorsed"));
	json_object_set_new(a, "endpoints",
			    json_pack("{s:o}", "sharedInbox", shared_inbox(cfg)));
	json_object_set_new(key, "id", url_of(cfg, o, "#main-key"));
	json_object_set_new(key, "owner", url_of(cfg, o, ""));
	json_object_set_new(key, "publicKeyPem", doc_string(o->public_pem));
	json_object_set_new(a, "publicKey", key);
	json_object_set_new(a, "manuallyApprovesFollowers", json_false());
	json_object_set_new(a, "discoverable", json_true());
	json_object_set_new(a, "indexable", json_true());
	json_object_set_new(a, "published", doc_time(o->published));
	json_object_set_new(a, "updated",
			    doc_time(o->updated > o->published ? o->updated : o->published));
	if (o->url && *o->url) {
		json_t *f = website_field(o->url);

		if (f)
			json_array_append_new(fields, f);
	}
	json_object_set_new(a, "attachment", fields);
	free(bio);
	return a;
}

json_t *orgdoc_actor(const struct config *cfg, const struct organisation *o)
{
	return doc_with_context(actor_build(cfg, o));
}

json_t *orgdoc_update(const struct config *cfg, const struct organisation *o)
{
	char *suffix = xasprintf("#updates/%lld", (long long)o->updated);
	json_t *u = json_object();

	json_object_set_new(u, "id", url_of(cfg, o, suffix));
	json_object_set_new(u, "type", json_string("Update"));
	json_object_set_new(u, "actor", url_of(cfg, o, ""));
	json_object_set_new(u, "to", json_pack("[s]", AS_PUBLIC));
	json_object_set_new(u, "cc", json_pack("[o]", url_of(cfg, o, "/followers")));
	json_object_set_new(u, "object", actor_build(cfg, o));
	free(suffix);
	return doc_with_context(u);
}

/*
 * What we send carries the ActivityStreams context only. "Endorse" is then a
 * plain name, read as plain JSON (as Undersigned and most servers do): a
 * context that maps it to our IRI makes strict JSON-LD readers such as Fedify
 * refuse the activity (400, "Invalid type"), and a refused delivery is dropped.
 */
/* The Endorse without @context (embedded in its Undo as it was sent). */
static json_t *endorse_build(const struct config *cfg, const struct organisation *o,
			     const struct endorsement *e)
{
	json_t *a = json_object();

	json_object_set_new(a, "id", doc_string(e->endorse_id));
	json_object_set_new(a, "type", json_string("Endorse"));
	json_object_set_new(a, "actor", url_of(cfg, o, ""));
	json_object_set_new(a, "object", doc_string(e->post_id));
	json_object_set_new(a, "to", json_pack("[o]", doc_string(e->statement_actor)));
	json_object_set_new(a, "cc", json_pack("[s]", AS_PUBLIC));
	json_object_set_new(a, "published", doc_time(e->signed_at));
	return a;
}

static json_t *follow_build(const struct config *cfg, const struct organisation *o,
			    const struct endorsement *e)
{
	json_t *a = json_object();

	json_object_set_new(a, "id", doc_string(e->follow_id));
	json_object_set_new(a, "type", json_string("Follow"));
	json_object_set_new(a, "actor", url_of(cfg, o, ""));
	json_object_set_new(a, "object", doc_string(e->statement_actor));
	return a;
}

/* context (consumed) first, then body's members (body consumed). */
static json_t *with(json_t *context, json_t *body)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "@context", context);
	json_object_update(doc, body);
	json_decref(body);
	return doc;
}

json_t *orgdoc_endorse(const struct config *cfg, const struct organisation *o,
		       const struct endorsement *e)
{
	return with(json_string(AS_CONTEXT), endorse_build(cfg, o, e));
}

json_t *orgdoc_follow(const struct config *cfg, const struct organisation *o,
		      const struct endorsement *e)
{
	return with(json_string(AS_CONTEXT), follow_build(cfg, o, e));
}

json_t *orgdoc_undo(const struct config *cfg, const struct organisation *o,
		    const struct endorsement *e, bool endorse)
{
	json_t *inner = endorse ? endorse_build(cfg, o, e) : follow_build(cfg, o, e);
	char *id = xasprintf("%s/undo", endorse ? nz(e->endorse_id) : nz(e->follow_id));
	json_t *u = json_object();

	json_object_set_new(u, "id", doc_string(id));
	json_object_set_new(u, "type", json_string("Undo"));
	json_object_set_new(u, "actor", url_of(cfg, o, ""));
	json_object_set_new(u, "to", json_pack("[o]", doc_string(e->statement_actor)));
	json_object_set_new(u, "object", inner);
	free(id);
	return with(json_string(AS_CONTEXT), u);
}

json_t *orgdoc_accept(const struct config *cfg, const struct organisation *o, json_t *follow)
{
	const char *source = json_string_value(json_object_get(follow, "id"));
	unsigned char sum[SHA256_LEN];
	char hash[2 * 16 + 1], *suffix;
	json_t *a = json_object();

	/* A stable id per Follow: the same Follow again is answered by the same Accept. */
	digest_sha256(nz(source), strlen(nz(source)), sum);
	for (int i = 0; i < 16; i++)
		snprintf(hash + 2 * i, 3, "%02x", sum[i]);
	suffix = xasprintf("#accepts/%s", hash);
	json_object_set_new(a, "id", url_of(cfg, o, suffix));
	json_object_set_new(a, "type", json_string("Accept"));
	json_object_set_new(a, "actor", url_of(cfg, o, ""));
	json_object_set_new(a, "object", json_incref(follow));
	free(suffix);
	return with(json_string(AS_CONTEXT), a);
}

json_t *orgdoc_endorsed_item(const struct config *cfg, const struct organisation *o,
			     const struct endorsement *e)
{
	json_t *item = endorse_build(cfg, o, e);

	json_object_del(item, "cc");
	if (e->title && *e->title)
		json_object_set_new(item, "name", doc_string(e->title));
	if (e->handle && *e->handle)
		json_object_set_new(item, "undersigned:handle", doc_string(e->handle));
	json_object_set_new(item, "undersigned:state", doc_string(e->state));
	return item;
}

json_t *orgdoc_endorsed_page(const struct config *cfg, const struct organisation *o,
			     const char *what, int64_t page, int64_t total,
			     const struct endorsement *list, size_t n)
{
	char *suffix = xasprintf("/%s", nz(what));
	char *id = orgdoc_url(cfg, o->slug, suffix);
	json_t *items = json_array();
	json_t *p;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, orgdoc_endorsed_item(cfg, o, &list[i]));
	p = doc_collection_page(id, page, total, items);
	free(id);
	free(suffix);
	return p;
}

json_t *orgdoc_webfinger(const struct config *cfg, const char *slug)
{
	char *actor = orgdoc_url(cfg, slug, "");
	char *subject = xasprintf("acct:%s@%s", nz(slug), nz(cfg->authority));
	json_t *j;

	j = json_pack("{s:o, s:[o], s:[{s:s, s:s, s:o}, {s:s, s:s, s:o}]}", "subject",
		      doc_string(subject), "aliases", doc_string(actor), "links", "rel", "self",
		      "type", "application/activity+json", "href", doc_string(actor), "rel",
		      "http://webfinger.net/rel/profile-page", "type", "text/html", "href",
		      doc_string(actor));
	free(subject);
	free(actor);
	return j;
}
