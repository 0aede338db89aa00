// Makes the fixed HTTP Signature vectors that tests/unit/test_crypto.c checks:
// requests signed by an independent implementation (Fedify), and one in the
// shape Mastodon sends, signed here with Node's own crypto.
//
// Run once, then check the JSON files in (they are fixed vectors: the unit tests
// pass the recorded signing time as "now"):
//
//   mkdir -p /tmp/fedify-vec && cd /tmp/fedify-vec && npm init -y >/dev/null &&
//   npm install @fedify/fedify@2.3.6 @fedify/vocab@2.3.6
//   NODE_PATH=/tmp/fedify-vec/node_modules node tests/vectors/gen-fedify-vectors.mjs
//
// (Node 20 prints EBADENGINE warnings when installing; they are harmless.)
// Each file: {generator, spec, method, url, headers: [[name, value], ...], body,
// key_id, public_key_pem, signed_at (Unix seconds)}. Headers are given in the
// order and case a server would receive them.

import { createRequire } from "node:module";
import { createHash, createSign, generateKeyPairSync, webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Resolve Fedify from the scratch install (NODE_PATH), not from this repository.
const require = createRequire(join(process.env.NODE_PATH ?? "/tmp/fedify-vec/node_modules", "x"));
const sig = await import(require.resolve("@fedify/fedify/sig"));
const { signRequest, verifyRequest } = sig;
const { Temporal } = await import(require.resolve("@js-temporal/polyfill"));
const { preloadedContexts } = await import(require.resolve("@fedify/vocab-runtime"));

const here = dirname(fileURLToPath(import.meta.url));
const subtle = webcrypto.subtle;

function pem(label, der) {
	const b64 = Buffer.from(der).toString("base64").match(/.{1,64}/g).join("\n");
	return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function write(name, vector) {
	writeFileSync(join(here, name), JSON.stringify(vector, null, 2) + "\n");
	console.log("wrote", name);
}

// A Follow, as a remote organisation would send it to a statement's inbox.
const body = JSON.stringify({
	"@context": "https://www.w3.org/ns/activitystreams",
	id: "https://remote.example/users/psm#follows/1",
	type: "Follow",
	actor: "https://remote.example/users/psm",
	object: "https://statements.example.org/s/hands-off-venezuela",
	summary: "Parti Sosialis Malaysia — solidarité",
});
const inbox = "https://statements.example.org/s/hands-off-venezuela/inbox";
const keyId = new URL("https://remote.example/users/psm#main-key");

// Fedify signs with a WebCrypto RSASSA-PKCS1-v1_5 key; a fresh one for each run.
const pair = await subtle.generateKey(
	{ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
	true,
	["sign", "verify"],
);
const publicPem = pem("PUBLIC KEY", await subtle.exportKey("spki", pair.publicKey));

async function fedifyVector(spec, file) {
	const request = new Request(inbox, {
		method: "POST",
		headers: { "Content-Type": "application/activity+json" },
		body,
	});
	const signed = await signRequest(request, pair.privateKey, keyId, { spec });
	const headers = [...signed.headers];
	// The time it was signed: the Date header Fedify set (cavage) or `created` (RFC 9421).
	let signedAt = Math.floor(Date.parse(signed.headers.get("date")) / 1000);
	const input = signed.headers.get("signature-input");
	if (input) signedAt = Number(/;created=(\d+)/.exec(input)[1]);

	// Fedify must accept its own vector: a sanity check of what we wrote.
	const check = new Request(inbox, { method: "POST", headers: signed.headers, body });
	const key = await verifyRequest(check, {
		spec,
		currentTime: Temporal.Instant.fromEpochMilliseconds(signedAt * 1000),
		documentLoader: async (url) => ({
			contextUrl: null,
			documentUrl: url,
			document: {
				"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
				id: "https://remote.example/users/psm",
				type: "Organization",
				publicKey: { id: keyId.href, owner: "https://remote.example/users/psm", publicKeyPem: publicPem },
			},
		}),
		// Only Fedify's bundled JSON-LD contexts: the generator never goes online.
		contextLoader: async (url) => {
			if (!(url in preloadedContexts)) throw new Error("no context " + url);
			return { contextUrl: null, documentUrl: url, document: preloadedContexts[url] };
		},
	});
	if (key == null) throw new Error("Fedify does not verify its own " + spec + " vector");

	write(file, {
		generator: "@fedify/fedify@2.3.6 signRequest",
		spec,
		method: "POST",
		url: inbox,
		headers,
		body,
		key_id: keyId.href,
		public_key_pem: publicPem,
		signed_at: signedAt,
	});
}

await fedifyVector("draft-cavage-http-signatures-12", "fedify-cavage-post.json");
await fedifyVector("rfc9421", "fedify-rfc9421-post.json");

// The shape Mastodon 4.3 sends a delivery in: (request-target) first, Host without
// the port, Digest "SHA-256=", algorithm rsa-sha256, signed with Node's crypto
// (a PKCS#1 "RSA PUBLIC KEY" PEM, as some older servers publish it).
{
	const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	const now = new Date();
	now.setMilliseconds(0);
	const date = now.toUTCString();
	const digest = "SHA-256=" + createHash("sha256").update(body).digest("base64");
	const url = new URL(inbox);
	const signing = [
		`(request-target): post ${url.pathname}`,
		`host: ${url.hostname}`,
		`date: ${date}`,
		`digest: ${digest}`,
		`content-type: application/activity+json`,
	].join("\n");
	const signature = createSign("sha256").update(signing).sign(privateKey, "base64");
	const masto = "https://mastodon.example/users/org";
	write("mastodon-cavage-post.json", {
		generator: "node:crypto, in the shape of Mastodon 4.3 (request.rb)",
		spec: "draft-cavage-http-signatures-12",
		method: "POST",
		url: inbox,
		headers: [
			["Host", url.hostname],
			["Date", date],
			["Digest", digest],
			["Content-Type", "application/activity+json"],
			["User-Agent", "Mastodon/4.3.0 (http.rb/5.2.0; +https://mastodon.example/)"],
			[
				"Signature",
				`keyId="${masto}#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="${signature}"`,
			],
		],
		body,
		key_id: `${masto}#main-key`,
		public_key_pem: publicKey.export({ type: "pkcs1", format: "pem" }),
		signed_at: Math.floor(now.getTime() / 1000),
	});
}
