// The federation walk a Mastodon server makes when a user searches
// @hands-off-venezuela@HOST: WebFinger -> actor -> outbox -> Create -> Note,
// plus the other documents and the server's answers to bad requests.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AP_ACCEPT, HTML_ACCEPT, LD_ACCEPT, SLUG, collectItems, exampleFacts, getAP, htmlText,
  rawRequest, request, start,
} from './lib/server.mjs';

const facts = exampleFacts();
const AP_TYPE = /^application\/activity\+json\b/;
const LD_TYPE = /^application\/ld\+json;\s*profile="https:\/\/www\.w3\.org\/ns\/activitystreams"/;

let srv;
const bodies = [];   // every response body seen, checked for private keys at the end

async function ap(url, accept = AP_ACCEPT) {
  const r = await getAP(url, accept);
  bodies.push(r.text);
  return r;
}

// A collection's `first` may be a URL or an embedded page.
async function firstPage(col) {
  if (col.first == null) return null;
  if (typeof col.first === 'object') return col.first;
  const r = await ap(col.first);
  assert.equal(r.status, 200, `GET ${col.first}`);
  return r.json;
}

const idOf = (x) => (typeof x === 'string' ? x : x?.id);
const asArray = (x) => (x == null ? [] : Array.isArray(x) ? x : [x]);

before(async () => { srv = await start(); });
after(async () => { await srv?.stop(); });

describe('WebFinger', () => {
  test('acct:SLUG@HOST resolves to the actor', async () => {
    const resource = `acct:${SLUG}@${srv.host}`;
    const r = await ap(srv.url(`/.well-known/webfinger?resource=${resource}`), 'application/jrd+json, application/json');
    assert.equal(r.status, 200, r.text);
    assert.match(r.type, /^application\/jrd\+json\b/);
    assert.equal(r.json.subject, resource);
    const self = r.json.links.find((l) => l.rel === 'self');
    assert.ok(self, 'rel=self link');
    assert.equal(self.type, 'application/activity+json');
    assert.equal(self.href, srv.actorUrl());
  });

  test('a percent-encoded resource works too', async () => {
    const resource = encodeURIComponent(`acct:${SLUG}@${srv.host}`);
    const r = await ap(srv.url(`/.well-known/webfinger?resource=${resource}`));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.links.find((l) => l.rel === 'self')?.href, srv.actorUrl());
  });

  test('an unknown account is 404', async () => {
    const r = await ap(srv.url(`/.well-known/webfinger?resource=acct:nobody@${srv.host}`));
    assert.equal(r.status, 404);
  });
});

