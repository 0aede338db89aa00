// Interop with an independent implementation: a Fedify peer on loopback
// resolves the statement, follows it, receives and verifies our signed
// Accept, favourites and boosts the post, and undoes each; both sides are
// checked. Then hostile inbox requests, each refused with the right status.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signRequest } from '@fedify/fedify';
import { Like } from '@fedify/vocab';
import { Peer } from './lib/peer.mjs';
import { AP_ACCEPT, HTML_ACCEPT, SLUG, getAP, htmlText, request, start, totalItems } from './lib/server.mjs';

// Set to true once the server has an inbox (issue 3); until then these tests
// are reported as skipped, not passed.
const INBOX_READY = true;
const SKIP = INBOX_READY ? false : 'inbox not implemented yet';

const ACCEPT_WAIT_MS = 20000;
const COUNT_WAIT_MS = 15000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` until it returns a truthy value or `ms` pass; returns the last value.
async function eventually(fn, ms = COUNT_WAIT_MS) {
  const deadline = Date.now() + ms;
  let v;
  while (Date.now() < deadline) {
    v = await fn();
    if (v) return v;
    await sleep(150);
  }
  return v;
}


// Signs `body` as the peer (draft-cavage unless spec says otherwise) and POSTs
// it; `mutate` may change headers before signing (a stale Date, a wrong Digest),
// `after` may change the request after signing (a different body).
async function signedPost(peer, url, body, { contentType = 'application/activity+json', spec, keyId, mutate, tamperBody } = {}) {
  const headers = new Headers({ 'Content-Type': contentType, Accept: AP_ACCEPT });
  if (mutate) mutate(headers);
  const req = new Request(url, { method: 'POST', headers, body });
  const signed = await signRequest(req, peer.keys.privateKey, keyId ?? new URL(`${peer.actorId.href}#main-key`),
    spec ? { spec } : {});
  const finalBody = tamperBody ?? (await signed.clone().arrayBuffer());
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body: finalBody, signal: AbortSignal.timeout(15000) });
  const text = await res.text();
  return { status: res.status, text };
}

