// One Fedify server (an independent ActivityPub implementation) on a random
// 127.0.0.1 port that hosts several actors, each with its own type, name,
// key and inbox: /users/ID, /users/ID/inbox, the shared inbox /inbox.
// The signing tests use it to play organisations, people and a hostile
// server at once. lib/peer.mjs (one actor) is what the federation tests use;
// the Fedify facts written at its top hold here too.
//
// What a host records:
// - `received`: activities that reached an inbox listener, i.e. that Fedify
//   verified (HTTP Signature of the statement actor, fetched key): Accept,
//   Reject, Create, Update and any other activity.
// - `posts`: every POST that reached the host, as parsed JSON, with its path,
//   before any verification. Counting deliveries uses these (a verified
//   activity is also in `received`).
//
// Activities can be sent two ways: with Fedify's own sendActivity (typed
// vocabulary, RFC 9421 first knock) or as raw JSON signed with Fedify's
// signRequest (draft-cavage by default), for what the vocabulary lacks
// (Endorse) and for hostile shapes.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { MemoryKvStore, createFederation, signRequest } from '@fedify/fedify';
import {
  Accept, Activity, Application, Create, Endpoints, Follow, Group, Like, Organization,
  Person, PropertyValue, Reject, Service, Undo, Update,
} from '@fedify/vocab';

const CLASSES = { Organization, Person, Service, Group, Application };
const AP_ACCEPT = 'application/activity+json, application/ld+json';

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

export class PeerHost {
  // actors: { ID: { type, name, sharedInbox (default true), aliases: [URL strings],
  //                 websites: [URL strings], each a "Website" profile field } }
  // sharedKeys: one RSA key pair for every actor (cheap for many actors).
  constructor({ actors = {}, sharedKeys = false, firstKnock } = {}) {
    this.actors = new Map();
    for (const [id, spec] of Object.entries(actors)) this.addActor(id, spec);
    this.sharedKeys = sharedKeys;
    this.firstKnock = firstKnock;
    this.keys = new Map();
    this.received = [];
    this.posts = [];
    this.gets = [];
    this.errors = [];
    this.waiters = [];
    this.server = null;
  }

  // Adds (or replaces) an actor; usable after start().
  addActor(id, { type = 'Organization', name = id, sharedInbox = true, aliases = [], websites = [] } = {}) {
    if (!CLASSES[type]) throw new Error(`unknown actor type ${type}`);
    this.actors.set(id, { type, name, sharedInbox, aliases, websites });
  }

  // RSA-2048 (what Mastodon uses): Fedify's generateCryptoKeyPair makes
  // 4096-bit keys, seconds each on a small machine, which would stretch a
  // burst of signatures over several batch windows.
  async keyPair(id) {
    const k = this.sharedKeys ? '*' : id;
    if (!this.keys.has(k)) {
      this.keys.set(k, crypto.subtle.generateKey({
        name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256',
      }, true, ['sign', 'verify']));
    }
    return this.keys.get(k);
  }

