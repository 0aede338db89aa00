/*
 * Batched edits of the statement post (see publish.h). Mastodon applies an
 * Update(Note) only when its `updated` is later than what it has, and a
 * server that saw the post only through a boost keeps the old text unless
 * the Update reaches it too: hence a strictly growing `updated` and the
 * audience of followers, favourites and boosts.
 */
#include "activitypub/publish.h"

#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/documents.h"
#include "activitypub/serve.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

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

/* a[0..na) and b[0..nb), both sorted, as one sorted list without repeats (new strings). */
static char **merge_sorted(char **a, size_t na, char **b, size_t nb, size_t *n)
{
	char **out = xcalloc(na + nb + 1, sizeof(*out));
	size_t i = 0, j = 0, k = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		const char *next = c <= 0 ? a[i] : b[j];

		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if (k == 0 || strcmp(out[k - 1], next) != 0)
			out[k++] = xstrdup(next);
	}
	*n = k;
	return out;
}

/* doc (a new reference, consumed) serialised; caller frees. */
static char *dump_take(json_t *doc)
{
	char *body = doc_dump(doc);

	json_decref(doc);
	return body;
}

/*
 * A new statement: the index (the instance actor) boosts its post to its
 * followers, who follow the index to hear of new statements.
 */
static int publish_announce(struct ctx *ctx, const struct statement_event *ev, struct err *err)
{
	struct statement *s = NULL;
	char **inboxes = NULL;
	size_t n = 0;
	char *body = NULL;
	int rc;

	if ((rc = store_statement_get_by_id(ctx->store, ev->statement_id, &s, err)) ||
	    (rc = store_index_follower_inboxes(ctx->store, &inboxes, &n, err)))
		goto out;
	body = n ? dump_take(doc_announce_statement(ctx->cfg, s->slug, s->published)) : NULL;
	{
		struct store_outgoing o = { body, inboxes, n };

		rc = store_event_publish(ctx->store, ev->id, 0, &o, body ? 1 : 0, err);
	}
	if (!rc && n)
		log_info("event=statement_announced statement=%s inboxes=%zu", s->slug, n);
out:
	free(body);
	strings_free(inboxes, n);
	statement_free(s);
	return rc;
}

/*
 * A deleted statement: Delete of its post and of its actor, signed with its
 * own key (kept for this), to everyone who has them: followers, who
 * favourited or boosted the post, and the index's followers (who got it
 * through the index's boost).
 */
static int publish_delete(struct ctx *ctx, const struct statement_event *ev, struct err *err)
{
	struct statement *s = NULL;
	char **audience = NULL, **index = NULL, **all = NULL;
	size_t n_audience = 0, n_index = 0, n_all = 0;
	char *note_body = NULL, *actor_body = NULL;
	struct store_outgoing out[2];
	int rc;

	if ((rc = store_statement_get_by_id(ctx->store, ev->statement_id, &s, err)) ||
	    (rc = store_audience_inboxes(ctx->store, ev->statement_id, &audience, &n_audience,
					 err)) ||
	    (rc = store_index_follower_inboxes(ctx->store, &index, &n_index, err)))
		goto out;
	all = merge_sorted(audience, n_audience, index, n_index, &n_all);
	note_body = dump_take(doc_delete_note(ctx->cfg, s->slug, ev->created));
	actor_body = dump_take(doc_delete_actor(ctx->cfg, s->slug, ev->created));
	out[0] = (struct store_outgoing){ note_body, all, n_all };
	out[1] = (struct store_outgoing){ actor_body, all, n_all };
	rc = store_event_publish(ctx->store, ev->id, ev->statement_id, out, n_all ? 2 : 0, err);
	if (!rc)
		log_info("event=statement_deleted statement=%s inboxes=%zu", s->slug, n_all);
out:
	free(note_body);
	free(actor_body);
	strings_free(all, n_all);
	strings_free(audience, n_audience);
	strings_free(index, n_index);
	statement_free(s);
	return rc;
}

/* What the store recorded to be told once: announcements and deletions. */
static int publish_events(struct ctx *ctx, struct err *err)
{
	struct statement_event *ev = NULL;
	size_t n = 0;
	int rc, last = 0;

	if ((rc = store_events_pending(ctx->store, &ev, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct err one;

		err_clear(&one);
		rc = str_eq(ev[i].kind, "delete") ? publish_delete(ctx, &ev[i], &one)
						  : publish_announce(ctx, &ev[i], &one);
		if (rc) {
			log_error("event=statement_event_failed kind=%s statement_id=%lld msg=%s",
				  ev[i].kind, (long long)ev[i].statement_id, one.msg);
			last = rc;
			if (err)
				*err = one;
		} else if (ctx->deliver) {
			deliver_kick(ctx->deliver);
		}
	}
	statement_events_free(ev, n);
	return last;
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
	rc = publish_events(ctx, err);
	return rc ? rc : last;
}
