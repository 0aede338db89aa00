/*
 * The HTTP client on libcurl (the only file including <curl/curl.h>).
 * Redirects are followed here, not by curl, so that every hop is checked
 * against the SSRF rules and signed for its own target.
 */
#include "activitypub/httpc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "activitypub/version.h"
#include "crypto/httpsig.h"
#include "util/buf.h"
#include "util/gate.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/str.h"
#include "util/url.h"

/* One transfer: a curl handle and what its callbacks need. */
struct xfer {
	CURL *easy;
	struct curl_slist *headers;
	struct buf body;       /* the response body, when kept */
	bool keep_body;        /* GET keeps it; POST counts and drops it */
	size_t received, max;
	bool toobig;
	bool allow_private;
	bool refused;          /* the SSRF guard refused an address */
	const atomic_bool *cancel; /* httpc_opts.cancel */
	char refused_addr[INET6_ADDRSTRLEN];
	char *post;            /* our copy of a POST body */
	char *url;
	void *user;
	struct xfer *prev, *next; /* in a multi's list of transfers in flight */
	char errbuf[CURL_ERROR_SIZE];
};

struct httpc_multi {
	CURLM *multi;
	struct httpc_opts o;
	char *user_agent;
	struct xfer *head;
	size_t count;
};

int httpc_global_init(struct err *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return errorf(err, ERR_INTERNAL, "curl_global_init failed");
	return 0;
}

void httpc_global_cleanup(void)
{
	curl_global_cleanup();
}

