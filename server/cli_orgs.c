/*
 * Organisation actors hosted here, from the command line: add, list, edit,
 * sign a statement on any server, withdraw. They work beside the running
 * server of the organisation's domain: it serves the actor and its key, its
 * worker delivers what these commands queue, and its inbox records the
 * answers, which org sign waits for. The base URL comes from the database
 * (serve writes it), so a coordinator types it once.
 */
#include "server/cli.h"
#include "server/cli_common.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/org.h"
#include "activitypub/org_documents.h"
#include "activitypub/resolve.h"
#include "crypto/keys.h"
#include "server/router.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"
#include "util/utf8.h"

/* org sign waits this long for the answer unless --wait says otherwise. */
#define ORG_SIGN_WAIT_DEFAULT_S 30
/* How often org sign looks at the database for the answer, and at the collection. */
#define ORG_POLL_MS 200
#define ORG_COLLECTION_POLL_S 1
/* Width of a stranger's text (a statement's title) in a line of output. */
#define ORG_TITLE_CHARS 60

/* The server's settings that every org command needs, from the database. */
struct org_env {
	struct store *st;
	struct config cfg;
	struct ctx ctx;
	struct url base; /* cfg.base_url and cfg.authority point into it */
	char *base_url;  /* NULL: no server ever ran on this database */
	const char *db;
};

static void env_release(struct org_env *env)
{
	url_release(&env->base);
	free(env->base_url);
	store_close(env->st);
}

/* Open the store and read the base URL serve recorded (may be missing). 0 or exit code 1. */
static int env_open(const struct cli_opts *o, struct org_env *env)
{
	char *allow = NULL;
	struct err err;

	memset(env, 0, sizeof(*env));
	env->db = o->db;
	if (cli_open_store(o->db, &env->st))
		return 1;
	if (store_setting_get(env->st, "base_url", &env->base_url, &err) ||
	    store_setting_get(env->st, "allow_private_network", &allow, &err))
		return cli_fail("%s", err.msg);
	if (env->base_url && url_parse(env->base_url, &env->base, &err)) {
		free(allow);
		return cli_fail("the base URL in %s is not a URL: %s", o->db, err.msg);
	}
	env->cfg.base_url = env->base_url;
	env->cfg.authority = env->base_url ? env->base.authority : NULL;
	env->cfg.allow_private_network = o->allow_private || str_eq(allow, "1");
	env->cfg.sign_word = "sign";
	env->ctx.cfg = &env->cfg;
	env->ctx.store = env->st;
	free(allow);
	return 0;
}

/* The base URL is needed: say how to get one. 0 or exit code 1. */
static int env_need_server(const struct org_env *env)
{
	if (env->base_url)
		return 0;
	return cli_fail(
	    "no server has run on %s yet: start `undersigned serve --db %s --base-url URL`"
	    " first (it serves the organisation and delivers what it signs)",
	    env->db, env->db);
}

/* The organisation --org names. 0 or exit code 1. */
static int load_org(const struct org_env *env, const char *slug, struct organisation **o)
{
	struct err err;
	int rc;

	if (!slug)
		return cli_fail("which organisation? --org SLUG");
	rc = store_org_get(env->st, slug, o, &err);
	if (rc == -ERR_NOTFOUND)
		return cli_fail("no organisation '%s' (see: undersigned org list --db %s)", slug,
				env->db);
	if (rc)
		return cli_fail("%s", err.msg);
	return 0;
}

/* A stranger's text for the terminal: no control characters or escapes, cut. Caller frees. */
static char *clean(const char *s, size_t chars)
{
	return utf8_clean_dup(s ? s : "", chars);
}

/* ---- checks of what the coordinator typed ---- */

static int check_name(const char *name)
{
	if (!name || !*name)
		return cli_fail("an organisation needs a name: --name NAME");
	if (strlen(name) > LIMIT_ORG_NAME_BYTES || !utf8_valid(name))
		return cli_fail("--name: at most %d bytes of UTF-8 text", LIMIT_ORG_NAME_BYTES);
	return 0;
}

