/*
 * HTML pages (see pages.h). Built into one bounded buffer; every append's
 * status is or-ed into `bad`, since a buffer that passed its limit is empty
 * again and later appends would otherwise build a page with a hole in it.
 */
#include "server/pages.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/lang.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"
#include "util/utf8.h"

/* Room kept after the signatory list for the rest of the page. */
#define PAGE_TAIL_RESERVE 16384
/* og:description and <meta name=description> are short previews. */
#define PAGE_PREVIEW_CHARS 300
/* An error message is ours, but keep the page small whatever it says. */
#define ERROR_MESSAGE_CHARS 500

static const char page_css[] =
	":root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfc;--muted:#4f4f4f;"
	"--link:#0b57d0;--box:#eef6f1;--edge:#2e6b4f;--line:#d8d8d8}"
	"@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#141414;--muted:#b4b4b4;"
	"--link:#8ab4f8;--box:#1d2a23;--edge:#6fbf95;--line:#3a3a3a}}"
	"*{box-sizing:border-box}"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:1.0625rem/1.6 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif}"
	"main,footer{max-width:40rem;margin:0 auto;padding:0 1rem}"
	"a{color:var(--link)}"
	"h1{font-size:1.6rem;line-height:1.25;margin:2rem 0 .5rem}"
	"h2{font-size:1.2rem;margin:2rem 0 .5rem}.box h2{margin-top:.75rem}"
	".dateline,.muted{color:var(--muted)}"
	".dateline{margin-top:0}"
	".text{overflow-wrap:break-word}"
	".counts{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;list-style:none;padding:.75rem 0;"
	"margin:1.5rem 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line)}"
	".box{background:var(--box);border-left:4px solid var(--edge);padding:.25rem 1rem;"
	"margin:1.5rem 0;border-radius:.25rem}"
	"code{font-size:.95em;overflow-wrap:anywhere}"
	"code.copy{user-select:all;-webkit-user-select:all;background:var(--bg);padding:.1rem .35rem;"
	"border:1px solid var(--line);border-radius:.25rem}"
	"form{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 1rem}"
	"label{flex-basis:100%}"
	"input{flex:1 1 12rem;font:inherit;padding:.45rem .6rem;border:1px solid var(--muted);"
	"border-radius:.25rem;background:var(--bg);color:var(--fg)}"
	"button{font:inherit;padding:.45rem 1rem;border:0;border-radius:.25rem;"
	"background:var(--edge);color:#fff;cursor:pointer}"
	"@media (prefers-color-scheme:dark){button{color:#0b140f}}"
	".signatories li{margin:.2rem 0}"
	".tag{font-size:.85em;color:var(--muted)}.tag.ok{color:var(--edge)}"
	".signatories li.imported{margin-top:1rem}"
	".statements{list-style:none;padding:0}.statements li{margin:1.25rem 0}"
	".langs{margin:1rem 0 0;font-size:.95rem}.revised{color:var(--muted);margin-top:0}"
	".closed{background:var(--box);border-left:4px solid var(--muted);padding:.5rem 1rem;"
	"border-radius:.25rem}"
	"footer{margin:3rem auto 2rem;font-size:.9rem;color:var(--muted);"
	"border-top:1px solid var(--line);padding-top:1rem}";

static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool is_http_url(const char *s)
{
	return str_istarts(s, "https://") || str_istarts(s, "http://");
}

/* Escaped text of s cut to max_chars characters. */
static int add_cut(struct buf *b, const char *s, size_t max_chars)
{
	char *cut = utf8_cut_dup(s, max_chars);
	int bad = buf_add_html(b, cut);

	free(cut);
	return bad;
}

/* <meta property|name="key" content="value">, value escaped. */
static int add_meta(struct buf *b, const char *attr, const char *key, const char *value)
{
	int bad = 0;

	bad |= buf_printf(b, "<meta %s=\"%s\" content=\"", attr, key);
	bad |= buf_add_html(b, value);
	bad |= buf_addstr(b, "\">\n");
	return bad;
}

/* From <!doctype> to the end of <head>, and <body><main>. extra: more head lines (trusted). */
static int add_head(struct buf *b, const char *lang, const char *title, const char *extra)
{
	int bad = 0;

	bad |= buf_addstr(b, "<!doctype html>\n<html lang=\"");
	bad |= buf_add_html(b, lang && *lang ? lang : "en");
	bad |= buf_addstr(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
			     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			     "<title>");
	bad |= buf_add_html(b, title);
	bad |= buf_addstr(b, "</title>\n");
	bad |= buf_addstr(b, nz(extra));
	bad |= buf_addstr(b, "<style>");
	bad |= buf_addstr(b, page_css);
	bad |= buf_addstr(b, "</style>\n</head>\n<body>\n<main>\n");
	return bad;
}

static int add_foot(struct buf *b, const struct config *cfg)
{
	int bad = 0;

	bad |= buf_addstr(b, "</main>\n<footer><p>Published with Undersigned \xc2\xb7 <a href=\"");
	bad |= buf_add_html(b, nz(cfg->base_url));
	bad |= buf_addstr(b, "/\">All statements on ");
	bad |= buf_add_html(b, nz(cfg->authority));
	bad |= buf_addstr(b, "</a></p></footer>\n</body>\n</html>\n");
	return bad;
}

