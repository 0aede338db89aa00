// Signatures through the fediverse, against an independent implementation:
// Fedify servers on loopback, each hosting several actors (Organization and
// Person), sign the statement by Follow, Endorse and mention, and withdraw by
// Undo and Delete. Checked on both sides: what Fedify verified arriving from
// the server (Accept, Reject, replies, the batched Update of the post), and
// what the server shows everywhere (the signatures collection, the post, the
// web page, `signatures export`), then the proofs, offline (`signatures
// verify`, and the bundle with openssl alone), and hostile input from issue 4.
//
// The server runs with --update-interval 1: an edit of the post goes out at
// most a second after the first change of the approved list, carrying every
// change made meanwhile.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Announce, Create, Delete, Mention, Note, PUBLIC_COLLECTION, Tombstone } from '@fedify/vocab';
import { PeerHost } from './lib/peers.mjs';
import {
  HTML_ACCEPT, ROOT, SLUG, collectItems, exampleFacts, getAP, htmlText, request, runCli, start, tmpDir,
} from './lib/server.mjs';

const WAIT_MS = 20000;          // an Accept, a reply, an Update
const QUIET_MS = 2500;          // more than the batch window: nothing else is coming
const AS = 'https://www.w3.org/ns/activitystreams';
const facts = exampleFacts();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The per-origin limit on signing mentions, read from the source so the test follows it.
const MENTION_LIMIT = Number(/#define\s+LIMIT_MENTIONS_PER_ORIGIN_HOUR\s+(\d+)/
  .exec(fs.readFileSync(path.join(ROOT, 'util/limits.h'), 'utf8'))[1]);
const NAME_DISPLAY_CHARS = Number(/#define\s+LIMIT_NAME_DISPLAY_CHARS\s+(\d+)/
  .exec(fs.readFileSync(path.join(ROOT, 'util/limits.h'), 'utf8'))[1]);

async function eventually(fn, ms = WAIT_MS, every = 150) {
  const deadline = Date.now() + ms;
  let v;
  while (Date.now() < deadline) {
    v = await fn();
    if (v) return v;
    await sleep(every);
  }
  return v;
}

const sigCli = (srv, sub, ...args) => runCli(['signatures', sub, '--db', srv.db, '--slug', SLUG, ...args]);

