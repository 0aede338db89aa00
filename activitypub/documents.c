/*
 * The JSON documents we serve, built from plain data (see documents.h).
 *
 * Why the statement actor is a "Service". Mastodon accepts Person, Service,
 * Group, Organization and Application actors and shows them all as
 * followable accounts. A statement is none of these exactly, so the choice
 * is about what readers see and what peers do with it:
 * - Service is shown with Mastodon's "Automated" badge. That is honest: the
 *   account posts and edits by itself and its replies are machine-written.
 *   It changes nothing else: Service accounts can be followed, their posts
 *   can trend (Trends::Statuses checks discoverable, not bot), mentions and
 *   replies reach them as for anyone.
 * - Person would present a document as a human being.
 * - Group triggers group behaviour elsewhere (Lemmy, Friendica and FEP-1b12
 *   servers expect a group to boost what mentions it), and people mentioning
 *   the statement to sign it would expect their post to be re-shared.
 * - Organization is the type of the *signers*: a Follow from an Organization
 *   actor is a signature. Giving statements that type would make one
 *   Undersigned statement following another look like a signature, and
 *   would blur the one rule signers have to understand.
 * Application is for the instance actor (B/actor), as Mastodon does.
 */
#include "activitypub/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/version.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"

/* Room kept after the signatory list for "and N more" and "How to sign". */
#define POST_TAIL_RESERVE 4096

#define NODEINFO_REL "http://nodeinfo.diaspora.software/ns/schema/2.1"
#define GTS_NS "https://gotosocial.org/ns#"
#define FEP_044F_NS "https://w3id.org/fep/044f#"
#define OSTATUS_SUBSCRIBE_REL "http://ostatus.org/schema/1.0/subscribe"
#define DAY_S (24 * 60 * 60)

/* ---- small helpers ---- */

/* A JSON string from s (NULL gives ""), repairing invalid UTF-8 that jansson would refuse. */
static json_t *jstr(const char *s)
{
	json_t *j;
	char *fixed;

	if (!s)
		s = "";
	j = json_string(s);
	if (j)
		return j;
	fixed = utf8_repair_dup(s);
	j = json_string(fixed);
	free(fixed);
	return j;
}

/* Like jstr, taking ownership of s. */
static json_t *jstr_take(char *s)
{
	json_t *j = jstr(s);

	free(s);
	return j;
}

static json_t *jtime(int64_t t)
{
	char iso[TIME_STR_MAX];

	time_to_iso((time_t)t, iso);
	return json_string(iso);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool is_http_url(const char *s)
{
	return str_istarts(s, "https://") || str_istarts(s, "http://");
}

static const char *sign_word(const struct config *cfg)
{
	return cfg->sign_word && *cfg->sign_word ? cfg->sign_word : "sign";
}

/* The host of an authority: "[::1]:8080" -> "::1", "a.example:8080" -> "a.example". Caller frees. */
static char *authority_host(const char *authority)
{
	const char *a = nz(authority);
	const char *colon;

	if (a[0] == '[') {
		const char *end = strchr(a, ']');

		return end ? xstrndup(a + 1, (size_t)(end - a - 1)) : xstrdup(a);
	}
	colon = strchr(a, ':');
	if (colon && !strchr(colon + 1, ':'))
		return xstrndup(a, (size_t)(colon - a));
	return xstrdup(a);
}

/* A context term whose value is an IRI: {"@id": id, "@type": "@id"}. */
static json_t *id_term(const char *id)
{
	return json_pack("{s:s, s:s}", "@id", id, "@type", "@id");
}

/* The JSON-LD context of every ActivityPub document we serve. */
static json_t *context(void)
{
	json_t *terms = json_object();
	json_t *featured = json_object();
	json_t *signatures = json_object();

	json_object_set_new(featured, "@id", json_string("toot:featured"));
	json_object_set_new(featured, "@type", json_string("@id"));
	json_object_set_new(signatures, "@id", json_string("undersigned:signatures"));
	json_object_set_new(signatures, "@type", json_string("@id"));

	json_object_set_new(terms, "toot", json_string("http://joinmastodon.org/ns#"));
	json_object_set_new(terms, "discoverable", json_string("toot:discoverable"));
	json_object_set_new(terms, "indexable", json_string("toot:indexable"));
	json_object_set_new(terms, "memorial", json_string("toot:memorial"));
	json_object_set_new(terms, "attributionDomains", id_term("toot:attributionDomains"));
	json_object_set_new(terms, "featured", featured);
	json_object_set_new(terms, "manuallyApprovesFollowers",
			    json_string("as:manuallyApprovesFollowers"));
	json_object_set_new(terms, "sensitive", json_string("as:sensitive"));
	/* Mastodon's (technically wrong but universal) mapping of schema.org */
	json_object_set_new(terms, "schema", json_string("http://schema.org#"));
	json_object_set_new(terms, "PropertyValue", json_string("schema:PropertyValue"));
	json_object_set_new(terms, "value", json_string("schema:value"));
	json_object_set_new(terms, "undersigned", json_string(UNDERSIGNED_NS));
	json_object_set_new(terms, "signatures", signatures);
	/* what an organisation actor hosted here signed, and the activity it signs with */
	json_object_set_new(terms, "endorsed",
			    json_pack("{s:s, s:s}", "@id", "undersigned:endorsed", "@type", "@id"));
	json_object_set_new(terms, "Endorse", json_string("undersigned:Endorse"));
	/* quotes (FEP-044f) with GoToSocial's interaction policies, as Mastodon 4.5 names them */
	json_object_set_new(terms, "gts", json_string(GTS_NS));
	json_object_set_new(terms, "interactionPolicy", id_term("gts:interactionPolicy"));
	json_object_set_new(terms, "canQuote", id_term("gts:canQuote"));
	json_object_set_new(terms, "automaticApproval", id_term("gts:automaticApproval"));
	json_object_set_new(terms, "interactingObject", id_term("gts:interactingObject"));
	json_object_set_new(terms, "interactionTarget", id_term("gts:interactionTarget"));
	json_object_set_new(terms, "QuoteRequest", json_string(FEP_044F_NS "QuoteRequest"));
	json_object_set_new(terms, "QuoteAuthorization",
			    json_string(FEP_044F_NS "QuoteAuthorization"));

	return json_pack("[s, s, o]", "https://www.w3.org/ns/activitystreams",
			 "https://w3id.org/security/v1", terms);
}

/* A document with @context first, then body's members; body is consumed. */
static json_t *with_context(json_t *body)
{
	json_t *doc;

	if (!body)
		return NULL;
	doc = json_object();
	json_object_set_new(doc, "@context", context());
	json_object_update(doc, body);
	json_decref(body);
	return doc;
}

char *doc_url(const struct config *cfg, const char *slug, const char *suffix)
{
	return xasprintf("%s/s/%s%s", nz(cfg->base_url), nz(slug), nz(suffix));
}

char *doc_dump(const json_t *doc)
{
	if (!doc)
		return NULL;
	return json_dumps(doc, JSON_COMPACT);
}

json_t *doc_string(const char *s)
{
	return jstr(s);
}

json_t *doc_time(int64_t t)
{
	return jtime(t);
}

json_t *doc_with_context(json_t *body)
{
	return with_context(body);
}

/* A string array of one URL. */
static json_t *one(json_t *value)
{
	json_t *a = json_array();

	json_array_append_new(a, value);
	return a;
}

/* ---- text shared by the actor and the post ---- */

/*
 * The actor's name: the title when short; else its head before a separator
 * ("Hands off Venezuela NOW! - Joint statement of ...") when that is a
 * reasonable name; else the title cut at a word with an ellipsis.
 */
static char *display_name(const char *title)
{
	static const char *const seps[] = { " - ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", ": ",
					    " | " };
	char *fixed = utf8_repair_dup(title);
	char *cut;
	size_t i;

	if (utf8_chars(fixed) <= LIMIT_ACTOR_NAME_CHARS)
		return fixed;
	for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		char *at = strstr(fixed, seps[i]);
		char *head;
		size_t chars;

		if (!at)
			continue;
		head = xstrndup(fixed, (size_t)(at - fixed));
		chars = utf8_chars(head);
		if (chars >= 8 && chars <= LIMIT_ACTOR_NAME_CHARS) {
			free(fixed);
			return head;
		}
		free(head);
	}
	cut = utf8_cut_dup(fixed, LIMIT_ACTOR_NAME_CHARS);
	free(fixed);
	return cut;
}