static char *finish(struct buf *b, int bad)
{
	if (bad) {
		buf_release(b);
		return NULL;
	}
	return buf_detach(b);
}

static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- the statement page ---- */

/*
 * <link rel="alternate"> to the feeds: the server's statements, and when
 * page is a statement's, its new signatories. title: the statement's (escaped here).
 */
static int add_feed_links(struct buf *b, const struct config *cfg, const char *page,
			  const char *title)
{
	static const struct {
		const char *ext, *type, *name;
	} kinds[] = { { "atom", "application/atom+xml", "Atom" },
		      { "rss", "application/rss+xml", "RSS" } };
	int bad = 0;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (page) {
			bad |= buf_printf(b, "<link rel=\"alternate\" type=\"%s\" title=\"",
					  kinds[i].type);
			bad |= buf_printf(b, "New signatories (%s): ", kinds[i].name);
			bad |= add_cut(b, title, LIMIT_NAME_DISPLAY_CHARS);
			bad |= buf_addstr(b, "\" href=\"");
			bad |= buf_add_html(b, page);
			bad |= buf_printf(b, "/signatures.%s\">\n", kinds[i].ext);
		}
		bad |= buf_printf(b, "<link rel=\"alternate\" type=\"%s\" title=\"Statements on ",
				  kinds[i].type);
		bad |= buf_add_html(b, nz(cfg->authority));
		bad |= buf_printf(b, " (%s)\" href=\"", kinds[i].name);
		bad |= buf_add_html(b, nz(cfg->base_url));
		bad |= buf_printf(b, "/feed.%s\">\n", kinds[i].ext);
	}
	return bad;
}

static int add_og(struct buf *b, const struct config *cfg, const struct statement *s,
		  const char *page, const char *actor)
{
	char *preview = utf8_cut_dup(nz(s->summary), PAGE_PREVIEW_CHARS);
	char *icon = xasprintf("%s/icon.png", page);
	char *creator;
	int bad = 0;

	bad |= add_meta(b, "name", "description", preview);
	bad |= add_meta(b, "property", "og:title", nz(s->title));
	bad |= add_meta(b, "property", "og:description", preview);
	bad |= add_meta(b, "property", "og:type", "article");
	bad |= add_meta(b, "property", "og:url", page);
	bad |= add_meta(b, "property", "og:site_name", nz(cfg->authority));
	bad |= add_meta(b, "property", "og:image", icon);
	if (s->lang && *s->lang)
		bad |= add_meta(b, "property", "og:locale", s->lang);
	bad |= add_meta(b, "name", "twitter:card", "summary");
	/* Mastodon's link previews show "More from" this account (it lists our domain). */
	creator = xasprintf("@%s@%s", nz(s->slug), nz(cfg->authority));
	bad |= add_meta(b, "name", "fediverse:creator", creator);
	free(creator);
	bad |= buf_addstr(b, "<link rel=\"alternate\" type=\"application/activity+json\" href=\"");
	bad |= buf_add_html(b, actor);
	bad |= buf_addstr(b, "\">\n<link rel=\"icon\" type=\"image/png\" href=\"");
	bad |= buf_add_html(b, icon);
	bad |= buf_addstr(b, "\">\n");
	bad |= add_feed_links(b, cfg, page, nz(s->title));
	free(icon);
	free(preview);
	return bad;
}

static int add_counts(struct buf *b, const struct statement_view *v)
{
	int bad = 0;

	bad |= buf_addstr(b, "<ul class=\"counts\">");
	bad |= buf_printf(b, "<li><strong>%lld</strong> %s</li>", (long long)v->signatures_approved,
			  plural(v->signatures_approved, "signature", "signatures"));
	bad |= buf_printf(b, "<li><strong>%lld</strong> %s</li>", (long long)v->followers,
			  plural(v->followers, "follower", "followers"));
	bad |= buf_printf(b, "<li><strong>%lld</strong> %s</li>", (long long)v->likes,
			  plural(v->likes, "favourite", "favourites"));
	bad |= buf_printf(b, "<li><strong>%lld</strong> %s</li>", (long long)v->shares,
			  plural(v->shares, "boost", "boosts"));
	bad |= buf_printf(b, "<li><strong>%lld</strong> %s</li>", (long long)v->quotes,
			  plural(v->quotes, "quote", "quotes"));
	bad |= buf_addstr(b, "</ul>\n");
	return bad;
}

