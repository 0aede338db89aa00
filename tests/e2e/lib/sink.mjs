// A crowd of fediverse actors on one loopback port, built on node:crypto
// alone: it serves their actor documents, signs their activities the way
// Mastodon does (draft-cavage, rsa-sha256 over (request-target) host date
// digest), and records every POST to their inboxes after verifying its HTTP
// Signature against a key the test trusts (the statement's).
//
// Each actor is a Person unless told (an Organization's Follow is a signature),
// and can misbehave, to test the server against hostile peers:
//   doc:   'ok' | 'hang' (never answers) | 'trickle' (one byte every 200 ms,
//          never ends) | 'huge' (an endless body) | 'loop' (redirects to itself)
//   inbox: 'ok' (202 after sink.delayMs) | 'gone' (410) | 'error' (503,
//          Retry-After: 1) | 'hang' | 'huge' (202 with an endless body)
// Only 127.0.0.1 is used.

import { createHash, generateKeyPairSync, sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import http from 'node:http';
import { getAP } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MAX_BODY = 1024 * 1024;

// One key pair for the whole crowd: the server keys its cache by key id, and
// RSA key generation is the slow part of starting a sink.
let sharedKeys = null;
function crowdKeys() {
  sharedKeys ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return sharedKeys;
}

export function digestOf(body) {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

// Parses a draft-cavage Signature header into { keyId, algorithm, headers, signature }.
export function parseSignature(value) {
  const out = {};
  for (const m of String(value ?? '').matchAll(/([a-zA-Z]+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

export class Sink {
  constructor({ delayMs = 0 } = {}) {
    this.delayMs = delayMs;      // how long an 'ok' inbox takes to answer
    this.actors = new Map();     // name -> { doc, inbox }
    this.trusted = new Map();    // keyId -> public key PEM
    this.posts = [];             // every inbox POST: { actor, status, verified, why, json, at, answeredAt }
    this.gets = [];              // every GET: { url, at, signed }
    this.bytesSent = new Map();  // actor name -> body bytes written for 'huge' answers
    this.sockets = new Set();
    this.waiters = [];
    this.server = null;
  }

  async start() {
    this.keys = crowdKeys();
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e?.stack ?? e));
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.base = `http://127.0.0.1:${this.port}`;
    this.authority = `127.0.0.1:${this.port}`;
    return this;
  }

  // Cuts every connection (hanging ones included) and closes.
  async stop() {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  // Registers actor `name`; returns its URLs.
  actor(name, { doc = 'ok', inbox = 'ok', type = 'Person' } = {}) {
    this.actors.set(name, { doc, inbox, type });
    return this.ids(name);
  }

  ids(name) {
    const id = `${this.base}/users/${name}`;
    return { id, keyId: `${id}#main-key`, inbox: `${id}/inbox` };
  }

  // POSTs to the statement's inbox are checked with this key.
  trust(keyId, pem) {
    this.trusted.set(keyId, pem);
  }

  // Fetches the statement actor of `srv` and trusts its key; resolves the actor document.
  async trustStatement(srv) {
    const actor = (await getAP(srv.actorUrl())).json;
    this.trust(actor.publicKey.id, actor.publicKey.publicKeyPem);
    return actor;
  }

  // The document the server fetches for the actor (and its key).
  document(name) {
    const { id, keyId, inbox } = this.ids(name);
    return {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
      id,
      type: this.actors.get(name)?.type ?? 'Person',
      preferredUsername: name,
      name: `Sink actor ${name}`,
      inbox,
      outbox: `${id}/outbox`,
      followers: `${id}/followers`,
      url: id,
      publicKey: { id: keyId, owner: id, publicKeyPem: this.keys.publicKey },
    };
  }

  // Headers of a POST of `body` to `url`, signed as actor `name`.
  signedHeaders(name, url, body) {
    const u = new URL(url);
    const date = new Date().toUTCString();
    const digest = digestOf(body);
    const target = `${u.pathname}${u.search}`;
    const str = `(request-target): post ${target}\nhost: ${u.host}\ndate: ${date}\ndigest: ${digest}`;
    const sig = rsaSign('sha256', Buffer.from(str), this.keys.privateKey).toString('base64');
    return {
      Host: u.host,
      Date: date,
      Digest: digest,
      'Content-Type': 'application/activity+json',
      Signature: `keyId="${this.ids(name).keyId}",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="${sig}"`,
    };
  }

  // POSTs `activity` signed as `name`; resolves { status, text } or
  // { status: 0, error } when the connection failed (the server died).
  async post(name, url, activity, { timeoutMs = 30000 } = {}) {
    if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing non-loopback URL ${url}`);
    const body = typeof activity === 'string' ? activity : JSON.stringify(activity);
    try {
      const res = await fetch(url, {
        method: 'POST', headers: this.signedHeaders(name, url, body), body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      return { status: 0, error: String(e?.cause?.code ?? e?.name ?? e) };
    }
  }

  follow(name, statementId, n = 1) {
    const { id } = this.ids(name);
    return {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${id}/follows/${n}`, type: 'Follow', actor: id, object: statementId,
    };
  }

  like(name, objectId, n = 1) {
    const { id } = this.ids(name);
    return {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${id}/likes/${n}`, type: 'Like', actor: id, object: objectId,
    };
  }

  // Inbox POSTs that verified, for actor `name` (all actors when null).
  accepted(name = null) {
    return this.posts.filter((p) => p.verified && (name == null || p.actor === name));
  }

  // Resolves once `pred()` is true, polling; rejects after `ms`.
  async until(pred, ms, what = 'condition') {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (pred()) return;
      await sleep(100);
    }
    if (!pred()) throw new Error(`sink: ${what} not reached in ${ms} ms`);
  }

  verify(req, body) {
    const sig = parseSignature(req.headers.signature);
    const pem = this.trusted.get(sig.keyId);
    if (!pem) return `untrusted keyId ${sig.keyId}`;
    if (sig.algorithm !== 'rsa-sha256') return `algorithm ${sig.algorithm}`;
    const covered = (sig.headers ?? '').split(' ');
    for (const h of ['(request-target)', 'host', 'date', 'digest']) {
      if (!covered.includes(h)) return `${h} not signed`;
    }
    if (req.headers.digest !== digestOf(body)) return 'digest mismatch';
    const age = Math.abs(Date.now() - Date.parse(req.headers.date));
    if (!(age < 5 * 60 * 1000)) return `date ${req.headers.date}`;
    const lines = covered.map((h) => (h === '(request-target)'
      ? `(request-target): ${req.method.toLowerCase()} ${req.url}`
      : `${h}: ${req.headers[h]}`));
    const ok = rsaVerify('sha256', Buffer.from(lines.join('\n')), pem, Buffer.from(sig.signature ?? '', 'base64'));
    return ok ? null : 'signature does not verify';
  }

  async handle(req, res) {
    const m = /^\/users\/([^/?#]+)(\/inbox)?(?:\?.*)?$/.exec(req.url);
    const name = m?.[1];
    const who = name && this.actors.get(name);
    if (!who) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such actor');
      return;
    }
    if (req.method === 'GET' && !m[2]) {
      this.gets.push({ actor: name, url: req.url, at: Date.now(), signed: !!req.headers.signature });
      return this.serveDocument(name, who.doc, req, res);
    }
    if (req.method === 'POST' && m[2]) {
      const chunks = [];
      let size = 0;
      for await (const c of req) {
        size += c.length;
        if (size > MAX_BODY) break;
        chunks.push(c);
      }
      const body = Buffer.concat(chunks);
      const why = this.verify(req, body);
      let json = null;
      try { json = JSON.parse(body.toString('utf8')); } catch { /* not JSON */ }
      const entry = { actor: name, verified: why == null, why, json, at: Date.now(), answeredAt: null, status: null };
      this.posts.push(entry);
      return this.answerInbox(name, who.inbox, entry, res);
    }
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('method not allowed');
  }

  async serveDocument(name, mode, req, res) {
    switch (mode) {
      case 'hang':
        return; // the socket stays open until the client gives up
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/activity+json' });
        const timer = setInterval(() => res.write(' '), 200);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'huge':
        return this.endless(name, res, 200, { 'content-type': 'application/activity+json' });
      case 'loop': {
        const n = Number(new URL(req.url, this.base).searchParams.get('n') ?? 0);
        res.writeHead(302, { location: `${this.base}/users/${name}?n=${n + 1}` });
        res.end();
        return;
      }
      default:
        res.writeHead(200, { 'content-type': 'application/activity+json' });
        res.end(JSON.stringify(this.document(name)));
    }
  }

  async answerInbox(name, mode, entry, res) {
    const answer = (status, headers = {}) => {
      entry.status = status;
      res.on('finish', () => { entry.answeredAt = Date.now(); });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end('{}');
    };
    switch (mode) {
      case 'gone': return answer(410);
      case 'error': return answer(503, { 'retry-after': '1' });
      case 'hang': return undefined;
      case 'huge': return this.endless(name, res, 202, { 'content-type': 'application/json' });
      default:
        if (this.delayMs > 0) await sleep(this.delayMs);
        if (res.destroyed) return undefined; // the server went away meanwhile
        return answer(202);
    }
  }

  // Writes 64 KiB chunks for as long as the client reads; counts the bytes.
  endless(name, res, status, headers) {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    res.writeHead(status, headers);
    const pump = () => {
      while (!res.destroyed) {
        this.bytesSent.set(name, (this.bytesSent.get(name) ?? 0) + chunk.length);
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    res.on('error', () => {});
    pump();
  }
}