/* @slug@authority as a Mastodon-style mention link. Returns buf status. */
static int add_mention(struct buf *b, const struct config *cfg, const char *slug)
{
	char *actor = doc_url(cfg, slug, "");
	int bad = 0;

	bad |= buf_addstr(b, "<span class=\"h-card\"><a href=\"");
	bad |= buf_add_html(b, actor);
	bad |= buf_addstr(b, "\" class=\"u-url mention\">@<span>");
	bad |= buf_add_html(b, slug);
	bad |= buf_addch(b, '@');
	bad |= buf_add_html(b, nz(cfg->authority));
	bad |= buf_addstr(b, "</span></a></span>");
	free(actor);
	return bad;
}

static int add_link(struct buf *b, const char *url)
{
	int bad = 0;

	bad |= buf_addstr(b, "<a href=\"");
	bad |= buf_add_html(b, url);
	bad |= buf_addstr(b, "\">");
	bad |= buf_add_html(b, url);
	bad |= buf_addstr(b, "</a>");
	return bad;
}

/* The "How to sign" paragraph of the post, by policy. */
static int add_how_to_sign(struct buf *b, const struct config *cfg, const struct statement *s)
{
	char *page = doc_url(cfg, s->slug, "");
	int bad = 0;

	if (str_eq(s->policy, "closed")) {
		bad |= buf_addstr(b, "<p><strong>This statement is closed for signatures.</strong> "
				     "The full list is at ");
		bad |= add_link(b, page);
		bad |= buf_addstr(b, "</p>");
		goto out;
	}
	bad |= buf_addstr(b, "<p><strong>How to sign:</strong> from your organisation&#39;s "
			     "fediverse account, post a public mention of ");
	bad |= add_mention(b, cfg, s->slug);
	bad |= buf_addstr(b, " with the word \xe2\x80\x9c");
	bad |= buf_add_html(b, sign_word(cfg));
	bad |= buf_addstr(b, "\xe2\x80\x9d. Accounts of type Organization can also sign by "
			     "following it, or with an Endorse activity.");
	if (str_eq(s->policy, "review"))
		bad |= buf_addstr(b, " Each signature is reviewed before it is listed.");
	bad |= buf_addstr(b, " Signatories: ");
	bad |= add_link(b, page);
	bad |= buf_addstr(b, "</p>");
out:
	free(page);
	return bad;
}

