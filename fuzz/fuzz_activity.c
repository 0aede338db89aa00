/*
 * Fuzz target: an inbox POST body, parsed once into struct activity
 * (activity_parse), then read the way the handlers read it: links that may be
 * strings, objects or arrays, types that may be arrays, URL hosts and
 * origins. Invariants: a parsed activity has an id, a type and an actor; the
 * bytes parsed are the bytes received.
 */
#include <string.h>

#include "activitypub/activity.h"
#include "fuzz/fuzz.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_dup(data, size);
	struct activity a;
	struct err err;
	char host[256];

	if (activity_parse(body, size, &a, &err) == 0) {
		static const char *const types[] = { "Follow", "Undo",	 "Like",   "Announce",
						     "Delete", "Update", "Create", "Endorse" };

		FUZZ_CHECK(a.id && a.type && a.actor_id, "parsed activity lacks id, type or actor");
		FUZZ_CHECK(json_is_object(a.doc), "parsed activity is no object");
		FUZZ_CHECK(a.body == body && a.body_len == size, "body not kept as received");
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			(void)ap_type_is(a.doc, types[i]);
			(void)ap_type_is(a.object, types[i]);
		}
		(void)ap_links_to(json_object_get(a.doc, "to"), a.actor_id);
		(void)ap_links_to(json_object_get(a.doc, "cc"),
				  "https://www.w3.org/ns/activitystreams#Public");
		(void)ap_link_id(json_object_get(a.object, "object"));
		(void)ap_link_id(json_object_get(a.object, "inReplyTo"));
		(void)ap_str(a.object, "content");
		if (ap_url_host(a.actor_id, host, sizeof(host)))
			FUZZ_CHECK(host[0] != '\0', "empty host of %s", a.actor_id);
		if (a.object_id) {
			(void)ap_url_host(a.object_id, host, sizeof(host));
			FUZZ_CHECK(ap_same_origin(a.actor_id, a.object_id) ==
				       ap_same_origin(a.object_id, a.actor_id),
				   "same origin is not symmetric");
		}
		if (ap_url_host(a.actor_id, host, sizeof(host)))
			FUZZ_CHECK(ap_same_origin(a.actor_id, a.actor_id),
				   "a URL with a host is not its own origin: %s", a.actor_id);
		activity_release(&a);
		FUZZ_CHECK(a.doc == NULL, "released activity keeps its doc");
	}
	free(body);
	return 0;
}
