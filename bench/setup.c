/*
 * Builds and pokes the benchmark databases through the store's own API.
 *
 *   bench-setup create --db FILE --statement TEXTFILE --slug SLUG
 *       --followers F --background B --sink-base PORT --sinks N --pem-out FILE
 *     A new database with the statement (and the instance actor's key, so
 *     the server starts without making one), then F followers spread over N
 *     shared inboxes (127.0.0.1:PORT.. PORT+N-1/inbox, F/N followers each),
 *     and B more actors, on the same inboxes, that each follow the statement
 *     and favourite its post. Written in batches (one transaction each). The
 *     statement actor's public key goes to --pem-out for the sinks.
 *
 *   bench-setup schedule --db FILE --slug SLUG
 *     Schedule an edit of the post, due now (the delivery worker publishes it).
 *
 *   bench-setup pending --db FILE
 *     Print the number of rows in the delivery queue.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/keyring.h"
#include "bench/bench.h"
#include "crypto/keys.h"
#include "server/import.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

#define BATCH_ROWS 50000

struct opts {
	const char *db, *statement, *slug, *pem_out;
	size_t followers, background, sinks;
	int sink_base;
};

static char *read_all(const char *path, size_t *len)
{
	struct buf b;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		bench_die("%s: %s", path, strerror(errno));
	buf_init(&b, LIMIT_STATEMENT_FILE_BYTES);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n))
			bench_die("%s: too large", path);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static int64_t import_statement(struct store *st, const struct opts *o)
{
	struct statement_doc doc;
	struct statement s = { 0 };
	struct signatory *sigs;
	struct err err;
	char *text, *priv = NULL, *pub = NULL;
	size_t len;
	FILE *f;

	text = read_all(o->statement, &len);
	if (import_parse(text, len, &doc, &err))
		bench_die("%s: %s", o->statement, err.msg);
	if (key_generate_rsa(2048, &priv, &pub, &err))
		bench_die("key: %s", err.msg);
	s.slug = (char *)o->slug;
	s.title = doc.title;
	s.lang = doc.lang;
	s.dateline = doc.dateline;
	s.summary = doc.summary;
	s.content_html = doc.content_html;
	s.policy = (char *)"open";
	s.published = s.updated = (int64_t)time(NULL) - 3600;
	s.public_pem = pub;
	s.private_pem = priv;
	sigs = xcalloc(doc.n_signatories + 1, sizeof(*sigs));
	for (size_t i = 0; i < doc.n_signatories; i++) {
		sigs[i].name = doc.signatories[i].name;
		sigs[i].country = doc.signatories[i].country;
		sigs[i].position = (int)i + 1;
	}
	if (store_statement_import(st, &s, sigs, doc.n_signatories, &err))
		bench_die("import: %s", err.msg);
	f = fopen(o->pem_out, "w");
	if (!f || fputs(pub, f) < 0 || fclose(f))
		bench_die("%s: cannot write", o->pem_out);
	free(sigs);
	free(text);
	key_pem_free(priv);
	free(pub);
	statement_doc_release(&doc);
	return s.id;
}

/* Actor `name` on sink `sink`: that server's shared inbox is where it is reached. */
static void add_actor(struct store *st, const struct opts *o, int64_t statement_id,
		      const char *name, size_t sink, bool likes, int64_t now)
{
	char id[128], inbox[160], shared[128], activity[192];
	struct remote_actor a = { 0 };
	struct err err;

	snprintf(id, sizeof(id), "http://" BENCH_IP ":%d/users/%s", o->sink_base + (int)sink, name);
	snprintf(inbox, sizeof(inbox), "%s/inbox", id);
	snprintf(shared, sizeof(shared), "http://" BENCH_IP ":%d/inbox", o->sink_base + (int)sink);
	a.id = id;
	a.type = (char *)"Person";
	a.name = (char *)name;
	a.preferred_username = (char *)name;
	a.inbox = inbox;
	a.shared_inbox = shared;
	a.fetched_at = now;
	snprintf(activity, sizeof(activity), "%s/follow", id);
	if (store_actor_put(st, &a, &err) ||
	    store_follower_add(st, statement_id, id, activity, &err))
		bench_die("add %s: %s", name, err.msg);
	snprintf(activity, sizeof(activity), "%s/like", id);
	if (likes && store_reaction_add(st, statement_id, "like", id, activity, &err))
		bench_die("like %s: %s", name, err.msg);
}

