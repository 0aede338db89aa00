/*
 * Who speaks for the organisation (see domaincheck.h). The HTML reader is a
 * small tokenizer that knows just enough of HTML to find <a> and <link>
 * elements and their rel and href, as a browser would read them: tags and
 * attributes in any case and quoting, comments and raw-text elements
 * skipped, an unclosed tag ignored. It never builds a tree and never looks
 * back, so any input costs one pass.
 */
#include "activitypub/domaincheck.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/fetch.h"
#include "activitypub/httpc.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

/* ---- the HTML reader ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The first needle (ASCII, matched without case) in [p, end), or NULL. */
static const char *find_ci(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; (size_t)(end - p) >= n; p++)
		if (strncasecmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* s[0..len) equals word (ASCII, without case). */
static bool span_ieq(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

struct span {
	const char *p;
	size_t len;
	bool set;
};

struct tag {
	struct span rel, href;
};

/*
 * Read the attributes of a tag from p (just after its name) to its '>'.
 * The first rel and href count (a repeated attribute is ignored, as in
 * HTML). Returns the position after '>', or NULL when the input ends first
 * (an unclosed tag is no element).
 */
static const char *read_attributes(const char *p, const char *end, struct tag *t)
{
	for (;;) {
		const char *name, *value = NULL;
		size_t name_len, value_len = 0;

		while (p < end && (is_space(*p) || *p == '/'))
			p++;
		if (p >= end)
			return NULL;
		if (*p == '>')
			return p + 1;
		name = p;
		if (*p == '=')
			p++; /* a name may start with '=' (HTML's rule); it always moves on */
		while (p < end && !is_space(*p) && *p != '/' && *p != '>' && *p != '=')
			p++;
		name_len = (size_t)(p - name);
		while (p < end && is_space(*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_space(*p))
				p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));

				if (!close)
					return NULL;
				value = p + 1;
				value_len = (size_t)(close - value);
				p = close + 1;
			} else {
				value = p;
				while (p < end && !is_space(*p) && *p != '>')
					p++;
				value_len = (size_t)(p - value);
			}
		}
		if (span_ieq(name, name_len, "rel") && !t->rel.set)
			t->rel = (struct span){ value, value_len, true };
		else if (span_ieq(name, name_len, "href") && !t->href.set)
			t->href = (struct span){ value, value_len, true };
	}
}

/* rel holds the token "me" (tokens split by white space, any case). */
static bool rel_has_me(const struct span *rel)
{
	const char *p = rel->p, *end = rel->p + rel->len;

	while (p < end) {
		const char *word;

		while (p < end && is_space(*p))
			p++;
		word = p;
		while (p < end && !is_space(*p))
			p++;
		if (span_ieq(word, (size_t)(p - word), "me"))
			return true;
	}
	return false;
}

/* One character reference at s[0..len) ("&amp;", "&#38;", "&#x26;"): its ASCII byte, or 0. */
static char char_ref(const char *s, size_t len, size_t *used)
{
	static const struct {
		const char *name;
		char c;
	} named[] = { { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
		      { "&lt;", '<' },  { "&gt;", '>' },   { "&sol;", '/' },
		      { "&colon;", ':' } };
	size_t i = 2;
	long v = 0;
	bool hex;

	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k].name);

		if (len >= n && strncasecmp(s, named[k].name, n) == 0) {
			*used = n;
			return named[k].c;
		}
	}
	if (len < 4 || s[1] != '#')
		return 0;
	hex = s[2] == 'x' || s[2] == 'X';
	if (hex)
		i = 3;
	for (; i < len && i < 12 && s[i] != ';'; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (hex && ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f'))
			d = (s[i] | 0x20) - 'a' + 10;
		else
			return 0;
		v = v * (hex ? 16 : 10) + d;
	}
	if (i >= len || s[i] != ';' || v <= 0 || v > 126)
		return 0; /* a URL we could match is ASCII */
	*used = i + 1;
	return (char)v;
}

/*
 * The href as a browser reads it: character references decoded, outer
 * white space trimmed, into out (size LIMIT_URL_BYTES + 1). False when it
 * is longer than that, holds a NUL, or a reference we do not decode.
 */
