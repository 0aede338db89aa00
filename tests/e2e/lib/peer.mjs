// A fediverse peer built on Fedify (an independent ActivityPub implementation),
// served over Node's http on a random 127.0.0.1 port. It looks up the
// statement, follows it, receives our signed Accept (Fedify verifies the HTTP
// Signature before any inbox listener runs), likes and boosts the post and
// undoes each.
//
// Fedify facts this relies on (read from @fedify/fedify 2.3.6 and
// @fedify/webfinger 2.3.6 as installed):
// - createFederation({ kv, allowPrivateAddress: true }) lets its document
//   loader, WebFinger client and delivery reach 127.0.0.1; http: URLs are
//   fetched as given.
// - WebFinger for an acct: handle is always built as https://HOST/.well-known/
//   webfinger (lookupWebFingerInternal sets protocol "https:" for acct: and
//   mailto:), so ctx.lookupObject('@slug@127.0.0.1:PORT') cannot reach a
//   plain-http server. lookupStatement() below therefore resolves the handle
//   through Fedify's own WebFinger client with fetch() steered from
//   https://HOST to http://HOST for that one loopback authority, and also
//   offers resolving the actor by its URL, which Fedify fetches over http.
// - Without a message queue, ctx.sendActivity() delivers at once and throws
//   on a non-2xx answer. The first knock is RFC 9421 (firstKnock default),
//   falling back to draft-cavage on 4xx; firstKnock can be set per peer.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import {
  MemoryKvStore, createFederation, generateCryptoKeyPair,
} from '@fedify/fedify';
import {
  Accept, Announce, Delete, Endpoints, Follow, Like, Note, Organization, PUBLIC_COLLECTION, Person, Reject,
  Undo, Update,
} from '@fedify/vocab';

// Endorse and other types outside the vocabulary reach the catch-all listener.
import { Activity } from '@fedify/vocab';

const PEER_ID = 'peer';

// Runs `fn` with fetch() rewriting https://AUTHORITY/ to http://AUTHORITY/
// for the one loopback authority given; anything else goes through as is.
async function withHttpFor(authority, fn) {
  const real = globalThis.fetch;
  const prefix = `https://${authority}/`;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(prefix)) {
      const to = `http://${authority}/${url.slice(prefix.length)}`;
      return real(input instanceof Request ? new Request(to, input) : to, init);
    }
    return real(input, init);
  };
  try {
    return await fn();
  } finally {
    globalThis.fetch = real;
  }
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

export class Peer {
  // type: 'Organization' (a signatory) or 'Person' (a follower only).
  // firstKnock: 'rfc9421' (Fedify's default) or 'draft-cavage-http-signatures-12'.
  constructor({ type = 'Organization', firstKnock } = {}) {
    this.type = type;
    this.firstKnock = firstKnock;
    this.received = [];      // verified activities: { type, id, actor, object, json }
    this.requests = [];      // every request to the peer: { method, url, headers }
    this.waiters = [];
    this.server = null;
  }

