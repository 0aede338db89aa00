/*
 * The schema and its versions. PRAGMA user_version is the number of
 * migrations applied; migrations[i] brings a database from version i to i+1
 * and sets user_version itself. They run at open, in one IMMEDIATE
 * transaction, so two processes opening a new file at once migrate it once.
 * A released migration is never edited: a change is a new entry.
 */
#include "store/db.h"

#include <stdbool.h>

#define DB_STR2(x) #x
#define DB_STR(x) DB_STR2(x)

static const char *const migrations[] = {
	/* 1: the first schema */
	"PRAGMA application_id = " DB_STR(DB_APPLICATION_ID) ";"

	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	");"

	"CREATE TABLE statements ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL,"
	"  lang TEXT NOT NULL DEFAULT 'en',"
	"  dateline TEXT NOT NULL DEFAULT '',"
	"  summary TEXT NOT NULL DEFAULT '',"
	"  content_html TEXT NOT NULL DEFAULT '',"
	"  policy TEXT NOT NULL DEFAULT 'open' CHECK (policy IN ('open', 'review', 'closed')),"
	"  published INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  public_pem TEXT NOT NULL,"
	"  private_pem TEXT NOT NULL"
	");"

	/* actor_id NULL: imported. proof: the verified request, JSON. */
	"CREATE TABLE signatories ("
	"  id INTEGER PRIMARY KEY,"
	"  statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  country TEXT NOT NULL DEFAULT '',"
	"  actor_id TEXT,"
	"  handle TEXT,"
	"  url TEXT,"
	"  how TEXT NOT NULL CHECK (how IN ('import', 'follow', 'endorse', 'mention')),"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),"
	"  signed_at INTEGER NOT NULL,"
	"  position INTEGER NOT NULL DEFAULT 0,"
	"  activity_id TEXT,"
	"  proof TEXT"
	");"
	"CREATE UNIQUE INDEX signatories_actor ON signatories(statement_id, actor_id)"
	"  WHERE actor_id IS NOT NULL;"
	"CREATE INDEX signatories_by_actor ON signatories(actor_id) WHERE actor_id IS NOT NULL;"
	/* The signing order of store_signatory_list, with and without a state filter. */
	"CREATE INDEX signatories_order ON signatories(statement_id, actor_id IS NULL,"
	"  CASE WHEN actor_id IS NULL THEN position ELSE signed_at END, id);"
	"CREATE INDEX signatories_state_order ON signatories(statement_id, state, actor_id IS NULL,"
	"  CASE WHEN actor_id IS NULL THEN position ELSE signed_at END, id);"

	"CREATE TABLE remote_actors ("
	"  id TEXT PRIMARY KEY NOT NULL,"
	"  type TEXT NOT NULL,"
	"  name TEXT,"
	"  preferred_username TEXT,"
	"  handle TEXT,"
	"  inbox TEXT,"
	"  shared_inbox TEXT,"
	"  url TEXT,"
	"  icon TEXT,"
	"  key_id TEXT,"
	"  public_pem TEXT,"
	"  document TEXT,"
	"  fetched_at INTEGER NOT NULL"
	");"
	"CREATE INDEX remote_actors_key ON remote_actors(key_id);"

	/* No foreign key to remote_actors: a follower may outlive its cached actor. */
	"CREATE TABLE followers ("
	"  id INTEGER PRIMARY KEY,"
	"  statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,"
	"  actor_id TEXT NOT NULL,"
	"  follow_id TEXT,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (statement_id, actor_id)"
	");"
	"CREATE INDEX followers_actor ON followers(actor_id);"
	"CREATE INDEX followers_order ON followers(statement_id, id);"

	"CREATE TABLE reactions ("
	"  id INTEGER PRIMARY KEY,"
	"  statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('like', 'announce')),"
	"  actor_id TEXT NOT NULL,"
	"  activity_id TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (statement_id, kind, actor_id)"
	");"
	"CREATE INDEX reactions_actor ON reactions(actor_id);"

	"CREATE TABLE activities_seen ("
	"  id TEXT PRIMARY KEY NOT NULL,"
	"  seen_at INTEGER NOT NULL"
	");"
	"CREATE INDEX activities_seen_at ON activities_seen(seen_at);"

	/* Replies and mentions kept for the coordinator (and as proof of a mention signature). */
	"CREATE TABLE mentions ("
	"  id INTEGER PRIMARY KEY,"
	"  statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,"
	"  activity_id TEXT NOT NULL UNIQUE,"
	"  actor_id TEXT NOT NULL,"
	"  object_id TEXT,"
	"  json TEXT NOT NULL,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE INDEX mentions_statement ON mentions(statement_id, id);"

	"CREATE TABLE domain_blocks ("
	"  domain TEXT PRIMARY KEY NOT NULL,"
	"  created INTEGER NOT NULL"
	");"

	/*
	 * The delivery queue. A body is stored once however many inboxes it
	 * goes to (one post to 30,000 shared inboxes is one row here);
	 * statement_id NULL means the instance actor signs.
	 */
	"CREATE TABLE delivery_bodies ("
	"  id INTEGER PRIMARY KEY,"
	"  statement_id INTEGER REFERENCES statements(id) ON DELETE CASCADE,"
	"  body TEXT NOT NULL,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  body_id INTEGER NOT NULL REFERENCES delivery_bodies(id) ON DELETE CASCADE,"
	"  inbox TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  lease_until INTEGER,"
	"  last_status INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE INDEX deliveries_due ON deliveries(next_attempt_at, id);"
	"CREATE INDEX deliveries_body ON deliveries(body_id);"
	"CREATE INDEX deliveries_inbox ON deliveries(inbox);"

	/* host: the inbox URL's host, lowercase, no port (store_inbox_revive_host matches it). */
	"CREATE TABLE dead_inboxes ("
	"  inbox TEXT PRIMARY KEY NOT NULL,"
	"  host TEXT NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  last_status INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX dead_inboxes_host ON dead_inboxes(host);"

	"PRAGMA user_version = 1;",

	/*
	 * 2: signatures as shown: the signer's actor type and whether its domain
	 * speaks for it; a statement's batched edit of its post (due time or NULL).
	 */
	"ALTER TABLE signatories ADD COLUMN actor_type TEXT;"
	"ALTER TABLE signatories ADD COLUMN domain_verified INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE statements ADD COLUMN update_due_at INTEGER;"
	"CREATE INDEX statements_update_due ON statements(update_due_at)"
	"  WHERE update_due_at IS NOT NULL;"
	"PRAGMA user_version = 2;",

	/*
	 * 3: edits of the post requested so far (a counter), so the publisher
	 * clears the schedule only when no change came while it built the edit.
	 */
	"ALTER TABLE statements ADD COLUMN update_gen INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 3;",

	/*
	 * 4: organisation actors hosted here (acct:SLUG@HOST like statements,
	 * so one slug names one actor of either kind: local_slugs holds both,
	 * kept by triggers), what they signed on other servers (endorsements),
	 * their followers, and deliveries signed by an organisation's key.
	 */
	"CREATE TABLE local_slugs ("
	"  slug TEXT PRIMARY KEY NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO local_slugs (slug) SELECT slug FROM statements;"
	"CREATE TRIGGER statements_slug_add AFTER INSERT ON statements"
	"  BEGIN INSERT INTO local_slugs (slug) VALUES (NEW.slug); END;"
	"CREATE TRIGGER statements_slug_rename AFTER UPDATE OF slug ON statements"
	"  BEGIN DELETE FROM local_slugs WHERE slug = OLD.slug;"
	"  INSERT INTO local_slugs (slug) VALUES (NEW.slug); END;"
	"CREATE TRIGGER statements_slug_gone AFTER DELETE ON statements"
	"  BEGIN DELETE FROM local_slugs WHERE slug = OLD.slug; END;"

	"CREATE TABLE organisations ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  url TEXT NOT NULL DEFAULT '',"
	"  summary TEXT NOT NULL DEFAULT '',"
	"  published INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  public_pem TEXT NOT NULL,"
	"  private_pem TEXT NOT NULL"
	");"
	"CREATE TRIGGER organisations_slug_add AFTER INSERT ON organisations"
	"  BEGIN INSERT INTO local_slugs (slug) VALUES (NEW.slug); END;"
	"CREATE TRIGGER organisations_slug_rename AFTER UPDATE OF slug ON organisations"
	"  BEGIN DELETE FROM local_slugs WHERE slug = OLD.slug;"
	"  INSERT INTO local_slugs (slug) VALUES (NEW.slug); END;"
	"CREATE TRIGGER organisations_slug_gone AFTER DELETE ON organisations"
	"  BEGIN DELETE FROM local_slugs WHERE slug = OLD.slug; END;"

	/*
	 * One row per (organisation, statement actor): the Endorse and Follow
	 * it sent, and what came back. A withdrawn row becomes the next signing.
	 */
	"CREATE TABLE endorsements ("
	"  id INTEGER PRIMARY KEY,"
	"  org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,"
	"  statement_actor TEXT NOT NULL,"
	"  inbox TEXT NOT NULL,"
	"  post_id TEXT NOT NULL,"
	"  handle TEXT,"
	"  title TEXT NOT NULL DEFAULT '',"
	"  endorse_id TEXT NOT NULL UNIQUE,"
	"  follow_id TEXT NOT NULL UNIQUE,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'withdrawn')),"
	"  follow_accepted INTEGER NOT NULL DEFAULT 0,"
	"  listed INTEGER NOT NULL DEFAULT 0,"
	"  signed_at INTEGER NOT NULL,"
	"  answered_at INTEGER,"
	"  post_updated_at INTEGER,"
	"  reply TEXT,"
	"  withdrawn_at INTEGER,"
	"  UNIQUE (org_id, statement_actor)"
	");"
	"CREATE INDEX endorsements_actor ON endorsements(statement_actor);"
	"CREATE INDEX endorsements_order ON endorsements(org_id, signed_at, id);"

	"CREATE TABLE org_followers ("
	"  id INTEGER PRIMARY KEY,"
	"  org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,"
	"  actor_id TEXT NOT NULL,"
	"  follow_id TEXT,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (org_id, actor_id)"
	");"
	"CREATE INDEX org_followers_follow ON org_followers(follow_id);"

	/* org_id set: the organisation's key signs (statement_id is then NULL). */
	"ALTER TABLE delivery_bodies ADD COLUMN"
	"  org_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE;"
	"PRAGMA user_version = 4;",

	/*
	 * 5: quotes of the statement post (FEP-044f): one row per quoting post,
	 * its id the number in the QuoteAuthorization's URL; deleted set when the
	 * quoting post is gone (the authorization then answers 410). And a
	 * generation per statement that every change of what its page shows
	 * raises (triggers, so the CLI's changes count too): the page cache
	 * compares it. No foreign key there: a statement's rows may go first.
	 */
	"CREATE TABLE quotes ("
	"  id INTEGER PRIMARY KEY,"
	"  statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,"
	"  actor_id TEXT NOT NULL,"
	"  post TEXT NOT NULL,"
	"  request_id TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  deleted INTEGER,"
	"  UNIQUE (statement_id, post)"
	");"
	"CREATE INDEX quotes_post ON quotes(post);"
	"CREATE INDEX quotes_actor ON quotes(actor_id);"
	"CREATE TABLE statement_gen ("
	"  statement_id INTEGER PRIMARY KEY,"
	"  gen INTEGER NOT NULL,"
	"  changed_at INTEGER NOT NULL"
	");"