static bool href_value(const struct span *href, char *out)
{
	const char *p = href->p, *end = href->p + href->len;
	size_t n = 0;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	while (p < end) {
		char c = *p;
		size_t used = 1;

		if (c == '&') {
			c = char_ref(p, (size_t)(end - p), &used);
			if (!c) {
				c = '&'; /* a bare '&' stays itself */
				used = 1;
			}
		}
		if (c == '\0' || n >= LIMIT_URL_BYTES)
			return false;
		out[n++] = c;
		p += used;
	}
	out[n] = '\0';
	return true;
}

/* href names target: scheme and authority without case, the rest exactly. */
static bool url_names(const char *href, const char *target)
{
	const char *auth, *rest;
	size_t head;

	if (!target || !*target)
		return false;
	auth = strstr(target, "://");
	if (!auth)
		return strcmp(href, target) == 0;
	rest = auth + 3 + strcspn(auth + 3, "/?#");
	head = (size_t)(rest - target);
	return strlen(href) >= head && strncasecmp(href, target, head) == 0 &&
	       strcmp(href + head, rest) == 0;
}

/* Elements whose content is not markup (or is inert): skipped to their end tag. */
static bool raw_text(const char *name, size_t len)
{
	return span_ieq(name, len, "script") || span_ieq(name, len, "style") ||
	       span_ieq(name, len, "textarea") || span_ieq(name, len, "title") ||
	       span_ieq(name, len, "template") || span_ieq(name, len, "xmp");
}

bool domaincheck_html_links_back(const char *html, size_t len, const char *actor_id,
				 const char *profile_url)
{
	const char *p = html, *end = html + len;
	char *href = xmalloc(LIMIT_URL_BYTES + 1);
	bool found = false;

	if (!html || (!actor_id && !profile_url))
		goto out;
	while (p < end && (p = memchr(p, '<', (size_t)(end - p)))) {
		const char *name;
		struct tag t = { 0 };
		size_t name_len;
		bool closing = false;
		char raw_end[16];

		p++;
		if ((size_t)(end - p) >= 3 && memcmp(p, "!--", 3) == 0) {
			const char *close = find_ci(p + 3, end, "-->");

			if (!close)
				break;
			p = close + 3;
			continue;
		}
		if (p < end && (*p == '!' || *p == '?')) {
			/* doctype, CDATA, processing instruction: up to '>' */
			const char *close = memchr(p, '>', (size_t)(end - p));

			if (!close)
				break;
			p = close + 1;
			continue;
		}
		if (p < end && *p == '/') {
			closing = true;
			p++;
		}
		if (p >= end || !is_alpha(*p))
			continue; /* a '<' in text */
		name = p;
		while (p < end && !is_space(*p) && *p != '/' && *p != '>')
			p++;
		name_len = (size_t)(p - name);
		p = read_attributes(p, end, &t);
		if (!p)
			break;
		if (closing)
			continue;
		if ((span_ieq(name, name_len, "a") || span_ieq(name, name_len, "link")) &&
		    t.rel.set && t.href.set && rel_has_me(&t.rel) && href_value(&t.href, href) &&
		    (url_names(href, actor_id) || url_names(href, profile_url))) {
			found = true;
			break;
		}
		if (raw_text(name, name_len)) {
			const char *close;

			snprintf(raw_end, sizeof(raw_end), "</%.*s", (int)name_len, name);
			close = find_ci(p, end, raw_end);
			if (!close)
				break;
			p = close;
		}
	}
out:
	free(href);
	return found;
}

/* ---- websites of an actor ---- */

/* The origin of link when it is a website (see domaincheck.h), new; else NULL. */
static char *website_origin(const char *link, const char *own_authority, bool allow_http)
{
	struct url u;
	char *origin = NULL;

	if (!link || url_parse(link, &u, NULL))
		return NULL;
	if ((str_eq(u.scheme, "https") || (allow_http && str_eq(u.scheme, "http"))) &&
	    !str_ieq(u.authority, own_authority))
		origin = xasprintf("%s://%s", u.scheme, u.authority);
	url_release(&u);
	return origin;
}

/* Add origin (taken) to out unless present or full. */
static void add_site(char **out, size_t *n, size_t max, char *origin)
{
	if (!origin)
		return;
	for (size_t i = 0; i < *n; i++)
		if (str_eq(out[i], origin)) {
			free(origin);
			return;
		}
	if (*n >= max) {
		free(origin);
		return;
	}
	out[(*n)++] = origin;
}

