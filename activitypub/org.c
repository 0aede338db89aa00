/*
 * What an organisation actor hosted here sends (see org.h). Each action is
 * one store transaction: the record and the activities that tell others,
 * so a crash leaves both or neither; the server's delivery worker then signs
 * and POSTs them with the organisation's key.
 */
#include "activitypub/org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/documents.h"
#include "activitypub/org_documents.h"
#include "activitypub/resolve.h"
#include "crypto/digest.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

char *org_activity_id(const struct config *cfg, const char *slug, const char *kind)
{
	/* Unique per process by the counter, across processes by time and pid. */
	static unsigned long counter;
	unsigned char sum[SHA256_LEN];
	char seed[160], hash[2 * 16 + 1], *suffix, *id;
	struct timespec now;
	int len;

	clock_gettime(CLOCK_REALTIME, &now);
	len = snprintf(seed, sizeof(seed), "%s %lld.%09ld %ld %lu", slug ? slug : "",
		       (long long)now.tv_sec, now.tv_nsec, (long)getpid(),
		       __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	digest_sha256(seed, (size_t)(len > 0 ? len : 0), sum);
	for (int i = 0; i < 16; i++)
		snprintf(hash + 2 * i, 3, "%02x", sum[i]);
	suffix = xasprintf("/%s/%s", kind, hash);
	id = orgdoc_url(cfg, slug, suffix);
	free(suffix);
	return id;
}

/* Serialise doc (consumed). NULL only when it could not be built. */
static char *dump(json_t *doc)
{
	char *body = doc_dump(doc);

	json_decref(doc);
	return body;
}

int org_sign(struct ctx *ctx, const struct organisation *o, const struct resolved *r,
	     struct endorsement **out, struct err *err)
{
	struct endorsement e = { 0 };
	char *endorse = NULL, *follow = NULL;
	int rc;

	if (out)
		*out = NULL;
	e.org_id = o->id;
	e.statement_actor = r->actor_id;
	e.inbox = r->inbox;
	e.post_id = r->post_id;
	e.handle = r->handle;
	e.title = r->title;
	e.endorse_id = org_activity_id(ctx->cfg, o->slug, "endorse");
	e.follow_id = org_activity_id(ctx->cfg, o->slug, "follow");
	e.signed_at = (int64_t)time(NULL);
	e.state = (char *)"pending";
	endorse = dump(orgdoc_endorse(ctx->cfg, o, &e));
	follow = dump(orgdoc_follow(ctx->cfg, o, &e));
	if (!endorse || !follow) {
		rc = errorf(err, ERR_INTERNAL, "the Endorse could not be built");
		goto out;
	}
	if ((rc = store_endorsement_add(ctx->store, &e, endorse, follow, err)))
		goto out;
	log_info("event=org_signed org=%s statement=%s endorse=%s", o->slug, r->actor_id,
		 e.endorse_id);
	if (ctx->deliver)
		deliver_kick(ctx->deliver);
	if (out)
		rc = store_endorsement_get(ctx->store, o->id, r->actor_id, out, err);
out:
	free(e.endorse_id);
	free(e.follow_id);
	free(endorse);
	free(follow);
	return rc;
}

int org_withdraw(struct ctx *ctx, const struct organisation *o, const struct endorsement *e,
		 struct err *err)
{
	char *undo_endorse = dump(orgdoc_undo(ctx->cfg, o, e, true));
	char *undo_follow = dump(orgdoc_undo(ctx->cfg, o, e, false));
	int rc;

	if (!undo_endorse || !undo_follow)
		rc = errorf(err, ERR_INTERNAL, "the Undo could not be built");
	else
		rc = store_endorsement_withdraw(ctx->store, e->id, undo_endorse, undo_follow,
						(int64_t)time(NULL), err);
	if (!rc) {
		log_info("event=org_withdrawn org=%s statement=%s", o->slug, e->statement_actor);
		if (ctx->deliver)
			deliver_kick(ctx->deliver);
	}
	free(undo_endorse);
	free(undo_follow);
	return rc;
}

/* a and b joined, without repeats (both sorted). New array of new strings in *out. */
static void union_sorted(char **a, size_t na, char **b, size_t nb, char ***out, size_t *n)
{
	char **u = xcalloc(na + nb + 1, sizeof(*u));
	size_t i = 0, j = 0, k = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		const char *pick = c <= 0 ? a[i] : b[j];

		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		u[k++] = xstrdup(pick);
	}
	*out = u;
	*n = k;
}

int org_edit(struct ctx *ctx, const struct organisation *o, const char *name, const char *url,
	     const char *summary, size_t *n_inboxes, struct err *err)
{
	struct organisation edited = *o;
	char **followers = NULL, **signed_on = NULL, **all = NULL;
	size_t n_followers = 0, n_signed = 0, n_all = 0;
	struct store_outgoing out;
	char *body = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (n_inboxes)
		*n_inboxes = 0;
	/* What the Update shows is the profile as it will be; its time strictly later. */
	edited.name = (char *)(name ? name : o->name);
	edited.url = (char *)(url ? url : o->url);
	edited.summary = (char *)(summary ? summary : o->summary);
	edited.updated = now > o->updated ? now : o->updated + 1;
	if ((rc = store_org_follower_inboxes(ctx->store, o->id, &followers, &n_followers, err)) ||
	    (rc = store_endorsement_inboxes(ctx->store, o->id, &signed_on, &n_signed, err)))
		goto out;
	union_sorted(followers, n_followers, signed_on, n_signed, &all, &n_all);
	body = dump(orgdoc_update(ctx->cfg, &edited));
	if (!body) {
		rc = errorf(err, ERR_INTERNAL, "the Update could not be built");
		goto out;
	}
	out = (struct store_outgoing){ body, all, n_all };
	if ((rc = store_org_edit(ctx->store, o->id, name, url, summary, edited.updated, &out, 1,
				 err)))
		goto out;
	if (n_inboxes)
		*n_inboxes = n_all;
	log_info("event=org_edited org=%s inboxes=%zu", o->slug, n_all);
	if (ctx->deliver)
		deliver_kick(ctx->deliver);
out:
	free(body);
	strings_free(followers, n_followers);
	strings_free(signed_on, n_signed);
	strings_free(all, n_all);
	return rc;
}

bool org_post_lists(const char *content, const char *actor_id)
{
	struct buf b;
	bool found;

	if (!content || !actor_id || !*actor_id)
		return false;
	buf_init(&b, LIMIT_URL_BYTES * 6 + 16);
	if (buf_addstr(&b, "href=\"") || buf_add_html(&b, actor_id) || buf_addch(&b, '"'))
		return false; /* an id that long is listed nowhere */
	found = strstr(content, buf_str(&b)) != NULL;
	buf_release(&b);
	return found;
}