void httpc_response_release(struct httpc_response *resp)
{
	if (!resp)
		return;
	free(resp->content_type);
	free(resp->final_url);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

static char *user_agent_make(const char *base_url)
{
	if (!base_url || !*base_url)
		return xstrdup("Undersigned/" UNDERSIGNED_VERSION);
	return xasprintf("Undersigned/%s (+%s/)", UNDERSIGNED_VERSION, base_url);
}

static long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Out of memory aborts, as everywhere (util/mem.h). */
static struct curl_slist *header_add(struct curl_slist *list, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct curl_slist *header_add(struct curl_slist *list, const char *fmt, ...)
{
	struct curl_slist *l;
	char line[LIMIT_SIGNATURE_HEADER_BYTES + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	l = curl_slist_append(list, line);
	if (!l)
		abort();
	return l;
}

/* Parse url and apply the scheme rule: only https unless private networks are allowed. */
static int url_check(const struct httpc_opts *o, const char *url, struct url *u, struct err *err)
{
	int rc = url_parse(url, u, err);

	if (rc)
		return rc;
	if (!o->allow_private_network && !str_eq(u->scheme, "https")) {
		url_release(u);
		return errorf(err, ERR_FORBIDDEN,
			      "%s: plain http refused (https only; --allow-private-network allows http)",
			      url);
	}
	return 0;
}

/*
 * The request headers, signed when signer is given. body non-NULL (even
 * empty) adds a Digest and signs it. Host is the URL's authority: curl sends
 * ours instead of its own, so the value signed is the value sent.
 */
static int headers_make(const char *method, const struct url *u, const char *accept,
			const char *content_type, const char *body, size_t len,
			const struct httpc_signer *signer, struct curl_slist **out, struct err *err)
{
	struct curl_slist *h = NULL;
	struct httpsig_values v;
	char *target = NULL, *sig = NULL;
	int rc = 0;

	*out = NULL;
	httpsig_values_make((int64_t)time(NULL), body, len, &v);
	h = header_add(h, "Host: %s", u->authority);
	h = header_add(h, "Date: %s", v.date);
	if (accept)
		h = header_add(h, "Accept: %s", accept);
	if (content_type)
		h = header_add(h, "Content-Type: %s", content_type);
	if (body)
		h = header_add(h, "Digest: %s", v.digest);
	/* No "Expect: 100-continue" round trip before a POST body. */
	h = header_add(h, "Expect:");
	if (signer) {
		target = u->query ? xasprintf("%s?%s", u->path, u->query) : xstrdup(u->path);
		rc = httpsig_sign(method, target, u->authority, v.date, body ? v.digest : NULL,
				  signer->key_id, signer->key, &sig, err);
		if (rc)
			goto out;
		if (strlen(sig) > LIMIT_SIGNATURE_HEADER_BYTES) {
			rc = errorf(err, ERR_TOOBIG, "Signature header too long");
			goto out;
		}
		h = header_add(h, "Signature: %s", sig);
	}
	*out = h;
	h = NULL;
out:
	curl_slist_free_all(h);
	free(target);
	free(sig);
	return rc;
}

/* CURLOPT_WRITEFUNCTION: keep or count the body, abort the transfer past the cap. */
static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * nmemb;

	if (len > x->max - x->received) {
		x->toobig = true;
		return 0;
	}
	x->received += len;
	if (x->keep_body && buf_add(&x->body, data, len)) {
		x->toobig = true;
		return 0;
	}
	return len;
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: the SSRF guard. Called with the address curl
 * is about to connect to, after name resolution, for every connection (first
 * request, redirects, each address tried), so a name resolving to a private
 * address is refused before any packet is sent to it.
 */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose,
				    struct curl_sockaddr *address)
{
	struct xfer *x = clientp;

	if (purpose == CURLSOCKTYPE_IPCXN && !x->allow_private &&
	    !net_addr_is_public(&address->addr)) {
		const void *bytes = NULL;

		if (address->family == AF_INET)
			bytes = &((const struct sockaddr_in *)(const void *)&address->addr)->sin_addr;
		else if (address->family == AF_INET6)
			bytes = &((const struct sockaddr_in6 *)(const void *)&address->addr)->sin6_addr;
		x->refused = true;
		if (!bytes || !inet_ntop(address->family, bytes, x->refused_addr,
					 sizeof(x->refused_addr)))
			snprintf(x->refused_addr, sizeof(x->refused_addr), "(family %d)",
				 address->family);
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

/* CURLOPT_XFERINFOFUNCTION (called about once a second even when nothing moves): abandon when cancelled. */
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct xfer *x = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return x->cancel && atomic_load(x->cancel) ? 1 : 0;
}

static struct xfer *xfer_new(const struct httpc_opts *o, bool keep_body)
{
	struct xfer *x = xcalloc(1, sizeof(*x));

	x->max = o->max_bytes ? o->max_bytes : LIMIT_FETCH_BYTES;
	x->keep_body = keep_body;
	x->allow_private = o->allow_private_network;
	x->cancel = o->cancel;
	buf_init(&x->body, x->max);
	x->easy = curl_easy_init();
	if (!x->easy)
		abort(); /* curl allocates; out of memory */
	return x;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	buf_release(&x->body);
	free(x->post);
	free(x->url);
	free(x);
}

/* Reset the per-hop state and set every option of one request. */
static int xfer_setup(struct xfer *x, const struct httpc_opts *o, const char *user_agent,
		      const char *url, long timeout_ms, struct err *err)
{
	CURL *e = x->easy;
	long connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms
						: (long)LIMIT_CONNECT_TIMEOUT_S * 1000;
	CURLcode c = CURLE_OK;

	x->received = 0;
	x->toobig = false;
	x->refused = false;
	x->errbuf[0] = '\0';
	buf_reset(&x->body);
	free(x->url);
	x->url = xstrdup(url);
#define SET(opt, val)                                  \
	do {                                           \
		if (c == CURLE_OK)                     \
			c = curl_easy_setopt(e, opt, val); \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROXY, ""); /* never a proxy from the environment */
	SET(CURLOPT_PATH_AS_IS, 1L); /* the path sent is the path signed */
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms < timeout_ms ? connect_ms : timeout_ms);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	SET(CURLOPT_OPENSOCKETDATA, x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_USERAGENT, user_agent);
	SET(CURLOPT_HTTPHEADER, x->headers);
	SET(CURLOPT_PRIVATE, x);
	if (x->cancel) {
		SET(CURLOPT_XFERINFOFUNCTION, on_progress);
		SET(CURLOPT_XFERINFODATA, x);
		SET(CURLOPT_NOPROGRESS, 0L);
	}
#undef SET
	if (c != CURLE_OK)
		return errorf(err, ERR_INTERNAL, "curl option: %s", curl_easy_strerror(c));
	return 0;
}

/* Turn a failed transfer into an error code and a message that says why. */
static int xfer_error(const struct xfer *x, CURLcode res, struct err *err)
{
	if (x->toobig || res == CURLE_FILESIZE_EXCEEDED)
		return errorf(err, ERR_TOOBIG, "%s: response larger than %zu bytes", x->url,
			      x->max);
	if (x->refused)
		return errorf(err, ERR_FORBIDDEN,
			      "%s: refused to connect to non-public address %s"
			      " (--allow-private-network allows it)",
			      x->url, x->refused_addr);
	if (res == CURLE_OPERATION_TIMEDOUT)
		return errorf(err, ERR_IO, "%s: timed out: %s", x->url,
			      x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
	if (res == CURLE_UNSUPPORTED_PROTOCOL)
		return errorf(err, ERR_FORBIDDEN, "%s: protocol refused", x->url);
	return errorf(err, ERR_IO, "%s: %s", x->url,
		      x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int httpc_get(const struct httpc_opts *o, const char *url, const char *accept,
	      const struct httpc_signer *signer, struct httpc_response *resp, struct err *err)
{
	long total_ms = o->timeout_ms ? o->timeout_ms : (long)LIMIT_FETCH_TIMEOUT_S * 1000;
	long deadline = monotonic_ms() + total_ms;
	char *ua = user_agent_make(o->base_url), *cur = xstrdup(url);
	struct xfer *x = xfer_new(o, true);
	struct url u;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	memset(&u, 0, sizeof(u));
	for (int hop = 0;; hop++) {
		const char *ctype = NULL, *location = NULL;
		long status = 0, left = deadline - monotonic_ms();
		CURLcode res;

		url_release(&u);
		if ((rc = url_check(o, cur, &u, err)))
			goto out;
		if (left <= 0) {
			rc = errorf(err, ERR_IO, "%s: timed out after %ld ms", cur, total_ms);
			goto out;
		}
		curl_slist_free_all(x->headers);
		x->headers = NULL;
		if ((rc = headers_make("GET", &u, accept, NULL, NULL, 0, signer, &x->headers, err)) ||
		    (rc = xfer_setup(x, o, ua, cur, left, err)))
			goto out;
		curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
		if ((rc = gate_enter(o->gate, u.authority, err)))
			goto out;
		res = curl_easy_perform(x->easy);
		gate_leave(o->gate, u.authority);
		if (res != CURLE_OK) {
			rc = xfer_error(x, res, err);
			goto out;
		}
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		if (is_redirect(status) &&
		    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
		    location) {
			if (hop >= LIMIT_REDIRECTS) {
				rc = errorf(err, ERR_TOOBIG, "%s: more than %d redirects", url,
					    LIMIT_REDIRECTS);
				goto out;
			}
			free(cur);
			cur = xstrdup(location);
			continue;
		}
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
		resp->status = status;
		resp->content_type = ctype ? xstrdup(ctype) : NULL;
		resp->final_url = cur;
		cur = NULL;
		resp->body_len = x->body.len;
		resp->body = buf_detach(&x->body);
		break;
	}
out:
	url_release(&u);
	xfer_free(x);
	free(cur);
	free(ua);
	return rc;
}

/* ---- multi ---- */

int httpc_multi_new(const struct httpc_opts *o, struct httpc_multi **out, struct err *err)
{
	struct httpc_multi *m;

	*out = NULL;
	m = xcalloc(1, sizeof(*m));
	m->multi = curl_multi_init();
	if (!m->multi) {
		free(m);
		return errorf(err, ERR_INTERNAL, "curl_multi_init failed");
	}
	m->o = *o;
	m->user_agent = user_agent_make(o->base_url);
	*out = m;
	return 0;
}

static void multi_unlink(struct httpc_multi *m, struct xfer *x)
{
	curl_multi_remove_handle(m->multi, x->easy);
	if (x->prev)
		x->prev->next = x->next;
	else
		m->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	m->count--;
}

void httpc_multi_free(struct httpc_multi *m)
{
	if (!m)
		return;
	while (m->head) {
		struct xfer *x = m->head;

		multi_unlink(m, x);
		xfer_free(x);
	}
	curl_multi_cleanup(m->multi);
	free(m->user_agent);
	free(m);
}

int httpc_multi_post(struct httpc_multi *m, const char *url, const char *content_type,
		     const char *body, size_t len, const struct httpc_signer *signer, void *user,
		     struct err *err)
{
	long timeout_ms = m->o.timeout_ms ? m->o.timeout_ms : (long)LIMIT_DELIVERY_TIMEOUT_S * 1000;
	struct xfer *x = NULL;
	struct url u;
	int rc;

	if (!signer || !signer->key || !signer->key_id)
		return errorf(err, ERR_INVALID, "a POST needs a signer");
	if ((rc = url_check(&m->o, url, &u, err)))
		return rc;
	x = xfer_new(&m->o, false);
	x->user = user;
	x->post = xmalloc(len + 1);
	memcpy(x->post, body, len);
	x->post[len] = '\0';
	if ((rc = headers_make("POST", &u, NULL, content_type, x->post, len, signer, &x->headers,
			       err)) ||
	    (rc = xfer_setup(x, &m->o, m->user_agent, url, timeout_ms, err)))
		goto out;
	curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->post);
	if (curl_multi_add_handle(m->multi, x->easy) != CURLM_OK) {
		rc = errorf(err, ERR_INTERNAL, "curl_multi_add_handle failed");
		goto out;
	}
	x->next = m->head;
	if (m->head)
		m->head->prev = x;
	m->head = x;
	m->count++;
	x = NULL;
out:
	xfer_free(x);
	url_release(&u);
	return rc;
}

size_t httpc_multi_count(const struct httpc_multi *m)
{
	return m->count;
}

int httpc_multi_poll(struct httpc_multi *m, int timeout_ms, struct err *err)
{
	int running = 0;
	CURLMcode mc;

	mc = curl_multi_perform(m->multi, &running);
	if (mc == CURLM_OK)
		mc = curl_multi_poll(m->multi, NULL, 0, timeout_ms < 0 ? 0 : timeout_ms, NULL);
	if (mc == CURLM_OK)
		mc = curl_multi_perform(m->multi, &running);
	if (mc != CURLM_OK)
		return errorf(err, ERR_INTERNAL, "curl multi: %s", curl_multi_strerror(mc));
	return 0;
}

bool httpc_multi_done(struct httpc_multi *m, struct httpc_done *out)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left))) {
		struct xfer *x;
		curl_off_t retry_after = 0;
		char *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct xfer *)(void *)priv;
		memset(out, 0, sizeof(*out));
		out->user = x->user;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &out->status);
		if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
		    retry_after > 0)
			out->retry_after = (int64_t)retry_after;
		/*
		 * Once a status arrived the receiver has decided; a body cut at
		 * the cap or a slow end of the response changes nothing.
		 */
		if (msg->data.result != CURLE_OK && out->status == 0) {
			out->rc = xfer_error(x, msg->data.result, &out->err);
		}
		multi_unlink(m, x);
		xfer_free(x);
		return true;
	}
	return false;
}

void httpc_multi_wakeup(struct httpc_multi *m)
{
	if (m)
		curl_multi_wakeup(m->multi);
}
