/*
 * The statement's life after the import: versions of its text, translations,
 * deletion, the events the publisher must send once, and the followers of
 * the index (the instance actor). See store.h.
 *
 * Version 1 of every statement is written by a trigger when the statement
 * row is inserted (migration 6), and so is its "announce" event: every way
 * of adding a statement keeps them, in the same transaction.
 */
#include "store/db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

void statement_texts_free(struct statement_text *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++) {
		free(list[i].lang);
		free(list[i].title);
		free(list[i].dateline);
		free(list[i].summary);
		free(list[i].content_html);
	}
	free(list);
}

void statement_events_free(struct statement_event *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i].kind);
	free(list);
}

/* The statement's own language and its current version, for a live statement. */
static int live_statement(struct store *st, int64_t statement_id, char **lang, int *version,
			  struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = 0, step;

	*lang = NULL;
	*version = 0;
	if ((rc = db_prepare(st,
			     "SELECT s.lang, (SELECT max(version) FROM statement_texts t"
			     " WHERE t.statement_id = s.id)"
			     " FROM statements s WHERE s.id = ?1 AND s.deleted_at IS NULL",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id)) {
		rc = db_fail(st, err, "read statement");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		*lang = db_column_dup(q, 0);
		*version = sqlite3_column_int(q, 1);
	} else if (step == SQLITE_DONE) {
		rc =
		    errorf(err, ERR_NOTFOUND, "no statement with id %lld", (long long)statement_id);
	} else {
		rc = db_fail(st, err, "read statement");
	}
out:
	db_finish(st, q);
	return rc;
}

int store_statement_texts(struct store *st, int64_t statement_id, int version,
			  struct statement_text **out, size_t *n, int *got, struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct statement_text *list = NULL;
	size_t len = 0, cap = 0;
	int rc, step, v = 0;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(
		 st,
		 "SELECT t.lang, t.title, t.dateline, t.summary, t.content_html, t.version"
		 " FROM statement_texts t JOIN statements s ON s.id = t.statement_id"
		 " WHERE t.statement_id = ?1 AND t.version = CASE WHEN ?2 > 0 THEN ?2"
		 "  ELSE (SELECT max(version) FROM statement_texts WHERE statement_id = ?1)"
		 " END ORDER BY t.lang <> s.lang, t.lang",
		 &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int(q, 2, version)) {
		rc = db_fail(st, err, "read texts");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[len].lang = db_column_dup(q, 0);
		list[len].title = db_column_dup(q, 1);
		list[len].dateline = db_column_dup(q, 2);
		list[len].summary = db_column_dup(q, 3);
		list[len].content_html = db_column_dup(q, 4);
		v = sqlite3_column_int(q, 5);
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "read texts");
		statement_texts_free(list, len);
		goto out;
	}
	if (len == 0) {
		rc = errorf(err, ERR_NOTFOUND, "no version %d of statement %lld", version,
			    (long long)statement_id);
		goto out;
	}
	*out = list;
	*n = len;
	if (got)
		*got = v;
out:
	db_finish(st, q);
	return rc;
}

int store_statement_versions(struct store *st, int64_t statement_id, struct statement_version **out,
			     size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct statement_version *list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT version, min(created), count(*) FROM statement_texts"
			     " WHERE statement_id = ?1 GROUP BY version ORDER BY version",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id)) {
		rc = db_fail(st, err, "list versions");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[len].version = sqlite3_column_int(q, 0);
		list[len].created = sqlite3_column_int64(q, 1);
		list[len].n_langs = (size_t)sqlite3_column_int64(q, 2);
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "list versions");
		free(list);
		goto out;
	}
	*out = list;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

static bool text_empty(const struct statement_text *t)
{
	return !t->title || !*t->title || !t->content_html || !*t->content_html;
}

static bool text_same(const struct statement_text *a, const struct statement_text *b)
{
	return str_eq(a->title, b->title) && str_eq(a->content_html, b->content_html) &&
	       str_eq(a->dateline ? a->dateline : "", b->dateline ? b->dateline : "") &&
	       str_eq(a->summary ? a->summary : "", b->summary ? b->summary : "");
}

