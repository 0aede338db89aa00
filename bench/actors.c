/*
 * The loopback actor server of the inbox benchmarks: it plays the remote
 * servers of the simulated actors. GET /users/N answers actor N's document
 * (Person, inbox, shared inbox, publicKey with the pool key N % keys);
 * POST to any inbox answers 202 (the Accepts of Follows land here). It
 * counts what it served: GET /stats answers "fetches=F posts=P other=O",
 * and the same line is printed when it stops (SIGTERM).
 *
 * usage: bench-actors --port P --keys FILE --n-keys K --actors N
 *                     [--shared-inbox URL] [--ready FILE]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "util/mem.h"
#include "util/str.h"

struct actors {
	struct keypool keys;
	size_t n_actors;
	int port;
	const char *shared_inbox;
	char **docs; /* made on first fetch */
	long fetches, posts, other;
};

/* A PEM as a JSON string body: only base64, dashes, spaces and newlines occur in it. */
static void add_pem_json(struct buf *b, const char *pem)
{
	for (const char *p = pem; *p; p++)
		if (*p == '\n')
			buf_addstr(b, "\\n");
		else
			buf_addch(b, *p);
}

static char *actor_doc(const struct actors *a, size_t i)
{
	char id[128];
	struct buf b;

	bench_actor_url(id, sizeof(id), a->port, i);
	buf_init(&b, 64 * 1024);
	buf_printf(&b,
		   "{\"@context\":[\"https://www.w3.org/ns/activitystreams\","
		   "\"https://w3id.org/security/v1\"],"
		   "\"id\":\"%s\",\"type\":\"Person\",\"preferredUsername\":\"bench%zu\","
		   "\"name\":\"Bench actor %zu\",\"inbox\":\"%s/inbox\","
		   "\"endpoints\":{\"sharedInbox\":\"%s%s\"},"
		   "\"publicKey\":{\"id\":\"%s#main-key\",\"owner\":\"%s\",\"publicKeyPem\":\"",
		   id, i, i, id, a->shared_inbox ? a->shared_inbox : id,
		   a->shared_inbox ? "" : "/inbox", id, id);
	add_pem_json(&b, a->keys.public_pem[i % a->keys.n]);
	buf_addstr(&b, "\"}}");
	return buf_detach(&b);
}

static int handle(void *arg, const struct hs_request *req, struct buf *out,
		  const char **content_type)
{
	struct actors *a = arg;
	int64_t i;

	if (str_eq(req->method, "POST")) {
		a->posts++;
		return 202;
	}
	if (str_eq(req->method, "GET") && str_eq(req->target, "/stats")) {
		*content_type = "text/plain";
		buf_printf(out, "fetches=%ld posts=%ld other=%ld", a->fetches, a->posts, a->other);
		return 200;
	}
	if (str_eq(req->method, "GET") && str_starts(req->target, "/users/") &&
	    str_to_i64(req->target + 7, &i) && i >= 0 && (size_t)i < a->n_actors) {
		if (!a->docs[i])
			a->docs[i] = actor_doc(a, (size_t)i);
		a->fetches++;
		*content_type = "application/activity+json";
		buf_addstr(out, a->docs[i]);
		return 200;
	}
	a->other++;
	return 404;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "keys", required_argument, NULL, 'k' },
		{ "n-keys", required_argument, NULL, 'K' },
		{ "actors", required_argument, NULL, 'n' },
		{ "shared-inbox", required_argument, NULL, 's' },
		{ "ready", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct actors a = { .n_actors = 2000 };
	const char *keys = NULL, *ready = NULL;
	size_t n_keys = 40;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': a.port = (int)strtol(optarg, NULL, 10); break;
		case 'k': keys = optarg; break;
		case 'K': n_keys = (size_t)strtoul(optarg, NULL, 10); break;
		case 'n': a.n_actors = (size_t)strtoul(optarg, NULL, 10); break;
		case 's': a.shared_inbox = optarg; break;
		case 'r': ready = optarg; break;
		default: bench_die("bad option");
		}
	}
	if (!keys || !a.port)
		bench_die("usage: bench-actors --port P --keys FILE [--n-keys K] [--actors N]");
	bench_on_signals();
	keypool_load(keys, n_keys, &a.keys);
	a.docs = xcalloc(a.n_actors, sizeof(char *));
	fd = hs_listen(a.port, NULL);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	hs_serve(&fd, &a.port, 1, handle, &a, NULL, 0);
	printf("actors: fetches=%ld posts=%ld other=%ld\n", a.fetches, a.posts, a.other);
	fflush(stdout);
	close(fd);
	for (size_t i = 0; i < a.n_actors; i++)
		free(a.docs[i]);
	free(a.docs);
	keypool_release(&a.keys);
	return 0;
}
