/*
 * Batched edits of the statement post (see publish.h). Mastodon applies an
 * Update(Note) only when its `updated` is later than what it has, and a
 * server that saw the post only through a boost keeps the old text unless
 * the Update reaches it too: hence a strictly growing `updated` and the
 * audience of followers, favourites and boosts.
 */
#include "activitypub/publish.h"

#include <stdlib.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/documents.h"
#include "activitypub/serve.h"
#include "store/store.h"
#include "util/log.h"

/* The `updated` of the next edit: later than the last edit and than published, at least now. */
static int64_t next_updated(const struct statement *s, int64_t now)
{
	int64_t t = now;

	if (t <= s->updated)
		t = s->updated + 1;
	if (t <= s->published)
		t = s->published + 1;
	return t;
}

static int publish_one(struct ctx *ctx, int64_t statement_id, int64_t now, struct err *err)
{
	struct loaded_view lv = { 0 };
	struct statement *s = NULL;
	struct store_outgoing out[2];
	char **audience = NULL, **followers = NULL;
	size_t n_audience = 0, n_followers = 0, n_out = 0;
	char *note_body = NULL, *actor_body = NULL;
	json_t *doc;
	int64_t gen, t;
	int rc;

	/* gen first: a change after this read keeps the edit scheduled. */
	if ((rc = store_statement_get_by_id(ctx->store, statement_id, &s, err)) ||
	    (rc = store_statement_update_gen(ctx->store, statement_id, &gen, err)) ||
	    (rc = view_load(ctx, s->slug, &lv, err)))
		goto out;
	t = next_updated(lv.s, now);
	lv.s->updated = t;
	if ((rc = store_audience_inboxes(ctx->store, statement_id, &audience, &n_audience, err)) ||
	    (rc = store_follower_inboxes(ctx->store, statement_id, &followers, &n_followers, err)))
		goto out;

	doc = doc_update_note(ctx->cfg, &lv.v);
	note_body = doc_dump(doc);
	json_decref(doc);
	if (note_body)
		out[n_out++] = (struct store_outgoing){ note_body, audience, n_audience };
	else
		log_error("event=post_too_big statement=%s msg=%s", lv.s->slug,
			  "its post does not fit in a Note; the edit goes out without it");
	doc = doc_update_actor(ctx->cfg, &lv.v);
	actor_body = doc_dump(doc);
	json_decref(doc);
	if (actor_body)
		out[n_out++] = (struct store_outgoing){ actor_body, followers, n_followers };

	rc = store_statement_update_publish(ctx->store, statement_id, gen, t,
					    now + ctx->cfg->update_interval_s, out, n_out, err);
	if (rc)
		goto out;
	log_info("event=post_edited statement=%s approved=%lld inboxes=%zu",
		 lv.s->slug, (long long)lv.v.signatures_approved, note_body ? n_audience : 0);
	if (ctx->deliver)
		deliver_kick(ctx->deliver);
out:
	free(note_body);
	free(actor_body);
	strings_free(audience, n_audience);
	strings_free(followers, n_followers);
	view_release(&lv);
	statement_free(s);
	return rc;
}

int publish_due(struct ctx *ctx, int64_t now, struct err *err)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc, last = 0;

	if ((rc = store_statement_updates_due(ctx->store, now, &ids, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct err one;

		err_clear(&one);
		rc = publish_one(ctx, ids[i], now, &one);
		if (rc == -ERR_NOTFOUND)
			continue; /* deleted meanwhile */
		if (rc) {
			log_error("event=post_edit_failed statement_id=%lld msg=%s", (long long)ids[i],
				  one.msg);
			last = rc;
			if (err)
				*err = one;
		}
	}
	free(ids);
	return last;
}
