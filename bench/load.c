/*
 * The benchmark's load tool. It talks HTTP/1.1 to 127.0.0.1 over raw
 * keep-alive sockets on epoll (one request in flight per connection).
 *
 *   bench-load inbox ...   the inbox storm: signed Like / Announce / Follow
 *       POSTs from many actors. Every request is signed with its actor's key
 *       (draft-cavage rsa-sha256 over (request-target) host date digest, as
 *       Mastodon signs), all of them before the clock starts, with a fresh
 *       Date (the server accepts +-1 h), by as many threads as there are
 *       cores; then they are sent as fast as the server answers. With
 *       --bad-every K every K-th request carries a signature with one byte
 *       changed: it must come back 401.
 *
 *   bench-load start ...   the start time: fork and exec the server command
 *       after "--", and time until it answers its first GET; then read its
 *       resident set after a pause (idle) and stop it.
 *
 * Each mode prints one line of key=value pairs on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "crypto/httpsig.h"
#include "util/mem.h"
#include "util/str.h"

/* ---- requests, made ahead ---- */

struct request {
	char *bytes;
	size_t len;
	bool bad; /* signed wrongly on purpose */
};

struct inbox_opts {
	int port;               /* the server's */
	const char *slug;
	int actors_port;        /* the loopback actor server's */
	const char *keys;
	size_t n_keys, n_actors, first_actor, n_requests, conns;
	const char *run;        /* makes activity ids unique across runs and passes */
	size_t bad_every;
	int mix[3];             /* weights of Like, Announce, Follow */
};

struct sign_job {
	const struct inbox_opts *o;
	const struct keypool *kp;
	struct request *reqs;
	pthread_mutex_t lock;
	size_t next;
};

static const char *const kinds[] = { "Like", "Announce", "Follow" };

/* Which kind request i is: the weights spread over a cycle, shifted each round of actors. */
static int kind_of(const struct inbox_opts *o, size_t i)
{
	int total = o->mix[0] + o->mix[1] + o->mix[2];
	int slot = (int)((i + i / o->n_actors) % (size_t)total);

	if (slot < o->mix[0])
		return 0;
	return slot < o->mix[0] + o->mix[1] ? 1 : 2;
}

static void make_request(const struct inbox_opts *o, const struct keypool *kp, size_t i,
			 struct request *r)
{
	size_t actor_n = o->first_actor + i % o->n_actors;
	int kind = kind_of(o, i);
	char actor[128], key_id[160], target[128], host[64], base[80];
	struct httpsig_values v;
	struct buf body, req;
	struct err err;
	char *sig = NULL;

	bench_actor_url(actor, sizeof(actor), o->actors_port, actor_n);
	snprintf(key_id, sizeof(key_id), "%s#main-key", actor);
	snprintf(host, sizeof(host), BENCH_IP ":%d", o->port);
	snprintf(base, sizeof(base), "http://%s", host);
	buf_init(&body, 8192);
	buf_printf(&body,
		   "{\"@context\":\"https://www.w3.org/ns/activitystreams\","
		   "\"id\":\"%s/activities/%s-%zu\",\"type\":\"%s\",\"actor\":\"%s\",",
		   actor, o->run, i, kinds[kind], actor);
	if (kind == 0) {
		buf_printf(&body, "\"object\":\"%s/s/%s/post\"}", base, o->slug);
		snprintf(target, sizeof(target), "/s/%s/inbox", o->slug);
	} else if (kind == 1) {
		/* Mastodon sends a boost to the followers' shared inboxes. */
		buf_printf(&body,
			   "\"published\":\"2026-11-28T00:00:00Z\","
			   "\"to\":[\"https://www.w3.org/ns/activitystreams#Public\"],"
			   "\"cc\":[\"%s/s/%s\",\"%s/followers\"],"
			   "\"object\":\"%s/s/%s/post\"}",
			   base, o->slug, actor, base, o->slug);
		snprintf(target, sizeof(target), "/inbox");
	} else {
		buf_printf(&body, "\"object\":\"%s/s/%s\"}", base, o->slug);
		snprintf(target, sizeof(target), "/s/%s/inbox", o->slug);
	}
	httpsig_values_make((int64_t)time(NULL), body.data, body.len, &v);
	if (httpsig_sign("POST", target, host, v.date, v.digest, key_id,
			 kp->key[actor_n % kp->n], &sig, &err))
		bench_die("signing: %s", err.msg);
	r->bad = o->bad_every && i % o->bad_every == o->bad_every - 1;
	if (r->bad) {
		/* Change one character inside the base64 signature (still valid base64). */
		char *p = strstr(sig, "signature=\"");

		p += 11 + 20;
		*p = *p == 'A' ? 'B' : 'A';
	}
	buf_init(&req, 64 * 1024);
	buf_printf(&req,
		   "POST %s HTTP/1.1\r\nHost: %s\r\nDate: %s\r\nDigest: %s\r\n"
		   "Content-Type: application/activity+json\r\nContent-Length: %zu\r\n"
		   "User-Agent: undersigned-bench\r\nSignature: %s\r\n\r\n",
		   target, host, v.date, v.digest, body.len, sig);
	buf_add(&req, body.data, body.len);
	r->len = req.len;
	r->bytes = buf_detach(&req);
	buf_release(&body);
	free(sig);
}