describe('a Fedify peer follows, favourites, boosts and undoes', { skip: SKIP }, () => {
  let srv;
  let peer;
  let statement;        // the statement actor as Fedify parsed it
  let follow;
  let like;
  let announce;
  let noteId;

  before(async () => {
    srv = await start();
    peer = await new Peer({ type: 'Organization' }).start();
    noteId = `${srv.actorUrl()}/post`;
  });
  after(async () => {
    await peer?.stop();
    await srv?.stop();
  });

  test('resolves @slug@host through WebFinger', async () => {
    statement = await peer.lookupStatement(SLUG, srv.host);
    assert.ok(statement, 'Fedify resolved the handle');
    assert.equal(statement.id.href, srv.actorUrl());
    assert.equal(statement.inboxId.href, `${srv.actorUrl()}/inbox`);
    assert.equal(statement.preferredUsername, SLUG);
  });

  test('resolves the actor by URL and reads its key', async () => {
    const byUrl = await peer.lookup(srv.actorUrl());
    assert.equal(byUrl.id.href, srv.actorUrl());
    const key = await byUrl.getPublicKey();
    assert.equal(key.id.href, `${srv.actorUrl()}#main-key`);
    assert.equal(key.ownerId.href, srv.actorUrl());
  });

  test('Follow is accepted with a signed Accept that Fedify verifies', async () => {
    follow = await peer.follow(statement);
    const accept = await peer.waitFor((a) => a.type === 'Accept', ACCEPT_WAIT_MS);
    assert.equal(accept.actor, srv.actorUrl());
    assert.equal(accept.object, follow.id.href, 'the Accept names our Follow');
    const sigReq = peer.requests.find((r) => r.method === 'POST' && (r.headers.signature || r.headers['signature-input']));
    assert.ok(sigReq, 'the Accept arrived signed');
  });

  test('our server fetched the peer actor signed by its instance actor', () => {
    const gets = peer.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/users/peer'));
    assert.ok(gets.length >= 1, 'the server fetched the peer actor');
    const signed = gets.filter((r) => /\/actor#main-key/.test(`${r.headers.signature ?? ''}${r.headers['signature-input'] ?? ''}`));
    assert.ok(signed.length >= 1, `signed with ${srv.url('/actor#main-key')}: ${JSON.stringify(gets.map((g) => g.headers.signature))}`);
  });

  test('the follower is listed and counted', async () => {
    const n = await eventually(async () => (await totalItems(`${srv.actorUrl()}/followers`)) === 1);
    assert.ok(n, 'followers totalItems 1');
    const page = await getAP(`${srv.actorUrl()}/followers?page=1`);
    assert.ok(JSON.stringify(page.json).includes(peer.actorId.href), 'the peer is in the followers page');
  });

  test('Like of the post is counted in likes', async () => {
    like = await peer.like(statement, noteId);
    const note = (await getAP(noteId)).json;
    const likesUrl = typeof note.likes === 'string' ? note.likes : note.likes?.id;
    assert.equal(likesUrl, `${noteId}/likes`);
    assert.ok(await eventually(async () => (await totalItems(likesUrl)) === 1), 'likes totalItems 1');
  });

  test('the same Like id twice changes nothing', async () => {
    const again = new Like({ id: like.id, actor: peer.actorId, object: new URL(noteId) });
    await peer.send(statement, again);
    await sleep(500);
    assert.equal(await totalItems(`${noteId}/likes`), 1);
  });

  test('Announce of the post, through the shared inbox, is counted in shares', async () => {
    announce = await peer.announce(statement, noteId, { sharedInbox: true });
    const note = (await getAP(noteId)).json;
    const sharesUrl = typeof note.shares === 'string' ? note.shares : note.shares?.id;
    assert.equal(sharesUrl, `${noteId}/shares`);
    assert.ok(await eventually(async () => (await totalItems(sharesUrl)) === 1), 'shares totalItems 1');
  });

  test('the page shows the counts', async () => {
    const h = await request(srv.actorUrl(), { accept: HTML_ACCEPT });
    assert.equal(h.status, 200);
    const text = htmlText(h.text);
    assert.ok(/\b1\s+follower/i.test(text) || /followers?\W{0,5}1\b/i.test(text), `one follower on the page: ${text.slice(0, 300)}`);
  });

  test('Undo of the Like and the Announce', async () => {
    await peer.undo(statement, like);
    await peer.undo(statement, announce);
    assert.ok(await eventually(async () => (await totalItems(`${noteId}/likes`)) === 0), 'likes back to 0');
    assert.ok(await eventually(async () => (await totalItems(`${noteId}/shares`)) === 0), 'shares back to 0');
  });

  test('Undo of the Follow', async () => {
    await peer.undo(statement, follow);
    assert.ok(await eventually(async () => (await totalItems(`${srv.actorUrl()}/followers`)) === 0), 'followers back to 0');
  });

  test('the server is still healthy', () => srv.assertAlive());
});

for (const spec of ['draft-cavage-http-signatures-12', 'rfc9421']) {
  describe(`a follow signed with ${spec} only`, { skip: SKIP }, () => {
    let srv;
    let peer;
    before(async () => {
      srv = await start();
      peer = await new Peer({ type: 'Person', firstKnock: spec }).start();
    });
    after(async () => {
      await peer?.stop();
      await srv?.stop();
    });

    test('is accepted on the first knock', async () => {
      const statement = await peer.lookup(srv.actorUrl());
      const body = JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${peer.base}/activities/follow/${spec}`,
        type: 'Follow',
        actor: peer.actorId.href,
        object: statement.id.href,
      });
      const r = await signedPost(peer, `${srv.actorUrl()}/inbox`, body, { spec });
      assert.ok(r.status === 202 || r.status === 200, `status ${r.status}: ${r.text}`);
      const accept = await peer.waitFor((a) => a.type === 'Accept', ACCEPT_WAIT_MS);
      assert.equal(accept.actor, srv.actorUrl());
      assert.equal(await totalItems(`${srv.actorUrl()}/followers`), 1);
    });
  });
}

describe('hostile inbox requests', { skip: SKIP }, () => {
  let srv;
  let peer;
  let other;
  let inbox;
  let followers;
  const follow = (p, id = `${p.base}/activities/follow/${Math.random()}`) => JSON.stringify({
    '@context': 'https://www.w3.org/ns/activitystreams',
    id, type: 'Follow', actor: p.actorId.href, object: srv.actorUrl(),
  });

  before(async () => {
    srv = await start();
    peer = await new Peer().start();
    other = await new Peer().start();
    inbox = `${srv.actorUrl()}/inbox`;
    followers = `${srv.actorUrl()}/followers`;
  });
  after(async () => {
    await other?.stop();
    await peer?.stop();
    await srv?.stop();
  });

  test('no signature: 401', async () => {
    const r = await request(inbox, { method: 'POST', headers: { 'Content-Type': 'application/activity+json' }, body: follow(peer) });
    assert.equal(r.status, 401, r.text);
    assert.ok(r.json, `JSON reason: ${r.text}`);
  });

  test('signer is not the actor: 401', async () => {
    const r = await signedPost(peer, inbox, follow(other));
    assert.equal(r.status, 401, r.text);
  });

  test('unknown key: 401', async () => {
    const r = await signedPost(peer, inbox, follow(peer), { keyId: new URL(`${peer.base}/users/nobody#main-key`) });
    assert.equal(r.status, 401, r.text);
  });

  test('a key that is not the signer\'s: 401', async () => {
    const r = await signedPost(peer, inbox, follow(peer), { keyId: new URL(`${other.actorId.href}#main-key`) });
    assert.equal(r.status, 401, r.text);
  });

  test('stale and future dates: 401', async () => {
    for (const shift of [-2 * 3600e3, 2 * 3600e3]) {
      const r = await signedPost(peer, inbox, follow(peer), {
        mutate: (h) => h.set('Date', new Date(Date.now() + shift).toUTCString()),
      });
      assert.equal(r.status, 401, `${shift}: ${r.text}`);
    }
  });

  test('digest mismatch: 400 or 401', async () => {
    const r = await signedPost(peer, inbox, follow(peer), {
      tamperBody: follow(peer, `${peer.base}/activities/follow/tampered`),
    });
    assert.ok([400, 401].includes(r.status), `status ${r.status}: ${r.text}`);
  });

  test('body over the limit: 413', async () => {
    const big = JSON.stringify({ type: 'Note', content: 'x'.repeat(300 * 1024) });
    const r = await signedPost(peer, inbox, big);
    assert.equal(r.status, 413, r.text);
  });

  test('not JSON, wrong shape, deep nesting: 400', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const body of ['this is not json', '[1,2,3]', '{"type":42}', deep]) {
      const r = await signedPost(peer, inbox, body);
      assert.equal(r.status, 400, `${body.slice(0, 20)}: ${r.status} ${r.text}`);
    }
  });

  test('wrong content type: 415', async () => {
    const r = await signedPost(peer, inbox, follow(peer), { contentType: 'text/plain' });
    assert.equal(r.status, 415, r.text);
  });

  test('nothing was stored and the server lives on', async () => {
    assert.equal(await totalItems(followers), 0);
    assert.equal(peer.received.length, 0, 'no Accept went out');
    srv.assertAlive();
  });
});
