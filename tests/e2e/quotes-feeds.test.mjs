// Quotes, remote interaction, feeds and the cached page, against the real
// binary on loopback:
// - a Fedify peer sends QuoteRequests (the quoting post embedded, or by URL
//   for us to fetch); each gets a signed Accept whose result is a
//   QuoteAuthorization that dereferences (also through Fedify's JSON-LD
//   parser), the page counts the quotes, a Delete of a quoting post takes it
//   out of the count and its authorization answers 410; a request whose post
//   does not quote ours gets a Reject;
// - the follow / sign form sends the reader to their own server, found
//   through loopback fake servers' WebFinger: Mastodon-like (OStatus
//   subscribe template), FEP-3b86 intents, none at all, and a hostile one;
// - the Atom and RSS feeds parse as XML (xmllint) and say what they should;
// - the page answers 304 to a matching If-None-Match, and a new one after a
//   change.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  Delete, Note, PUBLIC_COLLECTION, QuoteAuthorization, QuoteRequest, Tombstone,
} from '@fedify/vocab';
import { Peer } from './lib/peer.mjs';
import { AP_ACCEPT, HTML_ACCEPT, SLUG, getAP, request, start } from './lib/server.mjs';

const WAIT_MS = 20000;
const AS_PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function eventually(fn, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let v;
  while (Date.now() < deadline) {
    v = await fn();
    if (v) return v;
    await sleep(150);
  }
  return v;
}

// The page's counts as "N quotes", "N boosts"...: a number for the label.
async function pageCount(srv, label) {
  const r = await request(srv.url(`/s/${SLUG}`), { accept: HTML_ACCEPT });
  assert.equal(r.status, 200);
  const m = new RegExp(`<li><strong>(\\d+)</strong> ${label}</li>`).exec(r.text);
  assert.ok(m, `the page shows a ${label} count`);
  return Number(m[1]);
}

// Whether xmllint finds `xml` well formed; its complaint otherwise.
function xmllint(xml) {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '-'], { input: xml, encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint missing (scripts/deps.sh installs libxml2-utils): ${r.error.message}`);
  return r.status === 0 ? '' : r.stderr;
}

// A loopback server that answers WebFinger with `jrd(resource, base)` (null: 404)
// and records what it was asked.
async function fakeServer(jrd) {
  const seen = [];
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    seen.push(req.url);
    if (url.pathname === '/.well-known/webfinger') {
      const body = jrd(url.searchParams.get('resource'), base);
      if (body) {
        res.writeHead(200, { 'content-type': 'application/jrd+json' });
        res.end(JSON.stringify(body));
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  const base = `http://127.0.0.1:${port}`;
  return { srv, seen, port, base, authority: `127.0.0.1:${port}`, close: () => new Promise((r) => srv.close(r)) };
}