static void *sign_thread(void *arg)
{
	struct sign_job *job = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&job->lock);
		i = job->next++;
		pthread_mutex_unlock(&job->lock);
		if (i >= job->o->n_requests)
			return NULL;
		make_request(job->o, job->kp, i, &job->reqs[i]);
	}
}

/* ---- sending ---- */

struct conn {
	int fd;
	long cur;        /* request in flight, -1 none */
	size_t wpos;
	char rbuf[65536];
	size_t rlen;
};

struct stats {
	size_t done, ok, s401, s4xx, s5xx, other, errors, bad_401, bad_sent;
	double *latency;
};

static int connect_to(int port)
{
	struct sockaddr_in sa;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, BENCH_IP, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* A complete response at the start of c->rbuf: its length, 0 when incomplete, -1 when bad. */
static long response_parse(struct conn *c, int *status, bool *close_after)
{
	char *end, *cl;
	size_t head;
	int64_t len = 0;

	c->rbuf[c->rlen] = '\0';
	end = strstr(c->rbuf, "\r\n\r\n");
	if (!end)
		return c->rlen >= sizeof(c->rbuf) - 1 ? -1 : 0;
	head = (size_t)(end - c->rbuf) + 4;
	if (sscanf(c->rbuf, "HTTP/1.%*d %d", status) != 1)
		return -1;
	*end = '\0';
	cl = strcasestr(c->rbuf, "\r\nContent-Length:");
	if (cl) {
		len = strtoll(cl + 17, NULL, 10);
		if (len < 0 || (size_t)len > sizeof(c->rbuf) - 1 - head)
			return -1;
	}
	*close_after = strcasestr(c->rbuf, "\r\nConnection: close") != NULL;
	*end = '\r';
	if (c->rlen < head + (size_t)len)
		return 0;
	return (long)(head + (size_t)len);
}

static void record(struct stats *s, const struct request *r, int status)
{
	s->done++;
	if (status >= 200 && status < 300)
		s->ok++;
	else if (status == 401)
		s->s401++;
	else if (status >= 400 && status < 500)
		s->s4xx++;
	else if (status >= 500)
		s->s5xx++;
	else
		s->other++;
	if (r->bad && status == 401)
		s->bad_401++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Send reqs[0..n) over conns connections; fills s; returns the seconds it took. */
static double send_all(int port, struct request *reqs, size_t n, size_t n_conns,
		       struct stats *s)
{
	struct conn *conns = xcalloc(n_conns, sizeof(*conns));
	double *sent_at = xcalloc(n, sizeof(double));
	struct epoll_event evs[256];
	size_t next = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	double t0, t1;

	s->latency = xcalloc(n, sizeof(double));
	t0 = bench_now();
	for (size_t i = 0; i < n_conns; i++) {
		conns[i].fd = -1;
		conns[i].cur = -1;
	}
	while (s->done + s->errors < n && !bench_stop) {
		/* (Re)connect idle connections and give each one the next request. */
		for (size_t i = 0; i < n_conns && next < n; i++) {
			struct conn *c = &conns[i];
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

			if (c->cur >= 0)
				continue;
			if (c->fd < 0) {
				c->fd = connect_to(port);
				if (c->fd < 0) {
					s->errors++;
					next++;
					continue;
				}
				epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
			}
			c->cur = (long)next++;
			c->wpos = 0;
			c->rlen = 0;
			sent_at[c->cur] = bench_now();
			/* Requests are small: one blocking write puts all of it in the socket buffer. */
			while (c->wpos < reqs[c->cur].len) {
				ssize_t w = write(c->fd, reqs[c->cur].bytes + c->wpos,
						  reqs[c->cur].len - c->wpos);

				if (w <= 0)
					break;
				c->wpos += (size_t)w;
			}
		}
		int k = epoll_wait(ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), 1000);

		for (int e = 0; e < k; e++) {
			struct conn *c = evs[e].data.ptr;
			ssize_t r = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - 1 - c->rlen);
			bool close_after = false;
			int status = 0;
			long used;

			if (r <= 0) {
				if (c->cur >= 0)
					s->errors++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				c->cur = -1;
				continue;
			}
			c->rlen += (size_t)r;
			used = response_parse(c, &status, &close_after);
			if (used == 0)
				continue;
			if (used > 0 && c->cur >= 0) {
				s->latency[s->done] = bench_now() - sent_at[c->cur];
				record(s, &reqs[c->cur], status);
			} else {
				s->errors++;
				close_after = true;
			}
			c->cur = -1;
			c->rlen = 0;
			if (close_after) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
			}
		}
	}
	t1 = bench_now();
	for (size_t i = 0; i < n_conns; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	close(ep);
	free(conns);
	free(sent_at);
	return t1 - t0;
}

