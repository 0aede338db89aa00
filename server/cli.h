/* The command line: each subcommand is a function of (argc, argv) returning an exit code. */
#ifndef SERVER_CLI_H
#define SERVER_CLI_H

int cli_serve(int argc, char **argv);
int cli_statement(int argc, char **argv);
int cli_block(int argc, char **argv);

/* Print msg as one line "undersigned: msg" on stderr and return exit code 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
