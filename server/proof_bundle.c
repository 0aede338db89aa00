/*
 * The proofs bundle: plain files and a shell script, so that anyone can
 * re-check the signatures with openssl, without us.
 */
#include "server/proof_bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "activitypub/proof.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"

/* Shown names are cut to this many characters in signer.txt (the full one is in proof.json). */
#define BUNDLE_NAME_CHARS 200

static const char verify_sh[] =
	"#!/bin/sh\n"
	"# Re-checks every signature of this bundle with openssl alone (see README.txt).\n"
	"# Prints one line per proof (folder); exits 0 when every one holds, 1 otherwise.\n"
	"cd \"$(dirname \"$0\")\" || exit 2\n"
	"if ! command -v openssl >/dev/null 2>&1; then\n"
	"\techo \"verify.sh: openssl is not installed\" >&2\n"
	"\texit 2\n"
	"fi\n"
	"total=0\n"
	"failed=0\n"
	"for d in signature-*; do\n"
	"\t[ -d \"$d\" ] || continue\n"
	"\ttotal=$((total + 1))\n"
	"\twhy=\"\"\n"
	"\t# 1. The signature over the signed string, with the signer's key.\n"
	"\tif [ \"$(cat \"$d/algorithm.txt\" 2>/dev/null)\" = \"ed25519\" ]; then\n"
	"\t\topenssl pkeyutl -verify -pubin -inkey \"$d/public.pem\" -rawin \\\n"
	"\t\t\t-in \"$d/signing-string.txt\" -sigfile \"$d/signature.bin\" >/dev/null 2>&1 ||\n"
	"\t\t\twhy=\"the signature does not verify with public.pem\"\n"
	"\telse\n"
	"\t\topenssl dgst -sha256 -verify \"$d/public.pem\" -signature \"$d/signature.bin\" \\\n"
	"\t\t\t\"$d/signing-string.txt\" >/dev/null 2>&1 ||\n"
	"\t\t\twhy=\"the signature does not verify with public.pem\"\n"
	"\tfi\n"
	"\t# 2. The body: its SHA-256 is the digest sent, and the signed string carries it.\n"
	"\tif [ -z \"$why\" ]; then\n"
	"\t\tbody=$(openssl dgst -sha256 -binary \"$d/body.json\" | openssl base64 -A)\n"
	"\t\tif ! grep -qF -e \"SHA-256=$body\" -e \"sha-256=$body\" -e \"sha-256=:$body:\" \\\n"
	"\t\t\t\"$d/digest.txt\" 2>/dev/null; then\n"
	"\t\t\twhy=\"body.json does not match digest.txt\"\n"
	"\t\telif ! grep -i -e '^digest: ' -e '^\"digest\": ' -e '^\"content-digest\": ' \\\n"
	"\t\t\t\"$d/signing-string.txt\" | grep -qF \"$body\"; then\n"
	"\t\t\twhy=\"the signed string does not carry the digest of body.json\"\n"
	"\t\tfi\n"
	"\tfi\n"
	"\tif [ -n \"$why\" ]; then\n"
	"\t\tfailed=$((failed + 1))\n"
	"\t\techo \"FAIL $d: $why\"\n"
	"\telse\n"
	"\t\techo \"ok   $d\"\n"
	"\tfi\n"
	"done\n"
	"echo \"$((total - failed)) of $total proofs verify\"\n"
	"[ \"$failed\" -eq 0 ]\n";