// `signatures export --format json` (all states, or one), parsed.
async function exportRows(srv, state) {
  const r = await sigCli(srv, 'export', '--format', 'json', ...(state ? ['--state', state] : []));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// The text of each <li> of the list olPattern finds in html (its group 1).
function listItems(html, olPattern) {
  const m = olPattern.exec(html);
  if (!m) return [];
  return [...m[1].matchAll(/<li\b[^>]*>([\s\S]*?)<\/li>/g)].map((x) => htmlText(x[1]));
}
const noteItems = (content) => listItems(content, /<strong>Signed by:<\/strong><\/p><ol>([\s\S]*?)<\/ol>/);
const pageItems = (html) => listItems(html, /<ol class="signatories">([\s\S]*?)<\/ol>/);

// A list item shows a signatory when it begins with its name (and country),
// followed by nothing, a space or "(" (so "Org" does not match "Org Two").
function showsRow(text, row) {
  const lead = row.country ? `${row.name}, ${row.country}` : row.name;
  return text.startsWith(lead) && (text.length === lead.length || /^[\s(]/.test(text.slice(lead.length)));
}

// Every Update(Note) POSTed to a host since index `from`, as { path, json }.
const notesUpdates = (host, from = 0) => host.posts.slice(from)
  .filter((p) => p.json?.type === 'Update' && p.json?.object?.type === 'Note');

// Signs `doc` as actor `id` of `host` and POSTs it to the statement's inbox; asserts the status.
async function postTo(srv, host, id, doc, want = [202], opts = {}) {
  const r = await host.post(id, `${srv.actorUrl()}/inbox`, doc, opts);
  assert.ok(want.includes(r.status), `${doc.type ?? 'POST'} by ${id}: status ${r.status} ${r.text}`);
  return r;
}

// A public Note by actor `id` mentioning the statement, with `text` after the mention.
function mentionNote(host, id, srv, text) {
  return new Note({
    id: new URL(host.newId('Note')),
    attribution: new URL(host.actorId(id)),
    tos: [new URL(srv.actorUrl()), PUBLIC_COLLECTION],
    content: `<p><span class="h-card"><a href="${srv.actorUrl()}" class="u-url mention">@<span>${SLUG}</span></a></span> ${text}</p>`,
    tags: [new Mention({ href: new URL(srv.actorUrl()), name: `@${SLUG}@${srv.host}` })],
  });
}

async function sendMention(host, id, statement, srv, text) {
  const note = mentionNote(host, id, srv, text);
  await host.send(id, statement, new Create({
    id: new URL(host.newId('Create')), actor: new URL(host.actorId(id)), object: note,
    tos: [new URL(srv.actorUrl()), PUBLIC_COLLECTION],
  }));
  return note;
}

// The same mention as raw JSON (Mastodon's shape: arrays everywhere), for the flood.
function rawMention(host, id, srv, text) {
  const actor = host.actorId(id);
  const noteId = host.newId('Note');
  return {
    '@context': AS,
    id: `${noteId}/activity`,
    type: 'Create',
    actor,
    to: [srv.actorUrl(), `${AS}#Public`],
    object: {
      id: noteId,
      type: 'Note',
      attributedTo: actor,
      to: [srv.actorUrl(), `${AS}#Public`],
      content: `<p><a href="${srv.actorUrl()}" class="u-url mention">@${SLUG}</a> ${text}</p>`,
      tag: [{ type: 'Mention', href: srv.actorUrl(), name: `@${SLUG}@${srv.host}` }],
    },
  };
}

// An Endorse by actor `id` of object; with our JSON-LD context when ns (its URL) is given.
const endorse = (host, id, object, ns = null) => ({
  '@context': ns ? [AS, ns] : AS,
  id: host.newId('Endorse'),
  type: 'Endorse',
  actor: host.actorId(id),
  object,
});

// Waits until the moment just after a second boundary, so that a burst sent
// now falls inside one batch window (the window is counted in whole seconds).
async function atSecondStart(notBefore = 0) {
  for (;;) {
    const now = Date.now();
    if (now % 1000 < 100 && Math.floor(now / 1000) > notBefore) return;
    await sleep(Math.max(1, 1000 - (now % 1000)));
  }
}

describe('organisations sign by Follow and Endorse, a person by mention; every view agrees', () => {
  let srv;
  let hostA;              // three organisations that follow, one that endorses, a person
  let hostB;              // readers who favourite or boost the post and do not follow
  let statement;          // the statement actor as Fedify parsed it
  let noteId;
  let published;          // the post's published time
  const follows = {};
  const endorses = {};
  let aliceNote;
  let aliceSecond;
  let burstFrom = {};     // hostA/hostB posts index at the burst
  let lastUpdated = 0;    // `updated` of the latest edit seen
  const names = {
    org1: 'Cooperativa Uno', org2: 'Sindicato Dos', org3: 'Frente Tres', org4: 'Colectivo Cuatro',
    alice: 'Alicia Collective', fan: 'Fan Person', booster: 'Booster Person',
  };

  before(async () => {
    srv = await start({ extraArgs: ['--update-interval', '1'] });
    hostA = await new PeerHost({
      actors: {
        org1: { type: 'Organization', name: names.org1 },
        org2: { type: 'Organization', name: names.org2 },
        // No shared inbox: the edit comes to its own inbox.
        org3: { type: 'Organization', name: names.org3, sharedInbox: false },
        org4: { type: 'Organization', name: names.org4 },
        alice: { type: 'Person', name: names.alice },
      },
    }).start();
    hostB = await new PeerHost({
      actors: {
        fan: { type: 'Person', name: names.fan },
        booster: { type: 'Person', name: names.booster, sharedInbox: false },
      },
    }).start();
    noteId = `${srv.actorUrl()}/post`;
  });
  after(async () => {
    await hostA?.stop();
    await hostB?.stop();
    await srv?.stop();
  });

  const byActor = (rows, id) => rows.find((r) => r.actor_id === hostA.actorId(id));

  test('the peers resolve the statement; a reader favourites the post, another boosts it', async () => {
    statement = await hostA.lookup(srv.actorUrl());
    assert.equal(statement?.id?.href, srv.actorUrl());
    const note = await getAP(noteId);
    assert.equal(note.status, 200);
    published = Date.parse(note.json.published);
    assert.ok(published > 0, `published: ${note.json.published}`);
    const st = await hostB.lookup(srv.actorUrl());
    await hostB.like('fan', st, noteId);
    assert.ok(await eventually(async () => (await getAP(`${noteId}/likes`)).json.totalItems === 1), 'one like');
    await hostB.send('booster', st, new Announce({
      id: new URL(hostB.newId('Announce')), actor: new URL(hostB.actorId('booster')), object: new URL(noteId),
      to: PUBLIC_COLLECTION,
    }));
    assert.ok(await eventually(async () => (await getAP(`${noteId}/shares`)).json.totalItems === 1), 'one boost');
  });

  test('a Person who follows is a follower, not a signatory', async () => {
    const f = await hostA.follow('alice', statement);
    const acc = await hostA.waitFor((e) => e.type === 'Accept' && e.object === f.id.href, WAIT_MS, 'the Accept of alice');
    assert.equal(acc.actor, srv.actorUrl());
    assert.equal(acc.recipient, 'alice');
    assert.equal((await getAP(`${srv.actorUrl()}/followers`)).json.totalItems, 1);
    assert.equal(byActor(await exportRows(srv), 'alice'), undefined, 'no signature for a followed Person');
  });

  test('a Person mentioning the statement with the sign word: pending, and a reply says so', async () => {
    aliceNote = await sendMention(hostA, 'alice', statement, srv, 'We sign this statement.');
    aliceSecond = Math.floor(Date.now() / 1000);
    const reply = await hostA.waitFor((e) => e.type === 'Create' && e.recipient === 'alice', WAIT_MS, 'the reply to alice');
    const o = reply.raw.object;
    assert.equal(reply.raw.actor, srv.actorUrl());
    assert.equal(o.type, 'Note');
    assert.equal(o.attributedTo, srv.actorUrl());
    assert.equal(o.inReplyTo, aliceNote.id.href, 'a reply to her post');
    assert.ok([].concat(o.to).includes(hostA.actorId('alice')), 'addressed to her');
    // Mentions her by her handle, as Mastodon shows a mention (the domain check,
    // which confirms it with WebFinger, may still be running: then the one her
    // server's actor implies, which is the same here).
    const handle = `@alice@${new URL(hostA.base).host}`;
    assert.ok([].concat(o.tag).some((t) => t.type === 'Mention' && t.href === hostA.actorId('alice') && t.name === handle),
      `mentions her as ${handle}: ${JSON.stringify(o.tag)}`);
    assert.ok(htmlText(o.content).startsWith(handle), o.content);
    assert.match(htmlText(o.content), /waits for the coordinators. review/i);
    const row = byActor(await exportRows(srv), 'alice');
    assert.ok(row, 'a signature was recorded');
    assert.equal(row.state, 'pending');
    assert.equal(row.how, 'mention');
    assert.equal(row.name, names.alice);
    // The handle WebFinger confirmed, once the background domain check is done.
    const checked = await eventually(async () => (byActor(await exportRows(srv), 'alice')?.handle ? true : null));
    assert.ok(checked, 'the domain check recorded a handle');
    assert.equal(byActor(await exportRows(srv), 'alice').handle, handle);
  });

  test('a burst: three Organizations follow and a fourth endorses; each is answered and approved', async () => {
    await atSecondStart(aliceSecond);
    burstFrom = { a: hostA.posts.length, b: hostB.posts.length };
    await Promise.all([
      ...['org1', 'org2', 'org3'].map(async (id) => { follows[id] = await hostA.follow(id, statement); }),
      (async () => {
        // Plain JSON, without our context: "type": "Endorse" counts all the same.
        endorses.org4 = endorse(hostA, 'org4', srv.actorUrl());
        await postTo(srv, hostA, 'org4', endorses.org4);
      })(),
    ]);
    for (const id of ['org1', 'org2', 'org3']) {
      const acc = await hostA.waitFor((e) => e.type === 'Accept' && e.object === follows[id].id.href, WAIT_MS, `the Accept of ${id}`);
      assert.equal(acc.recipient, id, 'to its own inbox');
    }
    const accE = await hostA.waitFor((e) => e.type === 'Accept' && e.object === endorses.org4.id, WAIT_MS, 'the Accept of the Endorse');
    assert.equal(accE.actor, srv.actorUrl());
    // Every signature is recorded at the 202; the handles come with the domain checks, a moment later.
    const want = ['org1', 'org2', 'org3', 'org4'];
    const rows = await eventually(async () => {
      const r = await exportRows(srv);
      return want.every((id) => byActor(r, id)?.handle) ? r : null;
    }) ?? await exportRows(srv);
    for (const id of want) {
      const row = byActor(rows, id);
      assert.ok(row, `${id} signed`);
      assert.equal(row.state, 'approved', `${id}: an Organization is approved at once`);
      assert.equal(row.how, id === 'org4' ? 'endorse' : 'follow');
      assert.equal(row.name, names[id]);
      assert.equal(row.handle, `@${id}@${new URL(hostA.base).host}`, 'the handle WebFinger confirmed');
      assert.equal(row.imported, false);
    }
  });

  test('an Organization that follows and endorses signs once', async () => {
    // With our context this time, and the post as the object.
    endorses.org1 = endorse(hostA, 'org1', noteId, `${srv.base}/ns`);
    await postTo(srv, hostA, 'org1', endorses.org1);
    await hostA.waitFor((e) => e.type === 'Accept' && e.object === endorses.org1.id, WAIT_MS, 'the Accept of the second Endorse');
    const rows = (await exportRows(srv)).filter((r) => r.actor_id === hostA.actorId('org1'));
    assert.equal(rows.length, 1, 'listed once');
    assert.equal(rows[0].how, 'follow', 'the first signature stands');
  });

  test('followers, favouriters and boosters get ONE batched Update of the post with the final list', async () => {
    const inboxes = [[hostA, '/inbox'], [hostA, '/users/org3/inbox'], [hostB, '/inbox'], [hostB, '/users/booster/inbox']];
    // The burst was sent just after a second boundary so that it fits one batch window;
    // on a machine so loaded that it did not, there can be no more edits than seconds it spanned.
    const burst = (await exportRows(srv)).filter((r) => ['org1', 'org2', 'org3', 'org4'].some((id) => r.actor_id === hostA.actorId(id)));
    const seconds = new Set(burst.map((r) => Math.floor(Date.parse(r.signed_at) / 1000))).size;
    const arrived = await eventually(() => inboxes.every(([h, p]) => notesUpdates(h, burstFrom[h === hostA ? 'a' : 'b']).some((u) => u.path === p)));
    assert.ok(arrived, `an Update reached each inbox: ${JSON.stringify(inboxes.map(([h, p]) => [h.base, p, notesUpdates(h).length]))}`);
    await sleep(QUIET_MS);
    for (const [h, p] of inboxes) {
      const ups = notesUpdates(h, burstFrom[h === hostA ? 'a' : 'b']).filter((u) => u.path === p);
      const ids = new Set(ups.map((u) => u.json.id));
      if (seconds === 1) assert.equal(ids.size, 1, `${h.base}${p}: one Update for the burst, got ${ids.size}`);
      else assert.ok(ids.size <= seconds, `${h.base}${p}: ${ids.size} Updates for a burst over ${seconds} s`);
      const u = ups[ups.length - 1].json;
      assert.equal(u.actor, srv.actorUrl());
      assert.equal(u.object.id, noteId);
      const updated = Date.parse(u.object.updated);
      assert.ok(updated > published, `updated ${u.object.updated} after published`);
      lastUpdated = Math.max(lastUpdated, updated);
      const text = htmlText(u.object.content);
      for (const id of ['org1', 'org2', 'org3', 'org4']) assert.ok(text.includes(names[id]), `${names[id]} in the edit`);
      assert.ok(!text.includes(names.alice), 'the pending signature is not listed');
    }
    // Fedify verified them (signature of the statement actor), on the shared and the personal inbox.
    assert.ok(hostA.received.some((e) => e.type === 'Update' && e.recipient == null && e.object === noteId));
    assert.ok(hostA.received.some((e) => e.type === 'Update' && e.recipient === 'org3' && e.object === noteId));
    assert.ok(hostB.received.some((e) => e.type === 'Update' && e.recipient == null && e.object === noteId), 'the favouriter got it too');
    assert.ok(hostB.received.some((e) => e.type === 'Update' && e.recipient === 'booster' && e.object === noteId), 'the booster got it too');
  });

  test('the coordinator approves the mention from the command line; the post is edited again', async () => {
    const pending = await exportRows(srv, 'pending');
    const row = byActor(pending, 'alice');
    assert.ok(row, 'alice is pending');
    const listed = await sigCli(srv, 'list', '--state', 'pending');
    assert.match(listed.stdout, new RegExp(`^${row.id}\\s+pending\\s+mention\\s+${names.alice}`, 'm'));
    const from = hostA.posts.length;
    const r = await sigCli(srv, 'approve', String(row.id));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${row.id}: pending -> approved: `, 'm'));
    assert.equal(byActor(await exportRows(srv), 'alice').state, 'approved');
    assert.ok(await eventually(() => notesUpdates(hostA, from).some((u) => u.path === '/inbox'
      && htmlText(u.json.object.content).includes(names.alice))), 'an Update listing alice');
    const u = notesUpdates(hostA, from).find((x) => htmlText(x.json.object.content).includes(names.alice)).json;
    const updated = Date.parse(u.object.updated);
    assert.ok(updated > lastUpdated, `each edit is newer: ${u.object.updated}`);
    lastUpdated = updated;
  });

  // The approved list, read four ways: they must be the same names in the same order.
  async function views() {
    const exp = await exportRows(srv, 'approved');
    const actor = (await getAP(srv.actorUrl())).json;
    const signaturesUrl = typeof actor.signatures === 'string' ? actor.signatures : actor.signatures?.id;
    assert.equal(signaturesUrl, `${srv.actorUrl()}/signatures`);
    const { collection, items } = await collectItems(signaturesUrl);
    const note = (await getAP(noteId)).json;
    const page = await request(srv.actorUrl(), { accept: HTML_ACCEPT });
    assert.equal(page.status, 200);
    return { exp, collection, items, note: noteItems(note.content), page: pageItems(page.text), pageHtml: page.text };
  }

  function assertAgree(v, wantVerified) {
    // The export: verified by signing time, then the imported ones in the file's order.
    const verified = v.exp.filter((r) => !r.imported);
    const imported = v.exp.filter((r) => r.imported);
    assert.deepEqual(verified.map((r) => r.actor_id).sort(), wantVerified.map((x) => x).sort());
    assert.deepEqual(v.exp.slice(0, verified.length), verified, 'verified first');
    assert.deepEqual(imported.map((r) => r.name), facts.signatories.map((s) => s.name));
    for (let i = 1; i < verified.length; i++) {
      assert.ok(verified[i - 1].signed_at <= verified[i].signed_at, 'by signing time');
    }
    // The collection.
    assert.equal(v.collection.totalItems, v.exp.length);
    assert.deepEqual(v.items.map((x) => x.name), v.exp.map((r) => r.name), 'collection names and order');
    assert.deepEqual(v.items.map((x) => x.id ?? null), v.exp.map((r) => r.actor_id), 'collection actor ids');
    v.items.slice(verified.length).forEach((x) => assert.equal(x['undersigned:imported'], true));
    // The post and the page.
    assert.equal(v.note.length, v.exp.length, `post items: ${JSON.stringify(v.note)}`);
    assert.equal(v.page.length, v.exp.length, `page items: ${JSON.stringify(v.page)}`);
    v.exp.forEach((r, i) => {
      assert.ok(showsRow(v.note[i], r), `post item ${i} "${v.note[i]}" shows ${r.name}`);
      assert.ok(showsRow(v.page[i], r), `page item ${i} "${v.page[i]}" shows ${r.name}`);
      if (r.handle) assert.ok(v.page[i].includes(r.handle), `page shows the handle ${r.handle}`);
    });
  }

  test('the collection, the post, the page and the export list the same signatories in the same order', async () => {
    const v = await views();
    assertAgree(v, ['alice', 'org1', 'org2', 'org3', 'org4'].map((id) => hostA.actorId(id)));
    // Signing time, not approval time: alice signed first and was approved last.
    assert.equal(v.exp[0].actor_id, hostA.actorId('alice'));
    assert.equal(v.exp.length, facts.signatories.length + 5);
  });

  test('Undo of a Follow, Undo of an Endorse and Delete of the mention withdraw those signatures', async () => {
    const from = { a: hostA.posts.length, b: hostB.posts.length };
    await hostA.undo('org2', statement, follows.org2);
    await postTo(srv, hostA, 'org4', {
      '@context': AS, id: hostA.newId('Undo'), type: 'Undo', actor: hostA.actorId('org4'), object: endorses.org4,
    });
    await hostA.send('alice', statement, new Delete({
      id: new URL(hostA.newId('Delete')), actor: new URL(hostA.actorId('alice')),
      object: new Tombstone({ id: aliceNote.id }), to: PUBLIC_COLLECTION,
    }));
    const rows = await exportRows(srv);
    for (const id of ['org2', 'org4', 'alice']) assert.equal(byActor(rows, id).state, 'withdrawn', `${id} withdrawn`);
    for (const id of ['org1', 'org3']) assert.equal(byActor(rows, id).state, 'approved', `${id} stands`);
    const listed = await sigCli(srv, 'list', '--state', 'withdrawn');
    assert.match(listed.stdout, /^3 signatures withdrawn$/m);
    assert.equal((await getAP(`${srv.actorUrl()}/followers`)).json.totalItems, 3, 'org2 follows no more');

    const v = await views();
    assertAgree(v, ['org1', 'org3'].map((id) => hostA.actorId(id)));
    for (const id of ['org2', 'org4', 'alice']) {
      assert.ok(!v.note.some((t) => t.startsWith(names[id])), `${id} gone from the post`);
      assert.ok(!htmlText(v.pageHtml).includes(names[id]), `${id} gone from the page`);
      assert.ok(!v.items.some((x) => x.name === names[id]), `${id} gone from the collection`);
    }
    // The next edit, to the remaining followers and the favouriter, drops them too.
    const final = (u) => {
      const t = htmlText(u.json.object.content);
      return t.includes(names.org1) && t.includes(names.org3) && !['org2', 'org4', 'alice'].some((id) => t.includes(names[id]));
    };
    assert.ok(await eventually(() => notesUpdates(hostA, from.a).some((u) => u.path === '/inbox' && final(u))
      && notesUpdates(hostA, from.a).some((u) => u.path === '/users/org3/inbox' && final(u))
      && notesUpdates(hostB, from.b).some((u) => u.path === '/inbox' && final(u))
      && notesUpdates(hostB, from.b).some((u) => u.path === '/users/booster/inbox' && final(u))),
    'an Update without the withdrawn ones reached every inbox');
    const last = notesUpdates(hostA, from.a).filter(final).pop().json;
    assert.ok(Date.parse(last.object.updated) > lastUpdated, 'newer than the previous edit');
  });

  test('signatures verify passes on every proof', async () => {
    const r = await sigCli(srv, 'verify');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^5 of 5 proofs verify$/m);
    assert.equal((r.stdout.match(/\sok$/gm) ?? []).length, 5, r.stdout);
  });

  test('the proofs bundle verifies with openssl alone, and fails once a body is altered', async () => {
    const dir = path.join(tmpDir('undersigned-proofs-'), 'bundle');
    const r = await sigCli(srv, 'export', '--proofs', dir);
    assert.equal(r.code, 0, r.stderr);
    const folders = fs.readdirSync(dir).filter((f) => f.startsWith('signature-')).sort();
    // One folder per verified signature, and a second one for org1, which followed and endorsed.
    const org1 = byActor(await exportRows(srv), 'org1');
    assert.equal(folders.length, 6, `folders: ${folders}`);
    assert.deepEqual(folders.filter((f) => f.startsWith(`signature-${org1.id}`)),
      [`signature-${org1.id}`, `signature-${org1.id}-2`]);
    let v = spawnSync('sh', [path.join(dir, 'verify.sh')], { encoding: 'utf8', timeout: 60000 });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.equal((v.stdout.match(/^ok /gm) ?? []).length, 6, v.stdout);
    // One byte more in one body: that signature no longer holds, the others do.
    const victim = folders[0];
    fs.appendFileSync(path.join(dir, victim, 'body.json'), ' ');
    v = spawnSync('sh', [path.join(dir, 'verify.sh')], { encoding: 'utf8', timeout: 60000 });
    assert.notEqual(v.status, 0, v.stdout);
    assert.match(v.stdout, new RegExp(`^FAIL .*${victim}\\b`, 'm'));
    assert.equal((v.stdout.match(/^ok /gm) ?? []).length, 5, v.stdout);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  test('signatures verify fails on a proof whose stored body was altered, and names it', async () => {
    const row = byActor(await exportRows(srv), 'org3');
    const sql = `UPDATE signatories SET proof = json_set(proof, '$.body', json_extract(proof, '$.body') || ' ') WHERE id = ${row.id};`;
    const q = spawnSync('sqlite3', ['-cmd', '.timeout 5000', srv.db, sql], { encoding: 'utf8', timeout: 30000 });
    assert.equal(q.status, 0, q.stderr);
    const r = await sigCli(srv, 'verify');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^${row.id}\\s+${names.org3}\\s+FAIL\\b`, 'm'));
    assert.match(r.stdout, /^4 of 5 proofs verify$/m);
    assert.equal((r.stdout.match(/\bFAIL\b/g) ?? []).length, 1, r.stdout);
  });

  test('the peers\' inboxes saw no errors and the server is healthy', () => {
    assert.deepEqual(hostA.errors, []);
    assert.deepEqual(hostB.errors, []);
    srv.assertAlive();
  });
});