/* Insert (or replace) one text row of version, inside the caller's transaction. */
static int text_put(struct store *st, int64_t statement_id, int version,
		    const struct statement_text *t, int64_t created, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st,
			     "INSERT OR REPLACE INTO statement_texts (statement_id, version, lang,"
			     " title, dateline, summary, content_html, created)"
			     " VALUES (?1, ?2, ?3, ?4, coalesce(?5, ''), coalesce(?6, ''), ?7, ?8)",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int(q, 2, version) ||
	    db_bind_text(q, 3, t->lang) || db_bind_text(q, 4, t->title) ||
	    db_bind_text(q, 5, t->dateline) || db_bind_text(q, 6, t->summary) ||
	    db_bind_text(q, 7, t->content_html) || sqlite3_bind_int64(q, 8, created))
		rc = db_fail(st, err, "write text");
	else
		rc = db_step_done(st, q, err, "write text");
	db_finish(st, q);
	return rc;
}

/* Schedule an edit of the post at due, or keep an earlier one; a change for the publisher. */
static int schedule_edit(struct store *st, int64_t statement_id, int64_t due, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(
		 st,
		 "UPDATE statements SET update_due_at = min(coalesce(update_due_at, ?2), ?2),"
		 " update_gen = update_gen + 1 WHERE id = ?1",
		 &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int64(q, 2, due))
		rc = db_fail(st, err, "schedule edit");
	else
		rc = db_step_done(st, q, err, "schedule edit");
	db_finish(st, q);
	return rc;
}

/* Whether texts[i] repeats the language of an earlier one. */
static bool lang_repeated(const struct statement_text *texts, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (str_eq(texts[k].lang, texts[i].lang))
			return true;
	return false;
}

static const struct statement_text *find_lang(const struct statement_text *list, size_t n,
					      const char *lang)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(list[i].lang, lang))
			return &list[i];
	return NULL;
}

/* Checks of store_statement_edit that need no database. */
static int edit_check(const struct statement_text *texts, size_t n, const char *lang,
		      struct err *err)
{
	if (n == 0 || !str_eq(texts[0].lang, lang))
		return errorf(err, ERR_INVALID,
			      "the edit has no text in the statement's own language (%s)", lang);
	for (size_t i = 0; i < n; i++) {
		if (!texts[i].lang || !*texts[i].lang)
			return errorf(err, ERR_INVALID, "a text without a language");
		if (text_empty(&texts[i]))
			return errorf(err, ERR_INVALID, "the %s text is empty", texts[i].lang);
		if (lang_repeated(texts, i))
			return errorf(err, ERR_INVALID, "%s comes twice", texts[i].lang);
	}
	return 0;
}

int store_statement_edit(struct store *st, int64_t statement_id, const struct statement_text *texts,
			 size_t n, int64_t now, int64_t due, int *version, struct err *err)
{
	struct statement_text *cur = NULL;
	sqlite3_stmt *q = NULL;
	size_t n_cur = 0, total = n;
	char *lang = NULL;
	bool changed = false;
	int rc, v = 0;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = live_statement(st, statement_id, &lang, &v, err)) ||
	    (rc = edit_check(texts, n, lang, err)) ||
	    (rc = store_statement_texts(st, statement_id, v, &cur, &n_cur, NULL, err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct statement_text *was = find_lang(cur, n_cur, texts[i].lang);

		changed = changed || !was || !text_same(was, &texts[i]);
	}
	for (size_t i = 0; i < n_cur; i++)
		if (!find_lang(texts, n, cur[i].lang))
			total++;
	if (!changed) {
		rc = errorf(err, ERR_EXISTS, "the text is the same as version %d: nothing changed",
			    v);
		goto out;
	}
	if (total > LIMIT_TRANSLATIONS) {
		rc = errorf(err, ERR_INVALID, "more than %d languages", LIMIT_TRANSLATIONS);
		goto out;
	}
	v++;
	for (size_t i = 0; i < n; i++)
		if ((rc = text_put(st, statement_id, v, &texts[i], now, err)))
			goto out;
	/* Translations the edit did not give stay as they were. */
	for (size_t i = 0; i < n_cur; i++)
		if (!find_lang(texts, n, cur[i].lang) &&
		    (rc = text_put(st, statement_id, v, &cur[i], now, err)))
			goto out;
	if ((rc = db_prepare(st,
			     "UPDATE statements SET title = ?2, dateline = coalesce(?3, ''),"
			     " summary = coalesce(?4, ''), content_html = ?5 WHERE id = ?1",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, texts[0].title) ||
	    db_bind_text(q, 3, texts[0].dateline) || db_bind_text(q, 4, texts[0].summary) ||
	    db_bind_text(q, 5, texts[0].content_html)) {
		rc = db_fail(st, err, "edit statement");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "edit statement")) ||
	    (rc = schedule_edit(st, statement_id, due, err)))
		goto out;
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	else if (version)
		*version = v;
	db_finish(st, q);
	statement_texts_free(cur, n_cur);
	free(lang);
	return rc;
}

