/*
 * A tiny HTTP/1.1 server for the outbound tests, on 127.0.0.1 and a port the
 * kernel picks: one thread accepts, one thread per connection reads one
 * request, records it, asks the test's handler what to answer, answers
 * (Connection: close) and closes. It can delay, hang until stopped, or
 * stream a large body, and it counts connections and the most requests
 * handled at the same time.
 *
 * Included by the test programs that need it (static functions only).
 */
#ifndef TESTS_UNIT_TESTSRV_H
#define TESTS_UNIT_TESTSRV_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/httpsig.h"

#define TSRV_MAX_HEADERS 48
#define TSRV_MAX_REQS 512
#define TSRV_MAX_CONNS 1024
#define TSRV_HEAD_MAX (64 * 1024)
#define TSRV_BODY_MAX (1024 * 1024)

struct tsrv_req {
	char *method, *target;
	char *names[TSRV_MAX_HEADERS], *values[TSRV_MAX_HEADERS];
	struct http_header view[TSRV_MAX_HEADERS]; /* the same, for struct httpsig_request */
	size_t n_headers;
	char *body;
	size_t body_len;
};

struct tsrv_resp {
	int status;
	const char *content_type; /* NULL: none */
	char *body;               /* owned (malloc), may be NULL */
	char extra[1024];         /* more header lines, each ending with \r\n */
	size_t stream_bytes;      /* > 0: send this many filler bytes as the body */
	bool no_length;           /* no Content-Length: the body ends when the connection does */
	bool hang;                /* answer nothing until the server stops */
	int delay_ms;             /* wait before answering */
};

struct tsrv;
typedef void (*tsrv_handler)(struct tsrv *s, const struct tsrv_req *req, size_t nth,
			     struct tsrv_resp *resp);

struct tsrv {
	int fd;
	int port;
	char base[64]; /* "http://127.0.0.1:PORT" */
	tsrv_handler handler;
	void *data;
	pthread_t accepter;
	pthread_mutex_t lock;
	bool stopping;
	struct tsrv_req *reqs[TSRV_MAX_REQS];
	size_t n_reqs;
	int connections;
	int active, max_active;
	pthread_t conns[TSRV_MAX_CONNS];
	size_t n_conns;
};

struct tsrv_conn {
	struct tsrv *s;
	int fd;
};

static __attribute__((unused)) bool tsrv_stopping(struct tsrv *s)
{
	bool b;

	pthread_mutex_lock(&s->lock);
	b = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return b;
}

static void tsrv_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool tsrv_send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void tsrv_req_free(struct tsrv_req *r)
{
	if (!r)
		return;
	free(r->method);
	free(r->target);
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->body);
	free(r);
}