#define DB_GEN_BUMP(who)                                                              \
	" BEGIN INSERT INTO statement_gen (statement_id, gen, changed_at)"             \
	" VALUES (" who ", 1, CAST(strftime('%s', 'now') AS INTEGER))"                 \
	" ON CONFLICT (statement_id) DO UPDATE SET gen = gen + 1,"                    \
	" changed_at = excluded.changed_at; END;"
	"CREATE TRIGGER gen_statements AFTER UPDATE ON statements" DB_GEN_BUMP("NEW.id")
	"CREATE TRIGGER gen_signatories_ins AFTER INSERT ON signatories" DB_GEN_BUMP("NEW.statement_id")
	"CREATE TRIGGER gen_signatories_upd AFTER UPDATE ON signatories" DB_GEN_BUMP("NEW.statement_id")
	"CREATE TRIGGER gen_signatories_del AFTER DELETE ON signatories" DB_GEN_BUMP("OLD.statement_id")
	"CREATE TRIGGER gen_followers_ins AFTER INSERT ON followers" DB_GEN_BUMP("NEW.statement_id")
	"CREATE TRIGGER gen_followers_del AFTER DELETE ON followers" DB_GEN_BUMP("OLD.statement_id")
	"CREATE TRIGGER gen_reactions_ins AFTER INSERT ON reactions" DB_GEN_BUMP("NEW.statement_id")
	"CREATE TRIGGER gen_reactions_del AFTER DELETE ON reactions" DB_GEN_BUMP("OLD.statement_id")
	"CREATE TRIGGER gen_quotes_ins AFTER INSERT ON quotes" DB_GEN_BUMP("NEW.statement_id")
	"CREATE TRIGGER gen_quotes_upd AFTER UPDATE ON quotes" DB_GEN_BUMP("NEW.statement_id")