static int add_sign_box(struct buf *b, const struct config *cfg, const struct statement *s)
{
	const char *word = cfg->sign_word && *cfg->sign_word ? cfg->sign_word : "sign";
	int bad = 0;

	bad |= buf_addstr(b, "<section class=\"box\" id=\"sign\">\n<h2>How to sign</h2>\n");
	if (str_eq(s->policy, "closed")) {
		bad |= buf_addstr(b, "<p>This statement is closed for signatures.</p>\n</section>\n");
		return bad;
	}
	bad |= buf_addstr(b, "<p>Sign from your organisation&#39;s own fediverse account "
			     "(Mastodon or any other server). Its address is:</p>\n"
			     "<p><code class=\"copy\">@");
	bad |= buf_add_html(b, nz(s->slug));
	bad |= buf_addch(b, '@');
	bad |= buf_add_html(b, nz(cfg->authority));
	bad |= buf_addstr(b, "</code></p>\n<ul>\n<li>Post a <strong>public</strong> message that "
			     "mentions this address and contains the word <strong>");
	bad |= buf_add_html(b, word);
	bad |= buf_addstr(b, "</strong>, for example: <code class=\"copy\">@");
	bad |= buf_add_html(b, nz(s->slug));
	bad |= buf_addch(b, '@');
	bad |= buf_add_html(b, nz(cfg->authority));
	bad |= buf_addch(b, ' ');
	bad |= buf_add_html(b, word);
	bad |= buf_addstr(b, "</code>. You get a reply when it is received; deleting your post "
			     "withdraws the signature.</li>\n"
			     "<li>If your account is of type <em>Organization</em> (for example one "
			     "made with Undersigned), following this address is enough.</li>\n</ul>\n");
	if (str_eq(s->policy, "review"))
		bad |= buf_addstr(b, "<p>The coordinators review each signature before it is "
				     "listed.</p>\n");
	bad |= buf_addstr(b, "</section>\n");
	return bad;
}

static int add_follow_form(struct buf *b, const struct config *cfg, const struct statement *s,
			   const char *actor)
{
	bool open = !str_eq(s->policy, "closed");
	int bad = 0;

	bad |= buf_addstr(b, "<section id=\"follow\">\n<h2>");
	bad |= buf_addstr(b, open ? "Follow or sign from your server" : "Follow from your server");
	bad |= buf_addstr(b, "</h2>\n<p>Type your fediverse address: your own server opens, to "
			     "follow this statement (its updates in your timeline)");
	if (open)
		bad |= buf_addstr(b, " or to sign it (a post that mentions it, ready for you to "
				     "send)");
	bad |= buf_addstr(b, ".</p>\n<form method=\"get\" action=\"");
	bad |= buf_add_html(b, nz(cfg->base_url));
	bad |= buf_addstr(b, "/authorize_interaction\">\n<input type=\"hidden\" name=\"uri\" value=\"");
	bad |= buf_add_html(b, actor);
	bad |= buf_addstr(b, "\">\n<label for=\"acct\">Your fediverse address</label>\n"
			     "<input id=\"acct\" name=\"acct\" type=\"text\" required "
			     "placeholder=\"you@your.server\" autocomplete=\"username\" "
			     "autocapitalize=\"none\" spellcheck=\"false\">\n"
			     "<button type=\"submit\" name=\"intent\" value=\"follow\">Follow</button>\n");
	if (open)
		bad |= buf_addstr(b, "<button type=\"submit\" name=\"intent\" value=\"sign\">Sign"
				     "</button>\n");
	bad |= buf_addstr(b, "</form>\n</section>\n");
	return bad;
}

/*
 * One signatory. Verified: its name linked to its profile (http(s) only),
 * its handle as WebFinger confirmed it, its server, and the domain mark.
 * Imported: marked as listed by the coordinator; the first of them after
 * verified ones opens a new group (class "imported").
 */
static int add_signatory(struct buf *b, const struct signatory *sig, bool opens_group)
{
	const char *link = is_http_url(sig->url) ? sig->url :
			   is_http_url(sig->actor_id) ? sig->actor_id :
							NULL;
	bool verified = sig->actor_id != NULL;
	struct url u;
	int bad = 0;

	bad |= buf_addstr(b, opens_group ? "<li class=\"imported\">" : "<li>");
	if (verified && link) {
		bad |= buf_addstr(b, "<a href=\"");
		bad |= buf_add_html(b, link);
		bad |= buf_addstr(b, "\" rel=\"nofollow ugc\">");
	}
	bad |= add_cut(b, nz(sig->name), LIMIT_NAME_DISPLAY_CHARS);
	if (verified && link)
		bad |= buf_addstr(b, "</a>");
	if (sig->country && *sig->country) {
		bad |= buf_addstr(b, ", ");
		bad |= add_cut(b, sig->country, LIMIT_NAME_DISPLAY_CHARS);
	}
	if (!verified) {
		bad |= buf_addstr(b, " <span class=\"tag\">listed by the coordinator</span></li>\n");
		return bad;
	}
	if (sig->handle && *sig->handle) {
		bad |= buf_addstr(b, " <code>");
		bad |= add_cut(b, sig->handle, LIMIT_NAME_DISPLAY_CHARS);
		bad |= buf_addstr(b, "</code>");
	}
	if (url_parse(sig->actor_id, &u, NULL) == 0) {
		bad |= buf_addstr(b, " <span class=\"tag\">signed from ");
		bad |= add_cut(b, u.authority, LIMIT_NAME_DISPLAY_CHARS);
		bad |= buf_addstr(b, "</span>");
		url_release(&u);
	} else {
		bad |= buf_addstr(b, " <span class=\"tag\">signed from the fediverse</span>");
	}
	if (sig->domain_verified)
		bad |= buf_addstr(b, " <span class=\"tag ok\" title=\"Its website links back to this "
				     "account, or its address is on its own domain\">\xe2\x9c\x93 domain "
				     "verified</span>");
	bad |= buf_addstr(b, "</li>\n");
	return bad;
}

