/*
 * The subcommands. Each parses its options, opens the store, does one thing,
 * and prints a one-line error with exit code 1 when anything is wrong.
 */
#include "server/cli.h"
#include "server/cli_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/domaincheck.h"
#include "activitypub/keycache.h"
#include "activitypub/keyring.h"
#include "activitypub/metrics.h"
#include "crypto/keys.h"
#include "server/admin.h"
#include "server/http.h"
#include "server/import.h"
#include "server/pagecache.h"
#include "server/router.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/gate.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ratelimit.h"
#include "util/str.h"
#include "util/url.h"

int cli_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "undersigned: %s\n", msg);
	return 1;
}

static int statement_import(const struct cli_opts *o)
{
	struct statement_doc doc = { 0 };
	struct statement s = { 0 };
	struct signatory *sigs = NULL;
	struct statement_text *tr = NULL;
	struct store *st = NULL;
	struct err err;
	char *text = NULL;
	char *priv = NULL, *pub = NULL;
	size_t len;
	int rc = 1;

	if (!o->slug || !o->file)
		return cli_fail("statement import needs --slug SLUG and --file TEXTFILE");
	if (!router_slug_valid(o->slug, strlen(o->slug)))
		return cli_fail("slug '%s': use 1-%d of a-z 0-9 - _, starting with a letter or digit",
				o->slug, LIMIT_SLUG_BYTES);
	if (str_eq(o->slug, "index"))
		return cli_fail("slug 'index' is reserved: @index@HOST is the server's index, which "
				"readers follow to hear of new statements");
	/* Parse before opening the db so that a bad file writes nothing. */
	if (cli_read_file(o->file, LIMIT_STATEMENT_FILE_BYTES, &text, &len))
		return 1;
	if (import_parse(text, len, &doc, &err)) {
		cli_fail("%s: %s", o->file, err.msg);
		goto out;
	}
	if (cli_open_store(o->db, &st))
		goto out;
	if (key_generate_rsa(2048, &priv, &pub, &err)) {
		cli_fail("key generation: %s", err.msg);
		goto out;
	}
	s.slug = (char *)o->slug;
	s.title = doc.title;
	s.lang = doc.lang;
	s.dateline = doc.dateline;
	s.summary = doc.summary;
	s.content_html = doc.content_html;
	s.policy = (char *)"open";
	s.published = s.updated = (int64_t)time(NULL);
	s.public_pem = pub;
	s.private_pem = priv;
	sigs = xcalloc(doc.n_signatories ? doc.n_signatories : 1, sizeof(*sigs));
	for (size_t i = 0; i < doc.n_signatories; i++) {
		sigs[i].name = doc.signatories[i].name;
		sigs[i].country = doc.signatories[i].country;
		sigs[i].position = (int)i + 1;
	}
	tr = xcalloc(doc.n_translations ? doc.n_translations : 1, sizeof(*tr));
	for (size_t i = 0; i < doc.n_translations; i++)
		tr[i] = (struct statement_text){ doc.translations[i].lang, doc.translations[i].title,
						 doc.translations[i].dateline,
						 doc.translations[i].summary,
						 doc.translations[i].content_html };
	if (store_statement_import_translated(st, &s, sigs, doc.n_signatories, tr,
					      doc.n_translations, &err)) {
		cli_fail("%s", err.code == ERR_EXISTS
					? "the slug is taken (by a statement, a deleted one too, or an "
					  "organisation)"
					: err.msg);
		goto out;
	}
	printf("imported '%s': %s (%zu signatories)\n", o->slug, doc.title, doc.n_signatories);
	if (doc.n_translations) {
		printf("languages: %s", doc.lang);
		for (size_t i = 0; i < doc.n_translations; i++)
			printf(", %s", doc.translations[i].lang);
		printf("\n");
	}
	if (doc.n_lists_ignored)
		fprintf(stderr, "undersigned: note: %zu more signatory list%s in later languages "
				"ignored: the signatories are the first list's, shared by every "
				"language\n",
			doc.n_lists_ignored, doc.n_lists_ignored == 1 ? "" : "s");
	rc = 0;
out:
	key_pem_free(priv);
	free(pub);
	free(sigs);
	free(tr);
	free(text);
	statement_doc_release(&doc);
	store_close(st);
	return rc;
}