static const char readme_fmt[] =
	"Signatures of the statement \"%s\", with their proofs\n"
	"=====================================================\n"
	"\n"
	"Written by Undersigned on %s. Each organisation signed this statement from\n"
	"its own fediverse server, which sent an HTTP-signed request (an activity:\n"
	"Follow, Endorse, or a post mentioning the statement). These folders hold those\n"
	"requests exactly as they were received, so that anyone can check, with openssl\n"
	"alone, that each was signed with the key the signer's server published.\n"
	"\n"
	"Run   sh verify.sh   in this folder. It prints \"ok\" or \"FAIL\" for each\n"
	"folder and exits 0 only when every one holds.\n"
	"\n"
	"One folder per signature (signature-ID, ID as in `undersigned signatures list`).\n"
	"A signature made by more than one activity (a Follow and an Endorse, say) has\n"
	"a folder for each that stands: signature-ID, signature-ID-2 and so on.\n"
	"\n"
	"  signer.txt          who signed: actor id, handle, name, state, key id, time\n"
	"  signing-string.txt  the exact text the signer's server signed: the method and\n"
	"                      path, the host, the date and the digest of the body (HTTP\n"
	"                      Signatures, draft-cavage or RFC 9421)\n"
	"  signature.bin       the signature, base64-decoded from the Signature header\n"
	"  public.pem          the signer's public key as we fetched it from its actor\n"
	"  algorithm.txt       rsa-sha256 (RSASSA-PKCS1-v1_5 with SHA-256) or ed25519\n"
	"  body.json           the body of the request (the activity), byte for byte\n"
	"  digest.txt          the Digest or Content-Digest header sent with it\n"
	"  proof.json          all of the above as one JSON document\n"
	"\n"
	"To check one by hand (RSA):\n"
	"\n"
	"  1. The signature:\n"
	"       openssl dgst -sha256 -verify public.pem -signature signature.bin signing-string.txt\n"
	"     prints \"Verified OK\". (ed25519: openssl pkeyutl -verify -pubin -inkey public.pem\n"
	"     -rawin -in signing-string.txt -sigfile signature.bin)\n"
	"  2. The body:\n"
	"       openssl dgst -sha256 -binary body.json | openssl base64 -A\n"
	"     prints the base64 that follows SHA-256= in digest.txt, and the same value is\n"
	"     on the digest line of signing-string.txt: the signature covers the body.\n"
	"  3. Read signing-string.txt: the path is the statement's inbox, the host is this\n"
	"     server, and the date is when it was signed. Read body.json: its \"actor\"\n"
	"     is the signer and its \"object\" the statement.\n"
	"  4. The key: public.pem is the key the signer published at the time. Compare it\n"
	"     with the publicKey of the actor document (its URL is in signer.txt) today;\n"
	"     servers rarely change keys, so a match ties the signature to the signer.\n"
	"\n"
	"The Date in the signed string is what makes a signature fresh; a server accepts\n"
	"it within an hour of that time, so these old requests cannot be replayed.\n";