#undef DB_GEN_BUMP
	"PRAGMA user_version = 5;",

	/*
	 * 6: the delivery log: per statement (0: the instance actor or an
	 * organisation) and inbox, the last outcome of a delivery, written with
	 * it (queue.c); `undersigned deliveries` reads it. One row per pair, so
	 * it stays as small as the audiences. A statement's rows go with it.
	 */
	"CREATE TABLE delivery_log ("
	"  statement_id INTEGER NOT NULL,"
	"  inbox TEXT NOT NULL,"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead', 'dropped')),"
	"  status INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (statement_id, inbox)"
	") WITHOUT ROWID;"
	"CREATE TRIGGER delivery_log_statement_gone AFTER DELETE ON statements"
	"  BEGIN DELETE FROM delivery_log WHERE statement_id = OLD.id; END;"
	"PRAGMA user_version = 6;",

	/*
	 * 7: the statement's life. statement_texts keeps every version of the
	 * text in every language (version 1 as imported; the statements row
	 * holds the current text in the statement's own language); a trigger
	 * writes version 1 of a new statement, and records its "announce" event
	 * for the index's followers. deleted_at marks a deleted statement (the
	 * row stays: its key signs the Delete, its slug is never reused).
	 * statement_events: what the publisher must send once. index_followers:
	 * who follows the instance actor to hear of new statements.
	 */
	"CREATE TABLE statement_texts ("
	"  statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,"
	"  version INTEGER NOT NULL,"
	"  lang TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  dateline TEXT NOT NULL DEFAULT '',"
	"  summary TEXT NOT NULL DEFAULT '',"
	"  content_html TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (statement_id, version, lang)"
	") WITHOUT ROWID;"
	"INSERT INTO statement_texts (statement_id, version, lang, title, dateline, summary,"
	"  content_html, created)"
	"  SELECT id, 1, lang, title, dateline, summary, content_html, published FROM statements;"
	"ALTER TABLE statements ADD COLUMN deleted_at INTEGER;"
	"CREATE TABLE statement_events ("
	"  id INTEGER PRIMARY KEY,"
	"  statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('announce', 'delete')),"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TRIGGER statements_opened AFTER INSERT ON statements BEGIN"
	"  INSERT INTO statement_texts (statement_id, version, lang, title, dateline, summary,"
	"   content_html, created) VALUES (NEW.id, 1, NEW.lang, NEW.title, NEW.dateline,"
	"   NEW.summary, NEW.content_html, NEW.published);"
	"  INSERT INTO statement_events (statement_id, kind, created)"
	"   VALUES (NEW.id, 'announce', NEW.published);"
	" END;"
	"CREATE TABLE index_followers ("
	"  actor_id TEXT PRIMARY KEY NOT NULL,"
	"  follow_id TEXT,"
	"  created INTEGER NOT NULL"
	");"
	"PRAGMA user_version = 7;",

	/*
	 * 8: domain checks to do (activitypub/domaincheck.h), one row per
	 * actor, so a check asked for before a crash is done after it. The
	 * inbox asks (gen counts the asks, so a check that ran while a newer
	 * ask came does not clear it); the worker retries a check a fetch left
	 * undecided at next_attempt_at, and gives up after a few attempts.
	 */
	"CREATE TABLE domain_checks ("
	"  actor_id TEXT PRIMARY KEY NOT NULL,"
	"  gen INTEGER NOT NULL DEFAULT 1,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  requested_at INTEGER NOT NULL"
	");"
	"CREATE INDEX domain_checks_due ON domain_checks(next_attempt_at);"
	"PRAGMA user_version = 8;",

	/*
	 * 9: every signing activity that stands for a signature (a Follow, an
	 * Endorse, a mention's Note), each with its proof: the signature stands
	 * while one does. The signatories row keeps how, activity_id, signed_at
	 * and proof of the earliest standing one (what the lists show and the
	 * proofs export); when it is undone, the next takes its place. A
	 * withdrawn signature has none (the trigger), a rejected one keeps them.
	 */
	"CREATE TABLE signings ("
	"  signatory_id INTEGER NOT NULL REFERENCES signatories(id) ON DELETE CASCADE,"
	"  activity_id TEXT NOT NULL,"
	"  how TEXT NOT NULL CHECK (how IN ('follow', 'endorse', 'mention')),"
	"  signed_at INTEGER NOT NULL,"
	"  proof TEXT,"
	"  PRIMARY KEY (signatory_id, activity_id)"
	");"
	"CREATE INDEX signings_activity ON signings(activity_id);"
	"INSERT INTO signings (signatory_id, activity_id, how, signed_at, proof)"
	"  SELECT id, activity_id, how, signed_at, proof FROM signatories"
	"  WHERE actor_id IS NOT NULL AND activity_id IS NOT NULL AND state <> 'withdrawn'"
	"  AND how IN ('follow', 'endorse', 'mention');"
	"CREATE TRIGGER signings_withdrawn AFTER UPDATE OF state ON signatories"
	"  WHEN NEW.state = 'withdrawn'"
	"  BEGIN DELETE FROM signings WHERE signatory_id = NEW.id; END;"
	"PRAGMA user_version = 9;",

	/*
	 * 10: each statement's audience by inbox. One row per statement and
	 * preferred inbox (a cached actor's shared inbox, else its own inbox;
	 * never empty): how many of its followers and of its reactions are
	 * reached there. Triggers keep it: a follow or reaction added or gone,
	 * its actor cached later, its inbox changed, the actor forgotten; a row
	 * at zero goes. Publishing an edit then reads one row per inbox, not
	 * every follower. store_reaction_add deletes before it inserts: REPLACE
	 * would delete without the delete triggers. It may run again on a file
	 * whose user_version was set back (a test of an older migration does).
	 */