// The domain check (WebFinger on the signer's server, then its websites' home
// pages, each up to LIMIT_DOMAINCHECK_TIMEOUT_S) runs in a background worker:
// a signer whose website hangs gets its 202 at once, and shows as verified
// once the check is done; a check pending when the server is killed is done
// after the restart (the store holds it).
const DOMAINCHECK_TIMEOUT_MS = 1000 * Number(/#define\s+LIMIT_DOMAINCHECK_TIMEOUT_S\s+(\d+)/
  .exec(fs.readFileSync(path.join(ROOT, 'util/limits.h'), 'utf8'))[1]);

// A website on loopback: its home page links back to `actors` with rel="me",
// or (while `hang` is true) it accepts the request and never answers.
async function website(actors) {
  const site = { hang: false, gets: 0, held: [] };
  site.server = http.createServer((req, res) => {
    if (req.url === '/') site.gets++;
    if (site.hang) { site.held.push(res); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Home</title>${actors().map((a) => `<a rel="me" href="${a}">us</a>`).join('')}`);
  });
  await new Promise((r) => site.server.listen(0, '127.0.0.1', r));
  site.url = `http://127.0.0.1:${site.server.address().port}`;
  site.close = () => { for (const res of site.held) res.destroy(); site.server.closeAllConnections(); site.server.close(); };
  return site;
}

describe('the domain check runs in the background, and survives a crash', () => {
  let srv;
  let host;
  let hanging;            // never answers
  let linking;            // links back to both signers
  let flaky;              // hangs until the server is killed, then links back
  let paused;             // hangs until the server is stopped, then links back

  before(async () => {
    srv = await start();
    hanging = await website(() => []);
    hanging.hang = true;
    linking = await website(() => [host.actorId('slow')]);
    flaky = await website(() => [host.actorId('killed')]);
    flaky.hang = true;
    paused = await website(() => [host.actorId('stopped')]);
    paused.hang = true;
    host = await new PeerHost({
      actors: {
        // The hanging website first: the check waits for it before it reads the second.
        slow: { type: 'Organization', name: 'Slow Website Org', websites: [`${hanging.url}/`, `${linking.url}/`] },
        killed: { type: 'Organization', name: 'Killed Check Org', websites: [`${flaky.url}/`] },
        stopped: { type: 'Organization', name: 'Stopped Check Org', websites: [`${paused.url}/`] },
      },
    }).start();
  });
  after(async () => {
    await host?.stop();
    await srv?.stop();
    for (const site of [hanging, linking, flaky, paused]) site?.close();
  });

  const item = async (id) => (await collectItems(`${srv.actorUrl()}/signatures`)).items
    .find((x) => x.id === host.actorId(id));
  const pendingChecks = (id) => Number(spawnSync('sqlite3', ['-cmd', '.timeout 5000', srv.db,
    `SELECT count(*) FROM domain_checks WHERE actor_id = '${host.actorId(id)}'`], { encoding: 'utf8', timeout: 30000 }).stdout.trim());

  test('a signer whose website hangs gets its 202 at once; it shows verified once the check is done', async (t) => {
    const t0 = Date.now();
    await postTo(srv, host, 'slow', endorse(host, 'slow', srv.actorUrl()));
    const took = Date.now() - t0;
    t.diagnostic(`202 after ${took} ms`);
    assert.ok(took < DOMAINCHECK_TIMEOUT_MS / 2, `202 after ${took} ms, well under the ${DOMAINCHECK_TIMEOUT_MS} ms a home page may take`);
    // Listed at once, not (yet) verified: the check waits on the hanging website.
    const first = await item('slow');
    assert.ok(first, 'listed at the 202');
    assert.equal(first['undersigned:domainVerified'], false);
    assert.ok(await eventually(() => hanging.gets > 0), 'the worker asked the hanging website');
    // /metrics counts it as pending.
    assert.match((await request(srv.url('/metrics'))).text, /^undersigned_domain_checks_pending 1$/m);
    // Meanwhile the HTTP threads are free: the statement answers at once.
    const t1 = Date.now();
    assert.equal((await getAP(srv.actorUrl())).status, 200);
    assert.ok(Date.now() - t1 < 1000, `GET during the check took ${Date.now() - t1} ms`);
    // The hanging page times out, the second website links back: verified.
    const done = await eventually(async () => ((await item('slow'))?.['undersigned:domainVerified'] ? true : null),
      DOMAINCHECK_TIMEOUT_MS + WAIT_MS);
    assert.ok(done, 'domain verified once the check is done');
    t.diagnostic(`verified ${Date.now() - t0} ms after the POST`);
    assert.equal((await item('slow'))['undersigned:handle'], `@slow@${new URL(host.base).host}`);
    assert.equal(linking.gets, 1);
    assert.ok(await eventually(() => pendingChecks('slow') === 0), 'no check left pending');
    assert.match((await request(srv.url('/metrics'))).text, /^undersigned_domain_checks_pending 0$/m);
  });

  test('the server is killed (SIGKILL) while a check is pending; the check is done after the restart', async () => {
    await postTo(srv, host, 'killed', endorse(host, 'killed', srv.actorUrl()));
    assert.ok(await eventually(() => flaky.gets > 0), 'the worker is waiting for the website');
    assert.equal(pendingChecks('killed'), 1, 'the pending check is in the database');
    srv.child.kill('SIGKILL');
    await srv.exited;
    assert.equal((await exportRows(srv)).find((r) => r.actor_id === host.actorId('killed'))?.domain_verified, false);
    flaky.hang = false;             // the website answers now, and links back
    const before = flaky.gets;
    srv = await start({ db: srv.db, port: srv.port });
    const done = await eventually(async () => ((await item('killed'))?.['undersigned:domainVerified'] ? true : null),
      DOMAINCHECK_TIMEOUT_MS + WAIT_MS);
    assert.ok(done, 'domain verified after the restart');
    assert.ok(flaky.gets > before, 'the check was made again');
    assert.ok(await eventually(() => pendingChecks('killed') === 0), 'no check left pending');
    assert.equal((await item('slow'))['undersigned:domainVerified'], true, 'the earlier one stays');
  });

  test('SIGTERM while a check waits for a website: the server stops at once; the check is done after the restart', async (t) => {
    await postTo(srv, host, 'stopped', endorse(host, 'stopped', srv.actorUrl()));
    assert.ok(await eventually(() => paused.gets > 0), 'the worker is waiting for the website');
    const t0 = Date.now();
    await srv.stop();               // throws unless it exits 0, without a sanitizer report
    const took = Date.now() - t0;
    t.diagnostic(`stopped ${took} ms after SIGTERM`);
    assert.ok(took < DOMAINCHECK_TIMEOUT_MS, `stopped after ${took} ms, without waiting out the website's ${DOMAINCHECK_TIMEOUT_MS} ms`);
    assert.equal(pendingChecks('stopped'), 1, 'the check is still pending in the database');
    paused.hang = false;
    srv = await start({ db: srv.db, port: srv.port });
    const done = await eventually(async () => ((await item('stopped'))?.['undersigned:domainVerified'] ? true : null),
      DOMAINCHECK_TIMEOUT_MS + WAIT_MS);
    assert.ok(done, 'domain verified after the restart');
    assert.ok(await eventually(() => pendingChecks('stopped') === 0), 'no check left pending');
  });

  test('the peer saw no inbox errors and the server is healthy', () => {
    assert.deepEqual(host.errors, []);
    srv.assertAlive();
  });
});

describe('a signature stands while one of its signing activities does', () => {
  let srv;
  let host;
  let statement;
  let follow;
  let endorsement;

  before(async () => {
    srv = await start({ extraArgs: ['--update-interval', '1'] });
    host = await new PeerHost({ actors: { both: { type: 'Organization', name: 'Follows And Endorses' } } }).start();
    statement = await host.lookup(srv.actorUrl());
  });
  after(async () => {
    await host?.stop();
    await srv?.stop();
  });

  const row = async () => (await exportRows(srv)).find((r) => r.actor_id === host.actorId('both'));
  const item = async () => (await collectItems(`${srv.actorUrl()}/signatures`)).items
    .find((x) => x.id === host.actorId('both'));

  test('an Organization follows and endorses: one signature, shown by its first activity', async () => {
    follow = await host.follow('both', statement);
    await host.waitFor((e) => e.type === 'Accept' && e.object === follow.id.href, WAIT_MS, 'the Accept of the Follow');
    endorsement = endorse(host, 'both', srv.actorUrl());
    await postTo(srv, host, 'both', endorsement);
    await host.waitFor((e) => e.type === 'Accept' && e.object === endorsement.id, WAIT_MS, 'the Accept of the Endorse');
    const rows = (await exportRows(srv)).filter((r) => r.actor_id === host.actorId('both'));
    assert.equal(rows.length, 1, 'listed once');
    assert.equal(rows[0].state, 'approved');
    assert.equal(rows[0].how, 'follow');
    assert.equal((await item())['undersigned:how'], 'follow');
  });

  test('signatures verify checks the proof of each activity that stands: the Endorse\'s too', async () => {
    const sql = (q) => spawnSync('sqlite3', ['-cmd', '.timeout 5000', srv.db, q], { encoding: 'utf8', timeout: 30000 });
    let v = await sigCli(srv, 'verify');
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^1 of 1 proofs verify$/m);
    // One byte more in the stored body of the Endorse, which the row does not show: caught.
    const where = `WHERE activity_id = '${endorsement.id}'`;
    assert.equal(sql(`UPDATE signings SET proof = json_set(proof, '$.body', json_extract(proof, '$.body') || ' ') ${where};`).status, 0);
    v = await sigCli(srv, 'verify');
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, new RegExp(`FAIL\\s+the proof of its endorse ${endorsement.id}, which stands too`));
    assert.match(v.stdout, /^0 of 1 proofs verify$/m);
    assert.equal(sql(`UPDATE signings SET proof = json_set(proof, '$.body', rtrim(json_extract(proof, '$.body'), ' ')) ${where};`).status, 0);
    v = await sigCli(srv, 'verify');
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('the proofs bundle holds both activities, each checked by verify.sh with openssl alone', async () => {
    const dir = path.join(tmpDir('undersigned-proofs-'), 'bundle');
    try {
      assert.equal((await sigCli(srv, 'export', '--proofs', dir)).code, 0);
      const folders = fs.readdirSync(dir).filter((f) => f.startsWith('signature-')).sort();
      assert.equal(folders.length, 2, folders.join(' '));
      assert.match(folders[1], new RegExp(`^${folders[0]}-2$`));
      const body = (f) => JSON.parse(fs.readFileSync(path.join(dir, f, 'body.json'), 'utf8')).id;
      assert.deepEqual(folders.map(body), [follow.id.href, endorsement.id], 'the Follow first, then the Endorse');
      assert.match(fs.readFileSync(path.join(dir, folders[0], 'signer.txt'), 'utf8'), /^activity: follow$/m);
      assert.match(fs.readFileSync(path.join(dir, folders[1], 'signer.txt'), 'utf8'), /^activity: endorse$/m);
      const v = spawnSync('sh', [path.join(dir, 'verify.sh')], { encoding: 'utf8', timeout: 60000 });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /^2 of 2 proofs verify$/m);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  test('it undoes the Follow: still signed, by its Endorse, whose proof verifies', async () => {
    await host.undo('both', statement, follow);
    const r = await row();
    assert.equal(r.state, 'approved', 'the Endorse still stands');
    assert.equal(r.how, 'endorse');
    assert.equal((await getAP(`${srv.actorUrl()}/followers`)).json.totalItems, 0, 'a follower no more');
    const it = await item();
    assert.ok(it, 'still in the collection');
    assert.equal(it['undersigned:how'], 'endorse');
    const v = await sigCli(srv, 'verify');
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^1 of 1 proofs verify$/m);
    const dir = path.join(tmpDir('undersigned-proofs-'), 'bundle');
    assert.equal((await sigCli(srv, 'export', '--proofs', dir)).code, 0);
    const folder = fs.readdirSync(dir).find((f) => f.startsWith('signature-'));
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, folder, 'body.json'), 'utf8')).id, endorsement.id,
      'the proof exported is the Endorse\'s');
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  test('it undoes the Endorse: withdrawn', async () => {
    await postTo(srv, host, 'both', {
      '@context': AS, id: host.newId('Undo'), type: 'Undo', actor: host.actorId('both'), object: endorsement,
    });
    assert.equal((await row()).state, 'withdrawn');
    assert.equal(await item(), undefined, 'gone from the collection');
  });

  test('the peer saw no inbox errors and the server is healthy', () => {
    assert.deepEqual(host.errors, []);
    srv.assertAlive();
  });
});

// Opens headless Chromium on url (loopback only) and runs fn(page).
async function inChromium(url, fn) {
  const profile = tmpDir('undersigned-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const outside = [];
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
      outside.push(u.href);
      return route.abort();
    });
    const page = context.pages()[0] ?? await context.newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    const res = await page.goto(url, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    return await fn(page, { outside, dialogs });
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

describe('bad input is refused or ignored, and nothing is signed', () => {
  let srv;
  let host;
  let statement;
  const evilName = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>Evil</b> & Co ${'A'.repeat(10 * 1024)}`;

  before(async () => {
    srv = await start({ extraArgs: ['--update-interval', '1'] });
    host = await new PeerHost({
      actors: {
        orgE: { type: 'Organization', name: 'Endorser Elsewhere' },
        orgF: { type: 'Organization', name: 'Forged Friend' },
        liar: { type: 'Person', name: 'Person Claiming' },
        evil: { type: 'Organization', name: evilName },
        mover: { type: 'Organization', name: 'Moving Union' },
        stranger: { type: 'Organization', name: 'Stranger Account' },
        closer: { type: 'Organization', name: 'Too Late League' },
        latePerson: { type: 'Person', name: 'Late Person' },
      },
    }).start();
    statement = await host.lookup(srv.actorUrl());
  });
  after(async () => {
    await host?.stop();
    await srv?.stop();
  });

  const verifiedRows = async () => (await exportRows(srv)).filter((r) => !r.imported);

  test('an Endorse of another server\'s object, or of a URL of ours that is no statement, is ignored', async () => {
    const from = host.posts.length;
    for (const object of [`${host.base}/notes/1`, 'http://127.0.0.1:9/s/hands-off-venezuela',
      `${srv.actorUrl()}/followers`, `${srv.base}/s/no-such-statement`]) {
      await postTo(srv, host, 'orgE', endorse(host, 'orgE', object), [202]);
    }
    await sleep(QUIET_MS);
    assert.deepEqual(await verifiedRows(), [], 'nothing stored');
    assert.equal(host.posts.slice(from).filter((p) => p.path === '/users/orgE/inbox').length, 0, 'no Accept or Reject');
  });

  test('an Endorse whose actor is not the signer: 401, nothing stored', async () => {
    const doc = endorse(host, 'orgE', srv.actorUrl());
    doc.actor = host.actorId('orgF');
    await postTo(srv, host, 'orgE', doc, [401]);
    assert.deepEqual(await verifiedRows(), []);
  });

  test('a Follow claiming type Organization in the activity, from an actor whose document says Person: a follow only', async () => {
    const id = host.newId('Follow');
    await postTo(srv, host, 'liar', {
      '@context': AS, id, type: 'Follow',
      actor: { id: host.actorId('liar'), type: 'Organization', name: 'Claimed Organisation', inbox: `${host.base}/users/liar/inbox` },
      object: srv.actorUrl(),
    });
    await host.waitFor((e) => e.type === 'Accept' && e.object === id, WAIT_MS, 'the Accept of the liar');
    assert.equal((await getAP(`${srv.actorUrl()}/followers`)).json.totalItems, 1);
    assert.deepEqual(await verifiedRows(), [], 'no signature');
  });

  test('a name with HTML and 10 KB of text is escaped on the page and in the post, and cut for display', async () => {
    const f = await host.follow('evil', statement);
    await host.waitFor((e) => e.type === 'Accept' && e.object === f.id.href, WAIT_MS, 'the Accept of evil');
    const row = (await verifiedRows()).find((r) => r.actor_id === host.actorId('evil'));
    assert.equal(row?.state, 'approved');
    assert.ok(row.name.startsWith('<img src=x'), 'the export keeps the name as data');

    const page = await request(srv.actorUrl(), { accept: HTML_ACCEPT });
    assert.ok(!/<img src=x|<script>window|<b>Evil/.test(page.text), 'no element injected into the page');
    assert.ok(page.text.includes('&lt;img src=x onerror='), 'escaped on the page');
    const pageLi = pageItems(page.text).find((t) => t.startsWith('<img src=x'));
    assert.ok(pageLi, 'listed on the page');
    const shown = pageLi.split(' @')[0].split(' signed from ')[0];
    assert.ok([...shown].length <= NAME_DISPLAY_CHARS + 1, `cut for display: ${[...shown].length} characters`);
    assert.ok(page.text.length < evilName.length + 64 * 1024, 'the 10 KB are not on the page');

    const note = (await getAP(`${srv.actorUrl()}/post`)).json;
    assert.ok(!/<img src=x|<script>window|<b>Evil/.test(note.content), 'no element injected into the post');
    const noteLi = noteItems(note.content).find((t) => t.startsWith('<img src=x'));
    assert.ok(noteLi, 'listed in the post');
    assert.ok([...noteLi.split(' (@')[0]].length <= NAME_DISPLAY_CHARS + 1, `cut in the post: ${[...noteLi].length}`);

    await inChromium(srv.actorUrl(), async (p, { outside, dialogs }) => {
      const seen = await p.evaluate(() => ({
        pwned: window.pwned ?? null,
        injected: document.querySelectorAll('#signatories img, #signatories script, #signatories b').length,
        item: [...document.querySelectorAll('#signatories li')].map((li) => li.textContent)
          .find((t) => t.includes('onerror')) ?? null,
      }));
      assert.equal(seen.pwned, null, 'no script ran');
      assert.equal(seen.injected, 0, 'no element from the name');
      assert.ok(seen.item?.startsWith('<img src=x onerror='), `shown as text: ${seen.item?.slice(0, 60)}`);
      assert.ok(seen.item.length < NAME_DISPLAY_CHARS + 200, `cut: ${seen.item.length}`);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(outside, []);
    });
  });

  test('a Move to an account that does not name the old one in alsoKnownAs is refused; one that does carries the signature', async () => {
    const f = await host.follow('mover', statement);
    await host.waitFor((e) => e.type === 'Accept' && e.object === f.id.href, WAIT_MS, 'the Accept of mover');
    const before_ = (await verifiedRows()).find((r) => r.actor_id === host.actorId('mover'));
    assert.equal(before_?.state, 'approved');

    const move = (target) => ({
      '@context': AS, id: host.newId('Move'), type: 'Move',
      actor: host.actorId('mover'), object: host.actorId('mover'), target: host.actorId(target),
    });
    await postTo(srv, host, 'mover', move('stranger'), [202, 403]);
    let rows = await verifiedRows();
    assert.ok(rows.some((r) => r.id === before_.id && r.actor_id === host.actorId('mover') && r.state === 'approved'), 'still the old account\'s');
    assert.ok(!rows.some((r) => r.actor_id === host.actorId('stranger')), 'nothing moved to the stranger');

    // The control: the new account names the old one.
    host.addActor('newhome', { type: 'Organization', name: 'Moving Union (new home)', aliases: [host.actorId('mover')] });
    await postTo(srv, host, 'mover', move('newhome'), [202]);
    rows = await verifiedRows();
    assert.ok(rows.some((r) => r.id === before_.id && r.actor_id === host.actorId('newhome')), `carried over: ${JSON.stringify(rows.map((r) => r.actor_id))}`);
  });

  test('a closed statement answers an Endorse with a Reject and signs nothing', async () => {
    const c = await runCli(['statement', 'close', '--db', srv.db, '--slug', SLUG]);
    assert.equal(c.code, 0, c.stderr);
    const before_ = await verifiedRows();
    const doc = endorse(host, 'closer', srv.actorUrl(), `${srv.base}/ns`);
    await postTo(srv, host, 'closer', doc);
    const rej = await host.waitFor((e) => e.type === 'Reject' && e.object === doc.id, WAIT_MS, 'the Reject');
    assert.equal(rej.actor, srv.actorUrl());
    assert.equal(rej.recipient, 'closer');
    // A Follow from an Organization is a follow only; a mention gets a reply that says why.
    const f = await host.follow('closer', statement);
    await host.waitFor((e) => e.type === 'Accept' && e.object === f.id.href, WAIT_MS, 'the Accept of closer');
    await sendMention(host, 'latePerson', statement, srv, 'We sign too.');
    const reply = await host.waitFor((e) => e.type === 'Create' && e.recipient === 'latePerson', WAIT_MS, 'the reply');
    assert.match(htmlText(reply.raw.object.content), /closed for signatures/i);
    assert.deepEqual(await verifiedRows(), before_, 'nothing signed');
  });

  test('the peer saw no inbox errors and the server is healthy', () => {
    assert.deepEqual(host.errors, []);
    srv.assertAlive();
  });
});

describe(`a flood of signing mentions from one server: ${MENTION_LIMIT} an hour are answered, no more`, {
  skip: MENTION_LIMIT > 200 ? `LIMIT_MENTIONS_PER_ORIGIN_HOUR ${MENTION_LIMIT}: too many to send here` : false,
}, () => {
  const EXTRA = 5;
  const N = MENTION_LIMIT + EXTRA;
  let srv;
  let flood;
  const ids = Array.from({ length: N }, (_, i) => `f${String(i).padStart(3, '0')}`);

  before(async () => {
    // The flood's 65 new accounts need 65 key fetches from one server at once:
    // over the fetch rate's burst (abuse.test.mjs tests that limit).
    srv = await start({ extraArgs: ['--update-interval', '1', '--rate-fetch', '1000'] });
    const actors = Object.fromEntries(ids.map((id) => [id, { type: 'Person', name: `Flood ${id}` }]));
    flood = await new PeerHost({ actors, sharedKeys: true }).start();
  });
  after(async () => {
    await flood?.stop();
    await srv?.stop();
  });

  test(`${N} mentions from ${N} accounts of one server: ${MENTION_LIMIT} signatures and replies`, { timeout: 170000 }, async () => {
    for (const id of ids) {
      await postTo(srv, flood, id, rawMention(flood, id, srv, 'sign'), [202]);
    }
    const signed = async () => (await exportRows(srv)).filter((r) => !r.imported);
    const rows = await signed();
    assert.equal(rows.length, MENTION_LIMIT, `signatures recorded: ${rows.length}`);
    assert.ok(rows.every((r) => r.state === 'pending' && r.how === 'mention'));
    // Sent one after the other: the first ones are in, the last ones are not.
    const signers = new Set(rows.map((r) => r.actor_id));
    ids.forEach((id, i) => assert.equal(signers.has(flood.actorId(id)), i < MENTION_LIMIT, `${id}`));

    const replies = () => flood.received.filter((e) => e.type === 'Create');
    assert.ok(await eventually(() => replies().length >= MENTION_LIMIT, 60000), `replies: ${replies().length}`);
    await sleep(QUIET_MS);
    const to = new Set(replies().map((e) => e.recipient));
    assert.equal(replies().length, MENTION_LIMIT, 'no more replies than signatures');
    ids.forEach((id, i) => assert.equal(to.has(id), i < MENTION_LIMIT, `reply to ${id}`));
    assert.deepEqual(flood.errors, []);
    srv.assertAlive();
  });
});