/* The first value of header name, or NULL. */
static __attribute__((unused)) const char *tsrv_header(const struct tsrv_req *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

/* Read one request; NULL when the client went away or sent garbage. */
static struct tsrv_req *tsrv_read(int fd)
{
	char *buf = malloc(TSRV_HEAD_MAX + 1), *end = NULL, *line, *next;
	size_t len = 0, clen = 0;
	struct tsrv_req *r = NULL;

	while (!end) {
		ssize_t n;

		if (len == TSRV_HEAD_MAX)
			goto fail;
		n = recv(fd, buf + len, TSRV_HEAD_MAX - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	r = calloc(1, sizeof(*r));
	*end = '\0';
	line = buf;
	next = strstr(line, "\r\n");
	if (next)
		*next = '\0';
	{
		char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

		if (!sp1 || !sp2)
			goto fail;
		r->method = strndup(line, (size_t)(sp1 - line));
		r->target = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	}
	while (next && r->n_headers < TSRV_MAX_HEADERS) {
		char *colon, *v;

		line = next + 2;
		next = strstr(line, "\r\n");
		if (next)
			*next = '\0';
		colon = strchr(line, ':');
		if (!colon)
			continue;
		v = colon + 1;
		while (*v == ' ')
			v++;
		r->names[r->n_headers] = strndup(line, (size_t)(colon - line));
		r->values[r->n_headers] = strdup(v);
		r->view[r->n_headers].name = r->names[r->n_headers];
		r->view[r->n_headers].value = r->values[r->n_headers];
		if (strcasecmp(r->names[r->n_headers], "Content-Length") == 0)
			clen = strtoul(v, NULL, 10);
		r->n_headers++;
	}
	if (clen > TSRV_BODY_MAX)
		goto fail;
	r->body = malloc(clen + 1);
	{
		size_t have = len - (size_t)(end + 4 - buf);

		if (have > clen)
			have = clen;
		memcpy(r->body, end + 4, have);
		while (have < clen) {
			ssize_t n = recv(fd, r->body + have, clen - have, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto fail;
			have += (size_t)n;
		}
	}
	r->body[clen] = '\0';
	r->body_len = clen;
	free(buf);
	return r;
fail:
	free(buf);
	tsrv_req_free(r);
	return NULL;
}

static void tsrv_answer(struct tsrv *s, int fd, struct tsrv_resp *resp)
{
	char head[2048];
	size_t body_len = resp->stream_bytes ? resp->stream_bytes
					     : (resp->body ? strlen(resp->body) : 0);
	int n;

	if (resp->hang) {
		for (int i = 0; i < 1000 && !tsrv_stopping(s); i++)
			tsrv_sleep_ms(10);
		return;
	}
	if (resp->delay_ms)
		tsrv_sleep_ms(resp->delay_ms);
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d Test\r\n%s%s%s", resp->status,
		     resp->content_type ? "Content-Type: " : "",
		     resp->content_type ? resp->content_type : "", resp->content_type ? "\r\n" : "");
	if (!resp->no_length)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n", body_len);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "Connection: close\r\n%s\r\n", resp->extra);
	if (!tsrv_send_all(fd, head, (size_t)n))
		return;
	if (resp->stream_bytes) {
		static char filler[16384];
		size_t left = resp->stream_bytes;

		memset(filler, 'x', sizeof(filler));
		while (left) {
			size_t k = left < sizeof(filler) ? left : sizeof(filler);

			if (!tsrv_send_all(fd, filler, k))
				return;
			left -= k;
		}
	} else if (body_len) {
		tsrv_send_all(fd, resp->body, body_len);
	}
}

static void *tsrv_conn_main(void *arg)
{
	struct tsrv_conn *c = arg;
	struct tsrv *s = c->s;
	struct tsrv_resp resp;
	struct tsrv_req *r = tsrv_read(c->fd);
	size_t nth = 0;

	if (!r)
		goto out;
	pthread_mutex_lock(&s->lock);
	if (s->n_reqs < TSRV_MAX_REQS) {
		nth = s->n_reqs;
		s->reqs[s->n_reqs++] = r;
	} else {
		nth = s->n_reqs;
	}
	s->active++;
	if (s->active > s->max_active)
		s->max_active = s->active;
	pthread_mutex_unlock(&s->lock);

	memset(&resp, 0, sizeof(resp));
	resp.status = 404;
	s->handler(s, r, nth, &resp);
	if (resp.delay_ms) { /* a slow answer is active while it waits */
		tsrv_sleep_ms(resp.delay_ms);
		resp.delay_ms = 0;
	}
	/* No longer active once the answer may reach the client: it may send its next
	   request at once, and the two must not be counted as running together. */
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_mutex_unlock(&s->lock);
	tsrv_answer(s, c->fd, &resp);
	free(resp.body);

	pthread_mutex_lock(&s->lock);
	if (nth >= TSRV_MAX_REQS)
		tsrv_req_free(r);
	pthread_mutex_unlock(&s->lock);
out:
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	free(c);
	return NULL;
}

static void *tsrv_accept_main(void *arg)
{
	struct tsrv *s = arg;

	while (!tsrv_stopping(s)) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		struct tsrv_conn *c;
		int fd;

		if (poll(&p, 1, 20) <= 0)
			continue;
		fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		c = calloc(1, sizeof(*c));
		c->s = s;
		c->fd = fd;
		pthread_mutex_lock(&s->lock);
		s->connections++;
		if (s->n_conns < TSRV_MAX_CONNS &&
		    pthread_create(&s->conns[s->n_conns], NULL, tsrv_conn_main, c) == 0) {
			s->n_conns++;
		} else {
			close(fd);
			free(c);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

/* Start a server answering with handler; data is for the handler. Returns 0 or -1. */
static int tsrv_start(struct tsrv *s, tsrv_handler handler, void *data)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->handler = handler;
	s->data = data;
	pthread_mutex_init(&s->lock, NULL);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) || listen(s->fd, 128) ||
	    getsockname(s->fd, (struct sockaddr *)&a, &alen)) {
		close(s->fd);
		return -1;
	}
	s->port = ntohs(a.sin_port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	if (pthread_create(&s->accepter, NULL, tsrv_accept_main, s)) {
		close(s->fd);
		return -1;
	}
	return 0;
}

/* Stop accepting, end hanging answers, join every thread, free the records. */
static void tsrv_stop(struct tsrv *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->accepter, NULL);
	for (size_t i = 0; i < s->n_conns; i++)
		pthread_join(s->conns[i], NULL);
	close(s->fd);
	for (size_t i = 0; i < s->n_reqs; i++)
		tsrv_req_free(s->reqs[i]);
	pthread_mutex_destroy(&s->lock);
}

/* Requests recorded so far (a snapshot count; the records stay until tsrv_stop). */
static __attribute__((unused)) size_t tsrv_count(struct tsrv *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n_reqs;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* Connections accepted so far. */
static __attribute__((unused)) int tsrv_connections(struct tsrv *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->connections;
	pthread_mutex_unlock(&s->lock);
	return n;
}

#endif