static int add_signatories(struct buf *b, const struct config *cfg,
			   const struct statement_view *v)
{
	struct buf li;
	int64_t total, more;
	size_t i, shown = 0;
	int bad = 0;

	total = v->signatures_approved > (int64_t)v->n_signatories ? v->signatures_approved :
								       (int64_t)v->n_signatories;
	bad |= buf_printf(b, "<section id=\"signatories\">\n<h2>Signatories (%lld)</h2>\n",
			  (long long)total);
	if (!v->n_signatories) {
		bad |= buf_addstr(b, "<p class=\"muted\">No signatures yet.</p>\n</section>\n");
		return bad;
	}
	buf_init(&li, PAGE_TAIL_RESERVE);
	bad |= buf_addstr(b, "<ol class=\"signatories\">\n");
	for (i = 0; i < v->n_signatories && !bad; i++) {
		const struct signatory *sig = &v->signatories[i];
		bool opens_group = !sig->actor_id && i > 0 && v->signatories[i - 1].actor_id;

		buf_reset(&li);
		if (add_signatory(&li, sig, opens_group))
			break;
		if (b->len + li.len + PAGE_TAIL_RESERVE > LIMIT_PAGE_HTML_BYTES)
			break;
		bad |= buf_add(b, li.data, li.len);
		shown++;
	}
	buf_release(&li);
	bad |= buf_addstr(b, "</ol>\n");
	more = total - (int64_t)shown;
	if (more > 0) {
		char *coll = xasprintf("%s/s/%s/signatures", nz(cfg->base_url), nz(v->s->slug));

		bad |= buf_printf(b, "<p>\xe2\x80\xa6 and %lld more, in the <a href=\"", (long long)more);
		bad |= buf_add_html(b, coll);
		bad |= buf_addstr(b, "\">signatures collection</a>.</p>\n");
		free(coll);
	}
	bad |= buf_addstr(b, "</section>\n");
	return bad;
}

/*
 * The statement in every language: <link rel="alternate" hreflang> for each
 * (B/s/SLUG?lang=TAG) and x-default (the page as negotiated), in <head>.
 */
static int add_hreflang(struct buf *b, const char *page, const struct statement_view *v)
{
	int bad = 0;

	if (v->n_texts < 2)
		return 0;
	for (size_t i = 0; i < v->n_texts; i++) {
		bad |= buf_addstr(b, "<link rel=\"alternate\" hreflang=\"");
		bad |= buf_add_html(b, nz(v->texts[i].lang));
		bad |= buf_addstr(b, "\" href=\"");
		bad |= buf_add_html(b, page);
		bad |= buf_addstr(b, "?lang=");
		bad |= buf_add_urlenc(b, nz(v->texts[i].lang));
		bad |= buf_addstr(b, "\">\n");
	}
	bad |= buf_addstr(b, "<link rel=\"alternate\" hreflang=\"x-default\" href=\"");
	bad |= buf_add_html(b, page);
	bad |= buf_addstr(b, "\">\n");
	return bad;
}

/* A language's name for a reader: its own name, with the tag when it has a region or script. */
static int add_lang_name(struct buf *b, const char *tag)
{
	const char *name = lang_name(tag);
	int bad = 0;

	bad |= buf_add_html(b, name ? name : nz(tag));
	if (name && strchr(nz(tag), '-')) {
		bad |= buf_addstr(b, " (");
		bad |= buf_add_html(b, tag);
		bad |= buf_addch(b, ')');
	}
	return bad;
}

/* Links to the statement in each of its languages (the one shown is not a link). */
static int add_languages(struct buf *b, const char *page, const struct statement_view *v)
{
	int bad = 0;

	if (v->n_texts < 2)
		return 0;
	bad |= buf_addstr(b, "<nav class=\"langs\" aria-label=\"Languages\">");
	for (size_t i = 0; i < v->n_texts; i++) {
		const char *tag = nz(v->texts[i].lang);

		if (i)
			bad |= buf_addstr(b, " \xc2\xb7 ");
		if (i == v->chosen) {
			bad |= buf_addstr(b, "<strong lang=\"");
			bad |= buf_add_html(b, tag);
			bad |= buf_addstr(b, "\" aria-current=\"true\">");
			bad |= add_lang_name(b, tag);
			bad |= buf_addstr(b, "</strong>");
			continue;
		}
		bad |= buf_addstr(b, "<a href=\"");
		bad |= buf_add_html(b, page);
		bad |= buf_addstr(b, "?lang=");
		bad |= buf_add_urlenc(b, tag);
		bad |= buf_addstr(b, "\" hreflang=\"");
		bad |= buf_add_html(b, tag);
		bad |= buf_addstr(b, "\" lang=\"");
		bad |= buf_add_html(b, tag);
		bad |= buf_addstr(b, "\">");
		bad |= add_lang_name(b, tag);
		bad |= buf_addstr(b, "</a>");
	}
	bad |= buf_addstr(b, "</nav>\n");
	return bad;
}

