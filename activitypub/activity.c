#include "activitypub/activity.h"

#include <string.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

static int json_depth(const json_t *v)
{
	int deepest = 0;

	if (json_is_object(v)) {
		const char *key;
		json_t *child;

		json_object_foreach((json_t *)v, key, child) {
			int d = json_depth(child);

			if (d > deepest)
				deepest = d;
			if (deepest > LIMIT_JSON_DEPTH)
				break;
		}
		return deepest + 1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *child;

		json_array_foreach(v, i, child) {
			int d = json_depth(child);

			if (d > deepest)
				deepest = d;
			if (deepest > LIMIT_JSON_DEPTH)
				break;
		}
		return deepest + 1;
	}
	return 0;
}

/* A quick scan of the bytes, so a deeply nested body is refused before jansson recurses. */
static bool nesting_ok(const char *s, size_t len)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > LIMIT_JSON_DEPTH)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

int activity_parse(const char *body, size_t len, struct activity *a, struct err *err)
{
	json_error_t jerr;

	memset(a, 0, sizeof(*a));
	if (!body || len == 0)
		return errorf(err, ERR_INVALID, "empty body");
	if (!nesting_ok(body, len))
		return errorf(err, ERR_INVALID, "JSON nested deeper than %d", LIMIT_JSON_DEPTH);
	a->doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!a->doc)
		return errorf(err, ERR_INVALID, "not JSON: %s (line %d)", jerr.text, jerr.line);
	if (!json_is_object(a->doc) || json_depth(a->doc) > LIMIT_JSON_DEPTH) {
		activity_release(a);
		return errorf(err, ERR_INVALID, "an activity must be a JSON object");
	}
	a->type = ap_str(a->doc, "type");
	a->id = ap_str(a->doc, "id");
	a->actor_id = ap_link_id(json_object_get(a->doc, "actor"));
	a->object = json_object_get(a->doc, "object");
	a->object_id = ap_link_id(a->object);
	a->body = body;
	a->body_len = len;
	if (!a->type || !a->actor_id || !a->id) {
		activity_release(a);
		return errorf(err, ERR_INVALID, "an activity needs id, type and actor");
	}
	return 0;
}

void activity_release(struct activity *a)
{
	json_decref(a->doc);
	memset(a, 0, sizeof(*a));
}

const char *ap_link_id(const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v))
		return ap_str(v, "id");
	return NULL;
}

const char *ap_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

bool ap_type_is(const json_t *obj, const char *type)
{
	json_t *t = json_object_get(obj, "type");
	size_t i;
	json_t *v;

	if (json_is_string(t))
		return str_eq(json_string_value(t), type);
	json_array_foreach(t, i, v)
		if (str_eq(json_string_value(v), type))
			return true;
	return false;
}

bool ap_links_to(const json_t *v, const char *url)
{
	size_t i;
	json_t *item;

	if (!json_is_array(v))
		return str_eq(ap_link_id(v), url);
	json_array_foreach(v, i, item)
		if (str_eq(ap_link_id(item), url))
			return true;
	return false;
}

/* The host (or the authority) of url into out; false when url is no URL or out too small. */
static bool url_part(const char *url, bool authority, char *out, size_t size)
{
	struct url u;
	const char *part;
	bool ok;

	if (url_parse(url, &u, NULL))
		return false;
	part = authority ? u.authority : u.host;
	ok = strlen(part) < size;
	if (ok)
		memcpy(out, part, strlen(part) + 1);
	url_release(&u);
	return ok;
}

bool ap_url_host(const char *url, char *out, size_t size)
{
	return url_part(url, false, out, size);
}

bool ap_url_authority(const char *url, char *out, size_t size)
{
	return url_part(url, true, out, size);
}

bool ap_same_origin(const char *a, const char *b)
{
	struct url ua, ub;
	bool same = false;

	if (url_parse(a, &ua, NULL))
		return false;
	if (!url_parse(b, &ub, NULL)) {
		same = str_eq(ua.scheme, ub.scheme) && str_eq(ua.host, ub.host) &&
		       url_port(&ua) == url_port(&ub);
		url_release(&ub);
	}
	url_release(&ua);
	return same;
}

char *ap_origin(const char *url)
{
	struct url u;
	char *origin;

	if (url_parse(url, &u, NULL))
		return NULL;
	origin = xasprintf("%s://%s/", u.scheme, u.authority);
	url_release(&u);
	return origin;
}
