/*
 * What the subcommands share: one option parser, and opening the store with a
 * one-line error.
 */
#ifndef SERVER_CLI_COMMON_H
#define SERVER_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>

struct store;

/* Every option any subcommand takes; each command checks the ones it needs. Borrowed from argv. */
struct cli_opts {
	const char *db;
	const char *slug;
	const char *file;
	const char *base_url;
	const char *listen;
	const char *update_interval;
	const char *state;  /* --state pending|approved|rejected|withdrawn */
	const char *format; /* --format json|csv */
	const char *proofs; /* --proofs DIR */
	const char *to;     /* --to FILE (backup) */
	const char *from;   /* --from FILE (restore) */
	const char *admin_token_file; /* --admin-token-file FILE (serve) */
	bool watch;         /* --watch (deliveries) */
	const char *org;     /* --org SLUG (org edit|sign|withdraw) */
	const char *name;    /* --name NAME (org add|edit) */
	const char *url;     /* --url WEBSITE (org add|edit) */
	const char *summary; /* --summary TEXT (org add|edit) */
	const char *wait;    /* --wait SECONDS (org sign) */
	const char *lang;   /* --lang TAG (statement translation add) */
	bool allow_private;
	const char *rate_ip;         /* serve --rate-ip PER_SECOND */
	const char *rate_domain;     /* serve --rate-domain PER_SECOND */
	const char *rate_fetch;      /* serve --rate-fetch PER_SECOND */
	const char *request_timeout; /* serve --request-timeout SECONDS */
	const char *trusted_proxy;   /* serve --trusted-proxy loopback|none|ADDRESS */
	int first_arg; /* index in argv of the first non-option argument (argv is permuted) */
};

/*
 * Parse argv[1..argc) (argv[0] is the subcommand's name). --db is required.
 * Returns 0, or 1 after printing a one-line error (the exit code).
 */
int cli_parse_opts(int argc, char **argv, struct cli_opts *o);

/*
 * Read the whole file at path, at most max bytes; 0, or 1 after a one-line
 * error (missing, unreadable, too big). *out: caller frees.
 */
int cli_read_file(const char *path, size_t max, char **out, size_t *len);

/* Open the store at path; 0, or 1 after a one-line error. *st: store_close. */
int cli_open_store(const char *path, struct store **st);

#endif