/* "Revised on DATE · earlier versions", when the text was edited. */
static int add_revised(struct buf *b, const char *page, int64_t revised)
{
	char day[TIME_STR_MAX];
	int bad = 0;

	if (revised <= 0)
		return 0;
	time_to_date((time_t)revised, day);
	bad |= buf_printf(b, "<p class=\"revised\">Revised on %s \xc2\xb7 <a href=\"", day);
	bad |= buf_add_html(b, page);
	bad |= buf_addstr(b, "/versions\">earlier versions</a></p>\n");
	return bad;
}

char *page_statement(const struct config *cfg, const struct statement_view *v)
{
	const struct statement *s = v->s;
	char *page = xasprintf("%s/s/%s", nz(cfg->base_url), nz(s->slug));
	struct statement shown = *s; /* s in the reader's language */
	struct buf head, b;
	int bad = 0;

	if (v->n_texts && v->chosen < v->n_texts) {
		const struct statement_text *t = &v->texts[v->chosen];

		shown.lang = t->lang;
		shown.title = t->title;
		shown.dateline = t->dateline;
		shown.summary = t->summary;
		shown.content_html = t->content_html;
	}
	buf_init(&head, LIMIT_SMALL_DOC_BYTES);
	buf_init(&b, LIMIT_PAGE_HTML_BYTES);
	bad |= add_og(&head, cfg, &shown, page, page);
	bad |= add_hreflang(&head, page, v);
	bad |= add_head(&b, shown.lang, nz(shown.title), buf_str(&head));
	bad |= add_languages(&b, page, v);
	bad |= buf_addstr(&b, "<header>\n<h1>");
	bad |= buf_add_html(&b, nz(shown.title));
	bad |= buf_addstr(&b, "</h1>\n");
	if (shown.dateline && *shown.dateline) {
		bad |= buf_addstr(&b, "<p class=\"dateline\">");
		bad |= buf_add_html(&b, shown.dateline);
		bad |= buf_addstr(&b, "</p>\n");
	}
	bad |= add_revised(&b, page, v->revised);
	bad |= buf_addstr(&b, "</header>\n");
	if (str_eq(s->policy, "closed"))
		bad |= buf_addstr(&b, "<p class=\"closed\"><strong>Closed for signatures.</strong> "
				      "This statement takes no new signatures; the list below is "
				      "final.</p>\n");
	bad |= buf_addstr(&b, "<article class=\"text\" dir=\"auto\">\n");
	/* trusted: made by our importer from the coordinator's file */
	bad |= buf_addstr(&b, nz(shown.content_html));
	bad |= buf_addstr(&b, "\n</article>\n");
	bad |= add_counts(&b, v);
	bad |= add_sign_box(&b, cfg, s);
	if (!bad)
		bad |= add_signatories(&b, cfg, v);
	bad |= add_follow_form(&b, cfg, s, page);
	bad |= add_foot(&b, cfg);
	buf_release(&head);
	free(page);
	return finish(&b, bad);
}

/* ---- the index ---- */

char *page_index(const struct config *cfg, struct statement *const *list,
		 const int64_t *signatures, size_t n)
{
	char *title = xasprintf("Statements on %s", nz(cfg->authority));
	struct buf b, head;
	size_t i;
	int bad = 0;

	buf_init(&b, LIMIT_PAGE_HTML_BYTES);
	buf_init(&head, LIMIT_SMALL_DOC_BYTES);
	bad |= add_feed_links(&head, cfg, NULL, NULL);
	bad |= add_head(&b, "en", title, buf_str(&head));
	buf_release(&head);
	bad |= buf_addstr(&b, "<header>\n<h1>");
	bad |= buf_add_html(&b, title);
	bad |= buf_addstr(&b, "</h1>\n<p class=\"dateline\">Joint statements of organisations, "
			      "signed from their fediverse accounts.</p>\n</header>\n");
	if (!n)
		bad |= buf_addstr(&b, "<p class=\"muted\">No statements yet.</p>\n");
	else
		bad |= buf_addstr(&b, "<ul class=\"statements\">\n");
	for (i = 0; i < n && !bad; i++) {
		const struct statement *s = list[i];
		int64_t count = signatures ? signatures[i] : 0;

		bad |= buf_addstr(&b, "<li><a href=\"");
		bad |= buf_add_html(&b, nz(cfg->base_url));
		bad |= buf_addstr(&b, "/s/");
		bad |= buf_add_html(&b, nz(s->slug));
		bad |= buf_addstr(&b, "\"><strong>");
		bad |= buf_add_html(&b, nz(s->title));
		bad |= buf_addstr(&b, "</strong></a><br>\n<span class=\"muted\">");
		if (s->dateline && *s->dateline) {
			bad |= add_cut(&b, s->dateline, LIMIT_NAME_DISPLAY_CHARS);
			bad |= buf_addstr(&b, " \xc2\xb7 ");
		}
		bad |= buf_printf(&b, "%lld %s", (long long)count,
				  plural(count, "signature", "signatures"));
		if (str_eq(s->policy, "closed"))
			bad |= buf_addstr(&b, " \xc2\xb7 closed");
		bad |= buf_addstr(&b, "</span></li>\n");
	}
	if (n)
		bad |= buf_addstr(&b, "</ul>\n");
	bad |= add_foot(&b, cfg);
	free(title);
	return finish(&b, bad);
}

