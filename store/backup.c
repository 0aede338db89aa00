/*
 * Backup and restore with sqlite's online backup API, and the lock a
 * running server holds on its database so that a restore never pulls the
 * file from under it.
 *
 * The lock is flock(2) on the database file itself, through a descriptor of
 * our own. sqlite locks with fcntl(2) byte ranges, which on Linux are a
 * separate mechanism, so the two never interfere.
 */
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

int store_server_lock(const char *path, int *fd, struct err *err)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return errorf(err, ERR_IO, "%s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_SH | LOCK_NB) < 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		if (e == EWOULDBLOCK)
			return errorf(err, ERR_RETRY, "%s is being restored right now", path);
		return errorf(err, ERR_IO, "%s: lock: %s", path, strerror(e));
	}
	return 0;
}

void store_server_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the descriptor drops the flock */
}

/* fsync a file or a directory by path. */
static int sync_path(const char *path, int flags, struct err *err)
{
	int fd = open(path, flags | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return errorf(err, ERR_IO, "%s: %s", path, strerror(errno));
	if (fsync(fd) < 0)
		rc = errorf(err, ERR_IO, "%s: fsync: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* The folder of path ("." when none); caller frees. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Copy the whole of src's main database into dst's, as one step (one snapshot of src). */
static int copy_db(sqlite3 *src, sqlite3 *dst, const char *what, struct err *err)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc;

	if (!b)
		return errorf(err, ERR_IO, "%s: %s", what, sqlite3_errmsg(dst));
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return errorf(err, ERR_RETRY, "%s: the database is busy (is a server using it?)",
			      what);
	if (rc != SQLITE_DONE)
		return errorf(err, ERR_IO, "%s: %s", what, sqlite3_errstr(rc));
	return 0;
}

/* PRAGMA quick_check on db: ERR_INVALID unless it answers "ok". */
static int quick_check(sqlite3 *db, const char *path, struct err *err)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *v;
	int rc = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		rc =
		    errorf(err, ERR_INVALID, "%s: cannot be checked: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	v = sqlite3_column_text(s, 0);
	if (!v || strcmp((const char *)v, "ok") != 0)
		rc = errorf(err, ERR_INVALID, "%s: damaged (%s)", path, v ? (const char *)v : "?");
out:
	sqlite3_finalize(s);
	return rc;
}

int store_backup(struct store *st, const char *to, struct err *err)
{
	sqlite3 *dst = NULL;
	char *tmp = NULL, *dir = NULL;
	struct stat sb;
	int rc = 0;

	if (!to || !*to)
		return errorf(err, ERR_INVALID, "no backup file given");
	if (stat(to, &sb) == 0)
		return errorf(err, ERR_EXISTS, "%s exists already: give a new file name", to);
	/* Built beside the target, then renamed: a backup file is whole or absent. */
	tmp = xasprintf("%s.partial-%ld", to, (long)getpid());
	dir = dir_of(to);
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = errorf(err, ERR_IO, "%s: %s", to, dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	if ((rc = copy_db(st->db, dst, "backup", err)))
		goto out;
	/* One self-contained file: no -wal beside it. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = errorf(err, ERR_IO, "backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	if ((rc = quick_check(dst, to, err)))
		goto out;
	if (sqlite3_close(dst) != SQLITE_OK) {
		rc = errorf(err, ERR_IO, "backup: closing %s failed", tmp);
		goto out;
	}
	dst = NULL;
	if ((rc = sync_path(tmp, O_RDONLY, err)))
		goto out;
	/* No replace: a file that appeared meanwhile is not overwritten. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RENAME_NOREPLACE) < 0) {
		rc = errno == EEXIST
			 ? errorf(err, ERR_EXISTS, "%s exists already: give a new file name", to)
			 : errorf(err, ERR_IO, "%s: %s", to, strerror(errno));
		goto out;
	}
	rc = sync_path(dir, O_RDONLY | O_DIRECTORY, err);
out:
	if (dst)
		sqlite3_close(dst);
	if (rc)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}

/* A bare connection (no pragmas, no migration) in a struct store; store_close frees it. */
static int open_raw(const char *path, int flags, struct store **out, struct err *err)
{
	struct store *st = xcalloc(1, sizeof(*st));

	*out = NULL;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		int rc = errorf(err, ERR_IO, "%s: %s", path,
				st->db ? sqlite3_errmsg(st->db) : "out of memory");

		store_close(st);
		return rc;
	}
	sqlite3_extended_result_codes(st->db, 1);
	*out = st;
	return 0;
}

/* Open path read-only and check it is a whole database of ours (not a new, empty one). */
static int open_backup(const char *path, struct store **out, struct err *err)
{
	struct store *src = NULL;
	bool is_new = false;
	int rc;

	*out = NULL;
	if ((rc = open_raw(path, SQLITE_OPEN_READONLY, &src, err)))
		return rc;
	if ((rc = db_check_ours(src, path, &is_new, err)))
		goto out;
	if (is_new) {
		rc = errorf(err, ERR_INVALID,
			    "%s: not a backup of an undersigned database (it is empty)", path);
		goto out;
	}
	if ((rc = quick_check(src->db, path, err)))
		goto out;
	*out = src;
	src = NULL;
out:
	store_close(src);
	return rc;
}

int store_restore(const char *from, const char *db_path, struct err *err)
{
	struct store *src = NULL, *dst = NULL, *check = NULL;
	bool is_new = false, created = false;
	int lock = -1, rc;
	struct stat sb;

	if (!from || !*from || !db_path || !*db_path)
		return errorf(err, ERR_INVALID, "restore needs a backup file and a database path");
	if (stat(from, &sb) != 0)
		return errorf(err, ERR_NOTFOUND, "%s: %s", from, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return errorf(err, ERR_INVALID, "%s: not a regular file", from);
	if ((rc = open_backup(from, &src, err)))
		goto out;
	if (stat(db_path, &sb) == 0) {
		lock = open(db_path, O_RDONLY | O_CLOEXEC);
		if (lock < 0) {
			rc = errorf(err, ERR_IO, "%s: %s", db_path, strerror(errno));
			goto out;
		}
		if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
			rc = errno == EWOULDBLOCK
				 ? errorf(err, ERR_RETRY,
					  "%s is in use by a running server: stop it first "
					  "(e.g. systemctl stop undersigned), then restore",
					  db_path)
				 : errorf(err, ERR_IO, "%s: lock: %s", db_path, strerror(errno));
			goto out;
		}
	} else {
		created = true;
	}
	if ((rc = open_raw(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst, err)))
		goto out;
	/* The target must be new or ours: never replace another program's file. */
	if ((rc = db_check_ours(dst, db_path, &is_new, err)))
		goto out;
	/*
	 * Into the live file through sqlite, not by renaming over it: the copy
	 * is one write transaction of the target (all of it or nothing), and
	 * the target's WAL stays consistent with it. Without waiting: another
	 * program holding the file makes this fail at once.
	 */
	sqlite3_busy_timeout(dst->db, 0);
	if ((rc = copy_db(src->db, dst->db, "restore", err)))
		goto out;
	store_close(dst);
	dst = NULL;
	/* Opened as the server would: WAL mode back on, an older schema migrated. */
	rc = store_open(db_path, &check, err);
out:
	store_close(check);
	store_close(dst);
	store_close(src);
	if (lock >= 0)
		close(lock);
	if (rc && created) {
		/* Nothing was there before: leave nothing behind. */
		char *side = xasprintf("%s-journal", db_path);

		unlink(db_path);
		unlink(side);
		free(side);
	}
	return rc;
}