static int statement_list(const struct cli_opts *o)
{
	struct statement **list = NULL;
	struct store *st = NULL;
	struct err err;
	size_t n = 0;
	int rc = 1;

	if (cli_open_store(o->db, &st))
		return 1;
	if (store_statement_list(st, &list, &n, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t signed_n = 0, followers = 0;

		store_signatory_count(st, list[i]->id, "approved", &signed_n, NULL);
		store_follower_count(st, list[i]->id, &followers, NULL);
		printf("%-24s %-7s %5lld signatories %5lld followers  %s\n", list[i]->slug,
		       list[i]->policy, (long long)signed_n, (long long)followers, list[i]->title);
	}
	if (n == 0)
		printf("no statements yet: undersigned statement import --db %s --slug SLUG --file FILE\n",
		       o->db);
	rc = 0;
out:
	statements_free(list, n);
	store_close(st);
	return rc;
}

int cli_statement(int argc, char **argv)
{
	struct cli_opts o;
	const char *what = argc > 1 ? argv[1] : "";

	if (cli_parse_opts(argc - 1, argv + 1, &o))
		return 1;
	if (str_eq(what, "import"))
		return statement_import(&o);
	if (str_eq(what, "list"))
		return statement_list(&o);
	return cli_fail("statement: expected import, list, edit, delete, translation add, policy "
			"or close, not '%s'",
			what);
}

int cli_block(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	struct store *st = NULL;
	struct cli_opts o;
	struct err err;
	const char *domain;
	int rc = 1;

	if (cli_parse_opts(argc - 1, argv + 1, &o))
		return 1;
	domain = o.first_arg < argc - 1 ? argv[1 + o.first_arg] : NULL;
	if (!str_eq(what, "list") && (!domain || !*domain))
		return cli_fail("block %s: which domain?", what);
	if (!str_eq(what, "add") && !str_eq(what, "remove") && !str_eq(what, "list"))
		return cli_fail("block: expected add, remove or list, not '%s'", what);
	if (cli_open_store(o.db, &st))
		return 1;
	if (str_eq(what, "add")) {
		if (store_block_add(st, domain, &err))
			goto fail;
		printf("blocked %s\n", domain);
	} else if (str_eq(what, "remove")) {
		bool removed = false;

		if (store_block_remove(st, domain, &removed, &err))
			goto fail;
		if (!removed) {
			cli_fail("%s was not blocked", domain);
			goto out;
		}
		printf("unblocked %s\n", domain);
	} else {
		char **list = NULL;
		size_t n = 0;

		if (store_block_list(st, &list, &n, &err))
			goto fail;
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i]);
		strings_free(list, n);
	}
	rc = 0;
	goto out;
fail:
	cli_fail("%s", err.msg);
out:
	store_close(st);
	return rc;
}

/* A --rate-* value: per second, 0 (no limit) up to 1e6, decimals allowed. */
static int rate_arg(const char *flag, const char *s, double dflt, double *out)
{
	char *end;

	*out = dflt;
	if (!s)
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !(*out >= 0 && *out <= 1e6))
		return cli_fail("--%s '%s': requests per second, 0 (no limit) to 1000000", flag, s);
	return 0;
}

/* --trusted-proxy: "loopback" (the default), "none", or one IP address. */
static int proxy_arg(const char *s, const char **out)
{
	unsigned char addr[16];

	*out = NULL;
	if (!s || str_eq(s, "loopback"))
		return 0;
	if (!str_eq(s, "none") && inet_pton(AF_INET, s, addr) != 1 &&
	    inet_pton(AF_INET6, s, addr) != 1)
		return cli_fail("--trusted-proxy '%s': loopback, none, or an IP address", s);
	*out = s;
	return 0;
}

/* The configuration from the command line; strings point into argv or into u. */
static int serve_config(const struct cli_opts *o, struct url *u, struct config *cfg)
{
	struct err err;
	int64_t interval = 300, timeout = LIMIT_REQUEST_TIMEOUT_S;

	if (!o->base_url)
		return cli_fail("serve needs --base-url URL (the public URL, e.g. https://statements.example.org)");
	if (url_parse(o->base_url, u, &err))
		return cli_fail("--base-url: %s", err.msg);
	if (!str_eq(u->path, "/") || u->query)
		return cli_fail("--base-url '%s': give only scheme, host and port, no path", o->base_url);
	if (o->update_interval &&
	    (!str_to_i64(o->update_interval, &interval) || interval < 0 || interval > 86400))
		return cli_fail("--update-interval '%s': seconds from 0 to 86400", o->update_interval);
	cfg->authority = u->authority;
	cfg->listen = o->listen ? o->listen : "127.0.0.1:8080";
	cfg->allow_private_network = o->allow_private;
	cfg->update_interval_s = (int)interval;
	cfg->sign_word = "sign";
	if (o->request_timeout &&
	    (!str_to_i64(o->request_timeout, &timeout) || timeout < 1 || timeout > 3600))
		return cli_fail("--request-timeout '%s': seconds from 1 to 3600", o->request_timeout);
	cfg->request_timeout_s = (int)timeout;
	return rate_arg("rate-ip", o->rate_ip, LIMIT_RATE_IP_PER_S, &cfg->rate_ip) ||
	       rate_arg("rate-domain", o->rate_domain, LIMIT_RATE_DOMAIN_PER_S, &cfg->rate_domain) ||
	       rate_arg("rate-fetch", o->rate_fetch, LIMIT_RATE_FETCH_PER_S, &cfg->rate_fetch) ||
	       proxy_arg(o->trusted_proxy, &cfg->trusted_proxy);
}