describe('quotes (FEP-044f) with a Fedify peer', () => {
  let srv;
  let peer;
  let statement;
  let postUrl;
  let posts;               // where the peer's quoting posts are served, as JSON
  const notes = new Map(); // key -> Note

  before(async () => {
    srv = await start();
    peer = await new Peer({ type: 'Person' }).start();
    statement = await peer.lookup(srv.actorUrl());
    assert.ok(statement, 'the peer resolves the statement actor');
    postUrl = `${srv.actorUrl()}/post`;
    // The peer's posts, for the request that names its post by URL: on the
    // peer's host (127.0.0.1), as Fedify serialises them.
    posts = http.createServer(async (req, res) => {
      const note = notes.get(req.url.replace(/^\/notes\//, ''));
      if (!note) {
        res.writeHead(404).end();
        return;
      }
      posts.fetched.push(req.url);
      res.writeHead(200, { 'content-type': 'application/activity+json' });
      res.end(JSON.stringify(await note.toJsonLd()));
    });
    posts.fetched = [];
    await new Promise((resolve) => posts.listen(0, '127.0.0.1', resolve));
    posts.base = `http://127.0.0.1:${posts.address().port}`;
  });

  after(async () => {
    await peer?.stop();
    await srv?.stop();
    await new Promise((r) => (posts ? posts.close(r) : r()));
  });

  function quotingNote(key, quoted = postUrl) {
    const note = new Note({
      id: new URL(`${posts.base}/notes/${key}`),
      attribution: peer.actorId,
      content: `<p>Read this (${key})</p>`,
      quote: new URL(quoted),
      to: PUBLIC_COLLECTION,
    });
    notes.set(key, note);
    return note;
  }

  async function askToQuote(note, { embed = true } = {}) {
    const req = new QuoteRequest({
      id: peer.newId('QuoteRequest'),
      actor: peer.actorId,
      object: new URL(postUrl),
      instrument: embed ? note : note.id,
    });
    await peer.send(statement, req);
    return req;
  }

  test('the post lets anyone quote it, in terms Fedify understands', async () => {
    const r = await getAP(postUrl);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.interactionPolicy, { canQuote: { automaticApproval: [AS_PUBLIC] } });
    const note = await peer.lookup(postUrl);
    const rule = note.interactionPolicy?.canQuote;
    assert.ok(rule, 'Fedify reads interactionPolicy.canQuote through our @context');
    assert.deepEqual(rule.automaticApprovals.map((u) => u.href), [AS_PUBLIC]);
  });

  let firstAuth;
  test('a QuoteRequest with its post embedded gets an Accept whose QuoteAuthorization dereferences', async () => {
    const note = quotingNote('q1');
    const req = await askToQuote(note);
    const accept = await peer.waitFor((e) => e.type === 'Accept' && e.object === req.id.href, WAIT_MS);
    assert.equal(accept.actor, srv.actorUrl());
    const result = accept.json.result;
    assert.match(result, new RegExp(`^${srv.actorUrl()}/quotes/\\d+$`));
    firstAuth = result;

    const r = await getAP(result);
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/activity\+json/);
    assert.equal(r.json.id, result);
    assert.equal(r.json.type, 'QuoteAuthorization');
    assert.equal(r.json.attributedTo, srv.actorUrl());
    assert.equal(r.json.interactingObject, note.id.href);
    assert.equal(r.json.interactionTarget, postUrl);
    // and as Fedify reads it (JSON-LD expanded through our context)
    const auth = await peer.lookup(result);
    assert.ok(auth instanceof QuoteAuthorization, 'Fedify sees a QuoteAuthorization');
    assert.equal(auth.interactingObjectId?.href, note.id.href);
    assert.equal(auth.interactionTargetId?.href, postUrl);
    assert.equal(await eventually(async () => (await pageCount(srv, 'quotes?')) === 1), true);
  });

  test('asking again for the same post gives the same authorization', async () => {
    const req = await askToQuote(notes.get('q1'));
    const accept = await peer.waitFor((e) => e.type === 'Accept' && e.object === req.id.href, WAIT_MS);
    assert.equal(accept.json.result, firstAuth);
    assert.equal(await pageCount(srv, 'quotes?'), 1);
  });

  test('a QuoteRequest naming its post by URL: the post is fetched and checked', async () => {
    const note = quotingNote('q2');
    const req = await askToQuote(note, { embed: false });
    const accept = await peer.waitFor((e) => e.type === 'Accept' && e.object === req.id.href, WAIT_MS);
    assert.notEqual(accept.json.result, firstAuth);
    assert.deepEqual(posts.fetched, ['/notes/q2'], 'our server fetched the post');
    assert.equal(await eventually(async () => (await pageCount(srv, 'quotes?')) === 2), true);
  });

  test('a post that does not quote ours is rejected and not counted', async () => {
    const note = quotingNote('q3', `${srv.base}/s/${SLUG}`); // quotes the actor, not the post
    const req = await askToQuote(note);
    await peer.waitFor((e) => e.type === 'Reject' && e.object === req.id.href, WAIT_MS);
    assert.equal(await pageCount(srv, 'quotes?'), 2);
  });

  test('a Delete of a quoting post takes it out of the count; its authorization answers 410', async () => {
    const del = new Delete({
      id: peer.newId('Delete'),
      actor: peer.actorId,
      object: new Tombstone({ id: new URL(`${posts.base}/notes/q1`) }),
      to: PUBLIC_COLLECTION,
    });
    await peer.send(statement, del);
    assert.equal(await eventually(async () => (await pageCount(srv, 'quotes?')) === 1), true);
    const r = await getAP(firstAuth);
    assert.equal(r.status, 410);
    assert.equal(r.json.type, 'Tombstone');
    assert.equal((await getAP(`${srv.actorUrl()}/quotes/99999`)).status, 404);
    assert.equal((await getAP(`${srv.actorUrl()}/quotes/abc`)).status, 404);
    srv.assertAlive();
  });
});

