/* Activity intents: where a reader's own server wants them (see intents.h). */
#include "activitypub/intents.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "activitypub/httpc.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/str.h"
#include "util/url.h"

/* The template of the first link of rel in a JRD's links, or NULL. Borrowed. */
static const char *jrd_template(const json_t *links, const char *rel)
{
	const json_t *link;
	size_t i;

	json_array_foreach (links, i, link) {
		const char *r = json_string_value(json_object_get(link, "rel"));
		const char *t = json_string_value(json_object_get(link, "template"));

		/* rel values are URIs; servers disagree on the case of the activity type */
		if (r && t && *t && str_ieq(r, rel))
			return t;
	}
	return NULL;
}

char *intent_template(const char *json, size_t len, enum intent kind)
{
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	const json_t *links = json_object_get(root, "links");
	const char *t = NULL;
	char *out;

	if (!json_is_array(links)) {
		json_decref(root);
		return NULL;
	}
	if (kind == INTENT_FOLLOW) {
		t = jrd_template(links, INTENT_REL_PREFIX "Follow");
		if (!t)
			t = jrd_template(links, INTENT_REL_SUBSCRIBE);
	} else {
		t = jrd_template(links, INTENT_REL_PREFIX "Create");
	}
	out = t ? xstrdup(t) : NULL;
	json_decref(root);
	return out;
}

/* The value of template variable name[0..len), or "" when we know no such name. */
static const char *template_value(const char *name, size_t len, const struct intent_values *v)
{
	const char *value = NULL;

#define IS(n) (len == strlen(n) && memcmp(name, n, len) == 0)
	if (IS("object") || IS("uri"))
		value = v->object;
	else if (IS("content"))
		value = v->content;
	else if (IS("inReplyTo"))
		value = v->in_reply_to;
#undef IS
	return value ? value : "";
}