/* One signatory as a list item of the post: "Name, Country (@handle)". */
static int add_signatory_li(struct buf *b, const struct signatory *sig)
{
	char *name = utf8_cut_dup(sig->name, LIMIT_NAME_DISPLAY_CHARS);
	const char *link = is_http_url(sig->url) ? sig->url :
			   is_http_url(sig->actor_id) ? sig->actor_id :
							NULL;
	int bad = 0;

	bad |= buf_addstr(b, "<li>");
	bad |= buf_add_html(b, name);
	if (sig->country && *sig->country) {
		char *country = utf8_cut_dup(sig->country, LIMIT_NAME_DISPLAY_CHARS);

		bad |= buf_addstr(b, ", ");
		bad |= buf_add_html(b, country);
		free(country);
	}
	if (sig->actor_id && sig->handle && *sig->handle) {
		char *handle = utf8_cut_dup(sig->handle, LIMIT_NAME_DISPLAY_CHARS);

		bad |= buf_addstr(b, " (");
		if (link) {
			bad |= buf_addstr(b, "<a href=\"");
			bad |= buf_add_html(b, link);
			bad |= buf_addstr(b, "\">");
		}
		bad |= buf_add_html(b, handle);
		if (link)
			bad |= buf_addstr(b, "</a>");
		bad |= buf_addch(b, ')');
		free(handle);
	}
	bad |= buf_addstr(b, "</li>");
	free(name);
	return bad;
}

/*
 * The post's HTML in one language: title, dateline, text (t's, or the
 * statement's own when t is NULL), "revised" and "closed" notes, the
 * signatories (the same in every language) and how to sign, in at most max
 * bytes. NULL when the text itself does not fit.
 */
