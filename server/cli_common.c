/* The option parser and helpers the subcommands share. */
#include "server/cli_common.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/cli.h"
#include "store/store.h"
#include "util/buf.h"

int cli_parse_opts(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "slug", required_argument, NULL, 's' },
		{ "file", required_argument, NULL, 'f' },
		{ "base-url", required_argument, NULL, 'b' },
		{ "listen", required_argument, NULL, 'l' },
		{ "update-interval", required_argument, NULL, 'u' },
		{ "state", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'o' },
		{ "proofs", required_argument, NULL, 'r' },
		{ "allow-private-network", no_argument, NULL, 'p' },
		{ "to", required_argument, NULL, 'T' },
		{ "from", required_argument, NULL, 'F' },
		{ "admin-token-file", required_argument, NULL, 'A' },
		{ "watch", no_argument, NULL, 'w' },
		{ "org", required_argument, NULL, 'O' },
		{ "name", required_argument, NULL, 'N' },
		{ "url", required_argument, NULL, 'U' },
		{ "summary", required_argument, NULL, 'S' },
		{ "wait", required_argument, NULL, 'W' },
		{ "lang", required_argument, NULL, 'L' },
		{ "rate-ip", required_argument, NULL, '1' },
		{ "rate-domain", required_argument, NULL, '2' },
		{ "rate-fetch", required_argument, NULL, '3' },
		{ "request-timeout", required_argument, NULL, '4' },
		{ "trusted-proxy", required_argument, NULL, '5' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 's': o->slug = optarg; break;
		case 'f': o->file = optarg; break;
		case 'b': o->base_url = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'u': o->update_interval = optarg; break;
		case 't': o->state = optarg; break;
		case 'o': o->format = optarg; break;
		case 'r': o->proofs = optarg; break;
		case 'p': o->allow_private = true; break;
		case 'T': o->to = optarg; break;
		case 'F': o->from = optarg; break;
		case 'A': o->admin_token_file = optarg; break;
		case 'w': o->watch = true; break;
		case 'O': o->org = optarg; break;
		case 'N': o->name = optarg; break;
		case 'U': o->url = optarg; break;
		case 'S': o->summary = optarg; break;
		case 'W': o->wait = optarg; break;
		case 'L': o->lang = optarg; break;
		case '1': o->rate_ip = optarg; break;
		case '2': o->rate_domain = optarg; break;
		case '3': o->rate_fetch = optarg; break;
		case '4': o->request_timeout = optarg; break;
		case '5': o->trusted_proxy = optarg; break;
		default:
			return cli_fail("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	o->first_arg = optind;
	if (!o->db)
		return cli_fail("--db FILE is required");
	return 0;
}

int cli_open_store(const char *path, struct store **st)
{
	struct err err;

	if (store_open(path, st, &err))
		return cli_fail("%s: %s", path, err.msg);
	return 0;
}

int cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct buf b;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return cli_fail("%s: %s", path, strerror(errno));
	buf_init(&b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(&b, chunk, n) < 0) {
			fclose(f);
			return cli_fail("%s: larger than %zu bytes", path, max);
		}
	}
	if (ferror(f)) {
		fclose(f);
		buf_release(&b);
		return cli_fail("%s: read error", path);
	}
	fclose(f);
	*len = b.len;
	*out = buf_detach(&b);
	return 0;
}