#define DB_BOX(a) "coalesce(nullif(" a ".shared_inbox, ''), " a ".inbox)"
#define DB_BOX_OF(actor) "(SELECT " DB_BOX("a") " FROM remote_actors a WHERE a.id = " actor ")"
/* One follow or reaction (col) of statement sid by actor, added or taken. */
#define DB_INBOX_ADD(col, sid, actor)                                                   \
	" INSERT INTO statement_inboxes (statement_id, inbox, " col ")"                  \
	" SELECT " sid ", box, 1 FROM (SELECT " DB_BOX_OF(actor) " AS box)"              \
	" WHERE nullif(box, '') IS NOT NULL"                                              \
	" ON CONFLICT (statement_id, inbox) DO UPDATE SET " col " = " col " + 1;"
#define DB_INBOX_SUB(col, sid, actor)                                                   \
	" UPDATE statement_inboxes SET " col " = " col " - 1"                            \
	" WHERE statement_id = " sid " AND inbox = " DB_BOX_OF(actor) ";"                \
	" DELETE FROM statement_inboxes WHERE statement_id = " sid                        \
	" AND inbox = " DB_BOX_OF(actor) " AND followers <= 0 AND reactions <= 0;"
/* Every follow and reaction of actor row `who` (NEW or OLD), at its inbox. */
#define DB_ACTOR_STATEMENTS(who)                                                        \
	"(SELECT statement_id FROM followers WHERE actor_id = " who ".id"                \
	" UNION SELECT statement_id FROM reactions WHERE actor_id = " who ".id)"
