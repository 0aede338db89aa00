/*
 * Atom and RSS feeds (see feeds.h). One bounded buffer per feed; an entry
 * that would pass LIMIT_FEED_BYTES ends the feed there (built apart first,
 * so the feed never holds half an entry).
 */
#include "server/feeds.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"
#include "util/utf8.h"

#define ATOM_NS		   "http://www.w3.org/2005/Atom"
#define FEED_SUMMARY_CHARS 500
/* One entry at most: room for the statement's whole text as escaped HTML. */
#define FEED_ENTRY_BYTES (LIMIT_STATEMENT_HTML_BYTES * 2)

static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool is_http_url(const char *s)
{
	return str_istarts(s, "https://") || str_istarts(s, "http://");
}

/*
 * s escaped for XML text and attribute values: & < > " ' as entities;
 * invalid UTF-8 repaired; C0 controls other than tab, LF, CR and the
 * non-characters U+FFFE and U+FFFF, which XML 1.0 forbids even as
 * references, left out.
 */
static int xml_add(struct buf *b, const char *s)
{
	char *fixed = utf8_repair_dup(s);
	const unsigned char *p = (const unsigned char *)fixed;
	int bad = 0;

	for (; *p && !bad; p++) {
		const char *rep = NULL;

		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			continue;
		if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
			p += 2;
			continue;
		}
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		}
		bad |= rep ? buf_addstr(b, rep) : buf_addch(b, (char)*p);
	}
	free(fixed);
	return bad;
}

/* <name>escaped text</name> */
static int xml_elem(struct buf *b, const char *name, const char *text)
{
	int bad = 0;

	bad |= buf_printf(b, "<%s>", name);
	bad |= xml_add(b, text);
	bad |= buf_printf(b, "</%s>\n", name);
	return bad;
}

static int xml_time(struct buf *b, const char *name, int64_t t, enum feed_kind kind)
{
	char when[TIME_STR_MAX];

	/* Atom: RFC 3339; RSS: RFC 822 (the HTTP date form is one). */
	if (kind == FEED_ATOM)
		time_to_iso((time_t)t, when);
	else
		time_to_http((time_t)t, when);
	return xml_elem(b, name, when);
}

