/*
 * The coordinator's commands for signatures: list, approve, reject, export
 * (JSON, CSV, and a proofs bundle), verify; and a statement's policy. Each
 * checks all its input before it changes anything, and prints a one-line
 * error with exit code 1 otherwise. They work while the server runs (the
 * store waits for the server's transactions).
 */
#include "server/cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/export.h"
#include "activitypub/proof.h"
#include "server/cli_common.h"
#include "server/moderate.h"
#include "server/proof_bundle.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"

/* Width of the name column in tables; longer names are cut with "…". */
#define TABLE_NAME_CHARS 40
/* Width of the handle column; longer handles are cut. */
#define TABLE_HANDLE_CHARS 40

static bool state_valid(const char *s)
{
	return str_eq(s, "pending") || str_eq(s, "approved") || str_eq(s, "rejected") ||
	       str_eq(s, "withdrawn");
}

/* Print s cleaned and cut to width characters, padded to width (a table cell). */
static void print_cell(const char *s, size_t width)
{
	char *clean = utf8_clean_dup(s ? s : "", width);
	size_t n = utf8_chars(clean);

	printf("%s%*s", clean, (int)(n < width ? width - n : 0), "");
	free(clean);
}

/* The statement called slug, or a one-line error (1). *s: statement_free. */
static int load_statement(struct store *st, const char *slug, struct statement **s)
{
	struct err err;
	int rc = store_statement_get(st, slug, s, &err);

	if (rc == -ERR_NOTFOUND)
		return cli_fail("no statement '%s' (see: undersigned statement list)", slug);
	if (rc < 0)
		return cli_fail("%s", err.msg);
	return 0;
}

/* ---- list ---- */

static int signatures_list(struct store *st, const struct statement *s, const char *state)
{
	struct signatory *list = NULL;
	struct err err;
	size_t n = 0;

	if (store_signatory_list(st, s->id, state, 0, 0, &list, &n, &err) < 0)
		return cli_fail("%s", err.msg);
	printf("%-6s %-9s %-8s ", "ID", "STATE", "HOW");
	print_cell("NAME", TABLE_NAME_CHARS);
	putchar(' ');
	print_cell("HANDLE", TABLE_HANDLE_CHARS);
	printf(" SIGNED AT\n");
	for (size_t i = 0; i < n; i++) {
		char when[TIME_STR_MAX];

		time_to_iso((time_t)list[i].signed_at, when);
		printf("%-6lld %-9s %-8s ", (long long)list[i].id, list[i].state, list[i].how);
		print_cell(list[i].name, TABLE_NAME_CHARS);
		putchar(' ');
		print_cell(list[i].handle ? list[i].handle : "-", TABLE_HANDLE_CHARS);
		printf(" %s\n", when);
	}
	printf("%zu signature%s%s%s\n", n, n == 1 ? "" : "s", state ? " " : "", state ? state : "");
	signatories_free(list, n);
	return 0;
}

/* ---- approve, reject ---- */

/* The signature arg names: its id, its actor id, or its @handle. NULL when none. */
static struct signatory *find_signature(struct signatory *list, size_t n, const char *arg)
{
	int64_t id;

	if (str_to_i64(arg, &id)) {
		for (size_t i = 0; i < n; i++)
			if (list[i].id == id)
				return &list[i];
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (list[i].actor_id && str_eq(list[i].actor_id, arg))
			return &list[i];
		if (arg[0] == '@' && list[i].handle && str_ieq(list[i].handle, arg))
			return &list[i];
	}
	return NULL;
}