#define DB_ACTOR_ADD(who)                                                               \
	" INSERT INTO statement_inboxes (statement_id, inbox, followers, reactions)"     \
	" SELECT sid, " DB_BOX(who) ", sum(nf), sum(nr) FROM ("                          \
	"  SELECT statement_id AS sid, 1 AS nf, 0 AS nr FROM followers"                  \
	"   WHERE actor_id = " who ".id"                                                  \
	"  UNION ALL SELECT statement_id, 0, 1 FROM reactions WHERE actor_id = " who ".id)" \
	" WHERE nullif(" DB_BOX(who) ", '') IS NOT NULL GROUP BY sid"                    \
	" ON CONFLICT (statement_id, inbox) DO UPDATE SET"                                \
	" followers = followers + excluded.followers,"                                    \
	" reactions = reactions + excluded.reactions;"
#define DB_ACTOR_SUB(who)                                                               \
	" UPDATE statement_inboxes SET"                                                   \
	" followers = followers - (SELECT count(*) FROM followers f"                      \
	"  WHERE f.actor_id = " who ".id AND f.statement_id = statement_inboxes.statement_id)," \
	" reactions = reactions - (SELECT count(*) FROM reactions r"                      \
	"  WHERE r.actor_id = " who ".id AND r.statement_id = statement_inboxes.statement_id)" \
	" WHERE inbox = " DB_BOX(who) " AND statement_id IN " DB_ACTOR_STATEMENTS(who) ";" \
	" DELETE FROM statement_inboxes WHERE inbox = " DB_BOX(who)                       \
	" AND statement_id IN " DB_ACTOR_STATEMENTS(who)                                   \
	" AND followers <= 0 AND reactions <= 0;"
	"CREATE TABLE IF NOT EXISTS statement_inboxes ("
	"  statement_id INTEGER NOT NULL,"
	"  inbox TEXT NOT NULL,"
	"  followers INTEGER NOT NULL DEFAULT 0,"
	"  reactions INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (statement_id, inbox)"
	") WITHOUT ROWID;"
	"DELETE FROM statement_inboxes;"
	"INSERT INTO statement_inboxes (statement_id, inbox, followers, reactions)"
	"  SELECT sid, box, sum(nf), sum(nr) FROM ("
	"   SELECT f.statement_id AS sid, " DB_BOX("a") " AS box, 1 AS nf, 0 AS nr"
	"    FROM followers f JOIN remote_actors a ON a.id = f.actor_id"
	"   UNION ALL SELECT r.statement_id, " DB_BOX("a") ", 0, 1"
	"    FROM reactions r JOIN remote_actors a ON a.id = r.actor_id)"
	"  WHERE nullif(box, '') IS NOT NULL GROUP BY sid, box;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_follower_add AFTER INSERT ON followers BEGIN"
	DB_INBOX_ADD("followers", "NEW.statement_id", "NEW.actor_id") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_follower_gone AFTER DELETE ON followers BEGIN"
	DB_INBOX_SUB("followers", "OLD.statement_id", "OLD.actor_id") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_follower_moved AFTER UPDATE OF statement_id, actor_id"
	"  ON followers BEGIN"
	DB_INBOX_SUB("followers", "OLD.statement_id", "OLD.actor_id")
	DB_INBOX_ADD("followers", "NEW.statement_id", "NEW.actor_id") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_reaction_add AFTER INSERT ON reactions BEGIN"
	DB_INBOX_ADD("reactions", "NEW.statement_id", "NEW.actor_id") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_reaction_gone AFTER DELETE ON reactions BEGIN"
	DB_INBOX_SUB("reactions", "OLD.statement_id", "OLD.actor_id") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_reaction_moved AFTER UPDATE OF statement_id, actor_id"
	"  ON reactions BEGIN"
	DB_INBOX_SUB("reactions", "OLD.statement_id", "OLD.actor_id")
	DB_INBOX_ADD("reactions", "NEW.statement_id", "NEW.actor_id") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_actor_add AFTER INSERT ON remote_actors BEGIN"
	DB_ACTOR_ADD("NEW") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_actor_moved AFTER UPDATE OF id, inbox, shared_inbox"
	"  ON remote_actors WHEN OLD.id IS NOT NEW.id"
	"  OR " DB_BOX("OLD") " IS NOT " DB_BOX("NEW") " BEGIN"
	DB_ACTOR_SUB("OLD") DB_ACTOR_ADD("NEW") " END;"
	"CREATE TRIGGER IF NOT EXISTS inboxes_actor_gone AFTER DELETE ON remote_actors BEGIN"
	DB_ACTOR_SUB("OLD") " END;"