static char *note_html(const struct config *cfg, const struct statement_view *v,
		       const struct statement_text *t, size_t max)
{
	const struct statement *s = v->s;
	const char *title = t ? t->title : s->title;
	const char *dateline = t ? t->dateline : s->dateline;
	struct buf b, li;
	int64_t total, more;
	size_t i, shown = 0;
	int bad = 0;

	buf_init(&b, max);
	buf_init(&li, POST_TAIL_RESERVE);
	bad |= buf_addstr(&b, "<p><strong>");
	bad |= buf_add_html(&b, nz(title));
	bad |= buf_addstr(&b, "</strong></p>");
	if (dateline && *dateline) {
		bad |= buf_addstr(&b, "<p>");
		bad |= buf_add_html(&b, dateline);
		bad |= buf_addstr(&b, "</p>");
	}
	if (v->revised > 0) {
		char day[TIME_STR_MAX];

		time_to_date((time_t)v->revised, day);
		bad |= buf_printf(&b, "<p><em>Revised on %s.</em></p>", day);
	}
	if (str_eq(s->policy, "closed"))
		bad |= buf_addstr(&b, "<p><strong>Closed for signatures.</strong></p>");
	/* trusted: made by our importer from the coordinator's file */
	bad |= buf_addstr(&b, nz(t ? t->content_html : s->content_html));
	if (bad)
		goto out;

	if (v->n_signatories) {
		bad |= buf_addstr(&b, "<p><strong>Signed by:</strong></p><ol>");
		for (i = 0; i < v->n_signatories && !bad; i++) {
			buf_reset(&li);
			if (add_signatory_li(&li, &v->signatories[i]))
				break; /* one absurd item: stop the list here */
			if (b.len + li.len + POST_TAIL_RESERVE > LIMIT_POST_HTML_BYTES)
				break;
			bad |= buf_add(&b, li.data, li.len);
			shown++;
		}
		bad |= buf_addstr(&b, "</ol>");
	}
	total = v->signatures_approved > (int64_t)v->n_signatories ? v->signatures_approved :
								       (int64_t)v->n_signatories;
	more = total - (int64_t)shown;
	if (more > 0 && shown > 0) {
		char *page = doc_url(cfg, s->slug, "");

		bad |= buf_printf(&b, "<p>\xe2\x80\xa6 and %lld more: ", (long long)more);
		bad |= add_link(&b, page);
		bad |= buf_addstr(&b, "</p>");
		free(page);
	}
	bad |= add_how_to_sign(&b, cfg, s);
out:
	buf_release(&li);
	if (bad) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

char *doc_note_html(const struct config *cfg, const struct statement_view *v)
{
	return note_html(cfg, v, NULL, LIMIT_POST_HTML_BYTES);
}

/* ---- the actor ---- */

static char *actor_summary(const struct config *cfg, const struct statement *s)
{
	struct buf b;
	int bad = 0;

	buf_init(&b, LIMIT_SMALL_DOC_BYTES);
	if (s->summary && *s->summary) {
		char *cut = utf8_cut_dup(s->summary, LIMIT_ACTOR_SUMMARY_CHARS);

		bad |= buf_addstr(&b, "<p>");
		bad |= buf_add_html(&b, cut);
		bad |= buf_addstr(&b, "</p>");
		free(cut);
	}
	if (str_eq(s->policy, "closed")) {
		bad |= buf_addstr(&b, "<p>Closed for signatures.</p>");
	} else {
		bad |= buf_addstr(&b, "<p>Sign: mention ");
		bad |= add_mention(&b, cfg, s->slug);
		bad |= buf_addstr(&b, " with \xe2\x80\x9c");
		bad |= buf_add_html(&b, sign_word(cfg));
		bad |= buf_addstr(&b, "\xe2\x80\x9d from your organisation&#39;s account.</p>");
	}
	if (bad) {
		/* only a summary of absurd size gets here: serve the bio without it */
		buf_release(&b);
		return xstrdup("");
	}
	return buf_detach(&b);
}

static json_t *property(const char *name, json_t *value)
{
	json_t *p = json_object();

	json_object_set_new(p, "type", json_string("PropertyValue"));
	json_object_set_new(p, "name", json_string(name));
	json_object_set_new(p, "value", value);
	return p;
}

static json_t *actor_build(const struct config *cfg, const struct statement_view *v)
{
	const struct statement *s = v->s;
	char *id = doc_url(cfg, s->slug, "");
	json_t *a = json_object();
	json_t *icon = json_object();
	json_t *endpoints = json_object();
	json_t *key = json_object();
	json_t *fields = json_array();
	const char *signing;
	struct buf link;

	json_object_set_new(a, "id", jstr(id));
	json_object_set_new(a, "type", json_string("Service"));
	json_object_set_new(a, "preferredUsername", jstr(s->slug));
	json_object_set_new(a, "name", jstr_take(display_name(nz(s->title))));
	json_object_set_new(a, "summary", jstr_take(actor_summary(cfg, s)));
	json_object_set_new(a, "url", jstr(id));

	json_object_set_new(icon, "type", json_string("Image"));
	json_object_set_new(icon, "mediaType", json_string("image/png"));
	json_object_set_new(icon, "url", jstr_take(doc_url(cfg, s->slug, "/icon.png")));
	json_object_set_new(a, "icon", icon);

	json_object_set_new(a, "inbox", jstr_take(doc_url(cfg, s->slug, "/inbox")));
	json_object_set_new(a, "outbox", jstr_take(doc_url(cfg, s->slug, "/outbox")));
	json_object_set_new(a, "followers", jstr_take(doc_url(cfg, s->slug, "/followers")));
	json_object_set_new(a, "following", jstr_take(doc_url(cfg, s->slug, "/following")));
	json_object_set_new(a, "featured", jstr_take(doc_url(cfg, s->slug, "/featured")));
	json_object_set_new(a, "signatures", jstr_take(doc_url(cfg, s->slug, "/signatures")));
	json_object_set_new(endpoints, "sharedInbox",
			    jstr_take(xasprintf("%s/inbox", nz(cfg->base_url))));
	json_object_set_new(a, "endpoints", endpoints);

	json_object_set_new(key, "id", jstr_take(doc_url(cfg, s->slug, "#main-key")));
	json_object_set_new(key, "owner", jstr(id));
	json_object_set_new(key, "publicKeyPem", jstr(s->public_pem));
	json_object_set_new(a, "publicKey", key);

	json_object_set_new(a, "manuallyApprovesFollowers", json_false());
	json_object_set_new(a, "discoverable", json_true());
	json_object_set_new(a, "indexable", json_true());
	json_object_set_new(a, "memorial", json_false());
	json_object_set_new(a, "published", jtime(s->published));
	/*
	 * The page's fediverse:creator tag names this actor; Mastodon honours
	 * it only for pages on a domain the actor lists here (4.4+).
	 */
	json_object_set_new(a, "attributionDomains",
			    one(jstr_take(authority_host(cfg->authority))));

	json_array_append_new(fields, property("Signatures",
					       jstr_take(xasprintf("%lld", (long long)v->signatures_approved))));
	signing = str_eq(s->policy, "closed") ? "closed" :
		  str_eq(s->policy, "review") ? "open, each signature reviewed" :
						"open";
	json_array_append_new(fields, property("Signing", json_string(signing)));
	buf_init(&link, LIMIT_SMALL_DOC_BYTES);
	if (add_link(&link, id) == 0)
		json_array_append_new(fields, property("Web page", jstr(buf_str(&link))));
	buf_release(&link);
	json_object_set_new(a, "attachment", fields);
	free(id);
	return a;
}

json_t *doc_actor(const struct config *cfg, const struct statement_view *v)
{
	return with_context(actor_build(cfg, v));
}

/* ---- the post ---- */

static json_t *reactions(const struct config *cfg, const char *slug, const char *which,
			 int64_t count)
{
	json_t *c = json_object();
	char *suffix = xasprintf("/post/%s", which);

	json_object_set_new(c, "id", jstr_take(doc_url(cfg, slug, suffix)));
	json_object_set_new(c, "type", json_string("Collection"));
	json_object_set_new(c, "totalItems", json_integer(count < 0 ? 0 : count));
	free(suffix);
	return c;
}

static json_t *audience_to(void)
{
	return one(json_string(AS_PUBLIC));
}

static json_t *audience_cc(const struct config *cfg, const char *slug)
{
	return one(jstr_take(doc_url(cfg, slug, "/followers")));
}

/*
 * The post's HTML in its own language (*html) and in each translation of v
 * (tr[i] for v->texts[i + 1]; NULL where it was left out). Every language
 * carries the whole post, and the Note (content and contentMap) must stay
 * within twice LIMIT_POST_HTML_BYTES, so that budget is shared: when a
 * language does not fit its share, translations are left out from the last.
 * False when even the statement's own text does not fit.
 */
static bool note_htmls(const struct config *cfg, const struct statement_view *v, char **html,
		       char ***tr)
{
	size_t n_tr = v->n_texts > 1 ? v->n_texts - 1 : 0;
	size_t k = n_tr + 1;

	*html = NULL;
	*tr = n_tr ? xcalloc(n_tr, sizeof(**tr)) : NULL;
	while (k-- > 0) {
		size_t max = 2 * (size_t)LIMIT_POST_HTML_BYTES / (k + 2), i;
		bool ok;

		*html = note_html(cfg, v, NULL, max);
		ok = *html != NULL;
		for (i = 0; ok && i < k; i++)
			ok = ((*tr)[i] = note_html(cfg, v, &v->texts[i + 1], max)) != NULL;
		if (ok)
			return true;
		free(*html);
		*html = NULL;
		for (i = 0; i < n_tr; i++) {
			free((*tr)[i]);
			(*tr)[i] = NULL;
		}
	}
	return false;
}

static json_t *note_build(const struct config *cfg, const struct statement_view *v)
{
	const struct statement *s = v->s;
	size_t n_tr = v->n_texts > 1 ? v->n_texts - 1 : 0;
	char *html = NULL, **tr = NULL;
	json_t *n;

	if (!note_htmls(cfg, v, &html, &tr)) {
		free(tr);
		return NULL;
	}
	n = json_object();
	json_object_set_new(n, "id", jstr_take(doc_url(cfg, s->slug, "/post")));
	json_object_set_new(n, "type", json_string("Note"));
	json_object_set_new(n, "attributedTo", jstr_take(doc_url(cfg, s->slug, "")));
	json_object_set_new(n, "to", audience_to());
	json_object_set_new(n, "cc", audience_cc(cfg, s->slug));
	json_object_set_new(n, "published", jtime(s->published));
	/* always set: Mastodon applies an Update(Note) only when `updated` moved */
	json_object_set_new(n, "updated",
			    jtime(s->updated > s->published ? s->updated : s->published));
	json_object_set_new(n, "url", jstr_take(doc_url(cfg, s->slug, "")));
	json_object_set_new(n, "sensitive", json_false());
	json_object_set_new(n, "content", jstr(html));
	if (s->lang && *s->lang) {
		json_t *map = json_object();

		/* the first key becomes the post's language on Mastodon: the statement's own */
		json_object_set_new(map, s->lang, jstr(html));
		for (size_t i = 0; i < n_tr; i++)
			if (tr[i] && v->texts[i + 1].lang && *v->texts[i + 1].lang)
				json_object_set_new(map, v->texts[i + 1].lang, jstr(tr[i]));
		json_object_set_new(n, "contentMap", map);
	}
	for (size_t i = 0; i < n_tr; i++)
		free(tr[i]);
	free(tr);
	json_object_set_new(n, "tag", json_array());
	/* embedded with counts: Mastodon 4.4+ shows these totals (a URI is not read) */
	json_object_set_new(n, "likes", reactions(cfg, s->slug, "likes", v->likes));
	json_object_set_new(n, "shares", reactions(cfg, s->slug, "shares", v->shares));
	/*
	 * Anyone may quote it, approved at once: without a canQuote policy
	 * Mastodon (4.5+) lets nobody quote a post. A QuoteRequest is answered
	 * with an Accept and a QuoteAuthorization (handle_quote.c).
	 */
	json_object_set_new(n, "interactionPolicy",
			    json_pack("{s:{s:[s]}}", "canQuote", "automaticApproval", AS_PUBLIC));
	free(html);
	return n;
}

json_t *doc_note(const struct config *cfg, const struct statement_view *v)
{
	return with_context(note_build(cfg, v));
}

static json_t *create_build(const struct config *cfg, const struct statement_view *v)
{
	const struct statement *s = v->s;
	json_t *note = note_build(cfg, v);
	json_t *c;

	if (!note)
		return NULL;
	c = json_object();
	json_object_set_new(c, "id", jstr_take(doc_url(cfg, s->slug, "/post/activity")));
	json_object_set_new(c, "type", json_string("Create"));
	json_object_set_new(c, "actor", jstr_take(doc_url(cfg, s->slug, "")));
	json_object_set_new(c, "published", jtime(s->published));
	json_object_set_new(c, "to", audience_to());
	json_object_set_new(c, "cc", audience_cc(cfg, s->slug));
	json_object_set_new(c, "object", note);
	return c;
}

json_t *doc_create(const struct config *cfg, const struct statement_view *v)
{
	return with_context(create_build(cfg, v));
}

json_t *doc_update_note(const struct config *cfg, const struct statement_view *v)
{
	const struct statement *s = v->s;
	json_t *note = note_build(cfg, v);
	json_t *u;
	char *suffix;

	if (!note)
		return NULL;
	suffix = xasprintf("/post#updates/%lld", (long long)s->updated);
	u = json_object();
	json_object_set_new(u, "id", jstr_take(doc_url(cfg, s->slug, suffix)));
	json_object_set_new(u, "type", json_string("Update"));
	json_object_set_new(u, "actor", jstr_take(doc_url(cfg, s->slug, "")));
	json_object_set_new(u, "published",
			    jtime(s->updated > s->published ? s->updated : s->published));
	json_object_set_new(u, "to", audience_to());
	json_object_set_new(u, "cc", audience_cc(cfg, s->slug));
	json_object_set_new(u, "object", note);
	free(suffix);
	return with_context(u);
}

json_t *doc_update_actor(const struct config *cfg, const struct statement_view *v)
{
	const struct statement *s = v->s;
	char *suffix = xasprintf("#updates/%lld", (long long)s->updated);
	json_t *u = json_object();

	json_object_set_new(u, "id", jstr_take(doc_url(cfg, s->slug, suffix)));
	json_object_set_new(u, "type", json_string("Update"));
	json_object_set_new(u, "actor", jstr_take(doc_url(cfg, s->slug, "")));
	json_object_set_new(u, "to", audience_to());
	json_object_set_new(u, "object", actor_build(cfg, v));
	free(suffix);
	return with_context(u);
}

/* ---- collections ---- */

int64_t doc_page_count(int64_t total)
{
	if (total <= 0)
		return 1;
	return (total + LIMIT_PAGE_ITEMS - 1) / LIMIT_PAGE_ITEMS;
}

bool doc_page_valid(int64_t page, int64_t total)
{
	return page >= 1 && page <= doc_page_count(total);
}

size_t doc_page_offset(int64_t page)
{
	return page < 1 ? 0 : (size_t)(page - 1) * LIMIT_PAGE_ITEMS;
}

json_t *doc_collection(const char *id, int64_t total)
{
	json_t *c = json_object();

	json_object_set_new(c, "id", jstr(id));
	json_object_set_new(c, "type", json_string("OrderedCollection"));
	json_object_set_new(c, "totalItems", json_integer(total < 0 ? 0 : total));
	/* always a first page: without one Mastodon hides the counts */
	json_object_set_new(c, "first", jstr_take(xasprintf("%s?page=1", nz(id))));
	return with_context(c);
}

json_t *doc_collection_page(const char *id, int64_t page, int64_t total, json_t *items)
{
	json_t *p = json_object();

	if (page < 1)
		page = 1;
	json_object_set_new(p, "id", jstr_take(xasprintf("%s?page=%lld", nz(id), (long long)page)));
	json_object_set_new(p, "type", json_string("OrderedCollectionPage"));
	json_object_set_new(p, "partOf", jstr(id));
	json_object_set_new(p, "totalItems", json_integer(total < 0 ? 0 : total));
	json_object_set_new(p, "orderedItems", items ? items : json_array());
	if (page < doc_page_count(total))
		json_object_set_new(p, "next", jstr_take(xasprintf("%s?page=%lld", nz(id),
								    (long long)page + 1)));
	if (page > 1)
		json_object_set_new(p, "prev", jstr_take(xasprintf("%s?page=%lld", nz(id),
								    (long long)page - 1)));
	return with_context(p);
}

json_t *doc_outbox_page(const struct config *cfg, const struct statement_view *v, int64_t page)
{
	char *id = doc_url(cfg, v->s->slug, "/outbox");
	json_t *items = json_array();
	json_t *p;

	if (page == 1) {
		json_t *create = create_build(cfg, v);

		if (create)
			json_array_append_new(items, create);
	}
	p = doc_collection_page(id, page, 1, items);
	free(id);
	return p;
}

json_t *doc_followers_page(const struct config *cfg, const char *slug, int64_t page,
			   int64_t total, char *const *ids, size_t n)
{
	char *id = doc_url(cfg, slug, "/followers");
	json_t *items = json_array();
	json_t *p;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(items, jstr(ids[i]));
	p = doc_collection_page(id, page, total, items);
	free(id);
	return p;
}

/* The signer's actor type as ActivityStreams names it; an organisation when unknown. */
static const char *signer_type(const char *t)
{
	static const char *const known[] = { "Organization", "Person", "Service", "Group",
					     "Application" };

	for (size_t i = 0; t && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(t, known[i]) == 0)
			return known[i];
	return "Organization";
}

json_t *doc_signatory(const struct signatory *sig)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(sig->actor_id ? signer_type(sig->actor_type) :
								   "Organization"));
	if (sig->actor_id) {
		json_object_set_new(o, "id", jstr(sig->actor_id));
		json_object_set_new(o, "name", jstr(sig->name));
		if (sig->url && *sig->url)
			json_object_set_new(o, "url", jstr(sig->url));
		if (sig->handle && *sig->handle)
			json_object_set_new(o, "undersigned:handle", jstr(sig->handle));
		if (sig->how && *sig->how)
			json_object_set_new(o, "undersigned:how", jstr(sig->how));
		json_object_set_new(o, "published", jtime(sig->signed_at));
		json_object_set_new(o, "undersigned:domainVerified",
				    json_boolean(sig->domain_verified));
	} else {
		json_object_set_new(o, "name", jstr(sig->name));
		json_object_set_new(o, "undersigned:imported", json_true());
	}
	if (sig->country && *sig->country) {
		json_t *place = json_object();

		json_object_set_new(place, "type", json_string("Place"));
		json_object_set_new(place, "name", jstr(sig->country));
		json_object_set_new(o, "location", place);
	}
	return o;
}