char *intent_expand(const char *tmpl, const struct intent_values *v)
{
	struct buf b;
	const char *p = tmpl;
	int bad = 0;

	if (!tmpl)
		return NULL;
	buf_init(&b, LIMIT_URL_BYTES);
	while (*p && !bad) {
		const char *open = strchr(p, '{');
		const char *close;

		if (!open) {
			bad |= buf_addstr(&b, p);
			break;
		}
		bad |= buf_add(&b, p, (size_t)(open - p));
		close = strchr(open + 1, '}');
		if (!close || memchr(open + 1, '{', (size_t)(close - open - 1))) {
			bad = 1; /* an expression that never closes */
			break;
		}
		/* {name}; an operator ({?x}, {+x}...) is an expression we do not fill */
		if (close > open + 1 && !strchr("+#./;?&=,!@|", open[1]))
			bad |= buf_add_urlenc(
			    &b, template_value(open + 1, (size_t)(close - open - 1), v));
		p = close + 1;
	}
	if (bad) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Whether URL u is on the server of domain d: its host or a subdomain, and its port. */
static bool same_server(const struct url *u, const struct url *d)
{
	size_t hl = strlen(u->host), dl = strlen(d->host);
	int default_port = str_eq(u->scheme, "https") ? 443 : 80;
	bool is_ip = d->host[0] == '[' || strspn(d->host, "0123456789.") == dl;

	/* the domain's port, or the scheme's default when it named none */
	if (url_port(u) != (d->port ? d->port : default_port))
		return false;
	if (str_eq(u->host, d->host))
		return true;
	/* a subdomain of a name (never of an IP literal): social.example.org for example.org */
	return !is_ip && hl > dl + 1 && u->host[hl - dl - 1] == '.' &&
	       strcmp(u->host + hl - dl, d->host) == 0;
}

bool intent_url_allowed(const char *url, const char *domain, bool allow_http)
{
	struct url u, d;
	char *probe;
	bool ok = false;

	if (!url || !domain || url_parse(url, &u, NULL))
		return false;
	probe = xasprintf("https://%s/", domain);
	if (url_parse(probe, &d, NULL) == 0) {
		ok = (str_eq(u.scheme, "https") || (allow_http && str_eq(u.scheme, "http"))) &&
		     same_server(&u, &d);
		url_release(&d);
	}
	free(probe);
	url_release(&u);
	return ok;
}

int intent_account(const char *typed, char **user, char **domain, struct err *err)
{
	const char *s = typed, *at;
	char *probe, *trimmed;
	struct url u;
	int rc = 0;

	*user = *domain = NULL;
	if (!typed)
		return errorf(err, ERR_INVALID, "no address");
	trimmed = str_trim_dup(typed, strlen(typed));
	s = trimmed;
	if (str_istarts(s, "acct:"))
		s += 5;
	if (*s == '@')
		s++;
	at = strrchr(s, '@');
	if (at) {
		for (const char *p = s; p < at; p++)
			if ((unsigned char)*p <= ' ' || strchr("/?#@%:", *p)) {
				rc = errorf(err, ERR_INVALID, "'%s' is not an address", typed);
				goto out;
			}
		if (at == s) {
			rc = errorf(err, ERR_INVALID, "'%s' is not an address", typed);
			goto out;
		}
	}
	if (!*(at ? at + 1 : s) || strlen(at ? at + 1 : s) > 253) {
		rc = errorf(err, ERR_INVALID, "'%s' has no server", typed);
		goto out;
	}
	probe = xasprintf("https://%s/", at ? at + 1 : s);
	rc = url_parse(probe, &u, NULL);
	free(probe);
	if (rc || !str_eq(u.path, "/") || u.query) {
		if (!rc)
			url_release(&u);
		rc = errorf(err, ERR_INVALID, "'%s' has a bad server name", typed);
		goto out;
	}
	*domain = xstrdup(u.authority);
	*user = at ? xstrndup(s, (size_t)(at - s)) : NULL;
	url_release(&u);
out:
	free(trimmed);
	return rc;
}

char *intent_fallback(const char *domain, enum intent kind, const struct intent_values *v)
{
	struct buf b;

	buf_init(&b, LIMIT_URL_BYTES * 2);
	if (kind == INTENT_FOLLOW) {
		buf_printf(&b, "https://%s/authorize_interaction?uri=", domain);
		buf_add_urlenc(&b, v->object ? v->object : "");
	} else {
		buf_printf(&b, "https://%s/share?text=", domain);
		buf_add_urlenc(&b, v->content ? v->content : "");
	}
	return buf_detach(&b);
}

/* The reader's server's WebFinger answer for user@domain: 0 and *resp filled when 200. */
static int jrd_fetch(struct ctx *ctx, const char *user, const char *domain,
		     struct httpc_response *resp, struct err *err)
{
	struct httpc_opts o = { 0 };
	struct buf b;
	struct url d;
	char *probe = xasprintf("https://%s/", domain);
	const char *scheme = "https";
	int rc;

	if (url_parse(probe, &d, err) == 0) {
		/* The tests' fake servers live on loopback, over plain http. */
		if (ctx->cfg->allow_private_network && net_host_is_loopback(d.host))
			scheme = "http";
		url_release(&d);
	}
	free(probe);
	buf_init(&b, LIMIT_URL_BYTES);
	if (buf_printf(&b, "%s://%s/.well-known/webfinger?resource=", scheme, domain) ||
	    buf_add_urlenc(&b, "acct:") || buf_add_urlenc(&b, user) || buf_add_urlenc(&b, "@") ||
	    buf_add_urlenc(&b, domain))
		return errorf(err, ERR_TOOBIG, "WebFinger URL too long");
	o.base_url = ctx->cfg->base_url;
	o.allow_private_network = ctx->cfg->allow_private_network;
	o.timeout_ms = LIMIT_INTENT_TIMEOUT_S * 1000L;
	o.connect_timeout_ms = LIMIT_INTENT_TIMEOUT_S * 1000L;
	o.max_bytes = LIMIT_INTENT_JRD_BYTES;
	o.gate = ctx->fetches;
	rc = httpc_get(&o, buf_str(&b), "application/jrd+json, application/json", NULL, resp, err);
	if (!rc && resp->status != 200)
		rc = errorf(err, ERR_NOTFOUND, "WebFinger answered %ld", resp->status);
	buf_release(&b);
	return rc;
}

int intent_url(struct ctx *ctx, const char *acct, enum intent kind, const struct intent_values *v,
	       char **url, struct err *err)
{
	struct httpc_response resp = { 0 };
	char *user = NULL, *domain = NULL, *tmpl = NULL, *to = NULL;
	struct err why;
	int rc;

	*url = NULL;
	if ((rc = intent_account(acct, &user, &domain, err)))
		return rc;
	err_clear(&why);
	if (user && jrd_fetch(ctx, user, domain, &resp, &why) == 0) {
		tmpl = intent_template(resp.body, resp.body_len, kind);
		to = tmpl ? intent_expand(tmpl, v) : NULL;
		if (to && !intent_url_allowed(to, domain, ctx->cfg->allow_private_network)) {
			log_warn("intent: %s offered %s, not on its own server: ignored", domain,
				 to);
			free(to);
			to = NULL;
		}
	} else if (user) {
		log_info("intent: no WebFinger from %s (%s): Mastodon's page", domain, why.msg);
	}
	*url = to ? to : intent_fallback(domain, kind, v);
	httpc_response_release(&resp);
	free(tmpl);
	free(user);
	free(domain);
	return 0;
}