describe('the statement actor', () => {
  let actor;

  test('answers the Mastodon Accept with application/activity+json', async () => {
    const r = await ap(srv.actorUrl());
    assert.equal(r.status, 200, r.text);
    assert.match(r.type, AP_TYPE);
    actor = r.json;
    assert.equal(actor.id, srv.actorUrl());
    const ctx = asArray(actor['@context']);
    assert.ok(ctx.includes('https://www.w3.org/ns/activitystreams'), '@context');
    assert.ok(['Application', 'Group', 'Organization', 'Person', 'Service'].includes(actor.type), actor.type);
    assert.equal(actor.preferredUsername, SLUG);
    assert.ok(actor.name && actor.name.length > 0, 'name');
  });

  test('links everything Mastodon reads', () => {
    const b = srv.actorUrl();
    assert.equal(actor.inbox, `${b}/inbox`);
    assert.equal(actor.outbox, `${b}/outbox`);
    assert.equal(actor.followers, `${b}/followers`);
    assert.equal(actor.following, `${b}/following`);
    assert.equal(actor.featured, `${b}/featured`);
    assert.equal(actor.endpoints?.sharedInbox, srv.url('/inbox'));
    assert.equal(idOf(actor.signatures), `${b}/signatures`);
    assert.equal(actor.discoverable, true);
    assert.ok(!Number.isNaN(Date.parse(actor.published)), `published ${actor.published}`);
    assert.ok(actor.summary, 'summary');
    const url = asArray(actor.url).map((u) => (typeof u === 'string' ? u : u.href));
    assert.ok(url.includes(b), `url ${JSON.stringify(actor.url)}`);
    const icon = asArray(actor.icon)[0];
    assert.ok(icon && (icon.url ?? icon) === `${b}/icon.png`, `icon ${JSON.stringify(actor.icon)}`);
  });

  test('carries an RSA public key and no private key', () => {
    const pk = actor.publicKey;
    assert.equal(pk.id, `${srv.actorUrl()}#main-key`);
    assert.equal(pk.owner, srv.actorUrl());
    assert.match(pk.publicKeyPem, /-----BEGIN PUBLIC KEY-----/);
    assert.doesNotMatch(JSON.stringify(actor), /PRIVATE KEY/);
  });

  test('answers the ld+json profile Accept too', async () => {
    const r = await ap(srv.actorUrl(), LD_ACCEPT);
    assert.equal(r.status, 200);
    assert.ok(AP_TYPE.test(r.type) || LD_TYPE.test(r.type), r.type);
    assert.equal(r.json.id, srv.actorUrl());
  });

  test('the avatar is a PNG', async () => {
    const res = await fetch(`${srv.actorUrl()}/icon.png`);
    const buf = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^image\/png/);
    assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});

describe('outbox -> Create -> Note', () => {
  let note;

  test('the outbox pages lead to the Create of the post', async () => {
    const r = await ap(`${srv.actorUrl()}/outbox`);
    assert.equal(r.status, 200);
    assert.match(r.type, AP_TYPE);
    assert.equal(r.json.type, 'OrderedCollection');
    assert.ok(r.json.totalItems >= 1, `totalItems ${r.json.totalItems}`);
    const page = await firstPage(r.json);
    assert.equal(page.type, 'OrderedCollectionPage');
    assert.equal(page.partOf, `${srv.actorUrl()}/outbox`);
    const create = asArray(page.orderedItems).find((a) => a.type === 'Create');
    assert.ok(create, 'a Create in the first page');
    assert.equal(create.id, `${srv.actorUrl()}/post/activity`);
    assert.equal(create.actor, srv.actorUrl());
    let obj = create.object;
    if (typeof obj === 'string') obj = (await ap(obj)).json;
    note = obj;
  });

  test('the post is a public Note with the whole statement', () => {
    assert.equal(note.type, 'Note');
    assert.equal(note.id, `${srv.actorUrl()}/post`);
    assert.equal(note.attributedTo, srv.actorUrl());
    assert.ok(asArray(note.to).includes('https://www.w3.org/ns/activitystreams#Public'), `to ${note.to}`);
    assert.ok(!Number.isNaN(Date.parse(note.published)), 'published');
    assert.ok(!Number.isNaN(Date.parse(note.updated)), 'updated');
    assert.ok(note.contentMap && Object.keys(note.contentMap).length >= 1, 'contentMap');
    const text = htmlText(note.content);
    for (const part of facts.title.split(' - ')) assert.ok(text.includes(part), `title part "${part}"`);
    for (const s of facts.sentences) assert.ok(text.includes(s), `sentence "${s}"`);
    for (const { name } of facts.signatories) assert.ok(text.includes(name), `signatory "${name}"`);
    assert.ok(!note.content.includes('int.psm@gmail.com'), 'the e-mail line is replaced');
    assert.ok(text.includes(`@${SLUG}@${srv.host}`), 'how to sign names the handle');
  });

  test('the content keeps to tags Mastodon keeps', () => {
    const allowed = new Set(['p', 'br', 'span', 'a', 'del', 'pre', 'code', 'em', 'strong', 'b', 'i', 'u',
      'ul', 'ol', 'li', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
    const tags = [...note.content.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1].toLowerCase());
    const bad = [...new Set(tags.filter((t) => !allowed.has(t)))];
    assert.deepEqual(bad, [], `tags Mastodon strips: ${bad}`);
    assert.doesNotMatch(note.content, /<script/i);
  });

  test('GET of the Note id returns the Note, id byte for byte', async () => {
    const url = `${srv.actorUrl()}/post`;
    const r = await ap(url);
    assert.equal(r.status, 200);
    assert.match(r.type, AP_TYPE);
    assert.equal(r.json.id, url);
    assert.equal(r.json.type, 'Note');
    assert.equal(r.json.content, note.content);
  });

  test('GET of the Create id returns the Create', async () => {
    const url = `${srv.actorUrl()}/post/activity`;
    const r = await ap(url);
    assert.equal(r.status, 200);
    assert.equal(r.json.id, url);
    assert.equal(r.json.type, 'Create');
    assert.equal(idOf(r.json.object), `${srv.actorUrl()}/post`);
  });
});

describe('collections', () => {
  test('featured holds the Note', async () => {
    const { collection, items } = await collectItems(`${srv.actorUrl()}/featured`);
    assert.equal(collection.type, 'OrderedCollection');
    const ids = items.map(idOf);
    assert.ok(ids.includes(`${srv.actorUrl()}/post`), `featured items ${JSON.stringify(ids)}`);
    const embedded = items.find((i) => typeof i === 'object');
    if (embedded) assert.equal(embedded.type, 'Note', 'Mastodon only pins embedded Notes');
  });

  test('followers is empty with totalItems 0', async () => {
    const r = await ap(`${srv.actorUrl()}/followers`);
    assert.equal(r.status, 200);
    assert.equal(r.json.type, 'OrderedCollection');
    assert.equal(r.json.totalItems, 0);
    assert.ok(r.json.first, 'has first (else Mastodon hides the counts)');
  });

  test('following is empty with totalItems 0', async () => {
    const r = await ap(`${srv.actorUrl()}/following`);
    assert.equal(r.status, 200);
    assert.equal(r.json.totalItems, 0);
  });

  test('signatures: 15 imported signatories in order, paged', async () => {
    const url = `${srv.actorUrl()}/signatures`;
    const { collection, items } = await collectItems(url);
    bodies.push(JSON.stringify(collection));
    assert.equal(collection.type, 'OrderedCollection');
    assert.equal(collection.totalItems, 15);
    assert.ok(collection.first, 'paged');
    assert.equal(items.length, 15);
    const text = items.map((i) => JSON.stringify(i));
    facts.signatories.forEach(({ name }, n) => {
      assert.ok(text[n].includes(JSON.stringify(name).slice(1, -1)), `item ${n} is ${name}: ${text[n]}`);
    });
    assert.ok(!text.join('').includes('int.psm@gmail.com'));
  });

  test('a page holds partOf and the page size is bounded', async () => {
    const col = (await ap(`${srv.actorUrl()}/signatures`)).json;
    const page = await firstPage(col);
    assert.equal(page.type, 'OrderedCollectionPage');
    assert.equal(page.partOf, `${srv.actorUrl()}/signatures`);
    assert.ok(page.orderedItems.length >= 1);
  });
});

describe('instance documents', () => {
  test('the instance actor is an Application with a key', async () => {
    const r = await ap(srv.url('/actor'));
    assert.equal(r.status, 200);
    assert.match(r.type, AP_TYPE);
    assert.equal(r.json.id, srv.url('/actor'));
    assert.equal(r.json.type, 'Application');
    assert.equal(r.json.preferredUsername, '127.0.0.1');
    assert.equal(r.json.publicKey.id, `${srv.url('/actor')}#main-key`);
    assert.match(r.json.publicKey.publicKeyPem, /BEGIN PUBLIC KEY/);
  });

  test('host-meta points to WebFinger', async () => {
    const r = await request(srv.url('/.well-known/host-meta'));
    bodies.push(r.text);
    assert.equal(r.status, 200);
    assert.match(r.type, /xml/);
    assert.match(r.text, /<XRD\b/);
    assert.ok(r.text.includes(`template="${srv.url('/.well-known/webfinger?resource={uri}')}"`), r.text);
    assert.match(r.text, /rel="lrdd"/);
  });

  test('NodeInfo discovery leads to a 2.1 document', async () => {
    const d = await ap(srv.url('/.well-known/nodeinfo'), 'application/json');
    assert.equal(d.status, 200);
    const link = d.json.links.find((l) => l.rel === 'http://nodeinfo.diaspora.software/ns/schema/2.1');
    assert.equal(link?.href, srv.url('/nodeinfo/2.1'));
    const n = await ap(link.href, 'application/json');
    assert.equal(n.status, 200);
    assert.match(n.type, /json/);
    assert.equal(n.json.version, '2.1');
    assert.equal(n.json.software.name, 'undersigned');
    assert.ok(n.json.software.version, 'software.version');
    assert.ok(n.json.protocols.includes('activitypub'));
    assert.ok(n.json.usage && typeof n.json.usage === 'object', 'usage');
    assert.equal(typeof n.json.openRegistrations, 'boolean');
  });
});

describe('content negotiation', () => {
  for (const p of ['', '/post']) {
    test(`/s/${SLUG}${p} answers a browser with HTML and an AP client with JSON`, async () => {
      const url = `${srv.actorUrl()}${p}`;
      const h = await request(url, { accept: HTML_ACCEPT });
      bodies.push(h.text);
      assert.equal(h.status, 200);
      assert.match(h.type, /^text\/html/);
      assert.match(h.headers.get('vary') ?? '', /\bAccept\b/i);
      assert.match(h.text, /<html/i);
      const j = await ap(url);
      assert.equal(j.status, 200);
      assert.match(j.type, AP_TYPE);
      assert.match(j.headers.get('vary') ?? '', /\bAccept\b/i);
      assert.equal(j.json.id, url);
    });
  }

  test('the HTML page has the whole statement and not the e-mail line', async () => {
    const h = await request(srv.actorUrl(), { accept: HTML_ACCEPT });
    const text = htmlText(h.text);
    for (const s of facts.sentences) assert.ok(text.includes(s), `sentence "${s}"`);
    for (const { name } of facts.signatories) assert.ok(text.includes(name), `signatory "${name}"`);
    assert.ok(!h.text.includes('int.psm@gmail.com'));
    assert.ok(text.includes(`@${SLUG}@${srv.host}`), 'how to sign');
  });
});

describe('bad requests', () => {
  test('an unknown path is 404 with a JSON error', async () => {
    const r = await request(srv.url('/no/such/path'), { accept: AP_ACCEPT });
    assert.equal(r.status, 404);
    assert.match(r.type, /json/);
    assert.ok(r.json && typeof r.json === 'object', `JSON body: ${r.text}`);
  });

  test('an unknown statement is 404', async () => {
    const r = await request(srv.url('/s/no-such-statement'), { accept: AP_ACCEPT });
    assert.equal(r.status, 404);
  });

  test('DELETE on the actor is 405 with a JSON error', async () => {
    const r = await request(srv.actorUrl(), { method: 'DELETE', accept: AP_ACCEPT });
    assert.equal(r.status, 405);
    assert.match(r.type, /json/);
    assert.ok(r.json, `JSON body: ${r.text}`);
    assert.ok(r.headers.get('allow'), 'Allow header');
  });

  const queries = {
    'resource=%zz': [400, 404],
    '': [400],
    'resource=': [400, 404],
    'resource=acct:hands-off-venezuela@example.org': [400, 404],
    'resource=acct:@': [400, 404],
    'resource=acct%3Ahands-off-venezuela%40': [400, 404],
    'resource=a&resource=b': [400, 404],
  };
  for (const [q, want] of Object.entries(queries)) {
    test(`webfinger?${q} is ${want.join(' or ')} and the server lives on`, async () => {
      const r = await request(srv.url(`/.well-known/webfinger${q ? `?${q}` : ''}`));
      assert.ok(want.includes(r.status), `status ${r.status}: ${r.text}`);
      srv.assertAlive();
    });
  }

  test('a malformed page number is 4xx, not a crash', async () => {
    for (const q of ['page=-1', 'page=abc', 'page=%zz', 'page=0x10']) {
      const r = await request(`${srv.actorUrl()}/signatures?${q}`, { accept: AP_ACCEPT });
      assert.ok(r.status >= 400 && r.status < 500, `${q}: ${r.status}`);
    }
    // Past the end: an empty page or a 4xx, either is fine; a crash is not.
    const r = await request(`${srv.actorUrl()}/signatures?page=99999999999999999999`, { accept: AP_ACCEPT });
    assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `huge page: ${r.status}`);
    srv.assertAlive();
  });

  test('a 64 KB header is refused with 4xx and the server answers afterwards', async () => {
    const big = 'a'.repeat(64 * 1024);
    const resp = await rawRequest(srv.port,
      `GET /s/${SLUG} HTTP/1.1\r\nHost: ${srv.host}\r\nAccept: ${AP_ACCEPT}\r\nX-Big: ${big}\r\nConnection: close\r\n\r\n`);
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(resp);
    assert.ok(m, `an HTTP answer, got ${JSON.stringify(resp.slice(0, 200))}`);
    assert.ok([400, 413, 431].includes(Number(m[1])), `status ${m[1]}`);
    const after2 = await request(srv.url('/'));
    assert.equal(after2.status, 200);
    srv.assertAlive();
  });

  test('a request line of garbage is 4xx, not a crash', async () => {
    const resp = await rawRequest(srv.port, 'BLAH\u0001 /\u00ff HTTP/9.9\r\n\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(resp);
    if (m) assert.ok(Number(m[1]) >= 400 && Number(m[1]) < 600, `status ${m[1]}`);
    const r = await request(srv.url('/'));
    assert.equal(r.status, 200);
    srv.assertAlive();
  });
});

describe('secrets', () => {
  test('no response carried a private key', () => {
    assert.ok(bodies.length > 10, `checked ${bodies.length} bodies`);
    for (const b of bodies) assert.doesNotMatch(b, /PRIVATE KEY/);
  });

  test('the server stops cleanly on SIGTERM', async () => {
    await srv.stop();
    assert.equal(srv.exit.code, 0);
    assert.match(srv.stderr + srv.stdout, /GET/, 'one log line per request');
  });
});
