/*
 * The fan-out benchmark's receivers: N shared inboxes, one per port
 * (127.0.0.1:BASE .. BASE+N-1, POST /inbox), so that each is its own host
 * for the sender's per-host limit. Every POST is checked as a careful
 * receiver would: the HTTP Signature must name the statement's key and
 * verify with it (date, digest of the body, signature); then 202, else 401.
 * It stops when every inbox has --per-inbox verified deliveries (or at the
 * deadline, or on SIGTERM). Given a command after "--", it starts it (the
 * server, with an edit of the post due) once it listens, times from then,
 * and at the end reads the command's peak RSS and stops it (SIGTERM). It prints
 *   sink: inboxes=N valid=V bad=B complete=C extra=E first_s=T last_s=T hwm_kib=K
 *         server_cpu_s=S
 * (complete: inboxes that got all they should; extra: deliveries beyond that;
 * times in seconds from the start of the command, or from the first delivery).
 *
 * usage: bench-sink --base-port P --inboxes N --pem FILE --key-id ID
 *                   [--per-inbox K] [--timeout S] [-- COMMAND ...]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "util/mem.h"
#include "util/str.h"

struct sink {
	struct key *key;
	const char *key_id;
	size_t n;
	unsigned per_inbox;
	unsigned *got; /* verified deliveries per inbox */
	size_t valid, bad, complete, extra;
	double first, last;
	bool done;
	char why[256]; /* the first refusal, for the report */
};

static int handle(void *arg, const struct hs_request *req, struct buf *out,
		  const char **content_type)
{
	struct sink *s = arg;
	struct httpsig_request hr;
	struct httpsig *sig = NULL;
	char authority[64];
	struct err err;
	int rc;

	(void)out;
	(void)content_type;
	snprintf(authority, sizeof(authority), BENCH_IP ":%d", req->port);
	hr = (struct httpsig_request){
		.method = req->method,
		.target = req->target,
		.headers = req->headers,
		.n_headers = req->n_headers,
		.authority = authority,
		.body = req->body,
		.body_len = req->body_len,
		.scheme = "http",
	};
	err.msg[0] = '\0';
	rc = httpsig_parse(&hr, &sig, &err);
	if (!rc && !str_eq(httpsig_key_id(sig), s->key_id))
		rc = errorf(&err, ERR_BADSIG, "key id %s", httpsig_key_id(sig));
	if (!rc)
		rc = httpsig_verify(sig, &hr, s->key, (int64_t)time(NULL), &err);
	httpsig_free(sig);
	if (rc || !str_eq(req->method, "POST") || !str_eq(req->target, "/inbox")) {
		if (!s->why[0])
			snprintf(s->why, sizeof(s->why), "%s %s: %s", req->method, req->target,
				 err.msg);
		s->bad++;
		return 401;
	}
	if (s->valid++ == 0)
		s->first = req->at;
	s->last = req->at;
	if (++s->got[req->listener] == s->per_inbox) {
		if (++s->complete == s->n)
			s->done = true;
	} else if (s->got[req->listener] > s->per_inbox) {
		s->extra++;
	}
	return 202;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "base-port", required_argument, NULL, 'p' },
		{ "inboxes", required_argument, NULL, 'n' },
		{ "pem", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "per-inbox", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct sink s = { .n = 2000, .per_inbox = 1 };
	const char *pem_path = NULL;
	double timeout = 120, t0;
	int base = 0, c, *fds, *ports;
	long hwm = -1, rss = -1;
	double cpu = -1;
	pid_t child = -1;
	char pem[16384];
	size_t len;
	struct err err;
	FILE *f;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': base = (int)strtol(optarg, NULL, 10); break;
		case 'n': s.n = strtoul(optarg, NULL, 10); break;
		case 'k': pem_path = optarg; break;
		case 'i': s.key_id = optarg; break;
		case 't': timeout = strtod(optarg, NULL); break;
		case 'K': s.per_inbox = (unsigned)strtoul(optarg, NULL, 10); break;
		default: bench_die("bad option");
		}
	}
	if (!base || !pem_path || !s.key_id || !s.n)
		bench_die("usage: bench-sink --base-port P --inboxes N --pem FILE --key-id ID");
	f = fopen(pem_path, "r");
	if (!f)
		bench_die("%s: %s", pem_path, strerror(errno));
	len = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[len] = '\0';
	if (key_load_public(pem, &s.key, &err))
		bench_die("%s: %s", pem_path, err.msg);
	bench_on_signals();
	s.got = xcalloc(s.n, sizeof(unsigned));
	fds = xcalloc(s.n, sizeof(int));
	ports = xcalloc(s.n, sizeof(int));
	for (size_t i = 0; i < s.n; i++) {
		ports[i] = base + (int)i;
		fds[i] = hs_listen(ports[i], NULL);
	}
	t0 = bench_now();
	if (optind < argc) {
		child = fork();
		if (child < 0)
			bench_die("fork: %s", strerror(errno));
		if (child == 0) {
			for (size_t i = 0; i < s.n; i++)
				close(fds[i]);
			execvp(argv[optind], argv + optind);
			_exit(127);
		}
	}
	hs_serve(fds, ports, s.n, handle, &s, &s.done, t0 + timeout);
	if (child > 0) {
		bench_rss_kib(child, &hwm, &rss);
		cpu = bench_cpu_seconds(child);
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	printf("sink: inboxes=%zu valid=%zu bad=%zu complete=%zu extra=%zu first_s=%.3f "
	       "last_s=%.3f hwm_kib=%ld server_cpu_s=%.2f\n",
	       s.n, s.valid, s.bad, s.complete, s.extra, s.valid ? s.first - t0 : 0,
	       s.valid ? s.last - t0 : 0, hwm, cpu);
	if (s.why[0])
		fprintf(stderr, "sink: first refusal: %s\n", s.why);
	fflush(stdout);
	for (size_t i = 0; i < s.n; i++)
		close(fds[i]);
	free(fds);
	free(ports);
	free(s.got);
	key_free(s.key);
	return s.complete == s.n ? 0 : 1;
}
