/* The command line: each subcommand is a function of (argc, argv) returning an exit code. */
#ifndef SERVER_CLI_H
#define SERVER_CLI_H

int cli_serve(int argc, char **argv);
int cli_statement(int argc, char **argv);
int cli_block(int argc, char **argv);
/* signatures list|approve|reject|export|verify (server/cli_signatures.c). */
int cli_signatures(int argc, char **argv);
/* statement policy open|review|closed, statement close (server/cli_signatures.c). */
int cli_statement_policy(int argc, char **argv);

/* backup --to FILE, restore --from FILE, deliveries [--slug] [--watch] (server/cli_ops.c). */
int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);
int cli_deliveries(int argc, char **argv);

/* statement edit, statement delete, statement translation add (server/cli_life.c). */
int cli_statement_life(int argc, char **argv);

/* org add|list|edit|sign|withdraw: organisation actors hosted here (server/cli_orgs.c). */
int cli_org(int argc, char **argv);

/* Print msg as one line "undersigned: msg" on stderr and return exit code 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