/* ---- errors ---- */

static const char *reason(int status)
{
	switch (status) {
	case 400: return "Bad request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not found";
	case 405: return "Method not allowed";
	case 406: return "Not acceptable";
	case 410: return "Gone";
	case 413: return "Too large";
	case 415: return "Unsupported media type";
	case 429: return "Too many requests";
	case 500: return "Server error";
	case 503: return "Unavailable";
	default: return status >= 500 ? "Server error" : "Error";
	}
}

char *page_error(const struct config *cfg, int status, const char *message)
{
	char *title = xasprintf("%d %s", status, reason(status));
	struct buf b;
	int bad = 0;

	buf_init(&b, LIMIT_SMALL_DOC_BYTES);
	bad |= add_head(&b, "en", title, "<meta name=\"robots\" content=\"noindex\">\n");
	bad |= buf_addstr(&b, "<h1>");
	bad |= buf_add_html(&b, title);
	bad |= buf_addstr(&b, "</h1>\n");
	if (message && *message) {
		bad |= buf_addstr(&b, "<p>");
		bad |= add_cut(&b, message, ERROR_MESSAGE_CHARS);
		bad |= buf_addstr(&b, "</p>\n");
	}
	bad |= add_foot(&b, cfg);
	free(title);
	if (bad) {
		/* only a configuration of absurd size gets here; still answer a page */
		buf_release(&b);
		return xasprintf("<!doctype html>\n<title>%d</title>\n<h1>%d</h1>\n", status, status);
	}
	return buf_detach(&b);
}

/* ---- the statement's life: earlier versions, a deleted statement ---- */

char *page_versions(const struct config *cfg, const struct statement *s,
		    const struct statement_version *versions, size_t n)
{
	char *page = xasprintf("%s/s/%s", nz(cfg->base_url), nz(s->slug));
	char *title = xasprintf("Versions: %s", nz(s->title));
	struct buf b;
	int bad = 0;

	buf_init(&b, LIMIT_PAGE_HTML_BYTES);
	bad |= add_head(&b, s->lang, title, "<meta name=\"robots\" content=\"noindex\">\n");
	bad |= buf_addstr(&b, "<header>\n<h1>Versions of the text</h1>\n<p class=\"dateline\">"
			      "<a href=\"");
	bad |= buf_add_html(&b, page);
	bad |= buf_addstr(&b, "\">");
	bad |= buf_add_html(&b, nz(s->title));
	bad |= buf_addstr(&b, "</a></p>\n</header>\n<p>The statement as it read after each "
			      "edit, oldest first. The signatories are not part of a version: the "
			      "statement&#39;s page lists them as they are now.</p>\n"
			      "<ol class=\"statements\">\n");
	for (size_t i = 0; i < n && !bad; i++) {
		char day[TIME_STR_MAX];

		time_to_date((time_t)versions[i].created, day);
		bad |= buf_printf(&b, "<li><a href=\"");
		bad |= buf_add_html(&b, page);
		bad |= buf_printf(&b, "/versions/%d\">Version %d</a> \xc2\xb7 %s", versions[i].version,
				  versions[i].version, i == 0 ? "published" : "revised");
		bad |= buf_printf(&b, " on %s \xc2\xb7 %zu %s%s</li>\n", day, versions[i].n_langs,
				  versions[i].n_langs == 1 ? "language" : "languages",
				  i + 1 == n ? " \xc2\xb7 the current text" : "");
	}
	bad |= buf_addstr(&b, "</ol>\n");
	bad |= add_foot(&b, cfg);
	free(title);
	free(page);
	return finish(&b, bad);
}

