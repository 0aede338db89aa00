/*
 * The proofs bundle of `signatures export --proofs DIR`: files a third party
 * checks with openssl alone, without this program or its database. Per
 * signing activity a folder signature-ID/ (signature-ID-2/... for the other
 * activities a signature stands on) with signing-string.txt, signature.bin,
 * public.pem, algorithm.txt, body.json, digest.txt, signer.txt and
 * proof.json; at the top verify.sh (runs openssl on every folder) and
 * README.txt (how, step by step).
 */
#ifndef SERVER_PROOF_BUNDLE_H
#define SERVER_PROOF_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* One signing activity to put in the bundle; every string is borrowed. */
struct bundle_entry {
	int64_t id;          /* the signature's id: the folder is signature-ID */
	const char *name;
	const char *handle;  /* may be NULL */
	const char *actor_id;
	const char *state;
	const char *proof;   /* the stored proof JSON */
	const char *how;     /* "follow", "endorse", "mention"; may be NULL */
	int part;            /* 2, 3...: another activity of the signature, signature-ID-PART */
};

/*
 * Whether dir may take a bundle: it does not exist (its parent does) or is
 * an empty directory. Writes nothing. Returns 0, or -ERR_EXISTS (not empty,
 * or not a directory) / -ERR_IO with the reason.
 */
int bundle_check_dir(const char *dir, struct err *err);

/*
 * Write the bundle of entries into dir (creating it; see bundle_check_dir)
 * for the statement slug. An entry whose proof cannot be taken apart is left
 * out with a warning on the log; *written (may be NULL) counts the folders
 * written. Returns 0, or -ERR_EXISTS / -ERR_IO.
 */
int bundle_write(const char *dir, const char *slug, const struct bundle_entry *entries,
		 size_t n, size_t *written, struct err *err);

#endif
