/* What the benchmark programs share: clock, keys, a small epoll HTTP server. */
#include "bench/bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "util/mem.h"
#include "util/str.h"

volatile sig_atomic_t bench_stop;

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void on_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
}

void bench_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool bench_rss_kib(int pid, long *hwm, long *rss)
{
	char path[64], line[256];
	FILE *f;

	*hwm = *rss = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (str_starts(line, "VmHWM:"))
			*hwm = strtol(line + 6, NULL, 10);
		else if (str_starts(line, "VmRSS:"))
			*rss = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return *hwm >= 0 && *rss >= 0;
}

double bench_cpu_seconds(int pid)
{
	char path[64], line[1024], *p;
	unsigned long utime, stime;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* After the command name in parentheses: state is field 3, utime 14, stime 15. */
	if (!p || !(p = strrchr(line, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
		   &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

void bench_actor_url(char *out, size_t size, int port, size_t i)
{
	snprintf(out, size, "http://" BENCH_IP ":%d/users/%zu", port, i);
}

/* ---- keys ---- */

struct keygen_job {
	pthread_mutex_t lock;
	size_t left;
	FILE *f;
};

static void *keygen_thread(void *arg)
{
	struct keygen_job *job = arg;

	for (;;) {
		char *priv = NULL, *pub = NULL;
		struct err err;

		pthread_mutex_lock(&job->lock);
		if (job->left == 0) {
			pthread_mutex_unlock(&job->lock);
			return NULL;
		}
		job->left--;
		pthread_mutex_unlock(&job->lock);
		if (key_generate_rsa(2048, &priv, &pub, &err))
			bench_die("key generation: %s", err.msg);
		pthread_mutex_lock(&job->lock);
		fputs(priv, job->f);
		fflush(job->f);
		pthread_mutex_unlock(&job->lock);
		key_pem_free(priv);
		free(pub);
	}
}

/* Split a file of PEM private keys; returns how many were read into kp (up to max). */
static size_t keypool_read(const char *path, size_t max, struct keypool *kp)
{
	static const char end[] = "-----END PRIVATE KEY-----\n";
	struct buf b;
	char chunk[65536];
	size_t n, got = 0;
	const char *p;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	buf_init(&b, 64 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n))
			bench_die("%s: too large", path);
	fclose(f);
	p = buf_str(&b);
	while (got < max) {
		const char *e = strstr(p, end);
		struct err err;
		char *pem;

		if (!e)
			break;
		e += sizeof(end) - 1;
		pem = xstrndup(p, (size_t)(e - p));
		if (key_load_private(pem, &kp->key[got], &err))
			bench_die("%s: key %zu: %s", path, got, err.msg);
		if (key_public_pem(kp->key[got], &kp->public_pem[got], &err))
			bench_die("%s: key %zu: %s", path, got, err.msg);
		kp->private_pem[got++] = pem;
		p = e;
	}
	buf_release(&b);
	return got;
}

void keypool_load(const char *path, size_t n, struct keypool *kp)
{
	size_t have;

	memset(kp, 0, sizeof(*kp));
	kp->private_pem = xcalloc(n, sizeof(char *));
	kp->public_pem = xcalloc(n, sizeof(char *));
	kp->key = xcalloc(n, sizeof(struct key *));
	have = keypool_read(path, n, kp);
	kp->n = have;
	if (have < n) {
		struct keygen_job job = { .left = n - have };
		pthread_t t[8];
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		size_t nt = cores < 1 ? 1 : cores > 8 ? 8 : (size_t)cores;

		fprintf(stderr, "making %zu RSA-2048 keys for the bench actors (once: kept in %s)\n",
			n - have, path);
		job.f = fopen(path, "a");
		if (!job.f)
			bench_die("%s: %s", path, strerror(errno));
		pthread_mutex_init(&job.lock, NULL);
		for (size_t i = 0; i < nt; i++)
			pthread_create(&t[i], NULL, keygen_thread, &job);
		for (size_t i = 0; i < nt; i++)
			pthread_join(t[i], NULL);
		fclose(job.f);
		pthread_mutex_destroy(&job.lock);
		keypool_release(kp);
		kp->private_pem = xcalloc(n, sizeof(char *));
		kp->public_pem = xcalloc(n, sizeof(char *));
		kp->key = xcalloc(n, sizeof(struct key *));
		if (keypool_read(path, n, kp) < n)
			bench_die("%s: fewer than %zu keys after making them", path, n);
	}
	kp->n = n;
}

void keypool_release(struct keypool *kp)
{
	for (size_t i = 0; kp->key && i < kp->n; i++) {
		key_free(kp->key[i]);
		key_pem_free(kp->private_pem[i]);
		free(kp->public_pem[i]);
	}
	free(kp->key);
	free(kp->private_pem);
	free(kp->public_pem);
	memset(kp, 0, sizeof(*kp));
}

/* ---- the HTTP server ---- */

const char *hs_header(const struct hs_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (str_ieq(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

int hs_listen(int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		bench_die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, BENCH_IP, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0)
		bench_die("listen on " BENCH_IP ":%d: %s", port, strerror(errno));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	if (bound)
		*bound = ntohs(sa.sin_port);
	return fd;
}

/* One accepted connection. */
struct hs_conn {
	int fd;
	size_t listener;
	char *in;           /* bytes read, not yet answered */
	size_t in_len, in_cap;
	struct buf out;     /* answer bytes not yet written */
	size_t out_pos;
	bool close_after;
};

static void conn_free(int ep, struct hs_conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	buf_release(&c->out);
	free(c);
}

/* Parse one complete request at the start of c->in; its length, or 0 when incomplete, -1 when bad. */
static long parse_request(struct hs_conn *c, struct hs_request *req)
{
	char *end, *line, *p;
	size_t head_len, body_len = 0;

	if (c->in_len == 0)
		return 0;
	c->in[c->in_len] = '\0';
	end = strstr(c->in, "\r\n\r\n");
	if (!end)
		return c->in_len > 64 * 1024 ? -1 : 0;
	head_len = (size_t)(end - c->in) + 4;
	memset(req, 0, sizeof(*req));
	*end = '\0';
	/* Request line: METHOD SP TARGET SP VERSION */
	line = c->in;
	p = strstr(line, "\r\n");
	if (p)
		*p = '\0';
	req->method = line;
	line = strchr(line, ' ');
	if (!line)
		return -1;
	*line++ = '\0';
	req->target = line;
	line = strchr(line, ' ');
	if (!line)
		return -1;
	*line = '\0';
	for (line = p ? p + 2 : end; line < end && req->n_headers < BENCH_MAX_HEADERS;) {
		char *eol = strstr(line, "\r\n");
		char *colon;

		if (eol)
			*eol = '\0';
		colon = strchr(line, ':');
		if (colon) {
			*colon = '\0';
			for (p = colon + 1; *p == ' ' || *p == '\t'; p++)
				;
			req->headers[req->n_headers].name = line;
			req->headers[req->n_headers].value = p;
			req->n_headers++;
		}
		if (!eol)
			break;
		line = eol + 2;
	}
	if (hs_header(req, "Content-Length")) {
		int64_t v;

		if (!str_to_i64(hs_header(req, "Content-Length"), &v) || v < 0 ||
		    v > BENCH_MAX_REQUEST)
			return -1;
		body_len = (size_t)v;
	}
	if (c->in_len < head_len + body_len) {
		/* Not all of the body yet: undo the cuts by parsing again later. */
		return -2;
	}
	req->body = c->in + head_len;
	req->body_len = body_len;
	c->close_after = str_ieq(hs_header(req, "Connection"), "close");
	return (long)(head_len + body_len);
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	default: return "Status";
	}
}

/* Write what is pending; false when the connection is to be dropped. */
static bool conn_flush(int ep, struct hs_conn *c)
{
	while (c->out_pos < c->out.len) {
		ssize_t w = write(c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos);

		if (w < 0 && errno == EAGAIN) {
			struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };

			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			return true;
		}
		if (w <= 0)
			return false;
		c->out_pos += (size_t)w;
	}
	buf_reset(&c->out);
	c->out_pos = 0;
	return !c->close_after;
}

/* Answer every complete request in c->in; false when the connection is to be dropped. */
static bool conn_answer(int ep, struct hs_conn *c, const int *ports, hs_handler fn, void *arg)
{
	for (;;) {
		struct hs_request req;
		struct buf body;
		const char *ct = "application/json";
		char *copy;
		long used;
		int status;

		/* Parse a copy: the parser cuts strings in place, and may find the body incomplete. */
		copy = xmalloc(c->in_len + 1);
		memcpy(copy, c->in, c->in_len);
		{
			char *keep = c->in;

			c->in = copy;
			used = parse_request(c, &req);
			c->in = keep;
		}
		if (used == 0 || used == -2) {
			free(copy);
			return true;
		}
		if (used < 0) {
			free(copy);
			return false;
		}
		req.listener = c->listener;
		req.port = ports[c->listener];
		req.at = bench_now();
		buf_init(&body, BENCH_MAX_REQUEST);
		status = fn(arg, &req, &body, &ct);
		free(copy);
		if (buf_printf(&c->out,
			       "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
			       status, reason(status), ct, body.len,
			       c->close_after ? "Connection: close\r\n" : "") ||
		    buf_add(&c->out, body.data ? body.data : "", body.len))
			bench_die("answer too large");
		buf_release(&body);
		memmove(c->in, c->in + used, c->in_len - (size_t)used);
		c->in_len -= (size_t)used;
		if (!conn_flush(ep, c))
			return false;
		if (c->out.len) /* waiting for EPOLLOUT */
			return true;
	}
}

void hs_serve(const int *fds, const int *ports, size_t n, hs_handler fn, void *arg,
	      const volatile bool *done, double deadline)
{
	struct epoll_event evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		bench_die("epoll: %s", strerror(errno));
	/* Listening sockets carry their index + 1 in data.u64 with the top bit set. */
	for (size_t i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (1ULL << 63) | i };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			bench_die("epoll_ctl: %s", strerror(errno));
	}
	while (!bench_stop && !(done && *done) && !(deadline > 0 && bench_now() > deadline)) {
		int k = epoll_wait(ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), 100);

		for (int e = 0; e < k; e++) {
			struct hs_conn *c;

			if (evs[e].data.u64 & (1ULL << 63)) {
				size_t li = (size_t)(evs[e].data.u64 & ~(1ULL << 63));
				int cfd;

				while ((cfd = accept4(fds[li], NULL, NULL,
						      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					struct epoll_event ev = { .events = EPOLLIN };
					int one = 1;

					setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					c = xcalloc(1, sizeof(*c));
					c->fd = cfd;
					c->listener = li;
					buf_init(&c->out, 2 * BENCH_MAX_REQUEST);
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				}
				continue;
			}
			c = evs[e].data.ptr;
			if (evs[e].events & EPOLLOUT) {
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

				if (!conn_flush(ep, c)) {
					conn_free(ep, c);
					continue;
				}
				if (c->out.len)
					continue;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			}
			if (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
				bool alive = true;

				for (;;) {
					ssize_t r;

					if (c->in_cap - c->in_len < 16384 + 1) {
						c->in_cap = c->in_cap ? c->in_cap * 2 : 32768;
						if (c->in_cap > 2 * BENCH_MAX_REQUEST) {
							alive = false;
							break;
						}
						c->in = xrealloc(c->in, c->in_cap);
					}
					r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1);
					if (r > 0) {
						c->in_len += (size_t)r;
						continue;
					}
					if (r < 0 && errno == EAGAIN)
						break;
					alive = false; /* EOF or error */
					break;
				}
				if (c->in_len && !conn_answer(ep, c, ports, fn, arg))
					alive = false;
				if (!alive)
					conn_free(ep, c);
			}
		}
	}
	close(ep);
}
