/* Undersigned: publish joint statements to the fediverse and collect signatures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activitypub/httpc.h"
#include "activitypub/version.h"
#include "server/cli.h"
#include "util/log.h"
#include "util/str.h"

static const char usage[] =
	"usage: undersigned serve --db FILE --base-url URL [--listen ADDR:PORT]\n"
	"                         [--allow-private-network] [--update-interval SECONDS]\n"
	"                         [--admin-token-file FILE] [--rate-ip N] [--rate-domain N]\n"
	"                         [--rate-fetch N] [--request-timeout SECONDS]\n"
	"                         [--trusted-proxy loopback|none|ADDRESS]\n"
	"       undersigned statement import --db FILE --slug SLUG --file TEXTFILE\n"
	"       undersigned statement list   --db FILE\n"
	"       undersigned statement edit   --db FILE --slug SLUG --file TEXTFILE\n"
	"       undersigned statement translation add --db FILE --slug SLUG --lang TAG\n"
	"                                             --file TEXTFILE\n"
	"       undersigned statement delete --db FILE --slug SLUG\n"
	"       undersigned statement policy --db FILE --slug SLUG open|review|closed\n"
	"       undersigned statement close  --db FILE --slug SLUG\n"
	"       undersigned signatures list    --db FILE --slug SLUG [--state STATE]\n"
	"       undersigned signatures approve|reject --db FILE --slug SLUG ID|ACTOR|@HANDLE...\n"
	"       undersigned signatures export  --db FILE --slug SLUG [--format json|csv]\n"
	"                                      [--state STATE] [--proofs DIR]\n"
	"       undersigned signatures verify  --db FILE --slug SLUG [--state STATE]\n"
	"       undersigned block add|remove|list --db FILE [DOMAIN]\n"
	"       undersigned backup  --db FILE --to BACKUPFILE\n"
	"       undersigned restore --db FILE --from BACKUPFILE\n"
	"       undersigned deliveries --db FILE [--slug SLUG] [--watch]\n"
	"       undersigned org add  --db FILE --slug SLUG --name NAME [--url WEBSITE]\n"
	"                            [--summary TEXT]\n"
	"       undersigned org edit --db FILE --org SLUG [--name NAME] [--url WEBSITE]\n"
	"                            [--summary TEXT]\n"
	"       undersigned org list --db FILE [--org SLUG]\n"
	"       undersigned org sign --db FILE --org SLUG [--wait SECONDS] @SLUG@HOST|URL\n"
	"       undersigned org withdraw --db FILE --org SLUG @SLUG@HOST|URL\n"
	"       undersigned --version\n";

int main(int argc, char **argv)
{
	const char *level = getenv("UNDERSIGNED_LOG");

	if (str_eq(level, "debug"))
		log_set_level(LOG_DEBUG);
	else if (str_eq(level, "warn"))
		log_set_level(LOG_WARN);
	if (argc < 2 || str_eq(argv[1], "--help") || str_eq(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	if (str_eq(argv[1], "--version")) {
		printf("undersigned %s\n", UNDERSIGNED_VERSION);
		return 0;
	}
	if (str_eq(argv[1], "serve")) {
		struct err err;
		int rc;

		/* libcurl's global set-up must run before any thread starts. */
		if (httpc_global_init(&err))
			return cli_fail("%s", err.msg);
		rc = cli_serve(argc - 1, argv + 1);
		httpc_global_cleanup();
		return rc;
	}
	if (str_eq(argv[1], "statement") && argc > 2 &&
	    (str_eq(argv[2], "policy") || str_eq(argv[2], "close")))
		return cli_statement_policy(argc - 1, argv + 1);
	if (str_eq(argv[1], "statement") && argc > 2 &&
	    (str_eq(argv[2], "edit") || str_eq(argv[2], "delete") ||
	     str_eq(argv[2], "translation")))
		return cli_statement_life(argc - 1, argv + 1);
	if (str_eq(argv[1], "statement"))
		return cli_statement(argc - 1, argv + 1);
	if (str_eq(argv[1], "signatures"))
		return cli_signatures(argc - 1, argv + 1);
	if (str_eq(argv[1], "block"))
		return cli_block(argc - 1, argv + 1);
	if (str_eq(argv[1], "backup"))
		return cli_backup(argc - 1, argv + 1);
	if (str_eq(argv[1], "restore"))
		return cli_restore(argc - 1, argv + 1);
	if (str_eq(argv[1], "deliveries"))
		return cli_deliveries(argc - 1, argv + 1);
	if (str_eq(argv[1], "org")) {
		struct err err;
		int rc;

		/* org sign fetches with libcurl */
		if (httpc_global_init(&err))
			return cli_fail("%s", err.msg);
		rc = cli_org(argc - 1, argv + 1);
		httpc_global_cleanup();
		return rc;
	}
	fputs(usage, stderr);
	return cli_fail("unknown command '%s'", argv[1]);
}