  async start() {
    await Promise.all([...this.actors.keys()].map((id) => this.keyPair(id)));
    const opts = { kv: new MemoryKvStore(), allowPrivateAddress: true };
    if (this.firstKnock) opts.firstKnock = this.firstKnock;
    this.federation = createFederation(opts);

    this.federation
      .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
        const spec = this.actors.get(identifier);
        if (!spec) return null;
        const keys = await ctx.getActorKeyPairs(identifier);
        const props = {
          id: ctx.getActorUri(identifier),
          preferredUsername: identifier,
          name: spec.name,
          url: ctx.getActorUri(identifier),
          inbox: ctx.getInboxUri(identifier),
          publicKey: keys[0].cryptographicKey,
        };
        if (spec.sharedInbox) props.endpoints = new Endpoints({ sharedInbox: ctx.getInboxUri() });
        if (spec.aliases.length) props.aliases = spec.aliases.map((u) => new URL(u));
        if (spec.websites.length) {
          props.attachments = spec.websites.map((u) => new PropertyValue({
            name: 'Website', value: `<a href="${u}" rel="me nofollow noopener">${u}</a>`,
          }));
        }
        return new CLASSES[spec.type](props);
      })
      .setKeyPairsDispatcher(async (_ctx, identifier) => (
        this.actors.has(identifier) ? [await this.keyPair(identifier)] : []));

    const record = (kind) => async (ctx, activity) => {
      const entry = {
        type: kind,
        id: activity.id?.href ?? null,
        actor: activity.actorId?.href ?? null,
        object: activity.objectId?.href ?? null,
        recipient: ctx.recipient,          // the actor whose inbox it was; null: shared inbox
        path: ctx.data?.path ?? null,
        raw: ctx.data?.raw ?? null,        // the body as sent, parsed
        json: await activity.toJsonLd(),
      };
      this.received.push(entry);
      this.waiters = this.waiters.filter((w) => !w(entry));
    };
    this.federation
      .setInboxListeners('/users/{identifier}/inbox', '/inbox')
      .on(Accept, record('Accept'))
      .on(Reject, record('Reject'))
      .on(Create, record('Create'))
      .on(Update, record('Update'))
      .on(Activity, record('Activity'))
      .onError((_ctx, e) => { this.errors.push(String(e?.stack ?? e)); });

    this.server = http.createServer(async (req, res) => {
      try {
        const body = await readBody(req);
        let raw = null;
        if (req.method === 'POST') {
          try { raw = JSON.parse(body.toString('utf8')); } catch { /* not JSON */ }
          this.posts.push({ path: req.url, json: raw, at: Date.now() });
        } else {
          this.gets.push({ path: req.url, headers: { ...req.headers } });
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) {
          if (Array.isArray(v)) v.forEach((x) => headers.append(k, x)); else if (v != null) headers.set(k, v);
        }
        const request = new Request(`${this.base}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        });
        const response = await this.federation.fetch(request, {
          contextData: { path: req.url, raw },
          onNotFound: () => new Response('not found', { status: 404 }),
          onNotAcceptable: () => new Response('not acceptable', { status: 406 }),
        });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e?.stack ?? e));
      }
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.base = `http://127.0.0.1:${this.port}`;
    this.ctx = this.federation.createContext(new URL(this.base), { path: null, raw: null });
    return this;
  }

  // Lets requests in flight finish, then closes; connections still open after 2 s are cut.
  async stop() {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    const cut = setTimeout(() => server.closeAllConnections(), 2000);
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeIdleConnections();
    });
    clearTimeout(cut);
  }

  actorId(id) { return this.ctx.getActorUri(id).href; }
  inboxPath(id) { return id == null ? '/inbox' : `/users/${id}/inbox`; }

  // Resolves an object (the statement actor) by URL, as Fedify fetches any document.
  lookup(url) { return this.ctx.lookupObject(url); }

  newId(kind) { return `${this.base}/activities/${kind.toLowerCase()}/${randomUUID()}`; }

  // Resolves to the first verified activity matching pred, waiting up to timeoutMs.
  waitFor(pred, timeoutMs = 20000, what = 'an activity') {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`peer host ${this.base}: ${what} did not arrive in ${timeoutMs} ms; got `
          + `${JSON.stringify(this.received.map((r) => `${r.type} ${r.recipient ?? '(shared)'}`))}`
          + `${this.errors.length ? `; inbox errors: ${this.errors.join(' | ')}` : ''}`));
      }, timeoutMs);
      const check = (entry) => {
        if (!pred(entry)) return false;
        clearTimeout(timer);
        resolve(entry);
        return true;
      };
      this.waiters.push(check);
    });
  }

  // Fedify's own delivery of a vocabulary activity as actor `id` (throws on non-2xx).
  send(id, recipient, activity, { sharedInbox = false } = {}) {
    return this.ctx.sendActivity({ identifier: id }, recipient, activity,
      { immediate: true, preferSharedInbox: sharedInbox });
  }

  async follow(id, statement) {
    const act = new Follow({ id: new URL(this.newId('Follow')), actor: new URL(this.actorId(id)), object: statement.id });
    await this.send(id, statement, act);
    return act;
  }

  async like(id, statement, noteId) {
    const act = new Like({ id: new URL(this.newId('Like')), actor: new URL(this.actorId(id)), object: new URL(noteId) });
    await this.send(id, statement, act);
    return act;
  }

  async undo(id, statement, activity) {
    const act = new Undo({ id: new URL(this.newId('Undo')), actor: new URL(this.actorId(id)), object: activity });
    await this.send(id, statement, act);
    return act;
  }

  // POSTs `doc` (an object, JSON-encoded here, or a string sent as is) to url,
  // signed by actor `id`'s key with Fedify's signRequest; resolves { status, text }.
  async post(id, url, doc, { spec, keyOf = id, contentType = 'application/activity+json' } = {}) {
    if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing non-loopback URL ${url}`);
    const body = typeof doc === 'string' ? doc : JSON.stringify(doc);
    const keys = await this.keyPair(keyOf);
    const req = new Request(url, { method: 'POST', headers: { 'Content-Type': contentType, Accept: AP_ACCEPT }, body });
    const signed = await signRequest(req, keys.privateKey, new URL(`${this.actorId(keyOf)}#main-key`),
      spec ? { spec } : {});
    const res = await fetch(url, {
      method: 'POST', headers: signed.headers, body: await signed.clone().arrayBuffer(),
      signal: AbortSignal.timeout(20000),
    });
    return { status: res.status, text: await res.text() };
  }
}