static int write_file(const char *dir, const char *name, const void *data, size_t len,
		      mode_t mode, struct err *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	const char *p = data;
	int rc = 0;

	if (fd < 0) {
		rc = errorf(err, ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = errorf(err, ERR_IO, "%s: %s", path, strerror(errno));
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0 && rc == 0)
		rc = errorf(err, ERR_IO, "%s: %s", path, strerror(errno));
out:
	free(path);
	return rc;
}

static int write_text(const char *dir, const char *name, const char *text, struct err *err)
{
	return write_file(dir, name, text, strlen(text), 0644, err);
}

int bundle_check_dir(const char *dir, struct err *err)
{
	struct stat sb;
	struct dirent *e;
	DIR *d;
	bool empty = true;

	if (!dir || !*dir)
		return errorf(err, ERR_IO, "--proofs needs a directory");
	if (stat(dir, &sb) != 0) {
		char *parent, *slash;
		int rc = 0;

		if (errno != ENOENT)
			return errorf(err, ERR_IO, "%s: %s", dir, strerror(errno));
		parent = xstrdup(dir);
		for (size_t k = strlen(parent); k > 1 && parent[k - 1] == '/'; k--)
			parent[k - 1] = '\0';
		slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = '\0'; /* "/name": the parent is the root */
		else if (slash)
			*slash = '\0';
		if (slash && (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode)))
			rc = errorf(err, ERR_IO, "%s: no such directory", parent);
		free(parent);
		return rc;
	}
	if (!S_ISDIR(sb.st_mode))
		return errorf(err, ERR_EXISTS, "%s exists and is not a directory", dir);
	d = opendir(dir);
	if (!d)
		return errorf(err, ERR_IO, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (!str_eq(e->d_name, ".") && !str_eq(e->d_name, ".."))
			empty = false;
	closedir(d);
	if (!empty)
		return errorf(err, ERR_EXISTS, "%s exists and is not empty", dir);
	return 0;
}

/* signer.txt: who signed, cleaned of control characters (names come from strangers). */
static char *signer_text(const char *slug, const struct bundle_entry *e,
			 const struct proof_parts *pp)
{
	char when[TIME_STR_MAX];
	char *name = utf8_clean_dup(e->name, BUNDLE_NAME_CHARS);
	char *handle = utf8_clean_dup(e->handle, BUNDLE_NAME_CHARS);
	char *actor = utf8_clean_dup(e->actor_id, 0);
	char *signed_as = utf8_clean_dup(pp->actor, 0);
	char *key_id = utf8_clean_dup(pp->key_id, 0);
	char *state = utf8_clean_dup(e->state, 0);
	char *how = utf8_clean_dup(e->how, 0);
	char *out;

	time_to_iso((time_t)pp->verified_at, when);
	out = xasprintf("statement: %s\nsignature: %lld\nactivity: %s\nname: %s\nhandle: %s\n"
			"actor: %s\nsigned as: %s\nkey id: %s\nverified at: %s\nstate: %s\n",
			slug, (long long)e->id, how, name, handle, actor, signed_as, key_id, when,
			state);
	free(how);
	free(name);
	free(handle);
	free(actor);
	free(signed_as);
	free(key_id);
	free(state);
	return out;
}

static int write_entry(const char *dir, const char *slug, const struct bundle_entry *e,
		       const struct proof_parts *pp, struct err *err)
{
	char *sub = e->part > 1 ? xasprintf("%s/signature-%lld-%d", dir, (long long)e->id, e->part)
			       : xasprintf("%s/signature-%lld", dir, (long long)e->id);
	char *signer = signer_text(slug, e, pp);
	char *digest = pp->digest_header ? xasprintf("%s\n", pp->digest_header) : xstrdup("");
	int rc;

	if (mkdir(sub, 0755) != 0) {
		rc = errorf(err, ERR_IO, "%s: %s", sub, strerror(errno));
		goto out;
	}
	rc = write_file(sub, "signing-string.txt", pp->signing_string, pp->signing_string_len,
			0644, err);
	if (rc == 0)
		rc = write_file(sub, "signature.bin", pp->signature, pp->signature_len, 0644, err);
	if (rc == 0)
		rc = write_text(sub, "public.pem", pp->public_pem, err);
	if (rc == 0)
		rc = write_text(sub, "algorithm.txt", pp->ed25519 ? "ed25519\n" : "rsa-sha256\n",
				err);
	if (rc == 0)
		rc = write_file(sub, "body.json", pp->body, pp->body_len, 0644, err);
	if (rc == 0)
		rc = write_text(sub, "digest.txt", digest, err);
	if (rc == 0)
		rc = write_text(sub, "signer.txt", signer, err);
	if (rc == 0)
		rc = write_text(sub, "proof.json", e->proof, err);
out:
	free(sub);
	free(signer);
	free(digest);
	return rc;
}

int bundle_write(const char *dir, const char *slug, const struct bundle_entry *entries,
		 size_t n, size_t *written, struct err *err)
{
	char now[TIME_STR_MAX];
	char *readme = NULL;
	size_t count = 0;
	int rc;

	if (written)
		*written = 0;
	rc = bundle_check_dir(dir, err);
	if (rc < 0)
		return rc;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return errorf(err, ERR_IO, "%s: %s", dir, strerror(errno));
	time_to_iso(time(NULL), now);
	readme = xasprintf(readme_fmt, slug, now);
	rc = write_text(dir, "README.txt", readme, err);
	if (rc == 0)
		rc = write_file(dir, "verify.sh", verify_sh, strlen(verify_sh), 0755, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct proof_parts pp;
		struct err perr;

		if (proof_parts(entries[i].proof, &pp, &perr) < 0) {
			log_warn("event=proof_left_out signature=%lld msg=%s", (long long)entries[i].id,
				 perr.msg);
			continue;
		}
		rc = write_entry(dir, slug, &entries[i], &pp, err);
		proof_parts_release(&pp);
		if (rc == 0)
			count++;
	}
	if (written)
		*written = count;
	free(readme);
	return rc;
}