int store_translation_put(struct store *st, int64_t statement_id, const struct statement_text *t,
			  int64_t due, bool *replaced, struct err *err)
{
	struct statement_text *cur = NULL;
	const struct statement_text *was;
	size_t n_cur = 0;
	char *lang = NULL;
	int rc, v = 0;

	if (replaced)
		*replaced = false;
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = live_statement(st, statement_id, &lang, &v, err)))
		goto out;
	if (!t->lang || !*t->lang || text_empty(t)) {
		rc = errorf(err, ERR_INVALID, "a translation needs a language, a title and a text");
		goto out;
	}
	if (str_eq(t->lang, lang)) {
		rc = errorf(err, ERR_INVALID,
			    "%s is the statement's own language: change that text with "
			    "'statement edit'",
			    lang);
		goto out;
	}
	if ((rc = store_statement_texts(st, statement_id, v, &cur, &n_cur, NULL, err)))
		goto out;
	was = find_lang(cur, n_cur, t->lang);
	if (was && text_same(was, t)) {
		rc = errorf(err, ERR_EXISTS, "the %s translation is that text already", t->lang);
		goto out;
	}
	if (!was && n_cur + 1 > LIMIT_TRANSLATIONS) {
		rc = errorf(err, ERR_TOOBIG, "a statement has at most %d languages",
			    LIMIT_TRANSLATIONS);
		goto out;
	}
	if ((rc = text_put(st, statement_id, v, t, (int64_t)time(NULL), err)) ||
	    (rc = schedule_edit(st, statement_id, due, err)))
		goto out;
	rc = db_commit(st, err);
	if (!rc && replaced)
		*replaced = was != NULL;
out:
	if (rc)
		db_rollback(st);
	statement_texts_free(cur, n_cur);
	free(lang);
	return rc;
}

int store_statement_import_translated(struct store *st, struct statement *s,
				      const struct signatory *sigs, size_t n,
				      const struct statement_text *translations,
				      size_t n_translations, struct err *err)
{
	int rc;

	for (size_t i = 0; i < n_translations; i++) {
		if (!translations[i].lang || str_eq(translations[i].lang, s->lang ? s->lang : "en"))
			return errorf(err, ERR_INVALID,
				      "a translation in the statement's own language");
		if (text_empty(&translations[i]))
			return errorf(err, ERR_INVALID, "the %s text is empty",
				      translations[i].lang);
		if (lang_repeated(translations, i))
			return errorf(err, ERR_INVALID, "%s comes twice", translations[i].lang);
	}
	if (n_translations + 1 > LIMIT_TRANSLATIONS)
		return errorf(err, ERR_TOOBIG, "a statement has at most %d languages",
			      LIMIT_TRANSLATIONS);
	/* store_statement_import's own transaction nests as a savepoint in this one. */
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = store_statement_import(st, s, sigs, n, err)))
		goto out;
	for (size_t i = 0; i < n_translations; i++)
		if ((rc = text_put(st, s->id, 1, &translations[i], s->published, err)))
			goto out;
	rc = db_commit(st, err);
out:
	if (rc) {
		db_rollback(st);
		s->id = 0;
	}
	return rc;
}

/* ---- deletion and events ---- */

static int event_add(struct store *st, int64_t statement_id, const char *kind, int64_t now,
		     struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st,
			     "INSERT INTO statement_events (statement_id, kind, created)"
			     " VALUES (?1, ?2, ?3)",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, kind) ||
	    sqlite3_bind_int64(q, 3, now))
		rc = db_fail(st, err, "record event");
	else
		rc = db_step_done(st, q, err, "record event");
	db_finish(st, q);
	return rc;
}

int store_statement_delete(struct store *st, int64_t statement_id, int64_t now, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = db_prepare(st,
			     "UPDATE statements SET deleted_at = ?2, update_due_at = NULL"
			     " WHERE id = ?1 AND deleted_at IS NULL",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int64(q, 2, now)) {
		rc = db_fail(st, err, "delete statement");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "delete statement")))
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = errorf(err, ERR_NOTFOUND, "no statement with id %lld (or deleted already)",
			    (long long)statement_id);
		goto out;
	}
	/* An announcement not sent yet has nothing left to announce. */
	if ((rc = db_exec(st,
			  "DELETE FROM statement_events WHERE kind = 'announce'"
			  " AND statement_id IN (SELECT id FROM statements"
			  " WHERE deleted_at IS NOT NULL)",
			  err)) ||
	    (rc = event_add(st, statement_id, "delete", now, err)))
		goto out;
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	return rc;
}

