/*
 * The temporary folder of a test program and the fresh stores made in it:
 * the folder is made by the group setup and removed, with every file in it,
 * by the group teardown; each test opens its own new sqlite file there.
 *
 * Included by the test programs that need it (static functions only).
 */
#ifndef TESTS_UNIT_FIXTURE_H
#define TESTS_UNIT_FIXTURE_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/err.h"
#include "util/mem.h"

/* The folder, once fixture_dir_make has filled in the X's. */
static char fixture_dir[] = "/tmp/undersigned-unit-XXXXXX";
static int fixture_files;

/* Make the folder. 0, or -1 when it cannot be made. */
static inline int fixture_dir_make(void)
{
	return mkdtemp(fixture_dir) ? 0 : -1;
}

/* Remove the folder and the files in it. 0, or -1 when it cannot be removed. */
static inline int fixture_dir_remove(void)
{
	DIR *d = opendir(fixture_dir);
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", fixture_dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	return rmdir(fixture_dir);
}

/* cmocka group fixtures for a program that needs only the folder. */
static inline int fixture_group_setup(void **state)
{
	(void)state;
	return fixture_dir_make();
}

static inline int fixture_group_teardown(void **state)
{
	(void)state;
	return fixture_dir_remove();
}

/* A new file name in the folder, "WHAT-N.db" (nothing is created). Caller frees. */
static inline char *fixture_path(const char *what)
{
	return xasprintf("%s/%s-%d.db", fixture_dir, what, ++fixture_files);
}

/* A new, empty store on a new file; *path_out (when not NULL) its path, caller frees. */
static inline struct store *fixture_store(char **path_out)
{
	struct store *st = NULL;
	struct err err = { 0 };
	char *path = fixture_path("t");

	if (store_open(path, &st, &err))
		fail_msg("store_open %s: %s", path, err.msg);
	if (path_out)
		*path_out = path;
	else
		free(path);
	return st;
}

/*
 * The first column of sql's first row as an integer (-1 when there is no
 * row), read from the file at path through a connection of its own: a look
 * at the file from outside the store.
 */
static inline int64_t fixture_sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

#endif
