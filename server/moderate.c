/* Approving and rejecting signatures: shared by the CLI and the admin page. */
#include "server/moderate.h"

#include <stdlib.h>
#include <time.h>

#include "store/store.h"
#include "util/mem.h"
#include "util/str.h"

/* The batch window for edits of the post when serve did not record one (serve's default). */
#define DEFAULT_UPDATE_INTERVAL_S 300
#define MAX_UPDATE_INTERVAL_S	  86400

int moderate_check(const struct signatory *g, const char *to, struct err *err)
{
	if (!str_eq(to, "approved") && !str_eq(to, "rejected"))
		return errorf(err, ERR_INVALID, "a signature is approved or rejected, not '%s'",
			      to ? to : "");
	if (str_eq(to, "approved") && str_eq(g->state, "withdrawn"))
		return errorf(err, ERR_FORBIDDEN,
			      "signature %lld was withdrawn by its signer: it cannot be approved",
			      (long long)g->id);
	return 0;
}

int moderate_set(struct store *st, struct signatory *g, const char *to, bool *changed,
		 bool *approved_changed, struct err *err)
{
	int rc;

	*changed = false;
	if ((rc = moderate_check(g, to, err)))
		return rc;
	if (str_eq(g->state, to))
		return 0;
	if ((rc = store_signatory_set_state(st, g->id, to, err)) < 0)
		return rc;
	if (approved_changed && str_eq(g->state, "approved") != str_eq(to, "approved"))
		*approved_changed = true;
	free(g->state);
	g->state = xstrdup(to);
	*changed = true;
	return 0;
}

/* The server's batch window, as serve recorded it in the db (else serve's default). */
static int64_t update_interval(struct store *st)
{
	char *v = NULL;
	int64_t s = DEFAULT_UPDATE_INTERVAL_S;

	if (store_setting_get(st, "update_interval", &v, NULL) == 0 && v &&
	    (!str_to_i64(v, &s) || s < 0 || s > MAX_UPDATE_INTERVAL_S))
		s = DEFAULT_UPDATE_INTERVAL_S;
	free(v);
	return s;
}

int moderate_schedule_edit(struct store *st, const struct statement *s, int64_t *due,
			   struct err *err)
{
	int64_t when = (int64_t)time(NULL) + update_interval(st);
	int rc = store_statement_schedule_update(st, s->id, when, err);

	if (rc < 0)
		return rc;
	if (due)
		*due = when;
	return 0;
}
