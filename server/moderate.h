/*
 * The coordinator's decision on a signature, the one way both the command
 * line (signatures approve|reject) and the admin page take it: a check
 * before anything changes, the change of state, and, when the approved list
 * changed, the edit of the statement post scheduled after the server's
 * batch window (as serve recorded it in the db).
 */
#ifndef SERVER_MODERATE_H
#define SERVER_MODERATE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct store;
struct statement;
struct signatory;

/*
 * Whether g may be set to `to` ("approved" or "rejected"; else ERR_INVALID):
 * a signature its signer withdrew cannot be approved again (ERR_FORBIDDEN).
 * Changes nothing.
 */
int moderate_check(const struct signatory *g, const char *to, struct err *err);

/*
 * Set g (a signature of s) to `to` after moderate_check. *changed false when
 * it was in that state already (nothing written); *approved_changed (may be
 * NULL; only ever set to true) when the approved list changed. On success
 * g->state becomes a copy of to. Returns 0 or the store's error.
 */
int moderate_set(struct store *st, struct signatory *g, const char *to, bool *changed,
		 bool *approved_changed, struct err *err);

/*
 * The approved list of s changed: schedule the edit of its post at now +
 * the batch window serve recorded (default 300 s). *due (may be NULL) is
 * when it will go out. Returns 0 or the store's error.
 */
int moderate_schedule_edit(struct store *st, const struct statement *s, int64_t *due,
			   struct err *err);

#endif