/* The first http(s) link in a PropertyValue's value (HTML or text), new; NULL when none. */
static char *first_link(const char *value)
{
	const char *end = value + strlen(value);
	const char *s = find_ci(value, end, "https://");
	const char *h = find_ci(value, end, "http://");

	if (!s || (h && h < s))
		s = h;
	if (!s)
		return NULL;
	return xstrndup(s, strcspn(s, "\"'<> \t\r\n"));
}

size_t domaincheck_websites(const char *actor_json, const char *actor_id, bool allow_http,
			    char **out, size_t max)
{
	json_t *doc, *url, *att, *item;
	struct url own;
	size_t n = 0, i;

	if (!actor_json || !actor_id || url_parse(actor_id, &own, NULL))
		return 0;
	doc = json_loads(actor_json, JSON_REJECT_DUPLICATES, NULL);
	url = json_object_get(doc, "url");
	if (!json_is_array(url)) {
		json_t *one = url;

		url = json_array();
		if (one)
			json_array_append(url, one);
	} else {
		json_incref(url);
	}
	json_array_foreach(url, i, item) {
		const char *link = json_is_string(item) ? json_string_value(item) :
				   json_string_value(json_object_get(item, "href"));

		add_site(out, &n, max, website_origin(link, own.authority, allow_http));
	}
	json_decref(url);

	att = json_object_get(doc, "attachment");
	if (json_is_object(att)) {
		json_t *one = att;

		att = json_array();
		json_array_append(att, one);
	} else {
		json_incref(att);
	}
	json_array_foreach(att, i, item) {
		const char *value = json_string_value(json_object_get(item, "value"));
		char *link;

		if (!str_eq(json_string_value(json_object_get(item, "type")), "PropertyValue") ||
		    !value)
			continue;
		link = first_link(value);
		add_site(out, &n, max, website_origin(link, own.authority, allow_http));
		free(link);
	}
	json_decref(att);
	json_decref(doc);
	url_release(&own);
	return n;
}

bool domaincheck_handle_matches(const char *handle, const char *website)
{
	const char *domain = handle ? strrchr(handle, '@') : NULL;
	struct url u;
	bool match;

	if (!domain || !domain[1] || !website || url_parse(website, &u, NULL))
		return false;
	domain++;
	match = str_ieq(domain, u.authority) ||
		(str_istarts(u.authority, "www.") && str_ieq(domain, u.authority + 4));
	url_release(&u);
	return match;
}

/* ---- fetching ---- */

static bool html_type(const char *ct)
{
	if (!ct)
		return true; /* none said: read it anyway, the owner of the site wrote it */
	while (*ct == ' ')
		ct++;
	return str_istarts(ct, "text/html") || str_istarts(ct, "application/xhtml+xml");
}

/* Whether the home page of origin links back to a; -ERR_RETRY when it may answer later. */
static int home_links_back(struct ctx *ctx, const char *origin, const struct remote_actor *a,
			   bool *yes, struct err *err)
{
	struct httpc_opts o = { 0 };
	struct httpc_response resp = { 0 };
	char *home = xasprintf("%s/", origin);
	int rc;

	*yes = false;
	o.base_url = ctx->cfg->base_url;
	o.allow_private_network = ctx->cfg->allow_private_network;
	o.timeout_ms = (long)LIMIT_DOMAINCHECK_TIMEOUT_S * 1000;
	o.max_bytes = LIMIT_FETCH_BYTES;
	o.cancel = ctx->cancel;
	rc = httpc_get(&o, home, "text/html, application/xhtml+xml;q=0.9", NULL, &resp, err);
	if (rc == -ERR_IO) {
		rc = errorf(err, ERR_RETRY, "%s: no answer for now", home);
		goto out;
	}
	if (rc)
		goto out;
	if (resp.status >= 500 || resp.status == 408 || resp.status == 429) {
		rc = errorf(err, ERR_RETRY, "%s: HTTP %ld", home, resp.status);
		goto out;
	}
	*yes = resp.status == 200 && html_type(resp.content_type) &&
	       domaincheck_html_links_back(resp.body, resp.body_len, a->id, a->url);
	log_debug("event=domain_check_site site=%s actor=%s links_back=%s", home, a->id,
		  *yes ? "yes" : "no");
out:
	httpc_response_release(&resp);
	free(home);
	return rc;
}