json_t *doc_signatures_page(const struct config *cfg, const char *slug, int64_t page,
			    int64_t total, const struct signatory *sigs, size_t n)
{
	char *id = doc_url(cfg, slug, "/signatures");
	json_t *items = json_array();
	json_t *p;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(items, doc_signatory(&sigs[i]));
	p = doc_collection_page(id, page, total, items);
	free(id);
	return p;
}

json_t *doc_featured(const struct config *cfg, const struct statement_view *v)
{
	json_t *c = json_object();
	json_t *items = json_array();
	json_t *note = note_build(cfg, v);

	if (note)
		json_array_append_new(items, note);
	json_object_set_new(c, "id", jstr_take(doc_url(cfg, v->s->slug, "/featured")));
	json_object_set_new(c, "type", json_string("OrderedCollection"));
	json_object_set_new(c, "totalItems", json_integer((json_int_t)json_array_size(items)));
	json_object_set_new(c, "orderedItems", items);
	return with_context(c);
}

json_t *doc_reactions(const struct config *cfg, const char *slug, const char *which,
		      int64_t count)
{
	return with_context(reactions(cfg, slug, which, count));
}

json_t *doc_quote_authorization(const struct config *cfg, const char *slug, int64_t id,
				const char *quote_post)
{
	char *suffix = xasprintf("/quotes/%lld", (long long)id);
	json_t *q = json_object();

	json_object_set_new(q, "id", jstr_take(doc_url(cfg, slug, suffix)));
	json_object_set_new(q, "type", json_string("QuoteAuthorization"));
	json_object_set_new(q, "attributedTo", jstr_take(doc_url(cfg, slug, "")));
	json_object_set_new(q, "interactingObject", jstr(quote_post));
	json_object_set_new(q, "interactionTarget", jstr_take(doc_url(cfg, slug, "/post")));
	free(suffix);
	return with_context(q);
}

