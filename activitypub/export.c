/* Exports of signatures: JSON with jansson, CSV by hand (RFC 4180). */
#include "activitypub/export.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"
#include "util/utf8.h"

/* The host of an actor id, new (caller frees); NULL for none or a URL we cannot read. */
static char *actor_domain(const char *actor_id)
{
	struct url u;
	char *host = NULL;

	if (!actor_id)
		return NULL;
	memset(&u, 0, sizeof(u));
	if (url_parse(actor_id, &u, NULL) == 0)
		host = xstrdup(u.host);
	url_release(&u);
	return host;
}

/* A JSON string of s (repaired when not UTF-8), or null. New reference. */
static json_t *jtext(const char *s)
{
	char *fixed;
	json_t *v;

	if (!s)
		return json_null();
	fixed = utf8_repair_dup(s);
	v = json_string(fixed);
	free(fixed);
	return v ? v : json_null();
}

static json_t *export_item(const struct signatory *g)
{
	char when[TIME_STR_MAX];
	char *domain = actor_domain(g->actor_id);
	json_t *o = json_object();

	time_to_iso((time_t)g->signed_at, when);
	json_object_set_new(o, "id", json_integer((json_int_t)g->id));
	json_object_set_new(o, "name", jtext(g->name));
	json_object_set_new(o, "handle", jtext(g->handle));
	json_object_set_new(o, "actor_id", jtext(g->actor_id));
	json_object_set_new(o, "domain", jtext(domain));
	json_object_set_new(o, "how", jtext(g->how));
	json_object_set_new(o, "signed_at", json_string(when));
	json_object_set_new(o, "state", jtext(g->state));
	json_object_set_new(o, "country", jtext(g->country ? g->country : ""));
	json_object_set_new(o, "imported", json_boolean(str_eq(g->how, "import")));
	json_object_set_new(o, "domain_verified", json_boolean(g->domain_verified));
	free(domain);
	return o;
}

int export_json(FILE *f, const struct signatory *list, size_t n, struct err *err)
{
	json_t *arr = json_array();
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, export_item(&list[i]));
	if (json_dumpf(arr, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF)
		rc = errorf(err, ERR_IO, "cannot write the export");
	json_decref(arr);
	return rc;
}

/* One CSV field, cleaned, neutralised and quoted as needed; sep is written before it. */
static void csv_field(FILE *f, const char *sep, const char *s)
{
	char *clean = utf8_clean_dup(s ? s : "", 0);
	bool quote = strpbrk(clean, ",\"\r\n") != NULL;

	fputs(sep, f);
	if (quote)
		fputc('"', f);
	/* A spreadsheet runs a cell starting with one of these as a formula. */
	if (clean[0] && strchr("=+-@\t\r", clean[0]))
		fputc('\'', f);
	for (const char *p = clean; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	free(clean);
}

int export_csv(FILE *f, const struct signatory *list, size_t n, struct err *err)
{
	fputs("id,name,handle,actor_id,domain,how,signed_at,state,country,imported,"
	      "domain_verified\r\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct signatory *g = &list[i];
		char when[TIME_STR_MAX], id[32];
		char *domain = actor_domain(g->actor_id);

		time_to_iso((time_t)g->signed_at, when);
		snprintf(id, sizeof(id), "%lld", (long long)g->id);
		csv_field(f, "", id);
		csv_field(f, ",", g->name);
		csv_field(f, ",", g->handle);
		csv_field(f, ",", g->actor_id);
		csv_field(f, ",", domain);
		csv_field(f, ",", g->how);
		csv_field(f, ",", when);
		csv_field(f, ",", g->state);
		csv_field(f, ",", g->country);
		csv_field(f, ",", str_eq(g->how, "import") ? "true" : "false");
		csv_field(f, ",", g->domain_verified ? "true" : "false");
		fputs("\r\n", f);
		free(domain);
	}
	if (fflush(f) == EOF || ferror(f))
		return errorf(err, ERR_IO, "cannot write the export");
	return 0;
}
