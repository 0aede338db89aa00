/*
 * What the benchmark programs share. bench/ is not part of the server: it
 * drives it from outside, on 127.0.0.1 only, and links the project's
 * library only for its crypto (signing and verifying as a peer would) and
 * its store (building test databases).
 *
 *  - a clock and a fatal-error helper;
 *  - a pool of RSA keys for the simulated remote actors, generated once and
 *    kept in a file (an RSA-2048 key pair costs about 0.3 s to make);
 *  - a small single-threaded HTTP/1.1 server on epoll (keep-alive, one
 *    request at a time per connection) for the loopback actor server and
 *    the delivery sinks;
 *  - what a bench actor looks like (its URLs).
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/httpsig.h"
#include "util/buf.h"

#define BENCH_IP "127.0.0.1"
#define BENCH_MAX_HEADERS 64
#define BENCH_MAX_REQUEST (1024 * 1024) /* a request or response we read */

/* Seconds on the monotonic clock (the same clock in every process). */
double bench_now(void);

/* Print "PROG: message" to stderr and exit 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Set by SIGINT/SIGTERM once bench_on_signals() ran. */
extern volatile sig_atomic_t bench_stop;
void bench_on_signals(void);

/* The peak and current resident set of a process, in KiB, from /proc/PID/status. */
bool bench_rss_kib(int pid, long *hwm, long *rss);

/* CPU time (user + system) a process used so far, in seconds; -1 when unknown. */
double bench_cpu_seconds(int pid);

/* ---- keys ---- */

struct keypool {
	size_t n;
	char **private_pem;
	char **public_pem;
	struct key **key; /* private keys, loaded */
};

/*
 * Load n RSA-2048 key pairs from path (PEM private keys one after another),
 * making and appending the missing ones first (with every core). Dies on error.
 */
void keypool_load(const char *path, size_t n, struct keypool *kp);
void keypool_release(struct keypool *kp);

/*
 * A bench actor: actor i lives at http://127.0.0.1:PORT/users/i, its key id
 * is that URL with #main-key, and it uses key i % pool size. Written into out.
 */
void bench_actor_url(char *out, size_t size, int port, size_t i);

/* ---- a small HTTP server ---- */

struct hs_request {
	const char *method;
	const char *target;
	struct http_header headers[BENCH_MAX_HEADERS];
	size_t n_headers;
	const char *body;
	size_t body_len;
	size_t listener; /* which of the listening sockets it came in on */
	int port;        /* that socket's port */
	double at;       /* bench_now() when the request was complete */
};

/* The value of a request header (case-insensitive name), or NULL. */
const char *hs_header(const struct hs_request *req, const char *name);

/*
 * Answer req: return the status and append the body to out (its
 * Content-Type in *content_type, static). Called in the server's thread.
 */
typedef int (*hs_handler)(void *arg, const struct hs_request *req, struct buf *out,
			  const char **content_type);

/* Listen on 127.0.0.1:port (0 picks one); *bound is the port. Dies on error. */
int hs_listen(int port, int *bound);

/*
 * Serve the listening sockets fds[0..n) until bench_stop is set, *done turns
 * true (may be NULL), or the deadline (bench_now() seconds; 0 = none) passes.
 */
void hs_serve(const int *fds, const int *ports, size_t n, hs_handler fn, void *arg,
	      const volatile bool *done, double deadline);

#endif
