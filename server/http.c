/*
 * libmicrohttpd glue: the only file that includes <microhttpd.h>. It turns a
 * connection into a struct request, calls the router, turns the struct reply
 * into a response, and logs one line per request.
 */
#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "activitypub/ctx.h"
#include "activitypub/reply.h"
#include "activitypub/request.h"
#include "server/conns.h"
#include "server/router.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/ratelimit.h"
#include "util/str.h"

struct header_list {
	struct http_header items[64]; /* values in the connection's memory: valid until it answers */
	size_t n;
	size_t bytes;
};

/* Per-request state, made when the request line arrives. */
struct exchange {
	char *target;
	char method[8];
	struct buf body;
	bool started;   /* the handler saw the headers */
	bool too_big;   /* the body passed the limit: answer 413 */
	int status;
	size_t sent;
	struct timespec t0;
	/* What the router gets, kept here so that a worker can handle it later. */
	struct header_list headers;
	char *path;
	char ip[INET6_ADDRSTRLEN + 1];
	char client[NET_CLIENT_KEY_MAX];
	/* Handed to a worker: the connection waits, suspended, for the reply. */
	struct MHD_Connection *conn;
	struct exchange *next; /* in the workers' queue */
	bool done;             /* reply is ready to send */
	struct reply reply;
};

struct http_server {
	struct MHD_Daemon *daemon;
	const struct ctx *ctx;   /* the template: each request gets a copy with its own store */
	struct store_pool *pool;
	struct conns *conns;     /* open connections: per address, and reading headers */
	pthread_mutex_t lock;    /* guards refused_at and the sweeper's stop */
	int64_t refused_at;      /* last "connection refused" log line (one per second at most) */
	/* Cuts connections whose headers trickle in (libmicrohttpd has only an idle timeout). */
	pthread_t sweeper;
	pthread_cond_t tick;
	bool sweeper_up, sweeper_stop;
	/* Requests that may wait on the network (inbox POSTs fetch keys) go to workers,
	   so an HTTP thread never waits and keeps serving its other connections. */
	pthread_mutex_t qlock;
	pthread_cond_t queued;
	struct exchange *head, *tail;
	bool stopping;
	pthread_t workers[LIMIT_HTTP_WORKERS];
	int n_workers;
};

static double elapsed_ms(const struct exchange *ex)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - ex->t0.tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - ex->t0.tv_nsec) / 1e6;
}

static int request_timeout_s(const struct http_server *srv)
{
	int s = srv->ctx->cfg->request_timeout_s;

	return s > 0 ? s : LIMIT_REQUEST_TIMEOUT_S;
}

/* The connection's record in srv->conns (NULL before it started). */
static struct conn *conn_record(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *srv = cls;
	struct exchange *ex = xcalloc(1, sizeof(*ex));

	/* The headers must be in by the request timeout too (see sweep()). */
	conns_head_begin(srv->conns, conn_record(conn), ratelimit_now_ms());
	ex->target = xstrdup(uri);
	buf_init(&ex->body, LIMIT_BODY_BYTES);
	clock_gettime(CLOCK_MONOTONIC, &ex->t0);
	return ex;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct header_list *list = cls;

	(void)kind;
	if (list->n == sizeof(list->items) / sizeof(list->items[0]))
		return MHD_NO;
	list->items[list->n].name = key;
	list->items[list->n].value = value ? value : "";
	list->bytes += strlen(key) + (value ? strlen(value) : 0);
	list->n++;
	return MHD_YES;
}

static void sockaddr_text(const struct sockaddr *sa, char *out, size_t size)
{
	snprintf(out, size, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)size);
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	sockaddr_text(info ? info->client_addr : NULL, out, size);
}

/*
 * Refuse a connection from an address that holds LIMIT_CONNECTIONS_PER_IP
 * already: slow clients from one place cannot take every connection. A
 * trusted proxy is not counted (it speaks for many; it has its own limits).
 * The count grows only when the connection starts, so connections accepted
 * at the same moment by two threads may let one more in: the cap is a bound
 * against hoarding, not an exact figure.
 */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct http_server *srv = cls;
	char ip[INET6_ADDRSTRLEN + 1], key[NET_CLIENT_KEY_MAX];
	bool full, log_it = false;
	int64_t now = ratelimit_now_ms();

	(void)len;
	sockaddr_text(sa, ip, sizeof(ip));
	if (net_is_trusted_proxy(ip, srv->ctx->cfg->trusted_proxy))
		return MHD_YES;
	net_client_key(ip, NULL, NULL, key);
	full = conns_full(srv->conns, key, LIMIT_CONNECTIONS_PER_IP);
	pthread_mutex_lock(&srv->lock);
	/* One line a second at most: a flood of connections must not flood the log. */
	if (full && now - srv->refused_at >= 1000) {
		srv->refused_at = now;
		log_it = true;
	}
	pthread_mutex_unlock(&srv->lock);
	if (log_it)
		log_warn("event=connection_refused ip=%s msg=%d connections open from there", ip,
			 LIMIT_CONNECTIONS_PER_IP);
	return full ? MHD_NO : MHD_YES;
}