static int signatures_decide(struct store *st, const struct statement *s, const char *to,
			     char **args, int n_args)
{
	struct signatory *list = NULL, **picked = NULL;
	struct err err;
	size_t n = 0, changed = 0;
	bool approved_changed = false;
	int rc = 1;

	if (n_args < 1)
		return cli_fail("signatures %s: which signatures? give IDs (from signatures list),"
				" actor ids or @handles", str_eq(to, "approved") ? "approve" : "reject");
	if (store_signatory_list(st, s->id, NULL, 0, 0, &list, &n, &err) < 0)
		return cli_fail("%s", err.msg);
	picked = xcalloc((size_t)n_args, sizeof(*picked));
	/* Every argument is checked before anything changes. */
	for (int i = 0; i < n_args; i++) {
		picked[i] = find_signature(list, n, args[i]);
		if (!picked[i]) {
			cli_fail("no signature '%s' on statement '%s' (see: undersigned signatures list)",
				 args[i], s->slug);
			goto out;
		}
		if (moderate_check(picked[i], to, &err) < 0) {
			cli_fail("%s", err.msg);
			goto out;
		}
	}
	for (int i = 0; i < n_args; i++) {
		struct signatory *g = picked[i];
		char *name = utf8_clean_dup(g->name, TABLE_NAME_CHARS);
		char *was = xstrdup(g->state);
		bool done = false;

		if (moderate_set(st, g, to, &done, &approved_changed, &err) < 0) {
			cli_fail("signature %lld: %s", (long long)g->id, err.msg);
			free(name);
			free(was);
			goto out;
		}
		if (done) {
			printf("%lld: %s -> %s: %s\n", (long long)g->id, was, to, name);
			changed++;
		} else {
			printf("%lld: already %s: %s\n", (long long)g->id, to, name);
		}
		free(name);
		free(was);
	}
	if (approved_changed) {
		char when[TIME_STR_MAX];
		int64_t due;

		if (moderate_schedule_edit(st, s, &due, &err) < 0) {
			cli_fail("the post's edit could not be scheduled: %s", err.msg);
			goto out;
		}
		time_to_iso((time_t)due, when);
		printf("the approved list changed: the statement post will be edited at %s\n", when);
	}
	printf("%zu changed, %zu unchanged\n", changed, (size_t)n_args - changed);
	rc = 0;
out:
	free(picked);
	signatories_free(list, n);
	return rc;
}

/* ---- export ---- */

/* The bundle's entries, and the signings whose strings they borrow (owned here). */
struct proof_set {
	struct bundle_entry *entries;
	size_t n, cap;
	struct signing **lists; /* one per signature, of n_each[i] signings */
	size_t *n_each;
	size_t n_lists;
};

static struct bundle_entry *proof_set_add(struct proof_set *ps, const struct signatory *g)
{
	struct bundle_entry *e;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 16;
		ps->entries = xrealloc(ps->entries, ps->cap * sizeof(*ps->entries));
	}
	e = &ps->entries[ps->n++];
	memset(e, 0, sizeof(*e));
	e->id = g->id;
	e->name = g->name;
	e->handle = g->handle;
	e->actor_id = g->actor_id;
	e->state = g->state;
	e->how = g->how;
	return e;
}

/*
 * Signature g's entries: one per signing activity that stands (a Follow
 * and an Endorse both prove it), else the proof of its row (a withdrawn
 * signature keeps only that), as a list of one. ps has room for one list.
 */
static int proof_set_collect(struct proof_set *ps, struct store *st, const struct signatory *g,
			     struct err *err)
{
	struct signing *list = NULL;
	size_t n = 0, with_proof = 0;
	int part = 0, rc;

	if ((rc = store_signing_list(st, g->id, &list, &n, err)) < 0)
		return rc;
	for (size_t j = 0; j < n; j++)
		with_proof += list[j].proof != NULL;
	if (!with_proof) {
		char *proof = NULL;

		signings_free(list, n);
		list = NULL;
		n = 0;
		if ((rc = store_signatory_proof(st, g->id, &proof, err)) < 0)
			return rc;
		if (!proof)
			return 0;
		list = xcalloc(1, sizeof(*list));
		list->proof = proof;
		n = 1;
	}
	ps->lists[ps->n_lists] = list;
	ps->n_each[ps->n_lists++] = n;
	for (size_t j = 0; j < n; j++) {
		struct bundle_entry *e;

		if (!list[j].proof)
			continue;
		e = proof_set_add(ps, g);
		e->part = ++part;
		e->proof = list[j].proof;
		if (list[j].how)
			e->how = list[j].how;
	}
	return 0;
}

static void proof_set_release(struct proof_set *ps)
{
	for (size_t i = 0; i < ps->n_lists; i++)
		signings_free(ps->lists[i], ps->n_each[i]);
	free(ps->lists);
	free(ps->n_each);
	free(ps->entries);
}