/* ---- discovery ---- */

static json_t *jrd_link(const char *rel, const char *type, json_t *href)
{
	json_t *l = json_object();

	json_object_set_new(l, "rel", json_string(rel));
	json_object_set_new(l, "type", json_string(type));
	json_object_set_new(l, "href", href);
	return l;
}

json_t *doc_webfinger(const struct config *cfg, const char *slug)
{
	json_t *j = json_object();
	json_t *links = json_array();
	char *actor = doc_url(cfg, slug, "");

	json_object_set_new(j, "subject",
			    jstr_take(xasprintf("acct:%s@%s", nz(slug), nz(cfg->authority))));
	/* the actor id is also the web page (content negotiation): one alias */
	json_object_set_new(j, "aliases", one(jstr(actor)));
	json_array_append_new(links, jrd_link("self", "application/activity+json", jstr(actor)));
	json_array_append_new(links, jrd_link("http://webfinger.net/rel/profile-page",
					      "text/html", jstr(actor)));
	/* As Mastodon's: where to send someone who wants to interact with {uri} from here. */
	json_array_append_new(links,
			      json_pack("{s:s, s:o}", "rel", OSTATUS_SUBSCRIBE_REL, "template",
					jstr_take(xasprintf("%s/authorize_interaction?uri={uri}",
							    nz(cfg->base_url)))));
	json_object_set_new(j, "links", links);
	free(actor);
	return j;
}

