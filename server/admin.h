/*
 * The coordinator's side of the web server: /admin (pending signatures with
 * the signer's profile, domain check and proof, and approve / reject buttons
 * that do what `undersigned signatures approve|reject` does) and /metrics
 * (Prometheus text).
 *
 * Who may reach them: a request from loopback (peer 127.0.0.1 or ::1, with
 * no X-Forwarded-For / Forwarded / X-Real-IP header, so nothing a reverse
 * proxy on the same machine passes on counts as local), or, when serve has
 * --admin-token-file, one that presents the token (Authorization: Bearer
 * TOKEN, or Basic with the token as password). Others get 403 (401 with a
 * Basic challenge when a token is configured but none was sent), and
 * nothing changes. The Host must be the base URL's authority or a loopback
 * name (a DNS-rebinding page cannot use the coordinator's browser). POSTs
 * also need the form's CSRF token (cfg->admin_csrf) and are refused when the
 * browser says they come from another site (Sec-Fetch-Site).
 */
#ifndef SERVER_ADMIN_H
#define SERVER_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activitypub/ctx.h"
#include "activitypub/reply.h"
#include "activitypub/request.h"

struct statement;
struct signatory;

/* True when req comes from 127.0.0.1 or ::1 directly (not through a proxy). */
bool admin_request_local(const struct request *req);

/* Everything under /admin. */
void admin_handle(struct ctx *ctx, const struct request *req, struct reply *out);
/* GET /metrics. */
void admin_metrics(struct ctx *ctx, const struct request *req, struct reply *out);

/* One statement's part of the admin page: its pending signatures (borrowed). */
struct admin_section {
	const struct statement *s;
	const struct signatory *pending;
	size_t n;
	int64_t total_pending; /* may be more than n: the page shows the first ones */
};

/*
 * The admin page (pure): each section's pending signatures with their forms
 * (POST /admin/signatures/ID, fields csrf, statement, action=approve|reject),
 * and notice (may be NULL) on top. Every string is escaped; links are
 * path-absolute (no host), so the page works through an SSH tunnel too. Caller frees; NULL
 * only past LIMIT_PAGE_HTML_BYTES.
 */
char *admin_page(const struct config *cfg, const struct admin_section *sections, size_t n,
		 const char *notice);

/*
 * Read the admin token from path: one line of at least 16 characters
 * (surrounding white space dropped). *out: caller frees. 0, or -ERR_INVALID /
 * -ERR_IO with a reason.
 */
int admin_token_load(const char *path, char **out, struct err *err);
/* A new random CSRF token (hex); caller frees. -ERR_IO when no randomness. */
int admin_csrf_new(char **out, struct err *err);

#endif