/* The proofs of the exported signatures into dir (checked empty beforehand). */
static int export_proofs(struct store *st, const struct statement *s, const char *dir,
			 const struct signatory *list, size_t n)
{
	struct proof_set ps = { 0 };
	struct err err;
	size_t written = 0;
	int rc = 1;

	ps.lists = xcalloc(n ? n : 1, sizeof(*ps.lists));
	ps.n_each = xcalloc(n ? n : 1, sizeof(*ps.n_each));
	for (size_t i = 0; i < n; i++) {
		if (!list[i].actor_id)
			continue; /* imported: nothing was signed */
		if (proof_set_collect(&ps, st, &list[i], &err) < 0) {
			cli_fail("signature %lld: %s", (long long)list[i].id, err.msg);
			goto out;
		}
	}
	if (bundle_write(dir, s->slug, ps.entries, ps.n, &written, &err) < 0) {
		cli_fail("%s", err.msg);
		goto out;
	}
	fprintf(stderr, "undersigned: wrote %zu proof%s to %s (check: sh %s/verify.sh)\n",
		written, written == 1 ? "" : "s", dir, dir);
	rc = 0;
out:
	proof_set_release(&ps);
	return rc;
}

static int signatures_export(struct store *st, const struct statement *s,
			     const struct cli_opts *o)
{
	struct signatory *list = NULL;
	struct err err;
	size_t n = 0;
	int rc = 1;

	if (store_signatory_list(st, s->id, o->state, 0, 0, &list, &n, &err) < 0)
		return cli_fail("%s", err.msg);
	/* The bundle first: when it fails, nothing goes to stdout. */
	if (o->proofs && export_proofs(st, s, o->proofs, list, n))
		goto out;
	if (str_eq(o->format, "csv") ? export_csv(stdout, list, n, &err) < 0
				     : export_json(stdout, list, n, &err) < 0) {
		cli_fail("%s", err.msg);
		goto out;
	}
	rc = 0;
out:
	signatories_free(list, n);
	return rc;
}

/* ---- verify ---- */

/* Check one proof of signer actor_id; *why gets the reason of a failure (static or in buf). */
static bool check_proof(const char *proof, const char *actor_id, char *buf, size_t len,
			const char **why)
{
	struct proof_parts pp;
	struct err err;
	bool ok = false;

	*why = "";
	if (!proof) {
		*why = "no proof kept";
		return false;
	}
	if (proof_verify(proof, &err) < 0) {
		snprintf(buf, len, "%s", err.msg);
		*why = buf;
	} else if (proof_parts(proof, &pp, &err) < 0) {
		snprintf(buf, len, "%s", err.msg);
		*why = buf;
	} else {
		/* A valid proof of someone else's request proves nothing about this signer. */
		if (!str_eq(pp.actor, actor_id)) {
			/* A Move carries the signature, not the proof: the old account's stays. */
			snprintf(buf, len, "the proof is another account's, %s (moved from there?)",
				 pp.actor);
			*why = buf;
		} else {
			ok = true;
		}
		proof_parts_release(&pp);
	}
	return ok;
}

/*
 * Check one signature: the proof it shows, then those of its other signing
 * activities that still stand (each may take its place when it is undone).
 */
static bool check_one(struct store *st, const struct signatory *g, char *buf, size_t len,
		      const char **why)
{
	struct signing *more = NULL;
	struct err err;
	char *proof = NULL;
	size_t n = 0;
	bool ok;

	*why = "";
	if (store_signatory_proof(st, g->id, &proof, &err) < 0 ||
	    store_signing_list(st, g->id, &more, &n, &err) < 0) {
		snprintf(buf, len, "%s", err.msg);
		*why = buf;
		free(proof);
		return false;
	}
	ok = check_proof(proof, g->actor_id, buf, len, why);
	for (size_t i = 0; ok && i < n; i++) {
		char inner[500];
		const char *because;

		if (str_eq(more[i].activity_id, g->activity_id))
			continue; /* the one shown, checked above */
		if (!check_proof(more[i].proof, g->actor_id, inner, sizeof(inner), &because)) {
			snprintf(buf, len, "the proof of its %s %s, which stands too: %s",
				 more[i].how, more[i].activity_id, because);
			*why = buf;
			ok = false;
		}
	}
	signings_free(more, n);
	free(proof);
	return ok;
}

