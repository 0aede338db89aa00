/*
 * The statement's life on the command line: statement edit, statement
 * translation add, statement delete. Each checks everything before it
 * writes, writes in one store transaction, and leaves the federation to the
 * server: its delivery worker sends the Update or the Delete within a
 * second or so while it runs, or when it next starts.
 */
#include "server/cli.h"
#include "server/cli_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/import.h"
#include "store/store.h"
#include "util/lang.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

#define FEDERATION_NOTE                                                                       \
	"the server sends it to the fediverse within seconds while it runs (or when it next " \
	"starts)"

/* The live statement of --slug, or 1 after a one-line error naming what is wrong. */
static int live_statement(struct store *st, const char *slug, struct statement **s)
{
	struct err err;
	int64_t deleted = 0;
	int rc = store_statement_get(st, slug, s, &err);

	if (rc == -ERR_NOTFOUND && store_statement_deleted(st, slug, &deleted, NULL) == 0 &&
	    deleted) {
		char day[TIME_STR_MAX];

		time_to_date((time_t)deleted, day);
		return cli_fail("statement '%s' was deleted on %s", slug, day);
	}
	if (rc == -ERR_NOTFOUND)
		return cli_fail("no statement '%s' (see 'undersigned statement list')", slug);
	if (rc)
		return cli_fail("%s", err.msg);
	return 0;
}

/* Read and parse a statement file; 1 after a one-line error. */
static int parse_file(const char *path, struct statement_doc *doc)
{
	struct err err;
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (cli_read_file(path, LIMIT_STATEMENT_FILE_BYTES, &text, &len))
		return 1;
	rc = import_parse(text, len, doc, &err);
	free(text);
	if (rc)
		return cli_fail("%s: %s", path, err.msg);
	return 0;
}

static void ignored_list_note(const struct statement_doc *doc)
{
	if (doc->n_signatories || doc->n_lists_ignored)
		fprintf(stderr, "undersigned: note: the file's \"Signed by\" list is ignored: the "
				"signatories stay as they are (see 'undersigned signatures')\n");
}

/*
 * The texts of an edit from doc: the statement's own language first (a
 * version without a Language line is in it), then the others. 1 after a
 * one-line error when the file has no text in the statement's language.
 */
static int edit_texts(const struct statement_doc *doc, const struct statement *s, const char *path,
		      struct statement_text **out, size_t *n)
{
	size_t total = doc->n_translations + 1, k = 1, own = SIZE_MAX;
	struct statement_text *t = xcalloc(total, sizeof(*t));
	const char *first = doc->lang_given ? doc->lang : s->lang;

	if (str_eq(first, s->lang))
		own = 0;
	for (size_t i = 0; i < doc->n_translations && own == SIZE_MAX; i++)
		if (str_eq(doc->translations[i].lang, s->lang))
			own = i + 1;
	if (own == SIZE_MAX) {
		free(t);
		return cli_fail("%s: no text in the statement's own language (%s); a translation "
				"alone is changed with 'statement translation add'",
				path, s->lang);
	}
	for (size_t i = 0; i < total; i++) {
		struct statement_text x;

		if (i == 0)
			x = (struct statement_text){ (char *)first, doc->title, doc->dateline,
						     doc->summary, doc->content_html };
		else
			x = (struct statement_text){ doc->translations[i - 1].lang,
						     doc->translations[i - 1].title,
						     doc->translations[i - 1].dateline,
						     doc->translations[i - 1].summary,
						     doc->translations[i - 1].content_html };
		if (i == own)
			t[0] = x;
		else
			t[k++] = x;
	}
	*out = t;
	*n = total;
	return 0;
}

/* The languages of the current version the edit does not give (kept as they were). */
static void kept_note(struct store *st, int64_t id, int version, const struct statement_text *t,
		      size_t n)
{
	struct statement_text *now = NULL;
	size_t n_now = 0;

	if (store_statement_texts(st, id, version, &now, &n_now, NULL, NULL))
		return;
	for (size_t i = 1; i < n_now; i++) {
		bool given = false;

		for (size_t k = 0; k < n; k++)
			given = given || str_eq(t[k].lang, now[i].lang);
		if (!given)
			fprintf(stderr,
				"undersigned: note: the %s translation was not in the file "
				"and is kept as it was; update it with 'statement translation "
				"add --lang %s'\n",
				now[i].lang, now[i].lang);
	}
	statement_texts_free(now, n_now);
}