describe('the follow / sign form sends the reader to their own server', () => {
  let srv;
  let actor;
  const fakes = [];

  before(async () => {
    srv = await start();
    actor = srv.actorUrl();
  });

  after(async () => {
    for (const f of fakes) await f.close();
    await srv?.stop();
  });

  const form = (params) => request(srv.url(`/authorize_interaction?${new URLSearchParams(params)}`));

  test('our WebFinger publishes the OStatus subscribe template', async () => {
    const r = await request(srv.url(`/.well-known/webfinger?resource=acct:${SLUG}@${srv.host}`));
    assert.equal(r.status, 200);
    const link = r.json.links.find((l) => l.rel === 'http://ostatus.org/schema/1.0/subscribe');
    assert.equal(link?.template, `${srv.base}/authorize_interaction?uri={uri}`);
    // following that template without an address leads to the page's form
    const to = await form({ uri: actor });
    assert.equal(to.status, 303);
    assert.equal(to.headers.get('location'), `${actor}#follow`);
  });

  test('a Mastodon-like server (subscribe template, no intents)', async () => {
    const m = await fakeServer((resource, base) => ({
      subject: resource,
      links: [
        { rel: 'self', type: 'application/activity+json', href: `${base}/users/alice` },
        { rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${base}/authorize_interaction?uri={uri}` },
      ],
    }));
    fakes.push(m);
    const r = await form({ uri: actor, acct: `alice@${m.authority}`, intent: 'follow' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `${m.base}/authorize_interaction?uri=${encodeURIComponent(actor)}`);
    assert.ok(m.seen.some((u) => u === `/.well-known/webfinger?resource=${encodeURIComponent(`acct:alice@${m.authority}`)}`),
      `WebFinger asked for the reader's account: ${m.seen}`);
    // signing: no Create intent there, so Mastodon's share page with the text
    const s = await form({ uri: actor, acct: `@alice@${m.authority}`, intent: 'sign' });
    assert.equal(s.status, 303);
    assert.equal(s.headers.get('location'),
      `https://${m.authority}/share?text=${encodeURIComponent(`@${SLUG}@${srv.host} sign`)}`);
  });

  test('a server with FEP-3b86 activity intents', async () => {
    const e = await fakeServer((resource, base) => ({
      subject: resource,
      links: [
        { rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${base}/old?uri={uri}` },
        { rel: 'https://w3id.org/fep/3b86/Follow', template: `${base}/intents/follow?id={object}&back={on-success}` },
        { rel: 'https://w3id.org/fep/3b86/Create', template: `${base}/intents/create?text={content}&re={inReplyTo}` },
      ],
    }));
    fakes.push(e);
    const f = await form({ uri: actor, acct: `bob@${e.authority}` });
    assert.equal(f.status, 303);
    assert.equal(f.headers.get('location'), `${e.base}/intents/follow?id=${encodeURIComponent(actor)}&back=`);
    const s = await form({ uri: `${actor}/post`, acct: `bob@${e.authority}`, intent: 'sign' });
    assert.equal(s.status, 303);
    assert.equal(s.headers.get('location'),
      `${e.base}/intents/create?text=${encodeURIComponent(`@${SLUG}@${srv.host} sign`)}&re=${encodeURIComponent(`${actor}/post`)}`);
  });

  test('no WebFinger, or a template that leaves the reader\'s server: Mastodon\'s page', async () => {
    const none = await fakeServer(() => null);
    const evil = await fakeServer((resource) => ({
      subject: resource,
      links: [{ rel: 'https://w3id.org/fep/3b86/Follow', template: 'https://evil.example/steal?x={object}' }],
    }));
    fakes.push(none, evil);
    const want = (a) => `https://${a}/authorize_interaction?uri=${encodeURIComponent(actor)}`;
    let r = await form({ uri: actor, acct: `carol@${none.authority}` });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), want(none.authority));
    r = await form({ uri: actor, acct: `dave@${evil.authority}` });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), want(evil.authority));
    // a server that does not answer at all (nothing listens there)
    r = await form({ uri: actor, acct: 'erin@127.0.0.1:9' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), want('127.0.0.1:9'));
  });

  test('bad input is refused, nothing is fetched', async () => {
    let r = await form({ uri: actor, acct: 'not an address' });
    assert.equal(r.status, 400);
    r = await form({ uri: actor, acct: 'x@evil.example/path' });
    assert.equal(r.status, 400);
    r = await form({ uri: 'https://evil.example/s/x', acct: 'alice@m.example' });
    assert.equal(r.status, 404);
    r = await form({ uri: `${srv.base}/s/no-such-statement`, acct: 'alice@m.example' });
    assert.equal(r.status, 404);
    srv.assertAlive();
  });
});

describe('feeds and the cached page', () => {
  let srv;
  let org;

  before(async () => {
    srv = await start();
    org = await new Peer({ type: 'Organization' }).start();
    const statement = await org.lookup(srv.actorUrl());
    await org.follow(statement); // an Organization's Follow signs (policy open: approved)
    await org.waitFor((e) => e.type === 'Accept', WAIT_MS);
  });

  after(async () => {
    await org?.stop();
    await srv?.stop();
  });

  for (const [path, type, root] of [
    ['/feed.atom', 'application/atom+xml', '<feed xmlns="http://www.w3.org/2005/Atom"'],
    ['/feed.rss', 'application/rss+xml', '<rss version="2.0"'],
    [`/s/${SLUG}/signatures.atom`, 'application/atom+xml', '<feed xmlns="http://www.w3.org/2005/Atom"'],
    [`/s/${SLUG}/signatures.rss`, 'application/rss+xml', '<rss version="2.0"'],
  ]) {
    test(`${path} is well-formed XML of its kind`, async () => {
      const r = await request(srv.url(path));
      assert.equal(r.status, 200);
      assert.match(r.type, new RegExp(`^${type.replace('+', '\\+')}`));
      assert.ok(r.text.includes(root), `root element ${root}`);
      assert.equal(xmllint(r.text), '', `xmllint on ${path}`);
    });
  }

  test('the feeds say what they should', async () => {
    const atom = (await request(srv.url('/feed.atom'))).text;
    assert.ok(atom.includes(`<id>${srv.actorUrl()}</id>`));
    assert.ok(atom.includes(`<link rel="self" type="application/atom+xml" href="${srv.base}/feed.atom"/>`));
    const sig = (await request(srv.url(`/s/${SLUG}/signatures.atom`))).text;
    assert.ok(sig.includes('<title>Peer Organisation signed</title>'), 'the new signatory is an entry');
    assert.ok(sig.includes(`href="${org.actorId.href}"`), 'linked to its profile');
    const rss = (await request(srv.url(`/s/${SLUG}/signatures.rss`))).text;
    assert.ok(rss.includes('<item>') && rss.includes('Peer Organisation signed'));
    assert.equal((await request(srv.url('/s/no-such/signatures.atom'))).status, 404);
  });

  test('the page links its feeds and names its creator for previews', async () => {
    const r = await request(srv.url(`/s/${SLUG}`), { accept: HTML_ACCEPT });
    assert.ok(r.text.includes(`<meta name="fediverse:creator" content="@${SLUG}@${srv.host}">`));
    assert.ok(r.text.includes(`type="application/atom+xml"`) && r.text.includes(`href="${srv.actorUrl()}/signatures.atom"`));
    assert.ok(r.text.includes(`href="${srv.base}/feed.rss"`));
    const actor = await getAP(srv.actorUrl(), AP_ACCEPT);
    assert.deepEqual(actor.json.attributionDomains, ['127.0.0.1']);
    const index = await request(srv.url('/'), { accept: HTML_ACCEPT });
    assert.ok(index.text.includes(`href="${srv.base}/feed.atom"`));
  });

  test('304 for a matching If-None-Match; a change gives a new ETag', async () => {
    const url = srv.url(`/s/${SLUG}`);
    const first = await request(url, { accept: HTML_ACCEPT });
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"\d+-[0-9a-f]{16}"$/);
    assert.ok(first.headers.get('last-modified'), 'Last-Modified');
    assert.match(first.headers.get('cache-control') ?? '', /max-age=\d+/);
    // served from the cache: the same page, the same ETag
    const again = await request(url, { accept: HTML_ACCEPT });
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(again.text, first.text);
    const cond = await request(url, { accept: HTML_ACCEPT, headers: { 'If-None-Match': etag } });
    assert.equal(cond.status, 304);
    assert.equal(cond.text, '');
    assert.equal(cond.headers.get('etag'), etag);
    const listed = await request(url, { accept: HTML_ACCEPT, headers: { 'If-None-Match': `"x", W/${etag}` } });
    assert.equal(listed.status, 304);
    const other = await request(url, { accept: HTML_ACCEPT, headers: { 'If-None-Match': '"0-0000000000000000"' } });
    assert.equal(other.status, 200);
    // a favourite changes the page: the old ETag no longer matches
    const statement = await org.lookup(srv.actorUrl());
    await org.like(statement, `${srv.actorUrl()}/post`);
    const changed = await eventually(async () => {
      const r = await request(url, { accept: HTML_ACCEPT, headers: { 'If-None-Match': etag } });
      return r.status === 200 ? r : null;
    });
    assert.ok(changed, 'after a favourite the page is new');
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.match(changed.text, /<li><strong>1<\/strong> favourite<\/li>/);
    srv.assertAlive();
  });
});