  async start() {
    this.keys = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
    const opts = { kv: new MemoryKvStore(), allowPrivateAddress: true };
    if (this.firstKnock) opts.firstKnock = this.firstKnock;
    this.federation = createFederation(opts);
    const ActorClass = this.type === 'Person' ? Person : Organization;

    this.federation
      .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
        if (identifier !== PEER_ID) return null;
        const keys = await ctx.getActorKeyPairs(identifier);
        return new ActorClass({
          id: ctx.getActorUri(identifier),
          preferredUsername: PEER_ID,
          name: this.type === 'Person' ? 'Peer Person' : 'Peer Organisation',
          url: ctx.getActorUri(identifier),
          inbox: ctx.getInboxUri(identifier),
          endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
          publicKey: keys[0].cryptographicKey,
        });
      })
      .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === PEER_ID ? [this.keys] : []));

    // A post of the peer's at /notes/ID (what an organisation can Endorse by its URL).
    this.federation.setObjectDispatcher(Note, '/notes/{id}', (ctx, values) => new Note({
      id: ctx.getObjectUri(Note, values),
      attribution: ctx.getActorUri(PEER_ID),
      to: PUBLIC_COLLECTION,
      content: `<p>A statement of the peer (${values.id}).</p>`,
    }));

    const record = (kind) => async (ctx, activity) => {
      const json = await activity.toJsonLd();
      const entry = {
        type: kind,
        id: activity.id?.href ?? null,
        actor: activity.actorId?.href ?? null,
        object: activity.objectId?.href ?? null,
        json,
      };
      this.received.push(entry);
      this.waiters = this.waiters.filter((w) => !w(entry));
    };
    // Any other activity (Follow of the peer, Endorse...), recorded under its own type.
    const recordAny = async (ctx, activity) => {
      const t = (await activity.toJsonLd()).type;
      const type = String(Array.isArray(t) ? t[0] : t ?? 'Activity').replace(/^.*[#:/]/, '');
      return record(type)(ctx, activity);
    };
    this.federation
      .setInboxListeners('/users/{identifier}/inbox', '/inbox')
      .on(Follow, record('Follow'))
      .on(Activity, recordAny)
      .on(Accept, record('Accept'))
      .on(Reject, record('Reject'))
      .on(Note, record('Note'))
      .on(Update, record('Update'))
      .on(Delete, record('Delete'))
      .on(Announce, record('Announce'));

    this.server = http.createServer(async (req, res) => {
      try {
        const body = await readBody(req);
        const seen = { method: req.method, url: req.url, headers: { ...req.headers }, body: body.toString('utf8') };
        this.requests.push(seen);
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
          contextData: undefined,
          onNotFound: () => new Response('not found', { status: 404 }),
          onNotAcceptable: () => new Response('not acceptable', { status: 406 }),
        });
        seen.status = response.status;  // Fedify's verdict: 401 for a bad signature
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
    this.ctx = this.federation.createContext(new URL(this.base), undefined);
    this.actorId = this.ctx.getActorUri(PEER_ID);
    return this;
  }

  // Lets requests in flight finish (an inbox listener runs before its 202 is
  // written), then closes; connections still open after 2 s are cut.
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

  // Resolves @slug@authority the way Fedify does for any handle (WebFinger,
  // then the self link), with WebFinger steered to plain http for this one
  // loopback authority (see the header comment). Returns the actor or null.
  async lookupStatement(slug, authority) {
    return withHttpFor(authority, () => this.ctx.lookupObject(`@${slug}@${authority}`));
  }

  // Resolves an object by URL over http, as Fedify fetches any document.
  lookup(url) {
    return this.ctx.lookupObject(url);
  }

  // Resolves to the first verified inbox activity matching `pred`, waiting up
  // to `timeoutMs` for it to arrive.
  waitFor(pred, timeoutMs = 20000) {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`peer: nothing matching arrived in ${timeoutMs} ms; got ${JSON.stringify(this.received.map((r) => r.type))}`));
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

  // The URL of one of the peer's posts (served at /notes/ID).
  noteUrl(id = 'statement') {
    return this.ctx.getObjectUri(Note, { id }).href;
  }

  // Sends a Reject of the activity activityId to the actor at actorUrl, signed.
  async reject(actorUrl, activityId) {
    const recipient = await this.lookup(actorUrl);
    const act = new Reject({ id: this.newId('Reject'), actor: this.actorId, object: new URL(activityId) });
    await this.send(recipient, act);
    return act;
  }

  newId(kind) {
    return new URL(`${this.base}/activities/${kind.toLowerCase()}/${randomUUID()}`);
  }

  // Sends `activity` to `recipient` (an actor object from lookup), signed;
  // to its shared inbox when `sharedInbox` is true.
  send(recipient, activity, { sharedInbox = false } = {}) {
    return this.ctx.sendActivity({ identifier: PEER_ID }, recipient, activity,
      { immediate: true, preferSharedInbox: sharedInbox });
  }

  async follow(statementActor) {
    const act = new Follow({ id: this.newId('Follow'), actor: this.actorId, object: statementActor.id });
    await this.send(statementActor, act);
    return act;
  }

  async like(statementActor, noteId) {
    const act = new Like({ id: this.newId('Like'), actor: this.actorId, object: new URL(noteId) });
    await this.send(statementActor, act);
    return act;
  }

  async announce(statementActor, noteId, opts = {}) {
    const act = new Announce({
      id: this.newId('Announce'),
      actor: this.actorId,
      object: new URL(noteId),
      to: PUBLIC_COLLECTION,
    });
    await this.send(statementActor, act, opts);
    return act;
  }

  async undo(statementActor, activity) {
    const act = new Undo({ id: this.newId('Undo'), actor: this.actorId, object: activity });
    await this.send(statementActor, act);
    return act;
  }
}