static int add_prolog(struct buf *b, enum feed_kind kind, const char *lang)
{
	int bad = buf_addstr(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");

	if (kind == FEED_ATOM) {
		bad |= buf_addstr(b, "<feed xmlns=\"" ATOM_NS "\" xml:lang=\"");
		bad |= xml_add(b, lang && *lang ? lang : "en");
		bad |= buf_addstr(b, "\">\n");
	} else {
		bad |=
		    buf_addstr(b, "<rss version=\"2.0\" xmlns:atom=\"" ATOM_NS "\">\n<channel>\n");
	}
	return bad;
}

/* The feed's head: title, its own URL (self), the page it mirrors, its time, its author. */
static int add_head(struct buf *b, const struct config *cfg, enum feed_kind kind, const char *title,
		    const char *description, const char *self, const char *page, const char *lang,
		    int64_t updated)
{
	int bad = 0;

	bad |= xml_elem(b, "title", title);
	if (kind == FEED_ATOM) {
		bad |= xml_elem(b, "subtitle", description);
		bad |= xml_elem(b, "id", self);
		bad |= buf_addstr(b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"");
		bad |= xml_add(b, self);
		bad |= buf_addstr(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
		bad |= xml_add(b, page);
		bad |= buf_addstr(b, "\"/>\n");
		bad |= xml_time(b, "updated", updated, kind);
		bad |= buf_addstr(b, "<author><name>");
		bad |= xml_add(b, nz(cfg->authority));
		bad |= buf_addstr(b, "</name></author>\n<generator>Undersigned</generator>\n");
	} else {
		bad |= xml_elem(b, "link", page);
		bad |= xml_elem(b, "description", description);
		bad |=
		    buf_addstr(b, "<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
		bad |= xml_add(b, self);
		bad |= buf_addstr(b, "\"/>\n");
		if (lang && *lang)
			bad |= xml_elem(b, "language", lang);
		bad |= xml_time(b, "lastBuildDate", updated, kind);
		bad |= buf_addstr(b, "<generator>Undersigned</generator>\n");
	}
	return bad;
}

static int add_tail(struct buf *b, enum feed_kind kind)
{
	return buf_addstr(b, kind == FEED_ATOM ? "</feed>\n" : "</channel>\n</rss>\n");
}

/* One entry (Atom) or item (RSS). html: the content as HTML, escaped here. */
struct entry {
	const char *title;
	const char *id;
	const char *link;
	const char *summary; /* plain text, may be NULL */
	const char *html;
	const char *lang; /* may be NULL */
	int64_t published;
	int64_t updated;
};

static int add_entry(struct buf *b, enum feed_kind kind, const struct entry *e)
{
	int bad = 0;

	if (kind == FEED_ATOM) {
		bad |= buf_addstr(b, "<entry");
		if (e->lang && *e->lang) {
			bad |= buf_addstr(b, " xml:lang=\"");
			bad |= xml_add(b, e->lang);
			bad |= buf_addch(b, '"');
		}
		bad |= buf_addstr(b, ">\n");
		bad |= xml_elem(b, "title", e->title);
		bad |= xml_elem(b, "id", e->id);
		bad |= buf_addstr(b, "<link rel=\"alternate\" type=\"text/html\" href=\"");
		bad |= xml_add(b, e->link);
		bad |= buf_addstr(b, "\"/>\n");
		bad |= xml_time(b, "published", e->published, kind);
		bad |= xml_time(b, "updated", e->updated, kind);
		if (e->summary && *e->summary)
			bad |= xml_elem(b, "summary", e->summary);
		bad |= buf_addstr(b, "<content type=\"html\">");
		bad |= xml_add(b, e->html);
		bad |= buf_addstr(b, "</content>\n</entry>\n");
	} else {
		bool permalink = str_eq(e->id, e->link);

		bad |= buf_addstr(b, "<item>\n");
		bad |= xml_elem(b, "title", e->title);
		bad |= xml_elem(b, "link", e->link);
		bad |= buf_printf(b, "<guid isPermaLink=\"%s\">", permalink ? "true" : "false");
		bad |= xml_add(b, e->id);
		bad |= buf_addstr(b, "</guid>\n");
		bad |= xml_time(b, "pubDate", e->published, kind);
		bad |= xml_elem(b, "description", e->html);
		bad |= buf_addstr(b, "</item>\n");
	}
	return bad;
}

enum fit { FIT_OK, FIT_SKIP, FIT_FULL };

/* Append entry to b: FIT_SKIP when the entry alone is too big, FIT_FULL when the feed is. */
static enum fit add_entry_bounded(struct buf *b, struct buf *one, enum feed_kind kind,
				  const struct entry *e)
{
	buf_reset(one);
	if (add_entry(one, kind, e))
		return FIT_SKIP;
	/* keep room for the closing tags */
	if (b->len + one->len + 64 > LIMIT_FEED_BYTES)
		return FIT_FULL;
	return buf_add(b, one->data, one->len) ? FIT_FULL : FIT_OK;
}

static char *finish(struct buf *b, int bad)
{
	if (bad) {
		buf_release(b);
		return NULL;
	}
	return buf_detach(b);
}

/* ---- the statements ---- */

char *feed_statements(const struct config *cfg, struct statement *const *list,
		      const int64_t *signatures, size_t n, int64_t now, enum feed_kind kind)
{
	char *self = xasprintf("%s/feed.%s", nz(cfg->base_url), kind == FEED_ATOM ? "atom" : "rss");
	char *page = xasprintf("%s/", nz(cfg->base_url));
	char *title = xasprintf("Statements on %s", nz(cfg->authority));
	struct buf b, one, html;
	int64_t updated = 0;
	size_t i, shown = 0;
	int bad = 0;

	for (i = 0; i < n; i++) {
		int64_t t =
		    list[i]->updated > list[i]->published ? list[i]->updated : list[i]->published;

		if (t > updated)
			updated = t;
	}
	buf_init(&b, LIMIT_FEED_BYTES);
	buf_init(&one, FEED_ENTRY_BYTES);
	buf_init(&html, FEED_ENTRY_BYTES);
	bad |= add_prolog(&b, kind, "en");
	bad |= add_head(&b, cfg, kind, title,
			"Joint statements of organisations, signed from their fediverse accounts.",
			self, page, "en", updated ? updated : now);
	/* newest first: the store lists them oldest first */
	for (i = n; i-- > 0 && shown < LIMIT_FEED_ITEMS && !bad;) {
		const struct statement *s = list[i];
		char *link = xasprintf("%s/s/%s", nz(cfg->base_url), nz(s->slug));
		char *summary = utf8_cut_dup(nz(s->summary), FEED_SUMMARY_CHARS);
		struct entry e = {
			.title = nz(s->title),
			.id = link,
			.link = link,
			.summary = summary,
			.lang = s->lang,
			.published = s->published,
			.updated = s->updated > s->published ? s->updated : s->published,
		};
		enum fit fit = FIT_OK;
		int big = 0;

		buf_reset(&html);
		if (s->dateline && *s->dateline) {
			big |= buf_addstr(&html, "<p>");
			big |= buf_add_html(&html, s->dateline);
			big |= buf_addstr(&html, "</p>");
		}
		/* trusted: made by our importer from the coordinator's file */
		big |= buf_addstr(&html, nz(s->content_html));
		if (signatures)
			big |= buf_printf(&html, "<p>%lld %s so far.</p>", (long long)signatures[i],
					  signatures[i] == 1 ? "signature" : "signatures");
		e.html = buf_str(&html);
		fit = big ? FIT_SKIP : add_entry_bounded(&b, &one, kind, &e);
		free(summary);
		free(link);
		if (fit == FIT_FULL)
			break;
		if (fit == FIT_OK)
			shown++;
	}
	bad |= add_tail(&b, kind);
	buf_release(&html);
	buf_release(&one);
	free(title);
	free(page);
	free(self);
	return finish(&b, bad);
}

/* ---- the signatories of one statement ---- */

/* A stranger's text as HTML, cut to LIMIT_NAME_DISPLAY_CHARS. */
static int add_cut(struct buf *h, const char *text)
{
	char *cut = utf8_cut_dup(text, LIMIT_NAME_DISPLAY_CHARS);
	int bad = buf_add_html(h, cut);

	free(cut);
	return bad;
}

/* "<p>NAME (@handle), from SERVER, signed “TITLE”. Its domain is verified.</p>" */
static int signatory_html(struct buf *h, const struct statement *s, const struct signatory *sig)
{
	struct url u;
	int bad = 0;

	bad |= buf_addstr(h, "<p>");
	bad |= add_cut(h, nz(sig->name));
	if (sig->country && *sig->country) {
		bad |= buf_addstr(h, ", ");
		bad |= add_cut(h, sig->country);
	}
	if (sig->handle && *sig->handle) {
		bad |= buf_addstr(h, " (");
		bad |= add_cut(h, sig->handle);
		bad |= buf_addch(h, ')');
	}
	if (sig->actor_id && url_parse(sig->actor_id, &u, NULL) == 0) {
		bad |= buf_addstr(h, ", from ");
		bad |= buf_add_html(h, u.authority);
		url_release(&u);
	}
	bad |= buf_addstr(h, ", signed \xe2\x80\x9c");
	bad |= buf_add_html(h, nz(s->title));
	bad |= buf_addstr(h, "\xe2\x80\x9d.");
	if (sig->domain_verified)
		bad |= buf_addstr(
		    h, " Its domain is verified: its website links back to the "
		       "account, or the account is on the organisation&#39;s own domain.");
	bad |= buf_addstr(h, "</p>");
	return bad;
}

char *feed_signatories(const struct config *cfg, const struct statement *s,
		       const struct signatory *sigs, size_t n, int64_t now, enum feed_kind kind)
{
	char *page = xasprintf("%s/s/%s", nz(cfg->base_url), nz(s->slug));
	char *self = xasprintf("%s/signatures.%s", page, kind == FEED_ATOM ? "atom" : "rss");
	char *title = xasprintf("New signatories: %s", nz(s->title));
	char *description = xasprintf("Organisations that signed \xe2\x80\x9c%s\xe2\x80\x9d from "
				      "their fediverse accounts, newest first.",
				      nz(s->title));
	struct buf b, one, html;
	size_t i, shown = 0;
	int bad = 0;

	buf_init(&b, LIMIT_FEED_BYTES);
	buf_init(&one, FEED_ENTRY_BYTES);
	buf_init(&html, FEED_ENTRY_BYTES);
	bad |= add_prolog(&b, kind, s->lang);
	bad |= add_head(&b, cfg, kind, title, description, self, page, s->lang,
			n ? sigs[0].signed_at : (s->published ? s->published : now));
	for (i = 0; i < n && shown < LIMIT_FEED_ITEMS && !bad; i++) {
		const struct signatory *sig = &sigs[i];
		char *name = utf8_cut_dup(nz(sig->name), LIMIT_NAME_DISPLAY_CHARS);
		char *entry_title = xasprintf("%s signed", name);
		char *id = xasprintf("%s/signatures#%lld", page, (long long)sig->id);
		const char *link = is_http_url(sig->url)	? sig->url
				   : is_http_url(sig->actor_id) ? sig->actor_id
								: page;
		struct entry e = {
			.title = entry_title,
			.id = id,
			.link = link,
			.lang = s->lang,
			.published = sig->signed_at,
			.updated = sig->signed_at,
		};
		enum fit fit;

		buf_reset(&html);
		fit = signatory_html(&html, s, sig) ? FIT_SKIP : FIT_OK;
		e.html = buf_str(&html);
		if (fit == FIT_OK)
			fit = add_entry_bounded(&b, &one, kind, &e);
		free(id);
		free(entry_title);
		free(name);
		if (fit == FIT_FULL)
			break;
		if (fit == FIT_OK)
			shown++;
	}
	bad |= add_tail(&b, kind);
	buf_release(&html);
	buf_release(&one);
	free(description);
	free(title);
	free(self);
	free(page);
	return finish(&b, bad);
}