/*
 * A connection in and out of srv->conns; *socket_context is its record. The
 * library calls CLOSED before it closes the socket, which conns_sweep() needs.
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	char ip[INET6_ADDRSTRLEN + 1], key[NET_CLIENT_KEY_MAX];
	const union MHD_ConnectionInfo *fd;
	bool counted;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		conns_remove(srv->conns, *socket_context);
		*socket_context = NULL;
		return;
	}
	client_ip(conn, ip, sizeof(ip));
	counted = !net_is_trusted_proxy(ip, srv->ctx->cfg->trusted_proxy);
	if (counted)
		net_client_key(ip, NULL, NULL, key);
	fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	*socket_context = conns_add(srv->conns, fd ? fd->connect_fd : -1, counted ? key : NULL);
}

/*
 * Once a second: cut the connections whose headers are not all in within
 * the request timeout of their request line. Trickling headers a byte at a
 * time keeps a connection from going idle; without this, a few addresses
 * could hold every connection (32 each) for as long as they like. A body
 * that trickles is cut in on_request instead, as its bytes arrive: there
 * the request is known, and its log line says which it was.
 */
static void *sweep(void *arg)
{
	struct http_server *srv = arg;
	struct timespec at;

	clock_gettime(CLOCK_MONOTONIC, &at);
	pthread_mutex_lock(&srv->lock);
	while (!srv->sweeper_stop) {
		size_t cut;

		at.tv_sec++;
		if (pthread_cond_timedwait(&srv->tick, &srv->lock, &at) != ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&srv->lock);
		cut = conns_sweep(srv->conns, ratelimit_now_ms(),
				  (int64_t)request_timeout_s(srv) * 1000);
		if (cut)
			log_warn("event=request_timeout msg=%zu connection%s cut: headers not in "
				 "after %d s",
				 cut, cut == 1 ? "" : "s", request_timeout_s(srv));
		pthread_mutex_lock(&srv->lock);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct exchange *ex,
				  struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->static_body)
		resp = MHD_create_response_from_buffer(r->len, (void *)r->static_body,
						       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(r->len, r->body ? r->body : (void *)"",
						       r->body ? MHD_RESPMEM_MUST_FREE
							       : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		reply_release(r);
		return MHD_NO;
	}
	r->body = NULL; /* the response owns it now */
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->vary_accept || r->vary_language)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
					!r->vary_language ? "Accept"
					: r->vary_accept  ? "Accept, Accept-Language"
							  : "Accept-Language");
	if (r->location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->cache)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache);
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->etag)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
	if (r->last_modified > 0) {
		char date[TIME_STR_MAX];

		time_to_http((time_t)r->last_modified, date);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
	if (r->retry_after_s > 0) {
		char secs[16];

		snprintf(secs, sizeof(secs), "%d", r->retry_after_s);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	}
	if (r->www_authenticate)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_authenticate);
	if (r->private_page) {
		if (!r->cache)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ex->status = r->status;
	ex->sent = r->len;
	ret = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	reply_release(r);
	return ret;
}

/* Route the exchange's request and make a 2xx durable before it is said; fills r. */
static void handle(struct http_server *srv, struct exchange *ex, struct reply *r)
{
	const char *q = strchr(ex->target, '?');
	struct request req = {
		.method = ex->method,
		.target = ex->target,
		.path = ex->path,
		.query = q ? q + 1 : "",
		.headers = ex->headers.items,
		.n_headers = ex->headers.n,
		.body = ex->body.data,
		.body_len = ex->body.len,
		.remote_ip = ex->ip,
		.client = ex->client,
	};
	struct ctx rctx = *srv->ctx;
	struct err err;

	rctx.store = store_pool_get(srv->pool);
	rctx.pool = srv->pool;
	router_handle(&rctx, &req, r);
	/* A 2xx says "committed": the commit must survive a power cut before we say it. */
	if (store_pool_durable(srv->pool, rctx.store, &err) && r->status < 300) {
		log_error("event=storage_failure method=%s path=%.200s msg=%s", ex->method,
			  ex->target, err.msg);
		reply_release(r);
		reply_error(r, 503, "storage failure");
	}
	store_pool_put(srv->pool, rctx.store);
}

