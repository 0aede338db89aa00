/*
 * The coordinator's export of a statement's signatures, as JSON or CSV: pure
 * formatting onto a stream. Each signature gives: id, name, handle, actor_id,
 * domain (the actor id's host), how, signed_at (ISO 8601, UTC), state,
 * country, imported, domain_verified.
 */
#ifndef ACTIVITYPUB_EXPORT_H
#define ACTIVITYPUB_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

struct signatory;

/*
 * A JSON array of one object per signature (absent handle, actor id and
 * domain are null; text that is not UTF-8 is repaired), indented, ending with
 * a newline. Returns 0, or -ERR_IO when writing fails.
 */
int export_json(FILE *f, const struct signatory *list, size_t n, struct err *err);

/*
 * CSV (RFC 4180): a header row, then one row per signature, CRLF line ends,
 * fields quoted when they hold a comma, quote or line break. Control
 * characters and terminal escapes are removed, and a field that a spreadsheet
 * would read as a formula (starting with = + - @, tab or CR) gets a leading
 * apostrophe, so "@org@example.org" is written "'@org@example.org".
 * Returns 0, or -ERR_IO when writing fails.
 */
int export_csv(FILE *f, const struct signatory *list, size_t n, struct err *err);

#endif
