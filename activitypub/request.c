#include "activitypub/request.h"

#include "util/str.h"

const char *request_header(const struct request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (str_ieq(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}
