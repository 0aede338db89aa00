/* Domain blocks: a blocked domain covers its subdomains. Domains are kept lowercase. */
#include "store/db.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/mem.h"

/* A lowercase copy without a trailing dot; NULL when empty. Caller frees. */
static char *domain_norm(const char *domain)
{
	char *d;
	size_t n;

	if (!domain)
		return NULL;
	n = strlen(domain);
	if (n && domain[n - 1] == '.')
		n--;
	if (!n)
		return NULL;
	d = xstrndup(domain, n);
	for (char *c = d; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return d;
}

int store_block_add(struct store *st, const char *domain, struct err *err)
{
	sqlite3_stmt *q = NULL;
	char *d = domain_norm(domain);
	int rc;

	if (!d)
		return errorf(err, ERR_INVALID, "no domain given");
	if ((rc = db_prepare(st,
			     "INSERT INTO domain_blocks (domain, created) VALUES (?1, ?2)"
			     " ON CONFLICT (domain) DO NOTHING",
			     &q, err)))
		goto out;
	if (db_bind_text(q, 1, d) || sqlite3_bind_int64(q, 2, (int64_t)time(NULL)))
		rc = db_fail(st, err, "block domain");
	else
		rc = db_step_done(st, q, err, "block domain");
out:
	db_finish(st, q);
	free(d);
	return rc;
}

int store_block_remove(struct store *st, const char *domain, bool *removed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	char *d = domain_norm(domain);
	int rc;

	if (removed)
		*removed = false;
	if (!d)
		return errorf(err, ERR_INVALID, "no domain given");
	if ((rc = db_prepare(st, "DELETE FROM domain_blocks WHERE domain = ?1", &q, err)))
		goto out;
	if (db_bind_text(q, 1, d))
		rc = db_fail(st, err, "unblock domain");
	else if (!(rc = db_step_done(st, q, err, "unblock domain")) && removed)
		*removed = sqlite3_changes(st->db) > 0;
out:
	db_finish(st, q);
	free(d);
	return rc;
}

bool store_block_has(struct store *st, const char *domain)
{
	sqlite3_stmt *q = NULL;
	struct err err = { 0 };
	char *d = domain_norm(domain);
	bool blocked = false, failed = false, began = false;
	int step;

	if (!d)
		return false;
	/* One read transaction for all the lookups (every inbox POST asks). */
	if (db_begin(st, DB_READ, &err)) {
		failed = true;
		goto out;
	}
	began = true;
	if (db_prepare(st, "SELECT 1 FROM domain_blocks WHERE domain = ?1", &q, &err)) {
		failed = true;
		goto out;
	}
	/* "a.b.example" is blocked by a block of itself, "b.example" or "example". */
	for (const char *p = d; p && !blocked;) {
		sqlite3_reset(q);
		if (db_bind_text(q, 1, p)) {
			failed = true;
			break;
		}
		step = sqlite3_step(q);
		if (step == SQLITE_ROW) {
			blocked = true;
		} else if (step != SQLITE_DONE) {
			db_fail(st, &err, "check domain block");
			failed = true;
			break;
		}
		if ((p = strchr(p, '.')))
			p++;
	}
out:
	db_finish(st, q);
	q = NULL;
	if (began && db_commit(st, &err))
		db_rollback(st);
	if (failed) {
		/* A predicate cannot report: log, and fail closed (treat as blocked). */
		log_error("event=block_check_failed domain=%s msg=%s", d,
			  err.msg[0] ? err.msg : sqlite3_errmsg(st->db));
		blocked = true;
	}
	db_finish(st, q);
	free(d);
	return blocked;
}

int store_block_list(struct store *st, char ***out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st, "SELECT domain FROM domain_blocks ORDER BY domain", &q, err)))
		return rc;
	rc = db_collect_strings(st, q, out, n, err, "list domain blocks");
	db_finish(st, q);
	return rc;
}