json_t *doc_webfinger_instance(const struct config *cfg)
{
	json_t *j = json_object();
	json_t *links = json_array();
	char *host = authority_host(cfg->authority);
	char *actor = xasprintf("%s/actor", nz(cfg->base_url));

	json_object_set_new(j, "subject",
			    jstr_take(xasprintf("acct:%s@%s", host, nz(cfg->authority))));
	json_object_set_new(j, "aliases", one(jstr(actor)));
	json_array_append_new(links, jrd_link("self", "application/activity+json", jstr(actor)));
	json_object_set_new(j, "links", links);
	free(actor);
	free(host);
	return j;
}

json_t *doc_nodeinfo_links(const struct config *cfg)
{
	json_t *j = json_object();
	json_t *link = json_object();

	json_object_set_new(link, "rel", json_string(NODEINFO_REL));
	json_object_set_new(link, "href", jstr_take(xasprintf("%s/nodeinfo/2.1", nz(cfg->base_url))));
	json_object_set_new(j, "links", one(link));
	return j;
}

json_t *doc_nodeinfo(const struct config *cfg, struct statement *const *list, size_t n,
		     int64_t now)
{
	json_t *j = json_object();
	json_t *software = json_object();
	json_t *services = json_object();
	json_t *usage = json_object();
	json_t *users = json_object();
	json_t *meta = json_object();
	int64_t month = 0, halfyear = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t t = list[i]->updated > list[i]->published ? list[i]->updated :
								    list[i]->published;

		if (t >= now - 30 * (int64_t)DAY_S)
			month++;
		if (t >= now - 180 * (int64_t)DAY_S)
			halfyear++;
	}
	json_object_set_new(j, "version", json_string("2.1"));
	json_object_set_new(software, "name", json_string("undersigned"));
	json_object_set_new(software, "version", json_string(UNDERSIGNED_VERSION));
	json_object_set_new(j, "software", software);
	json_object_set_new(j, "protocols", one(json_string("activitypub")));
	json_object_set_new(services, "inbound", json_array());
	json_object_set_new(services, "outbound", json_array());
	json_object_set_new(j, "services", services);
	json_object_set_new(j, "openRegistrations", json_false());
	json_object_set_new(users, "total", json_integer((json_int_t)n));
	json_object_set_new(users, "activeMonth", json_integer(month));
	json_object_set_new(users, "activeHalfyear", json_integer(halfyear));
	json_object_set_new(usage, "users", users);
	json_object_set_new(usage, "localPosts", json_integer((json_int_t)n));
	json_object_set_new(j, "usage", usage);
	json_object_set_new(meta, "nodeName", jstr(cfg->authority));
	json_object_set_new(meta, "nodeDescription",
			    json_string("Joint statements of organisations, published to the "
					"fediverse and signed from it (Undersigned)."));
	json_object_set_new(j, "metadata", meta);
	return j;
}