static int statement_edit(const struct cli_opts *o)
{
	struct statement_doc doc = { 0 };
	struct statement_text *texts = NULL;
	struct statement *s = NULL;
	struct store *st = NULL;
	struct err err;
	size_t n = 0;
	int64_t now = (int64_t)time(NULL);
	int version = 0, rc = 1;

	if (!o->slug || !o->file)
		return cli_fail("statement edit needs --slug SLUG and --file TEXTFILE");
	/* Parse first: a file without text changes nothing ("no text", "empty file"). */
	if (parse_file(o->file, &doc))
		goto out;
	if (cli_open_store(o->db, &st) || live_statement(st, o->slug, &s) ||
	    edit_texts(&doc, s, o->file, &texts, &n))
		goto out;
	if (store_statement_edit(st, s->id, texts, n, now, now, &version, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	printf("edited '%s': version %d (", o->slug, version);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "", texts[i].lang);
	printf("); the post's Update is scheduled: " FEDERATION_NOTE "\n");
	kept_note(st, s->id, version, texts, n);
	ignored_list_note(&doc);
	rc = 0;
out:
	free(texts);
	statement_free(s);
	statement_doc_release(&doc);
	store_close(st);
	return rc;
}

static int translation_add(const struct cli_opts *o)
{
	struct statement_doc doc = { 0 };
	struct statement *s = NULL;
	struct store *st = NULL;
	struct statement_text t;
	char tag[LANG_TAG_MAX];
	struct err err;
	bool replaced = false;
	int rc = 1;

	if (!o->slug || !o->lang || !o->file)
		return cli_fail("statement translation add needs --slug SLUG --lang TAG "
				"--file TEXTFILE");
	if (lang_normalize(o->lang, strlen(o->lang), tag, &err))
		return cli_fail("--lang: %s", err.msg);
	if (parse_file(o->file, &doc))
		goto out;
	if (doc.n_translations) {
		cli_fail("%s: %zu languages in one file; give one language to 'translation add' "
			 "(or all of them to 'statement edit')",
			 o->file, doc.n_translations + 1);
		goto out;
	}
	if (doc.lang_given && !str_eq(doc.lang, tag)) {
		cli_fail("%s says \"Language: %s\" but --lang is %s", o->file, doc.lang, tag);
		goto out;
	}
	if (cli_open_store(o->db, &st) || live_statement(st, o->slug, &s))
		goto out;
	t = (struct statement_text){ tag, doc.title, doc.dateline, doc.summary, doc.content_html };
	if (store_translation_put(st, s->id, &t, (int64_t)time(NULL), &replaced, &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	printf("%s the %s translation of '%s': %s; the post's Update is scheduled: " FEDERATION_NOTE
	       "\n",
	       replaced ? "replaced" : "added", tag, o->slug, doc.title);
	ignored_list_note(&doc);
	rc = 0;
out:
	statement_free(s);
	statement_doc_release(&doc);
	store_close(st);
	return rc;
}

static int statement_delete(const struct cli_opts *o)
{
	struct statement *s = NULL;
	struct store *st = NULL;
	struct err err;
	int rc = 1;

	if (!o->slug)
		return cli_fail("statement delete needs --slug SLUG");
	if (cli_open_store(o->db, &st) || live_statement(st, o->slug, &s))
		goto out;
	if (store_statement_delete(st, s->id, (int64_t)time(NULL), &err)) {
		cli_fail("%s", err.msg);
		goto out;
	}
	printf("deleted '%s': its page, actor and post now answer 410 Gone; a Delete of the "
	       "post and of the actor goes to its followers and to who favourited or boosted "
	       "it: " FEDERATION_NOTE "\n",
	       o->slug);
	rc = 0;
out:
	statement_free(s);
	store_close(st);
	return rc;
}

int cli_statement_life(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	struct cli_opts o;

	if (str_eq(what, "translation")) {
		const char *sub = argc > 2 ? argv[2] : "";

		if (!str_eq(sub, "add"))
			return cli_fail("statement translation: expected add, not '%s'", sub);
		if (cli_parse_opts(argc - 2, argv + 2, &o))
			return 1;
		if (o.first_arg < argc - 2)
			return cli_fail("statement translation add: unexpected '%s'",
					argv[2 + o.first_arg]);
		return translation_add(&o);
	}
	if (cli_parse_opts(argc - 1, argv + 1, &o))
		return 1;
	if (o.first_arg < argc - 1)
		return cli_fail("statement %s: unexpected '%s'", what, argv[1 + o.first_arg]);
	if (str_eq(what, "edit"))
		return statement_edit(&o);
	if (str_eq(what, "delete"))
		return statement_delete(&o);
	return cli_fail("statement: expected edit, delete or translation add, not '%s'", what);
}