int domaincheck_actor(struct ctx *ctx, const struct remote_actor *a, bool *verified,
		      char **handle, struct err *err)
{
	char *sites[LIMIT_DOMAINCHECK_SITES] = { NULL };
	struct err why;
	bool later = false;
	size_t n, i;
	int rc;

	*verified = false;
	*handle = NULL;
	rc = fetch_handle_confirm(ctx, a, handle, &why);
	if (rc) {
		log_info("event=handle_unconfirmed actor=%s msg=%s", a->id, why.msg);
		later = rc == -ERR_RETRY;
	}
	n = domaincheck_websites(a->document, a->id, ctx->cfg->allow_private_network, sites,
				 LIMIT_DOMAINCHECK_SITES);
	for (i = 0; i < n && !*verified; i++)
		*verified = *handle && domaincheck_handle_matches(*handle, sites[i]);
	if (n == 0)
		later = false; /* no website: nothing a handle could match */
	for (i = 0; i < n && !*verified; i++) {
		bool yes;

		rc = home_links_back(ctx, sites[i], a, &yes, &why);
		if (rc == -ERR_RETRY)
			later = true;
		else if (rc)
			log_info("event=domain_check actor=%s msg=%s", a->id, why.msg);
		*verified = yes;
	}
	for (i = 0; i < n; i++)
		free(sites[i]);
	if (!*verified && later)
		return errorf(err, ERR_RETRY, "domain check of %s undecided: a fetch failed for now",
			      a->id);
	return 0;
}

/* ---- the signatures ---- */

int domaincheck_signatory(struct ctx *ctx, const struct remote_actor *a)
{
	struct statement **list = NULL;
	int64_t *redo = NULL;
	size_t n = 0, n_redo = 0, i;
	char *handle = NULL;
	bool verified = false, decided;
	struct err err;
	int rc;

	if (!a || !a->id)
		return 0;
	rc = domaincheck_actor(ctx, a, &verified, &handle, &err);
	decided = rc == 0;
	if (!decided)
		log_info("event=domain_check actor=%s msg=%s", a->id, err.msg);

	/* Which approved signatures will show something new (their posts are edited). */
	if (store_statement_list(ctx->store, &list, &n, &err) == 0) {
		redo = xcalloc(n ? n : 1, sizeof(*redo));
		for (i = 0; i < n; i++) {
			struct signatory *sig = NULL;

			if (store_signatory_get(ctx->store, list[i]->id, a->id, &sig, NULL))
				continue;
			if (str_eq(sig->state, "approved") &&
			    ((handle && !str_eq(sig->handle, handle)) ||
			     (decided && sig->domain_verified != verified)))
				redo[n_redo++] = list[i]->id;
			signatories_free(sig, 1);
		}
	} else {
		log_error("event=domain_check_failed actor=%s msg=%s", a->id, err.msg);
	}

	if (handle) {
		if (store_signatory_refresh(ctx->store, a->id, NULL, handle, NULL, &err))
			log_error("event=domain_check_failed actor=%s msg=%s", a->id, err.msg);
		if (!str_eq(a->handle, handle)) {
			struct remote_actor copy = *a;

			copy.handle = handle;
			if (store_actor_put(ctx->store, &copy, &err))
				log_error("event=domain_check_failed actor=%s msg=%s", a->id,
					  err.msg);
		}
	}
	if (decided && store_signatory_set_domain_verified(ctx->store, a->id, verified, &err))
		log_error("event=domain_check_failed actor=%s msg=%s", a->id, err.msg);
	for (i = 0; i < n_redo; i++)
		if (store_statement_schedule_update(ctx->store, redo[i],
						    (int64_t)time(NULL) + ctx->cfg->update_interval_s,
						    &err))
			log_error("event=domain_check_failed actor=%s msg=%s", a->id, err.msg);
	log_info("event=domain_check actor=%s handle=%s domain=%s", a->id,
		 handle ? handle : "unconfirmed",
		 !decided ? "undecided" : verified ? "verified" : "not_verified");
	free(redo);
	free(handle);
	statements_free(list, n);
	return decided ? 0 : -ERR_RETRY;
}

/* ---- the worker ---- */

int64_t domaincheck_backoff(int attempts)
{
	int64_t wait = LIMIT_DOMAINCHECK_RETRY_S;

	for (int i = 1; i < attempts && i < 20; i++)
		wait *= 2;
	return wait;
}