char *doc_host_meta(const struct config *cfg)
{
	struct buf b;
	int bad = 0;

	buf_init(&b, LIMIT_SMALL_DOC_BYTES);
	bad |= buf_addstr(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n"
			      "  <Link rel=\"lrdd\" type=\"application/jrd+json\" template=\"");
	bad |= buf_add_html(&b, nz(cfg->base_url));
	bad |= buf_addstr(&b, "/.well-known/webfinger?resource={uri}\"/>\n</XRD>\n");
	if (bad) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* ---- the instance actor and errors ---- */

json_t *doc_instance_actor(const struct config *cfg, const char *public_pem)
{
	const char *b = nz(cfg->base_url);
	char *id = xasprintf("%s/actor", b);
	char *host = authority_host(cfg->authority);
	json_t *a = json_object();
	json_t *key = json_object();
	json_t *endpoints = json_object();

	json_object_set_new(a, "id", jstr(id));
	json_object_set_new(a, "type", json_string("Application"));
	json_object_set_new(a, "preferredUsername", jstr(host));
	json_object_set_new(a, "name", jstr_take(xasprintf("Statements on %s", nz(cfg->authority))));
	/* The index: following it brings an Announce of each new statement (publish.c). */
	json_object_set_new(a, "summary",
			    json_string("<p>The index of this Undersigned server: follow it to "
					"hear of each new joint statement published here. It also "
					"signs the requests the server makes.</p>"));
	json_object_set_new(a, "url", jstr_take(xasprintf("%s/", b)));
	json_object_set_new(a, "inbox", jstr_take(xasprintf("%s/actor/inbox", b)));
	json_object_set_new(a, "outbox", jstr_take(xasprintf("%s/actor/outbox", b)));
	json_object_set_new(a, "followers", jstr_take(xasprintf("%s/actor/followers", b)));
	json_object_set_new(endpoints, "sharedInbox", jstr_take(xasprintf("%s/inbox", b)));
	json_object_set_new(a, "endpoints", endpoints);
	json_object_set_new(key, "id", jstr_take(xasprintf("%s#main-key", id)));
	json_object_set_new(key, "owner", jstr(id));
	json_object_set_new(key, "publicKeyPem", jstr(public_pem));
	json_object_set_new(a, "publicKey", key);
	json_object_set_new(a, "manuallyApprovesFollowers", json_false());
	json_object_set_new(a, "discoverable", json_true());
	json_object_set_new(a, "indexable", json_false());
	free(host);
	free(id);
	return with_context(a);
}

static json_t *announce_build(const struct config *cfg, const char *slug, int64_t published)
{
	const char *b = nz(cfg->base_url);
	json_t *a = json_object();
	json_t *cc = json_array();

	json_object_set_new(a, "id", jstr_take(xasprintf("%s/actor#announces/%s", b, nz(slug))));
	json_object_set_new(a, "type", json_string("Announce"));
	json_object_set_new(a, "actor", jstr_take(xasprintf("%s/actor", b)));
	json_object_set_new(a, "published", jtime(published));
	json_object_set_new(a, "to", audience_to());
	json_array_append_new(cc, jstr_take(xasprintf("%s/actor/followers", b)));
	json_array_append_new(cc, jstr_take(doc_url(cfg, slug, "")));
	json_object_set_new(a, "cc", cc);
	json_object_set_new(a, "object", jstr_take(doc_url(cfg, slug, "/post")));
	return a;
}

json_t *doc_announce_statement(const struct config *cfg, const char *slug, int64_t published)
{
	return with_context(announce_build(cfg, slug, published));
}

json_t *doc_index_outbox_page(const struct config *cfg, struct statement *const *list, size_t n,
			      int64_t page, int64_t total)
{
	char *id = xasprintf("%s/actor/outbox", nz(cfg->base_url));
	json_t *items = json_array();
	json_t *p;

	/* newest first, as outboxes are */
	for (size_t i = n; i-- > 0;)
		json_array_append_new(items, announce_build(cfg, list[i]->slug, list[i]->published));
	p = doc_collection_page(id, page, total, items);
	free(id);
	return p;
}

json_t *doc_tombstone(const struct config *cfg, const char *slug, const char *suffix,
		      const char *former_type, int64_t deleted)
{
	json_t *t = json_object();

	json_object_set_new(t, "id", jstr_take(doc_url(cfg, slug, suffix)));
	json_object_set_new(t, "type", json_string("Tombstone"));
	json_object_set_new(t, "formerType", json_string(former_type));
	json_object_set_new(t, "deleted", jtime(deleted));
	return with_context(t);
}

json_t *doc_delete_note(const struct config *cfg, const char *slug, int64_t deleted)
{
	json_t *d = json_object();
	json_t *t = json_object();

	json_object_set_new(t, "id", jstr_take(doc_url(cfg, slug, "/post")));
	json_object_set_new(t, "type", json_string("Tombstone"));
	json_object_set_new(t, "formerType", json_string("Note"));
	json_object_set_new(t, "deleted", jtime(deleted));
	json_object_set_new(d, "id", jstr_take(doc_url(cfg, slug, "/post#delete")));
	json_object_set_new(d, "type", json_string("Delete"));
	json_object_set_new(d, "actor", jstr_take(doc_url(cfg, slug, "")));
	json_object_set_new(d, "published", jtime(deleted));
	json_object_set_new(d, "to", audience_to());
	json_object_set_new(d, "cc", audience_cc(cfg, slug));
	json_object_set_new(d, "object", t);
	return with_context(d);
}

json_t *doc_delete_actor(const struct config *cfg, const char *slug, int64_t deleted)
{
	json_t *d = json_object();

	json_object_set_new(d, "id", jstr_take(doc_url(cfg, slug, "#delete")));
	json_object_set_new(d, "type", json_string("Delete"));
	json_object_set_new(d, "actor", jstr_take(doc_url(cfg, slug, "")));
	json_object_set_new(d, "published", jtime(deleted));
	json_object_set_new(d, "to", audience_to());
	json_object_set_new(d, "object", jstr_take(doc_url(cfg, slug, "")));
	return with_context(d);
}

json_t *doc_error(const char *message)
{
	json_t *j = json_object();

	json_object_set_new(j, "error", jstr(message));
	return j;
}

json_t *doc_context_document(void)
{
	json_t *signatures = json_pack("{s:s, s:s}", "@id", "undersigned:signatures", "@type", "@id");
	json_t *endorsed = json_pack("{s:s, s:s}", "@id", "undersigned:endorsed", "@type", "@id");

	return json_pack("{s:{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s}}", "@context", "undersigned",
			 UNDERSIGNED_NS, "Endorse", "undersigned:Endorse", "signatures", signatures,
			 "endorsed", endorsed, "handle", "undersigned:handle", "how",
			 "undersigned:how", "imported", "undersigned:imported", "domainVerified",
			 "undersigned:domainVerified");
}