static int cmd_inbox(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "slug", required_argument, NULL, 's' },
		{ "actors-port", required_argument, NULL, 'a' },
		{ "keys", required_argument, NULL, 'k' },
		{ "n-keys", required_argument, NULL, 'K' },
		{ "actors", required_argument, NULL, 'n' },
		{ "first-actor", required_argument, NULL, 'f' },
		{ "requests", required_argument, NULL, 'r' },
		{ "conns", required_argument, NULL, 'c' },
		{ "run", required_argument, NULL, 'R' },
		{ "bad-every", required_argument, NULL, 'b' },
		{ "mix", required_argument, NULL, 'm' },
		{ "sender-cpu", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct inbox_opts o = { .n_keys = 40, .n_actors = 2000, .n_requests = 20000, .conns = 32,
				.run = "run", .mix = { 9, 9, 2 } };
	struct sign_job job;
	struct keypool kp;
	struct stats s = { 0 };
	struct request *reqs;
	pthread_t threads[16];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cores < 1 ? 1 : cores > 16 ? 16 : (size_t)cores;
	int sender_cpu = -1, c;
	double t_sign, secs;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.port = (int)strtol(optarg, NULL, 10); break;
		case 's': o.slug = optarg; break;
		case 'a': o.actors_port = (int)strtol(optarg, NULL, 10); break;
		case 'k': o.keys = optarg; break;
		case 'K': o.n_keys = strtoul(optarg, NULL, 10); break;
		case 'n': o.n_actors = strtoul(optarg, NULL, 10); break;
		case 'f': o.first_actor = strtoul(optarg, NULL, 10); break;
		case 'r': o.n_requests = strtoul(optarg, NULL, 10); break;
		case 'c': o.conns = strtoul(optarg, NULL, 10); break;
		case 'R': o.run = optarg; break;
		case 'b': o.bad_every = strtoul(optarg, NULL, 10); break;
		case 'm':
			if (sscanf(optarg, "%d,%d,%d", &o.mix[0], &o.mix[1], &o.mix[2]) != 3 ||
			    o.mix[0] < 0 || o.mix[1] < 0 || o.mix[2] < 0 ||
			    o.mix[0] + o.mix[1] + o.mix[2] == 0)
				bench_die("--mix LIKE,ANNOUNCE,FOLLOW weights");
			break;
		case 'C': sender_cpu = (int)strtol(optarg, NULL, 10); break;
		default: bench_die("inbox: bad option");
		}
	}
	if (!o.port || !o.slug || !o.actors_port || !o.keys || !o.n_actors || !o.conns)
		bench_die("usage: bench-load inbox --port P --slug S --actors-port A --keys FILE ...");
	keypool_load(o.keys, o.n_keys, &kp);
	reqs = xcalloc(o.n_requests, sizeof(*reqs));
	job = (struct sign_job){ .o = &o, .kp = &kp, .reqs = reqs };
	pthread_mutex_init(&job.lock, NULL);
	t_sign = bench_now();
	/* Signing runs on every core while the server waits; the sender then keeps to one. */
	for (size_t i = 0; i < nt; i++)
		pthread_create(&threads[i], NULL, sign_thread, &job);
	for (size_t i = 0; i < nt; i++)
		pthread_join(threads[i], NULL);
	t_sign = bench_now() - t_sign;
	for (size_t i = 0; i < o.n_requests; i++)
		s.bad_sent += reqs[i].bad;
	if (sender_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sender_cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	secs = send_all(o.port, reqs, o.n_requests, o.conns, &s);
	qsort(s.latency, s.done, sizeof(double), cmp_double);
	printf("inbox: requests=%zu done=%zu ok=%zu s401=%zu s4xx=%zu s5xx=%zu other=%zu "
	       "errors=%zu bad_sent=%zu bad_401=%zu seconds=%.3f rate=%.0f p50_ms=%.2f "
	       "p99_ms=%.2f sign_seconds=%.1f\n",
	       o.n_requests, s.done, s.ok, s.s401, s.s4xx, s.s5xx, s.other, s.errors, s.bad_sent,
	       s.bad_401, secs, secs > 0 ? (double)s.done / secs : 0,
	       s.done ? s.latency[s.done / 2] * 1e3 : 0,
	       s.done ? s.latency[s.done * 99 / 100] * 1e3 : 0, t_sign);
	fflush(stdout);
	for (size_t i = 0; i < o.n_requests; i++)
		free(reqs[i].bytes);
	free(reqs);
	free(s.latency);
	keypool_release(&kp);
	pthread_mutex_destroy(&job.lock);
	return s.done == o.n_requests ? 0 : 1;
}