/* Requests whose handling may fetch from other servers: inbox POSTs and the remote follow. */
static bool for_worker(const struct exchange *ex)
{
	return str_eq(ex->method, "POST") || str_eq(ex->path, "/authorize_interaction");
}

/* Suspend the connection and queue its exchange for a worker; false when stopping. */
static bool queue_push(struct http_server *srv, struct exchange *ex, struct MHD_Connection *conn)
{
	bool ok;

	pthread_mutex_lock(&srv->qlock);
	ok = !srv->stopping && srv->n_workers > 0;
	if (ok) {
		/* Suspended before a worker can see it: its resume must come after. */
		ex->conn = conn;
		MHD_suspend_connection(conn);
		ex->next = NULL;
		if (srv->tail)
			srv->tail->next = ex;
		else
			srv->head = ex;
		srv->tail = ex;
		pthread_cond_signal(&srv->queued);
	}
	pthread_mutex_unlock(&srv->qlock);
	return ok;
}

static void *worker(void *arg)
{
	struct http_server *srv = arg;

	for (;;) {
		struct exchange *ex;

		pthread_mutex_lock(&srv->qlock);
		while (!srv->head && !srv->stopping)
			pthread_cond_wait(&srv->queued, &srv->qlock);
		ex = srv->head;
		if (ex) {
			srv->head = ex->next;
			if (!srv->head)
				srv->tail = NULL;
		}
		pthread_mutex_unlock(&srv->qlock);
		if (!ex)
			return NULL; /* stopping, and the queue is empty */
		reply_init(&ex->reply);
		handle(srv, ex, &ex->reply);
		ex->done = true;
		MHD_resume_connection(ex->conn); /* the HTTP thread calls on_request again */
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct exchange *ex = *con_cls;
	struct reply r;
	const char *q;

	(void)url;
	(void)version;
	reply_init(&r);
	if (ex->done)
		return send_reply(conn, ex, &ex->reply);
	if (!ex->started) {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		int64_t n;

		ex->started = true;
		conns_head_end(srv->conns, conn_record(conn));
		snprintf(ex->method, sizeof(ex->method), "%s", method);
		/* Refuse a declared oversized body before reading any of it. */
		if (cl && str_to_i64(cl, &n) && n > LIMIT_BODY_BYTES) {
			ex->too_big = true;
			reply_error(&r, 413, "body larger than %d bytes", LIMIT_BODY_BYTES);
			return send_reply(conn, ex, &r);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* A body that trickles in holds a connection: cut it at the limit. */
		if (elapsed_ms(ex) > (double)request_timeout_s(srv) * 1000) {
			client_ip(conn, ex->ip, sizeof(ex->ip));
			log_warn("event=request_timeout ip=%s method=%s path=%.200s msg=body not in after %d s",
				 ex->ip, method, ex->target, request_timeout_s(srv));
			return MHD_NO;
		}
		if (!ex->too_big && buf_add(&ex->body, upload_data, *upload_data_size) < 0)
			ex->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ex->too_big) {
		reply_error(&r, 413, "body larger than %d bytes", LIMIT_BODY_BYTES);
		return send_reply(conn, ex, &r);
	}
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &ex->headers);
	if (ex->headers.n == sizeof(ex->headers.items) / sizeof(ex->headers.items[0]) ||
	    ex->headers.bytes > LIMIT_HEADER_BYTES) {
		reply_error(&r, 431, "too many or too large headers");
		return send_reply(conn, ex, &r);
	}
	if (strlen(ex->target) > LIMIT_URL_BYTES) {
		reply_error(&r, 414, "URL longer than %d bytes", LIMIT_URL_BYTES);
		return send_reply(conn, ex, &r);
	}
	q = strchr(ex->target, '?');
	ex->path = q ? xstrndup(ex->target, (size_t)(q - ex->target)) : xstrdup(ex->target);
	client_ip(conn, ex->ip, sizeof(ex->ip));
	{
		struct request view = { .headers = ex->headers.items, .n_headers = ex->headers.n };

		net_client_key(ex->ip, request_header(&view, "X-Forwarded-For"),
			       srv->ctx->cfg->trusted_proxy, ex->client);
	}
	if (for_worker(ex) && queue_push(srv, ex, conn))
		return MHD_YES;
	handle(srv, ex, &r);
	return send_reply(conn, ex, &r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct exchange *ex = *con_cls;
	double ms;

	(void)cls;
	if (!ex)
		return;
	ms = elapsed_ms(ex);
	if (!ex->ip[0]) /* answered before the router (413, 431...): not read yet */
		client_ip(conn, ex->ip, sizeof(ex->ip));
	if (ex->status)
		log_info("event=request ip=%s method=%s path=%.200s status=%d bytes=%zu ms=%.1f",
			 ex->ip, ex->method, ex->target, ex->status, ex->sent, ms);
	else
		log_info("event=request ip=%s method=%s path=%.200s status=closed code=%d ms=%.1f",
			 ex->ip, ex->method, ex->target, (int)toe, ms);
	buf_release(&ex->body);
	reply_release(&ex->reply); /* a reply made for a client that left */
	free(ex->path);
	free(ex->target);
	free(ex);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("event=http_library msg=%s", line);
}

/* Parse "1.2.3.4:80" or "[::1]:80" into a socket address. */
static int parse_listen(const char *addr, struct sockaddr_storage *ss, socklen_t *len,
			struct err *err)
{
	const char *colon = strrchr(addr, ':');
	char host[INET6_ADDRSTRLEN + 1];
	int64_t port;
	size_t hlen;

	if (!colon || !str_to_i64(colon + 1, &port) || port < 1 || port > 65535)
		return errorf(err, ERR_INVALID, "--listen '%s': expected ADDR:PORT", addr);
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return errorf(err, ERR_INVALID, "--listen '%s': expected ADDR:PORT", addr);
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
	} else {
		return errorf(err, ERR_INVALID, "--listen '%s': '%s' is not an IP address", addr,
			      host);
	}
	return 0;
}

static void server_free(struct http_server *srv)
{
	pthread_cond_destroy(&srv->tick);
	pthread_cond_destroy(&srv->queued);
	pthread_mutex_destroy(&srv->qlock);
	pthread_mutex_destroy(&srv->lock);
	conns_free(srv->conns);
	free(srv);
}

int http_start(const struct ctx *ctx, struct store_pool *pool, const char *addr,
	       struct http_server **out, struct err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct http_server *srv;
	int one = 1;
	int fd, rc;

	*out = NULL;
	rc = parse_listen(addr, &ss, &sslen, err);
	if (rc)
		return rc;
	/* Bind ourselves so that "port in use" is a clear error, not a library log line. */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errorf(err, ERR_IO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 512) < 0) {
		rc = errorf(err, ERR_IO, "cannot listen on %s: %s", addr, strerror(errno));
		close(fd);
		return rc;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->ctx = ctx;
	srv->pool = pool;
	srv->conns = conns_new();
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->qlock, NULL);
	pthread_cond_init(&srv->queued, NULL);
	{
		pthread_condattr_t ca;

		/* The sweeper's ticks are on the monotonic clock. */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&srv->tick, &ca);
		pthread_condattr_destroy(&ca);
	}
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
			(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, on_accept, srv, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)LIMIT_HTTP_THREADS,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)LIMIT_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)LIMIT_CONNECTION_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(LIMIT_HEADER_BYTES * 2),
		MHD_OPTION_END);
	if (!srv->daemon) {
		close(fd);
		server_free(srv);
		return errorf(err, ERR_IO, "cannot start the HTTP server on %s", addr);
	}
	/* Without workers (none could start) requests are handled in the HTTP threads. */
	while (srv->n_workers < LIMIT_HTTP_WORKERS &&
	       pthread_create(&srv->workers[srv->n_workers], NULL, worker, srv) == 0)
		srv->n_workers++;
	srv->sweeper_up = pthread_create(&srv->sweeper, NULL, sweep, srv) == 0;
	if (!srv->sweeper_up)
		log_warn("event=http_sweeper msg=no thread: trickled headers are cut only when idle");
	*out = srv;
	return 0;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	/* The workers finish what is queued (each connection resumed), then exit;
	   from now on requests are handled in the HTTP threads. */
	pthread_mutex_lock(&srv->qlock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->queued);
	pthread_mutex_unlock(&srv->qlock);
	for (int i = 0; i < srv->n_workers; i++)
		pthread_join(srv->workers[i], NULL);
	pthread_mutex_lock(&srv->lock);
	srv->sweeper_stop = true;
	pthread_cond_signal(&srv->tick);
	pthread_mutex_unlock(&srv->lock);
	if (srv->sweeper_up)
		pthread_join(srv->sweeper, NULL);
	/* The library closes the listening socket we gave it. */
	MHD_stop_daemon(srv->daemon);
	server_free(srv);
}