static int signatures_verify(struct store *st, const struct statement *s, const char *state)
{
	struct signatory *list = NULL;
	struct err err;
	size_t n = 0, checked = 0, failed = 0;

	if (store_signatory_list(st, s->id, state, 0, 0, &list, &n, &err) < 0)
		return cli_fail("%s", err.msg);
	printf("%-6s ", "ID");
	print_cell("NAME", TABLE_NAME_CHARS);
	printf(" %-6s REASON\n", "RESULT");
	for (size_t i = 0; i < n; i++) {
		char buf[600];
		const char *why;
		char *reason;
		bool ok;

		if (!list[i].actor_id)
			continue; /* imported: no signed request to check */
		ok = check_one(st, &list[i], buf, sizeof(buf), &why);
		checked++;
		failed += !ok;
		printf("%-6lld ", (long long)list[i].id);
		print_cell(list[i].name, TABLE_NAME_CHARS);
		/* The reason may quote a stranger's key id or header: clean it too. */
		reason = utf8_clean_dup(why, 200);
		if (*reason)
			printf(" %-6s %s\n", ok ? "ok" : "FAIL", reason);
		else
			printf(" %s\n", ok ? "ok" : "FAIL");
		free(reason);
	}
	printf("%zu of %zu proofs verify\n", checked - failed, checked);
	signatories_free(list, n);
	return failed ? 1 : 0;
}

int cli_signatures(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	struct statement *s = NULL;
	struct store *st = NULL;
	struct cli_opts o;
	struct err err;
	char **args;
	int n_args, rc = 1;
	bool decide = str_eq(what, "approve") || str_eq(what, "reject");

	if (!decide && !str_eq(what, "list") && !str_eq(what, "export") && !str_eq(what, "verify"))
		return cli_fail("signatures: expected list, approve, reject, export or verify, not '%s'",
				what);
	if (cli_parse_opts(argc - 1, argv + 1, &o))
		return 1;
	args = argv + 1 + o.first_arg;
	n_args = argc - 1 - o.first_arg;
	if (!o.slug)
		return cli_fail("signatures %s needs --slug SLUG", what);
	if (!decide && n_args > 0)
		return cli_fail("signatures %s: unexpected argument '%s'", what, args[0]);
	if (o.state && (decide || !state_valid(o.state)))
		return cli_fail(decide ? "signatures %s takes no --state"
				       : "--state '%s': use pending, approved, rejected or withdrawn",
				decide ? what : o.state);
	if ((o.format || o.proofs) && !str_eq(what, "export"))
		return cli_fail("--format and --proofs go with signatures export");
	if (o.format && !str_eq(o.format, "json") && !str_eq(o.format, "csv"))
		return cli_fail("--format '%s': use json or csv", o.format);
	if (o.proofs && bundle_check_dir(o.proofs, &err) < 0)
		return cli_fail("--proofs: %s", err.msg);
	if (cli_open_store(o.db, &st) || load_statement(st, o.slug, &s))
		goto out;
	if (str_eq(what, "list"))
		rc = signatures_list(st, s, o.state);
	else if (decide)
		rc = signatures_decide(st, s, str_eq(what, "approve") ? "approved" : "rejected",
				       args, n_args);
	else if (str_eq(what, "export"))
		rc = signatures_export(st, s, &o);
	else
		rc = signatures_verify(st, s, o.state);
out:
	statement_free(s);
	store_close(st);
	return rc;
}

/* ---- statement policy, statement close ---- */

int cli_statement_policy(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	const char *policy;
	struct statement *s = NULL;
	struct store *st = NULL;
	struct cli_opts o;
	struct err err;
	int n_args, rc = 1;

	if (cli_parse_opts(argc - 1, argv + 1, &o))
		return 1;
	n_args = argc - 1 - o.first_arg;
	if (!o.slug)
		return cli_fail("statement %s needs --slug SLUG", what);
	if (str_eq(what, "close")) {
		if (n_args > 0)
			return cli_fail("statement close: unexpected argument '%s'",
					argv[1 + o.first_arg]);
		policy = "closed";
	} else {
		if (n_args != 1)
			return cli_fail("statement policy: give one of open, review, closed");
		policy = argv[1 + o.first_arg];
		if (!str_eq(policy, "open") && !str_eq(policy, "review") && !str_eq(policy, "closed"))
			return cli_fail("statement policy '%s': use open, review or closed", policy);
	}
	if (cli_open_store(o.db, &st) || load_statement(st, o.slug, &s))
		goto out;
	if (str_eq(s->policy, policy)) {
		printf("statement '%s' is %s already\n", s->slug, policy);
		rc = 0;
		goto out;
	}
	if (store_statement_set_policy(st, s->id, policy, &err) < 0) {
		cli_fail("%s", err.msg);
		goto out;
	}
	printf("statement '%s': policy %s (was %s)%s\n", s->slug, policy, s->policy,
	       str_eq(policy, "closed") ? ": no new signatures" : "");
	rc = 0;
out:
	statement_free(s);
	store_close(st);
	return rc;
}