#undef DB_ACTOR_SUB
#undef DB_ACTOR_ADD
#undef DB_ACTOR_STATEMENTS
#undef DB_INBOX_SUB
#undef DB_INBOX_ADD
#undef DB_BOX_OF
#undef DB_BOX
	"PRAGMA user_version = 10;",
};

#define DB_SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

struct db_ident {
	int64_t application_id;
	int64_t user_version;
	int64_t objects; /* tables, indexes, views, triggers */
};

static int db_pragma_int(struct store *st, const char *sql, int64_t *out, struct err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = db_prepare(st, sql, &s, err)))
		return rc;
	rc = db_step_int64(st, s, out, NULL, err, "read the database header");
	db_finish(st, s);
	return rc;
}

static int db_identify(struct store *st, struct db_ident *id, struct err *err)
{
	int rc;

	if ((rc = db_pragma_int(st, "PRAGMA application_id", &id->application_id, err)) ||
	    (rc = db_pragma_int(st, "PRAGMA user_version", &id->user_version, err)) ||
	    (rc = db_pragma_int(st, "SELECT count(*) FROM sqlite_schema", &id->objects, err)))
		return rc;
	return 0;
}

/* ERR_INVALID unless the file is ours (at a version we know) or new. */
static int db_judge(const struct db_ident *id, const char *path, bool *is_new,
		    struct err *err)
{
	*is_new = false;
	if (id->application_id == DB_APPLICATION_ID) {
		if (id->user_version > DB_SCHEMA_VERSION)
			return errorf(err, ERR_INVALID,
				      "%s: database schema version %lld is newer than this "
				      "program's (%d); use a newer undersigned",
				      path, (long long)id->user_version, DB_SCHEMA_VERSION);
		return 0;
	}
	if (id->application_id == 0 && id->objects == 0 && id->user_version == 0) {
		*is_new = true;
		return 0;
	}
	if (id->application_id != 0)
		return errorf(err, ERR_INVALID,
			      "%s: a sqlite database of another program (application_id 0x%08llx);"
			      " not touching it",
			      path, (unsigned long long)(uint32_t)id->application_id);
	return errorf(err, ERR_INVALID,
		      "%s: a sqlite database with tables that are not ours; not touching it", path);
}

int db_check_ours(struct store *st, const char *path, bool *is_new, struct err *err)
{
	struct db_ident id = { 0 };
	int rc = db_identify(st, &id, err);

	if (rc) {
		int code = sqlite3_errcode(st->db);

		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
			return errorf(err, ERR_INVALID, "%s: not a sqlite database (%s)", path,
				      sqlite3_errmsg(st->db));
		return rc;
	}
	return db_judge(&id, path, is_new, err);
}

int db_migrate(struct store *st, struct err *err)
{
	struct db_ident id = { 0 };
	bool is_new;
	int rc;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	/* Again inside the write lock: another process may have created the schema meanwhile. */
	if ((rc = db_identify(st, &id, err)) || (rc = db_judge(&id, "database", &is_new, err)))
		goto out;
	for (int v = (int)id.user_version; v < DB_SCHEMA_VERSION; v++) {
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_fail(st, err, "schema migration");
			goto out;
		}
	}
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	return rc;
}