static int check_url(const char *website)
{
	struct url u;
	struct err err;

	if (!website || !*website)
		return 0;
	if (!(str_istarts(website, "https://") || str_istarts(website, "http://")) ||
	    url_parse(website, &u, &err))
		return cli_fail("--url '%s': give the website as http(s)://host/...", website);
	url_release(&u);
	return 0;
}

static int check_summary(const char *summary)
{
	if (summary && (strlen(summary) > LIMIT_ORG_SUMMARY_BYTES || !utf8_valid(summary)))
		return cli_fail("--summary: at most %d bytes of UTF-8 text",
				LIMIT_ORG_SUMMARY_BYTES);
	return 0;
}

/* ---- add ---- */

static int org_add(const struct cli_opts *o)
{
	struct organisation org = { 0 };
	struct org_env env;
	char *priv = NULL, *pub = NULL;
	struct err err;
	bool taken = false;
	int rc = 1;

	if (!o->slug)
		return cli_fail("org add needs --slug SLUG and --name NAME");
	if (!router_slug_valid(o->slug, strlen(o->slug)))
		return cli_fail(
		    "slug '%s': use 1-%d of a-z 0-9 - _, starting with a letter or digit", o->slug,
		    LIMIT_SLUG_BYTES);
	if (check_name(o->name) || check_url(o->url) || check_summary(o->summary))
		return 1;
	if (env_open(o, &env))
		goto out;
	/* Before the key is made: a taken slug costs nothing. */
	if (store_slug_taken(env.st, o->slug, &taken, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	if (taken) {
		cli_fail("the slug '%s' is taken (by a statement or an organisation)", o->slug);
		goto out;
	}
	if (key_generate_rsa(2048, &priv, &pub, &err)) {
		cli_fail("key generation: %s", err.msg);
		goto out;
	}
	org.slug = (char *)o->slug;
	org.name = (char *)o->name;
	org.url = (char *)o->url;
	org.summary = (char *)o->summary;
	org.published = org.updated = (int64_t)time(NULL);
	org.public_pem = pub;
	org.private_pem = priv;
	if (store_org_add(env.st, &org, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	printf("added organisation '%s': %s\n", o->slug, o->name);
	if (env.base_url)
		printf("its account: @%s@%s (%s/o/%s)\n", o->slug, env.cfg.authority, env.base_url,
		       o->slug);
	else
		printf("it is on the fediverse once `undersigned serve --db %s` runs\n", o->db);
	rc = 0;
out:
	key_pem_free(priv);
	free(pub);
	env_release(&env);
	return rc;
}

/* ---- list ---- */

/* One signature of an organisation: state, when, which statement, and what came back. */
static void print_endorsement(const struct endorsement *e)
{
	char *title = clean(e->title, ORG_TITLE_CHARS);
	char *handle = clean(e->handle ? e->handle : e->statement_actor, ORG_TITLE_CHARS);
	char when[TIME_STR_MAX], extra[3 * TIME_STR_MAX + 64] = "";
	size_t len = 0;

	if (e->follow_accepted)
		len += (size_t)snprintf(extra + len, sizeof(extra) - len, ", following");
	if (e->listed)
		len += (size_t)snprintf(extra + len, sizeof(extra) - len, ", listed");
	if (e->post_updated_at) {
		time_to_iso((time_t)e->post_updated_at, when);
		len +=
		    (size_t)snprintf(extra + len, sizeof(extra) - len, ", post updated %s", when);
	}
	if (e->withdrawn_at) {
		time_to_iso((time_t)e->withdrawn_at, when);
		snprintf(extra + len, sizeof(extra) - len, ", withdrawn %s", when);
	}
	time_to_iso((time_t)e->signed_at, when);
	printf("  %-9s %s  %s  %s", e->state, when, handle, title);
	if (extra[0])
		printf("  [%s]", extra + 2);
	putchar('\n');
	if (e->reply && *e->reply) {
		char *reply = clean(e->reply, 200);

		printf("            reply: %s\n", reply);
		free(reply);
	}
	free(title);
	free(handle);
}

static int org_list(const struct cli_opts *o)
{
	struct organisation **list = NULL;
	struct org_env env;
	struct err err;
	size_t n = 0;
	int rc = 1;

	if (env_open(o, &env))
		goto out;
	if (store_org_list(env.st, &list, &n, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct endorsement *sigs = NULL;
		int64_t followers = 0, signed_now = 0;
		size_t n_sigs = 0;
		char *name;

		if (o->org && !str_eq(o->org, list[i]->slug))
			continue;
		if (store_endorsement_list(env.st, list[i]->id, true, 0, 0, &sigs, &n_sigs, &err) ||
		    store_org_follower_count(env.st, list[i]->id, &followers, &err)) {
			cli_fail("%s", err.msg);
			goto out;
		}
		name = clean(list[i]->name, ORG_TITLE_CHARS);
		printf("%s  %s", list[i]->slug, name);
		if (env.base_url)
			printf("  @%s@%s", list[i]->slug, env.cfg.authority);
		for (size_t j = 0; j < n_sigs; j++)
			signed_now += !str_eq(sigs[j].state, "withdrawn");
		printf("  (%lld signed, %lld followers)\n", (long long)signed_now,
		       (long long)followers);
		for (size_t j = 0; j < n_sigs; j++)
			print_endorsement(&sigs[j]);
		if (!n_sigs)
			printf("  no statements signed yet\n");
		endorsements_free(sigs, n_sigs);
		free(name);
	}
	if (o->org) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			found = found || str_eq(o->org, list[i]->slug);
		if (!found) {
			cli_fail("no organisation '%s'", o->org);
			goto out;
		}
	}
	if (n == 0)
		printf(
		    "no organisations yet: undersigned org add --db %s --slug SLUG --name NAME\n",
		    o->db);
	rc = 0;
out:
	organisations_free(list, n);
	env_release(&env);
	return rc;
}

/* ---- edit ---- */

static int org_edit_cmd(const struct cli_opts *o)
{
	struct organisation *org = NULL;
	struct org_env env;
	const char *slug = o->org ? o->org : o->slug;
	size_t n_inboxes = 0;
	struct err err;
	int rc = 1;

	if (!o->name && !o->url && !o->summary)
		return cli_fail("org edit: what changes? --name, --url or --summary");
	if ((o->name && check_name(o->name)) || check_url(o->url) || check_summary(o->summary))
		return 1;
	if (env_open(o, &env) || load_org(&env, slug, &org))
		goto out;
	if (!env.base_url) {
		/* Never served: nobody has seen it, so nobody needs an Update. */
		if (store_org_edit(env.st, org->id, o->name, o->url, o->summary,
				   (int64_t)time(NULL), NULL, 0, &err)) {
			cli_fail("%s", err.msg);
			goto out;
		}
		printf("edited '%s' (not served yet: nobody to tell)\n", org->slug);
		rc = 0;
		goto out;
	}
	if (org_edit(&env.ctx, org, o->name, o->url, o->summary, &n_inboxes, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	printf("edited '%s'; an Update of its profile is queued to %zu inbox%s (its followers and"
	       " the servers of the statements it signed)\n",
	       org->slug, n_inboxes, n_inboxes == 1 ? "" : "es");
	rc = 0;
out:
	organisation_free(org);
	env_release(&env);
	return rc;
}

/* ---- sign ---- */

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* The statement's answer, as it is now in the database. */
static int reload(struct org_env *env, const struct organisation *org, const char *actor,
		  struct endorsement **e)
{
	struct err err;

	endorsements_free(*e, *e ? 1 : 0);
	*e = NULL;
	if (store_endorsement_get(env->st, org->id, actor, e, &err))
		return cli_fail("%s", err.msg);
	return 0;
}

/* What to say when the wait is over without an answer. */
static void say_queued(const struct org_env *env, const struct organisation *org, int wait_s)
{
	int64_t queued = 0;

	store_delivery_pending(env->st, &queued, NULL);
	printf("no answer after %d s: the signature is queued; the server running on %s delivers it"
	       " and records the answer.\n",
	       wait_s, env->db);
	if (queued > 0)
		printf("%lld deliveries are still waiting in %s (is `undersigned serve --db %s`"
		       " running?)\n",
		       (long long)queued, env->db, env->db);
	printf("check with: undersigned org list --db %s --org %s\n", env->db, org->slug);
}

/*
 * Wait up to wait_s for the Accept or Reject, then for the statement's
 * collection to list the organisation. The exit code: 1 for a Reject.
 */
static int wait_answer(struct org_env *env, const struct organisation *org,
		       const struct resolved *r, int wait_s)
{
	struct endorsement *e = NULL;
	char *actor = orgdoc_url(&env->cfg, org->slug, "");
	time_t deadline = time(NULL) + wait_s, next_look = 0;
	bool said_follow = false, said_reply = false;
	int rc = 0;

	if (wait_s > 0)
		printf("waiting up to %d s for the answer...\n", wait_s);
	fflush(stdout);
	while (wait_s > 0) {
		if ((rc = reload(env, org, r->actor_id, &e)))
			goto out;
		if (e->follow_accepted && !said_follow) {
			printf("the Follow was accepted: %s follows the statement\n", org->slug);
			said_follow = true;
		}
		if (e->reply && *e->reply && !said_reply) {
			char *reply = clean(e->reply, 300);

			printf("the statement replied: %s\n", reply);
			free(reply);
			said_reply = true;
		}
		if (str_eq(e->state, "rejected")) {
			rc = cli_fail(
			    "the statement refused the signature (Reject): it is closed for"
			    " signatures or does not take %s's",
			    org->slug);
			goto out;
		}
		if (str_eq(e->state, "accepted") && !r->signatures) {
			printf("accepted: the statement recorded the signature\n");
			goto out;
		}
		if (str_eq(e->state, "accepted") && time(NULL) >= next_look) {
			bool listed = false;
			struct err err;

			if (!next_look)
				printf("accepted: the statement recorded the signature\n");
			next_look = time(NULL) + ORG_COLLECTION_POLL_S;
			if (resolve_listed(&env->ctx, r->signatures, actor, &listed, &err) == 0 &&
			    listed) {
				store_endorsement_set_listed(env->st, e->id, true, NULL);
				printf("listed in the statement's signatures: %s\n", r->signatures);
				goto out;
			}
		}
		fflush(stdout);
		if (time(NULL) >= deadline)
			break;
		sleep_ms(ORG_POLL_MS);
	}
	if (wait_s > 0 && str_eq(e ? e->state : "", "accepted"))
		printf("not listed yet after %d s (the statement may review signatures first);"
		       " check with: undersigned org list --db %s --org %s\n",
		       wait_s, env->db, org->slug);
	else
		say_queued(env, org, wait_s);
out:
	fflush(stdout);
	endorsements_free(e, e ? 1 : 0);
	free(actor);
	return rc;
}

static int org_sign_cmd(const struct cli_opts *o, const char *arg)
{
	struct organisation *org = NULL;
	struct endorsement *e = NULL;
	struct resolved r = { 0 };
	struct org_env env;
	struct err err;
	char *title = NULL, *handle = NULL;
	int64_t wait = ORG_SIGN_WAIT_DEFAULT_S;
	int rc = 1;

	if (!arg)
		return cli_fail("org sign: which statement? @SLUG@HOST or its URL");
	if (resolve_classify(arg) == RESOLVE_BAD)
		return cli_fail("'%s' is neither @name@host nor an http(s) URL", arg);
	if (o->wait && (!str_to_i64(o->wait, &wait) || wait < 0 || wait > LIMIT_ORG_SIGN_WAIT_S))
		return cli_fail("--wait '%s': seconds from 0 to %d", o->wait,
				LIMIT_ORG_SIGN_WAIT_S);
	if (env_open(o, &env) || load_org(&env, o->org, &org) || env_need_server(&env))
		goto out;
	printf("looking up %s...\n", arg);
	fflush(stdout);
	if (resolve_statement(&env.ctx, arg, &r, &err)) {
		cli_fail("cannot sign: %s", err.msg);
		goto out;
	}
	title = clean(r.title, ORG_TITLE_CHARS);
	handle = clean(r.handle ? r.handle : r.actor_id, ORG_TITLE_CHARS);
	printf("statement: %s (%s)\n  actor: %s\n  post:  %s\n", title, handle, r.actor_id,
	       r.post_id);
	if (r.closed) {
		cli_fail("%s is closed for signatures: nothing sent", handle);
		goto out;
	}
	if (org_sign(&env.ctx, org, &r, &e, &err)) {
		if (err.code == ERR_EXISTS) {
			printf("%s: %s, nothing sent\n", org->slug, err.msg);
			rc = 0;
		} else {
			cli_fail("%s", err.msg);
		}
		goto out;
	}
	printf("queued: an Endorse of the post and a Follow of the statement, signed by %s/o/%s"
	       "#main-key, to %s\n",
	       env.base_url, org->slug, r.inbox);
	rc = wait_answer(&env, org, &r, (int)wait);
out:
	free(title);
	free(handle);
	endorsements_free(e, e ? 1 : 0);
	resolved_release(&r);
	organisation_free(org);
	env_release(&env);
	return rc;
}

/* ---- withdraw ---- */

/* Whether arg names e: its handle, its actor (or a URL under it), or its post. */
static bool names(const struct endorsement *e, const char *arg)
{
	const char *a = str_starts(arg, "acct:") ? arg + 5 : arg;
	size_t n;

	if (e->handle && str_ieq(e->handle + (e->handle[0] == '@'), a + (a[0] == '@')))
		return true;
	if (str_eq(arg, e->post_id) || str_eq(arg, e->statement_actor))
		return true;
	n = strlen(e->statement_actor);
	return strncmp(arg, e->statement_actor, n) == 0 && (arg[n] == '/' || arg[n] == '#');
}

static int org_withdraw_cmd(const struct cli_opts *o, const char *arg)
{
	struct organisation *org = NULL;
	struct endorsement *list = NULL, *e = NULL;
	struct org_env env;
	struct err err;
	size_t n = 0;
	int rc = 1;

	if (!arg)
		return cli_fail("org withdraw: which statement? @SLUG@HOST or its URL");
	if (env_open(o, &env) || load_org(&env, o->org, &org) || env_need_server(&env))
		goto out;
	if (store_endorsement_list(env.st, org->id, true, 0, 0, &list, &n, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < n && !e; i++)
		if (names(&list[i], arg))
			e = &list[i];
	if (!e) {
		cli_fail("%s has not signed %s (see: undersigned org list --db %s --org %s)",
			 org->slug, arg, o->db, org->slug);
		goto out;
	}
	if (str_eq(e->state, "withdrawn")) {
		printf("%s withdrew from %s already: nothing sent\n", org->slug, arg);
		rc = 0;
		goto out;
	}
	if (org_withdraw(&env.ctx, org, e, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	printf("queued: an Undo of the Endorse and of the Follow, to %s\n", e->inbox);
	printf("the statement removes %s from its signatories when they arrive\n", org->slug);
	rc = 0;
out:
	endorsements_free(list, n);
	organisation_free(org);
	env_release(&env);
	return rc;
}

int cli_org(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	const char *arg;
	struct cli_opts o;

	if (!str_eq(what, "add") && !str_eq(what, "list") && !str_eq(what, "edit") &&
	    !str_eq(what, "sign") && !str_eq(what, "withdraw"))
		return cli_fail("org: expected add, list, edit, sign or withdraw, not '%s'", what);
	if (cli_parse_opts(argc - 1, argv + 1, &o))
		return 1;
	/* The commands say what they do themselves; the log is for the server's events. */
	if (!getenv("UNDERSIGNED_LOG"))
		log_set_level(LOG_WARN);
	arg = o.first_arg < argc - 1 ? argv[1 + o.first_arg] : NULL;
	if (arg && o.first_arg + 1 < argc - 1)
		return cli_fail("org %s: one statement at a time", what);
	if (str_eq(what, "add"))
		return org_add(&o);
	if (str_eq(what, "list"))
		return org_list(&o);
	if (str_eq(what, "edit"))
		return org_edit_cmd(&o);
	if (str_eq(what, "sign"))
		return org_sign_cmd(&o, arg);
	return org_withdraw_cmd(&o, arg);
}