char *page_version(const struct config *cfg, const struct statement *s, int version,
		   int64_t created, const struct statement_text *texts, size_t n, size_t chosen,
		   bool current)
{
	char *page = xasprintf("%s/s/%s", nz(cfg->base_url), nz(s->slug));
	char *self = xasprintf("%s/versions/%d", page, version);
	const struct statement_text *t = chosen < n ? &texts[chosen] : NULL;
	char day[TIME_STR_MAX];
	struct buf b;
	int bad = 0;

	if (!t) {
		free(self);
		free(page);
		return NULL;
	}
	time_to_date((time_t)created, day);
	buf_init(&b, LIMIT_PAGE_HTML_BYTES);
	bad |= add_head(&b, t->lang, nz(t->title), "<meta name=\"robots\" content=\"noindex\">\n");
	if (n > 1) {
		bad |= buf_addstr(&b, "<nav class=\"langs\" aria-label=\"Languages\">");
		for (size_t i = 0; i < n; i++) {
			if (i)
				bad |= buf_addstr(&b, " \xc2\xb7 ");
			if (i == chosen) {
				bad |= buf_addstr(&b, "<strong aria-current=\"true\">");
				bad |= add_lang_name(&b, texts[i].lang);
				bad |= buf_addstr(&b, "</strong>");
				continue;
			}
			bad |= buf_addstr(&b, "<a href=\"");
			bad |= buf_add_html(&b, self);
			bad |= buf_addstr(&b, "?lang=");
			bad |= buf_add_urlenc(&b, nz(texts[i].lang));
			bad |= buf_addstr(&b, "\" hreflang=\"");
			bad |= buf_add_html(&b, nz(texts[i].lang));
			bad |= buf_addstr(&b, "\">");
			bad |= add_lang_name(&b, texts[i].lang);
			bad |= buf_addstr(&b, "</a>");
		}
		bad |= buf_addstr(&b, "</nav>\n");
	}
	bad |= buf_printf(&b, "<p class=\"closed\">Version %d of this statement, %s on %s%s. ",
			  version, version == 1 ? "published" : "revised", day,
			  current ? " (the current text)" : "");
	bad |= buf_addstr(&b, "<a href=\"");
	bad |= buf_add_html(&b, page);
	bad |= buf_addstr(&b, "\">The statement now</a>, with its signatories \xc2\xb7 <a href=\"");
	bad |= buf_add_html(&b, page);
	bad |= buf_addstr(&b, "/versions\">all versions</a></p>\n<header>\n<h1>");
	bad |= buf_add_html(&b, nz(t->title));
	bad |= buf_addstr(&b, "</h1>\n");
	if (t->dateline && *t->dateline) {
		bad |= buf_addstr(&b, "<p class=\"dateline\">");
		bad |= buf_add_html(&b, t->dateline);
		bad |= buf_addstr(&b, "</p>\n");
	}
	bad |= buf_addstr(&b, "</header>\n<article class=\"text\" dir=\"auto\">\n");
	/* trusted: made by our importer from the coordinator's file */
	bad |= buf_addstr(&b, nz(t->content_html));
	bad |= buf_addstr(&b, "\n</article>\n");
	bad |= add_foot(&b, cfg);
	free(self);
	free(page);
	return finish(&b, bad);
}

char *page_gone(const struct config *cfg, int64_t deleted)
{
	char day[TIME_STR_MAX];
	char *msg;
	char *html;

	time_to_date((time_t)deleted, day);
	msg = xasprintf("This statement was deleted on %s by the coordinators of this server. "
			"Its address will not be used again.", day);
	html = page_error(cfg, 410, msg);
	free(msg);
	return html;
}

/* ---- an organisation hosted here ---- */

/* What the state of a signature means, for a reader. */
static const char *endorsement_state_words(const char *state)
{
	if (str_eq(state, "accepted"))
		return "accepted";
	if (str_eq(state, "rejected"))
		return "refused by the statement";
	if (str_eq(state, "withdrawn"))
		return "withdrawn";
	return "waiting for the statement's answer";
}

/* The bio: blank lines part paragraphs, every character escaped. */
static int add_paragraphs(struct buf *b, const char *text)
{
	const char *p = nz(text);
	bool open = false;
	int bad = 0;

	while (*p) {
		size_t line = strcspn(p, "\n");
		char *piece = xstrndup(p, line);

		if (strspn(piece, " \t\r") == line) {
			if (open)
				bad |= buf_addstr(b, "</p>\n");
			open = false;
		} else {
			bad |= buf_addstr(b, open ? "<br>" : "<p>");
			bad |= buf_add_html(b, piece);
			open = true;
		}
		free(piece);
		p += line;
		if (*p == '\n')
			p++;
	}
	if (open)
		bad |= buf_addstr(b, "</p>\n");
	return bad;
}