int store_statement_deleted(struct store *st, const char *slug, int64_t *deleted_at,
			    struct err *err)
{
	sqlite3_stmt *q = NULL;
	bool found = false;
	int rc;

	*deleted_at = 0;
	if ((rc = db_prepare(st, "SELECT coalesce(deleted_at, 0) FROM statements WHERE slug = ?1",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, slug))
		rc = db_fail(st, err, "read statement");
	else
		rc = db_step_int64(st, q, deleted_at, &found, err, "read statement");
	if (!rc && !found)
		rc = errorf(err, ERR_NOTFOUND, "no statement with the slug '%s'", slug ? slug : "");
	db_finish(st, q);
	return rc;
}

int store_events_pending(struct store *st, struct statement_event **out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct statement_event *list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(
		 st, "SELECT id, statement_id, kind, created FROM statement_events ORDER BY id", &q,
		 err)))
		return rc;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[len].id = sqlite3_column_int64(q, 0);
		list[len].statement_id = sqlite3_column_int64(q, 1);
		list[len].kind = db_column_dup(q, 2);
		list[len].created = sqlite3_column_int64(q, 3);
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "pending events");
		statement_events_free(list, len);
		goto out;
	}
	*out = list;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

int store_event_publish(struct store *st, int64_t event_id, int64_t signer_statement_id,
			const struct store_outgoing *out, size_t n_out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = db_prepare(st, "DELETE FROM statement_events WHERE id = ?1", &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, event_id)) {
		rc = db_fail(st, err, "publish event");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "publish event")))
		goto out;
	/* Gone already: another publisher sent it; sending it twice is what we avoid. */
	if (sqlite3_changes(st->db) == 0)
		goto commit;
	for (size_t i = 0; i < n_out; i++)
		if ((rc = db_delivery_queue(st, signer_statement_id, out[i].body, out[i].inboxes,
					    out[i].n_inboxes, now, err)))
			goto out;
commit:
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	return rc;
}

/* ---- the index's followers ---- */

int store_index_follower_add(struct store *st, const char *actor_id, const char *follow_id,
			     struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!actor_id || !*actor_id)
		return errorf(err, ERR_INVALID, "a follower needs an actor id");
	if ((rc = db_prepare(st,
			     "INSERT INTO index_followers (actor_id, follow_id, created)"
			     " VALUES (?1, ?2, ?3) ON CONFLICT (actor_id)"
			     " DO UPDATE SET follow_id = excluded.follow_id",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || db_bind_text(q, 2, follow_id) ||
	    sqlite3_bind_int64(q, 3, (int64_t)time(NULL)))
		rc = db_fail(st, err, "add index follower");
	else
		rc = db_step_done(st, q, err, "add index follower");
	db_finish(st, q);
	return rc;
}

int store_index_follower_remove(struct store *st, const char *actor_id, const char *follow_id,
				bool *removed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (removed)
		*removed = false;
	if ((rc = db_prepare(st,
			     "DELETE FROM index_followers WHERE actor_id = ?1"
			     " AND (?2 IS NULL OR follow_id = ?2)",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || db_bind_text(q, 2, follow_id))
		rc = db_fail(st, err, "remove index follower");
	else
		rc = db_step_done(st, q, err, "remove index follower");
	if (!rc && removed)
		*removed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_index_follower_count(struct store *st, int64_t *count, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(st, "SELECT count(*) FROM index_followers", &q, err)))
		return rc;
	rc = db_step_int64(st, q, count, NULL, err, "count index followers");
	db_finish(st, q);
	return rc;
}

int store_index_follower_list(struct store *st, size_t offset, size_t limit, char ***out, size_t *n,
			      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT actor_id FROM index_followers ORDER BY created, actor_id"
			     " LIMIT ?2 OFFSET ?1",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, (int64_t)offset) ||
	    sqlite3_bind_int64(q, 2, limit ? (int64_t)limit : -1))
		rc = db_fail(st, err, "list index followers");
	else
		rc = db_collect_strings(st, q, out, n, err, "list index followers");
	db_finish(st, q);
	return rc;
}

int store_index_follower_inboxes(struct store *st, char ***out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT DISTINCT box FROM (SELECT coalesce(nullif(a.shared_inbox, ''),"
			     " a.inbox) AS box FROM index_followers f"
			     " JOIN remote_actors a ON a.id = f.actor_id)"
			     " WHERE nullif(box, '') IS NOT NULL"
			     " AND box NOT IN (SELECT inbox FROM dead_inboxes) ORDER BY box",
			     &q, err)))
		return rc;
	rc = db_collect_strings(st, q, out, n, err, "index follower inboxes");
	db_finish(st, q);
	return rc;
}