/* A per-second limit with its burst; NULL for no limit. */
static struct ratelimit *limit_new(double rate)
{
	return rate > 0 ? ratelimit_new(rate, rate * LIMIT_RATE_BURST_S, LIMIT_RATE_KEYS) : NULL;
}

int cli_serve(int argc, char **argv)
{
	struct http_server *http = NULL;
	struct store_pool *pool = NULL;
	struct deliver *deliver = NULL;
	struct domaincheck_worker *checks = NULL;
	struct store *st = NULL;
	struct config cfg = { 0 };
	struct ctx ctx = { 0 };
	struct url u;
	struct err err;
	sigset_t sigs;
	char *base = NULL, interval[24];
	char *admin_token = NULL, *admin_csrf = NULL;
	int sig, rc = 1, lock = -1;
	struct cli_opts o;

	memset(&u, 0, sizeof(u));
	if (cli_parse_opts(argc, argv, &o) || serve_config(&o, &u, &cfg))
		goto out;
	base = xasprintf("%s://%s", u.scheme, u.authority);
	cfg.base_url = base;
	if (o.admin_token_file && admin_token_load(o.admin_token_file, &admin_token, &err)) {
		cli_fail("--admin-token-file %s", err.msg);
		goto out;
	}
	if (admin_csrf_new(&admin_csrf, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	cfg.admin_token = admin_token;
	cfg.admin_csrf = admin_csrf;
	if (cli_open_store(o.db, &st))
		goto out;
	/* Held while serving: `undersigned restore` refuses a database a server uses. */
	if (store_server_lock(o.db, &lock, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	snprintf(interval, sizeof(interval), "%d", cfg.update_interval_s);
	/*
	 * The CLI's approve and reject schedule edits with the same batch window;
	 * org sign signs for this base URL and fetches under the same rules.
	 */
	if (keyring_instance_ensure(st, &err) || store_setting_set(st, "base_url", base, &err) ||
	    store_setting_set(st, "update_interval", interval, &err) ||
	    store_setting_set(st, "allow_private_network", cfg.allow_private_network ? "1" : "0",
			      &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	if (store_pool_open(o.db, LIMIT_HTTP_THREADS + LIMIT_HTTP_WORKERS, &pool, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	ctx.cfg = &cfg;
	ctx.keys = keycache_new(0);
	ctx.keyring = keyring_new(base);
	ctx.metrics = metrics_new();
	ctx.pages = pagecache_new(LIMIT_PAGE_CACHE_ENTRIES, LIMIT_PAGE_CACHE_TTL_S);
	ctx.inbox_per_ip = limit_new(cfg.rate_ip);
	ctx.inbox_per_domain = limit_new(cfg.rate_domain);
	/* --rate-fetch 0 opens the gate wholly: no rate, and no cap on fetches at once. */
	ctx.fetches = cfg.rate_fetch > 0 ? gate_new(cfg.rate_fetch, LIMIT_FETCH_IN_FLIGHT,
							 LIMIT_FETCH_WAIT_MS) : NULL;
	/* Block the stop signals before any thread starts, then wait for them here. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (deliver_start(&cfg, ctx.metrics, o.db, &deliver, &err)) {
		cli_fail("delivery worker: %s", err.msg);
		goto out;
	}
	ctx.deliver = deliver;
	/* The signers' domain checks: their fetches never hold an HTTP thread. */
	if (domaincheck_start(&ctx, o.db, &checks, &err)) {
		cli_fail("domain check worker: %s", err.msg);
		goto out;
	}
	ctx.checks = checks;
	if (http_start(&ctx, pool, cfg.listen, &http, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	log_info("event=start base_url=%s listen=%s db=%s", base, cfg.listen, o.db);
	sigwait(&sigs, &sig);
	log_info("event=stop signal=%d", sig);
	rc = 0;
out:
	http_stop(http);
	domaincheck_stop(checks);
	deliver_stop(deliver);
	store_pool_close(pool);
	keycache_free(ctx.keys);
	keyring_free(ctx.keyring);
	metrics_free(ctx.metrics);
	pagecache_free(ctx.pages);
	ratelimit_free(ctx.inbox_per_ip);
	ratelimit_free(ctx.inbox_per_domain);
	gate_free(ctx.fetches);
	store_server_unlock(lock);
	store_close(st);
	free(admin_token);
	free(admin_csrf);
	url_release(&u);
	free(base);
	return rc;
}