static int add_endorsement(struct buf *b, const struct endorsement *e)
{
	char when[TIME_STR_MAX];
	const char *link = is_http_url(e->statement_actor) ? e->statement_actor : NULL;
	bool ok = str_eq(e->state, "accepted");
	int bad = 0;

	bad |= buf_addstr(b, "<li>");
	if (link) {
		bad |= buf_addstr(b, "<a href=\"");
		bad |= buf_add_html(b, link);
		bad |= buf_addstr(b, "\" rel=\"nofollow ugc\">");
	}
	bad |= add_cut(b, e->title && *e->title ? e->title : nz(e->statement_actor),
		       LIMIT_NAME_DISPLAY_CHARS);
	if (link)
		bad |= buf_addstr(b, "</a>");
	if (e->handle && *e->handle) {
		bad |= buf_addstr(b, " <code>");
		bad |= add_cut(b, e->handle, LIMIT_NAME_DISPLAY_CHARS);
		bad |= buf_addstr(b, "</code>");
	}
	time_to_iso((time_t)e->signed_at, when);
	when[10] = '\0'; /* the date is enough here */
	bad |= buf_printf(b, " <span class=\"tag\">signed %s</span> ", when);
	bad |= buf_addstr(b, ok ? "<span class=\"tag ok\">\xe2\x9c\x93 " : "<span class=\"tag\">");
	bad |= buf_addstr(b, endorsement_state_words(e->state));
	if (e->withdrawn_at) {
		time_to_iso((time_t)e->withdrawn_at, when);
		when[10] = '\0';
		bad |= buf_printf(b, " %s", when);
	}
	bad |= buf_addstr(b, "</span>");
	if (e->listed && !e->withdrawn_at)
		bad |= buf_addstr(b, " <span class=\"tag ok\">listed by the statement</span>");
	bad |= buf_addstr(b, "</li>\n");
	return bad;
}

char *page_org(const struct config *cfg, const struct organisation *o,
	       const struct endorsement *list, size_t n, int64_t followers)
{
	char *actor = xasprintf("%s/o/%s", nz(cfg->base_url), nz(o->slug));
	int64_t signed_now = 0;
	struct buf head, b, li;
	size_t shown = 0;
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		if (!str_eq(list[i].state, "withdrawn") && !str_eq(list[i].state, "rejected"))
			signed_now++;
	buf_init(&head, LIMIT_SMALL_DOC_BYTES);
	buf_init(&b, LIMIT_PAGE_HTML_BYTES);
	buf_init(&li, PAGE_TAIL_RESERVE);
	bad |= add_meta(&head, "property", "og:title", nz(o->name));
	bad |= add_meta(&head, "property", "og:type", "profile");
	bad |= add_meta(&head, "property", "og:url", actor);
	bad |= buf_addstr(&head, "<link rel=\"alternate\" type=\"application/activity+json\" href=\"");
	bad |= buf_add_html(&head, actor);
	bad |= buf_addstr(&head, "\">\n");
	bad |= add_head(&b, "en", nz(o->name), buf_str(&head));
	bad |= buf_addstr(&b, "<header>\n<h1>");
	bad |= buf_add_html(&b, nz(o->name));
	bad |= buf_addstr(&b, "</h1>\n<p class=\"dateline\"><code class=\"copy\">@");
	bad |= buf_add_html(&b, nz(o->slug));
	bad |= buf_addch(&b, '@');
	bad |= buf_add_html(&b, nz(cfg->authority));
	bad |= buf_addstr(&b, "</code> \xc2\xb7 an organisation");
	if (is_http_url(o->url)) {
		bad |= buf_addstr(&b, " \xc2\xb7 <a href=\"");
		bad |= buf_add_html(&b, o->url);
		bad |= buf_addstr(&b, "\" rel=\"me\">");
		bad |= add_cut(&b, o->url, LIMIT_NAME_DISPLAY_CHARS);
		bad |= buf_addstr(&b, "</a>");
	}
	bad |= buf_addstr(&b, "</p>\n</header>\n<div class=\"text\">\n");
	bad |= add_paragraphs(&b, o->summary);
	bad |= buf_addstr(&b, "</div>\n<ul class=\"counts\">");
	bad |= buf_printf(&b, "<li><strong>%lld</strong> %s signed</li>", (long long)signed_now,
			  plural(signed_now, "statement", "statements"));
	bad |= buf_printf(&b, "<li><strong>%lld</strong> %s</li>", (long long)followers,
			  plural(followers, "follower", "followers"));
	bad |= buf_addstr(&b, "</ul>\n<section id=\"signed\">\n<h2>Statements it signed</h2>\n");
	if (!n)
		bad |= buf_addstr(&b, "<p class=\"muted\">None yet.</p>\n");
	else
		bad |= buf_addstr(&b, "<ol class=\"signatories\">\n");
	for (size_t i = 0; i < n && !bad; i++) {
		buf_reset(&li);
		if (add_endorsement(&li, &list[i]))
			break;
		if (b.len + li.len + PAGE_TAIL_RESERVE > LIMIT_PAGE_HTML_BYTES)
			break;
		bad |= buf_add(&b, li.data, li.len);
		shown++;
	}
	if (n)
		bad |= buf_addstr(&b, "</ol>\n");
	if (shown < n)
		bad |= buf_printf(&b, "<p>\xe2\x80\xa6 and %zu more.</p>\n", n - shown);
	bad |= buf_addstr(&b, "<p class=\"muted\">The same record for other servers: the <a href=\"");
	bad |= buf_add_html(&b, actor);
	bad |= buf_addstr(&b, "/endorsed\">endorsed collection</a>. Each signature is an "
			      "<code>Endorse</code> and a <code>Follow</code> signed with this "
			      "organisation&#39;s key.</p>\n</section>\n");
	bad |= add_foot(&b, cfg);
	buf_release(&li);
	buf_release(&head);
	free(actor);
	return finish(&b, bad);
}
