/* Signatures from the inbox's side: what signs, what withdraws. See handle_sign.c. */
#ifndef ACTIVITYPUB_SIGN_H
#define ACTIVITYPUB_SIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "activitypub/activity.h"
#include "util/err.h"

struct ctx;
struct statement;

/*
 * The state a new signature gets under policy ("open", "review", "closed")
 * from a signer of actor_type: "approved", "pending", or NULL when the
 * statement takes no new signatures. Open approves Organization actors at once.
 */
const char *sign_initial_state(const char *policy, const char *actor_type);

/*
 * True when html (a post's content) holds word as a word of its own, case
 * insensitive: tags, @handles, #hashtags and links are not words.
 */
bool sign_word_present(const char *html, const char *word);

/* After a Follow of s was stored: an Organization signer signs. Store errors only. */
int sign_by_follow(struct ctx *ctx, const struct activity *a, const struct statement *s,
		   struct err *err);
/* A Create mentioning s or replying to its post: signs when it holds the sign word, and replies. */
int sign_by_mention(struct ctx *ctx, const struct activity *a, const struct statement *s,
		    struct err *err);
/*
 * Undo or Delete of an activity (Follow, Endorse, mention Note) that signed:
 * that one no longer stands for its signature, which is withdrawn when it
 * was the last (see store_signatory_withdraw_activity()). *undone: whether
 * activity_id was one that stood.
 */
int sign_withdraw_activity(struct ctx *ctx, const char *actor_id, const char *activity_id,
			   bool *undone, struct err *err);
/* Withdraw every signature of actor_id (only_statement 0), or its signature of one statement. */
int sign_withdraw_all(struct ctx *ctx, const char *actor_id, int64_t only_statement,
		      struct err *err);

#endif