/* Check d's actor (from the actor cache) and record what became of the check. */
static int run_one(struct ctx *ctx, struct domaincheck_due *d, int64_t now, struct err *err)
{
	struct remote_actor *a = NULL;
	int64_t retry_at = 0;
	int rc;

	/* An actor no longer cached (deleted) has nothing left to check. */
	rc = store_actor_get(ctx->store, d->actor_id, &a, err);
	if (rc && rc != -ERR_NOTFOUND)
		return rc; /* the store failed: the check stays due */
	if (!rc && domaincheck_signatory(ctx, a) == -ERR_RETRY) {
		if (ctx->cancel && atomic_load(ctx->cancel)) {
			/* Cut short by a stop, not undecided: the next start does it again. */
			remote_actor_free(a);
			return 0;
		}
		if (d->attempts + 1 < LIMIT_DOMAINCHECK_ATTEMPTS)
			retry_at = now + domaincheck_backoff(d->attempts + 1);
		else
			log_warn("event=domain_check_given_up actor=%s attempts=%d", d->actor_id,
				 d->attempts + 1);
	}
	remote_actor_free(a);
	return store_domaincheck_finish(ctx->store, d, retry_at, err);
}

int domaincheck_run_due(struct ctx *ctx, int64_t now, size_t max, size_t *done, struct err *err)
{
	size_t n = 0;
	int rc = 0;

	while (!max || n < max) {
		struct domaincheck_due d;

		if ((rc = store_domaincheck_next(ctx->store, now, &d, err)) || !d.actor_id)
			break;
		rc = run_one(ctx, &d, now, err);
		domaincheck_due_release(&d);
		if (rc)
			break;
		n++;
	}
	if (done)
		*done = n;
	return rc;
}

struct domaincheck_worker {
	struct ctx ctx;	    /* a copy of the server's, with the worker's own store */
	atomic_bool cancel; /* set at stop: the fetches under way are abandoned */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock; /* guards stop and kicked */
	pthread_cond_t wake;
	bool stop, kicked;
};

/* Whether to stop; waits up to a second for a kick first unless one came. */
static bool worker_wait(struct domaincheck_worker *w)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&w->lock);
	while (!w->stop && !w->kicked)
		if (pthread_cond_timedwait(&w->wake, &w->lock, &until) != 0)
			break;
	w->kicked = false;
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static bool worker_stopping(struct domaincheck_worker *w)
{
	bool stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void *worker(void *arg)
{
	struct domaincheck_worker *w = arg;

	while (!worker_wait(w)) {
		/* One check at a time, and a look at the stop flag between two. */
		for (;;) {
			struct err err;
			size_t done = 0;

			if (domaincheck_run_due(&w->ctx, (int64_t)time(NULL), 1, &done, &err)) {
				log_error("event=domain_check_worker_failed msg=%s", err.msg);
				break;
			}
			if (!done || worker_stopping(w))
				break;
		}
	}
	return NULL;
}

int domaincheck_start(const struct ctx *base, const char *db_path, struct domaincheck_worker **out,
		      struct err *err)
{
	struct domaincheck_worker *w = xcalloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	w->ctx = *base;
	w->ctx.store = NULL;
	w->ctx.pool = NULL;
	/*
	 * Not through the gate of fetches made while a request waits: no
	 * request waits for these, one at a time already, and a hanging website
	 * would hold one of the few places the inbox's key fetches need.
	 */
	w->ctx.fetches = NULL;
	atomic_init(&w->cancel, false);
	w->ctx.cancel = &w->cancel;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	/*
	 * Its commits may do without an fsync each: a power cut loses the last
	 * ones, in order, so at worst a check whose row is still there is redone.
	 */
	if ((rc = store_open(db_path, &w->ctx.store, err)) ||
	    (rc = store_relax_durability(w->ctx.store, err)))
		goto fail;
	if (pthread_create(&w->thread, NULL, worker, w) != 0) {
		rc = errorf(err, ERR_INTERNAL, "cannot start the domain check thread");
		goto fail;
	}
	w->thread_started = true;
	*out = w;
	return 0;
fail:
	domaincheck_stop(w);
	return rc;
}

void domaincheck_kick(struct domaincheck_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->kicked = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void domaincheck_stop(struct domaincheck_worker *w)
{
	if (!w)
		return;
	if (w->thread_started) {
		atomic_store(&w->cancel, true);
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	store_close(w->ctx.store);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