static int cmd_create(const struct opts *o)
{
	struct store *st = NULL;
	struct err err;
	int64_t id, now = (int64_t)time(NULL);
	size_t in_batch = 0;
	double t0 = bench_now();
	char name[32];

	if (!o->db || !o->statement || !o->slug || !o->pem_out || !o->sinks || !o->sink_base)
		bench_die("create needs --db --statement --slug --pem-out --sinks --sink-base");
	remove(o->db);
	if (store_open(o->db, &st, &err))
		bench_die("%s: %s", o->db, err.msg);
	if (keyring_instance_ensure(st, &err))
		bench_die("instance key: %s", err.msg);
	id = import_statement(st, o);
	/*
	 * Sink by sink, names zero-padded: actor ids then come in sorted order,
	 * so every index grows at its end and the build stays in the page cache.
	 */
	for (int pass = 0; pass < 2; pass++) {
		size_t count = pass == 0 ? o->followers : o->background;

		for (size_t sink = 0; sink < o->sinks; sink++) {
			for (size_t i = sink; i < count; i += o->sinks) {
				if (in_batch == 0 && store_batch_begin(st, &err))
					bench_die("batch: %s", err.msg);
				snprintf(name, sizeof(name), "%c%07zu", pass == 0 ? 'f' : 'b', i);
				add_actor(st, o, id, name, sink, pass == 1, now);
				if (++in_batch == BATCH_ROWS) {
					if (store_batch_commit(st, &err))
						bench_die("batch: %s", err.msg);
					in_batch = 0;
				}
			}
		}
	}
	if (in_batch && store_batch_commit(st, &err))
		bench_die("batch: %s", err.msg);
	store_close(st);
	printf("setup: db=%s followers=%zu background=%zu sinks=%zu seconds=%.1f\n", o->db,
	       o->followers, o->background, o->sinks, bench_now() - t0);
	return 0;
}

static int cmd_schedule(const struct opts *o)
{
	struct statement *s = NULL;
	struct store *st = NULL;
	struct err err;

	if (!o->db || !o->slug)
		bench_die("schedule needs --db --slug");
	if (store_open(o->db, &st, &err) || store_statement_get(st, o->slug, &s, &err) ||
	    store_statement_schedule_update(st, s->id, (int64_t)time(NULL) - 1, &err))
		bench_die("schedule: %s", err.msg);
	statement_free(s);
	store_close(st);
	return 0;
}

static int cmd_pending(const struct opts *o)
{
	struct store *st = NULL;
	struct err err;
	int64_t n;

	if (!o->db)
		bench_die("pending needs --db");
	if (store_open(o->db, &st, &err) || store_delivery_pending(st, &n, &err))
		bench_die("pending: %s", err.msg);
	printf("%lld\n", (long long)n);
	store_close(st);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "statement", required_argument, NULL, 't' },
		{ "slug", required_argument, NULL, 's' },
		{ "pem-out", required_argument, NULL, 'k' },
		{ "followers", required_argument, NULL, 'f' },
		{ "background", required_argument, NULL, 'b' },
		{ "sinks", required_argument, NULL, 'n' },
		{ "sink-base", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .sinks = 2000 };
	const char *cmd = argc > 1 ? argv[1] : "";
	int c;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.db = optarg; break;
		case 't': o.statement = optarg; break;
		case 's': o.slug = optarg; break;
		case 'k': o.pem_out = optarg; break;
		case 'f': o.followers = strtoul(optarg, NULL, 10); break;
		case 'b': o.background = strtoul(optarg, NULL, 10); break;
		case 'n': o.sinks = strtoul(optarg, NULL, 10); break;
		case 'p': o.sink_base = (int)strtol(optarg, NULL, 10); break;
		default: bench_die("bad option");
		}
	}
	if (str_eq(cmd, "create"))
		return cmd_create(&o);
	if (str_eq(cmd, "schedule"))
		return cmd_schedule(&o);
	if (str_eq(cmd, "pending"))
		return cmd_pending(&o);
	bench_die("usage: bench-setup create|schedule|pending ...");
}