/* ---- start time ---- */

/* One GET on a new connection; the status, or -1 when nothing answered. */
static int get_once(int port, const char *target)
{
	char req[256];
	struct conn c = { .cur = 0 };
	bool close_after;
	int status = -1;

	c.fd = connect_to(port);
	if (c.fd < 0)
		return -1;
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: " BENCH_IP ":%d\r\nAccept: application/activity+json\r\n"
		 "Connection: close\r\n\r\n",
		 target, port);
	if (write(c.fd, req, strlen(req)) == (ssize_t)strlen(req)) {
		for (;;) {
			ssize_t r = read(c.fd, c.rbuf + c.rlen, sizeof(c.rbuf) - 1 - c.rlen);

			if (r <= 0)
				break;
			c.rlen += (size_t)r;
			if (response_parse(&c, &status, &close_after) != 0)
				break;
		}
	}
	close(c.fd);
	return status;
}

static int cmd_start(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 't' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *target = "/.well-known/nodeinfo";
	long idle_ms = 1000, hwm, rss;
	int port = 0, c, status = -1, wstatus;
	double t0, t_first = 0;
	pid_t pid;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': port = (int)strtol(optarg, NULL, 10); break;
		case 't': target = optarg; break;
		case 'i': idle_ms = strtol(optarg, NULL, 10); break;
		default: bench_die("start: bad option");
		}
	}
	if (!port || optind >= argc)
		bench_die("usage: bench-load start --port P [--target PATH] -- COMMAND ...");
	t0 = bench_now();
	pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	/* Poll every 0.2 ms: a connect to a closed port fails at once. */
	while (bench_now() - t0 < 10) {
		struct timespec pause = { 0, 200 * 1000 };

		status = get_once(port, target);
		if (status > 0) {
			t_first = bench_now() - t0;
			break;
		}
		if (waitpid(pid, &wstatus, WNOHANG) == pid)
			bench_die("the server exited before answering");
		nanosleep(&pause, NULL);
	}
	if (status <= 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		bench_die("no answer within 10 s");
	}
	{
		struct timespec pause = { idle_ms / 1000, (idle_ms % 1000) * 1000000 };

		nanosleep(&pause, NULL);
	}
	bench_rss_kib(pid, &hwm, &rss);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	printf("start: first_answer_ms=%.1f status=%d idle_rss_kib=%ld hwm_kib=%ld\n",
	       t_first * 1e3, status, rss, hwm);
	return 0;
}

int main(int argc, char **argv)
{
	bench_on_signals();
	if (argc > 1 && str_eq(argv[1], "inbox"))
		return cmd_inbox(argc - 1, argv + 1);
	if (argc > 1 && str_eq(argv[1], "start"))
		return cmd_start(argc - 1, argv + 1);
	bench_die("usage: bench-load inbox|start ...");
}
