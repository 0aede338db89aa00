// Organisations that sign from their own Undersigned server (issue 8). Two
// servers on loopback: A publishes the example statement, B hosts three
// organisations. `org sign` on B resolves the statement on A (WebFinger, the
// actor, its post), queues a signed Endorse and Follow, and waits for A's
// Accept and for A's signatures collection to list the organisation. Then
// both sides are checked: A's collection, post and page list the three, B's
// organisations got A's batched Update of the post, B's profile page and
// endorsed collection keep the record; `org withdraw` takes one back; bad
// input fails with one line and queues nothing. The same `org sign` works
// against the Fedify peer of the other interop tests, which verifies our
// signatures and whose Reject is reported.
//
// Both servers run with --update-interval 1.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Peer } from './lib/peer.mjs';
import {
  HTML_ACCEPT, SLUG, collectItems, getAP, htmlText, request, runCli, start,
} from './lib/server.mjs';

const WAIT_MS = 20000;
const BATCH = ['--update-interval', '1'];
const ORGS = [
  { slug: 'psm', name: 'Parti Sosialis Malaysia', summary: 'A socialist party in Malaysia.' },
  { slug: 'sa', name: 'Socialist Alliance', summary: 'Australia.' },
  { slug: 'pkp', name: 'Partido Komunista ng Pilipinas' },
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function eventually(fn, ms = WAIT_MS, every = 200) {
  const deadline = Date.now() + ms;
  let v;
  while (Date.now() < deadline) {
    v = await fn();
    if (v) return v;
    await sleep(every);
  }
  return v;
}

// One number from the database, read beside the running server.
function sqlInt(db, sql) {
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

const org = (srv, sub, ...args) => runCli(['org', sub, '--db', srv.db, ...args]);

// Nothing queued and nothing recorded: the deliveries and endorsements of db.
const queueState = (db) => ({
  deliveries: sqlInt(db, 'SELECT count(*) FROM delivery_bodies'),
  endorsements: sqlInt(db, 'SELECT count(*) FROM endorsements'),
});

// A one-line error on stderr, exit code 1, nothing else said.
function assertOneLineError(r, pattern) {
  assert.equal(r.code, 1, `exit code (stdout: ${r.stdout}) (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('undersigned:'));
  assert.equal(lines.length, 1, `one error line: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

describe('organisations on one server sign a statement on another', () => {
  let a;          // publishes the statement
  let b;          // hosts the organisations
  let statement;  // A's statement actor URL
  const orgUrl = (slug) => `${b.base}/o/${slug}`;

  before(async () => {
    a = await start({ extraArgs: BATCH });
    b = await start({ importExample: false, extraArgs: BATCH });
    statement = a.actorUrl();
    for (const o of ORGS) {
      const r = await org(b, 'add', '--slug', o.slug, '--name', o.name, ...(o.summary ? ['--summary', o.summary] : []));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`@${o.slug}@${b.host.replace(/\./g, '\\.')}`), 'the account is said');
    }
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('the organisation is an Organization actor, found by WebFinger', async () => {
    const wf = await request(`${b.base}/.well-known/webfinger?resource=acct:psm@${b.host}`);
    assert.equal(wf.status, 200, wf.text);
    const self = wf.json.links.find((l) => l.rel === 'self');
    assert.equal(self.href, orgUrl('psm'));
    const actor = await getAP(orgUrl('psm'));
    assert.equal(actor.status, 200);
    assert.equal(actor.json.type, 'Organization');
    assert.equal(actor.json.name, 'Parti Sosialis Malaysia');
    assert.equal(actor.json.inbox, `${orgUrl('psm')}/inbox`);
    assert.equal(actor.json.endorsed, `${orgUrl('psm')}/endorsed`);
    assert.equal(actor.json.endpoints.sharedInbox, `${b.base}/inbox`);
    assert.equal(actor.json.publicKey.id, `${orgUrl('psm')}#main-key`);
    assert.match(actor.json.publicKey.publicKeyPem, /BEGIN PUBLIC KEY/);
    for (const what of ['outbox', 'followers', 'following', 'endorsed']) {
      const c = await getAP(actor.json[what]);
      assert.equal(c.status, 200, what);
      assert.equal(c.json.totalItems, 0, what);
    }
  });

  test('bad input: one line, exit 1, nothing queued', async () => {
    const before = queueState(b.db);
    assertOneLineError(await org(b, 'add', '--slug', 'psm', '--name', 'Again'), /taken/);
    // A slug is one actor on a server: a statement's is taken for organisations too.
    assertOneLineError(await org(a, 'add', '--slug', SLUG, '--name', 'Clash'), /taken/);
    assertOneLineError(await org(b, 'sign', '--org', 'nobody', `@${SLUG}@${a.host}`), /no organisation 'nobody'/);
    assertOneLineError(await org(b, 'sign', '--org', 'psm', `@nobody@${a.host}`), /does not resolve/);
    assertOneLineError(await org(b, 'sign', '--org', 'psm', `${a.base}/nodeinfo/2.1`), /not a statement/);
    // An actor with no post: the instance actor of A.
    assertOneLineError(await org(b, 'sign', '--org', 'psm', `${a.base}/actor`), /no post to endorse/);
    assertOneLineError(await org(b, 'sign', '--org', 'psm', 'not a statement'), /neither/);
    assertOneLineError(await org(b, 'withdraw', '--org', 'psm', `@${SLUG}@${a.host}`), /has not signed/);
    assert.deepEqual(queueState(b.db), before, 'nothing queued, nothing recorded');
  });

  test('a database no server ran on: org sign says so', async () => {
    const lonely = `${a.dir}/lonely.db`;
    assert.equal((await runCli(['org', 'add', '--db', lonely, '--slug', 'x', '--name', 'X'])).code, 0);
    assertOneLineError(await runCli(['org', 'sign', '--db', lonely, '--org', 'x', `@${SLUG}@${a.host}`]),
      /no server has run/);
  });

  test('three organisations sign: Endorse and Follow, accepted, listed', async () => {
    // Each way of naming the statement: its handle, its actor URL, its post URL.
    const names = [`@${SLUG}@${a.host}`, statement, `${statement}/post`];
    for (const [i, o] of ORGS.entries()) {
      const r = await org(b, 'sign', '--org', o.slug, '--wait', '30', names[i]);
      assert.equal(r.code, 0, `${o.slug}: ${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /queued: an Endorse of the post and a Follow/);
      assert.match(r.stdout, /accepted/);
      assert.match(r.stdout, /listed in the statement's signatures/);
    }
  });

  test("the publisher's collection, followers, post and page list them", async () => {
    // Listed at once; the handles come with the background domain checks, a moment later.
    const { items } = await eventually(async () => {
      const c = await collectItems(`${statement}/signatures`);
      return ORGS.every((o) => c.items.find((it) => it.id === orgUrl(o.slug))?.['undersigned:handle']) ? c : null;
    }) ?? await collectItems(`${statement}/signatures`);
    for (const o of ORGS) {
      const item = items.find((it) => it.id === orgUrl(o.slug));
      assert.ok(item, `${o.slug} in the collection`);
      assert.equal(item.type, 'Organization');
      assert.equal(item.name, o.name);
      assert.equal(item['undersigned:handle'], `@${o.slug}@${b.host}`);
      assert.ok(['endorse', 'follow'].includes(item['undersigned:how']));
    }
    const followers = await collectItems(`${statement}/followers`);
    for (const o of ORGS) assert.ok(followers.items.includes(orgUrl(o.slug)), `${o.slug} follows`);
    // The post is edited within the batch window.
    const post = await eventually(async () => {
      const r = await getAP(`${statement}/post`);
      return ORGS.every((o) => r.json.content.includes(`href="${orgUrl(o.slug)}"`)) ? r : null;
    });
    assert.ok(post, 'the post lists the three');
    const page = await request(statement, { accept: HTML_ACCEPT });
    const text = htmlText(page.text);
    for (const o of ORGS) {
      assert.ok(text.includes(o.name), `${o.name} on the page`);
      assert.ok(text.includes(`@${o.slug}@${b.host}`), `${o.slug}'s handle on the page`);
    }
  });

  test('the organisations received the batched Update of the post', async () => {
    const listed = await eventually(async () => {
      const r = await org(b, 'list');
      const lines = r.stdout.split('\n').filter((l) => l.includes(`@${SLUG}@${a.host}`));
      return lines.length === 3 && lines.every((l) => /accepted/.test(l) && /post updated/.test(l) && /listed/.test(l))
        ? lines : null;
    });
    assert.ok(listed, 'each organisation recorded the Update, and the post lists it');
    assert.equal(sqlInt(b.db, 'SELECT count(*) FROM endorsements WHERE post_updated_at IS NOT NULL AND follow_accepted = 1'), 3);
  });

  test("the organisation's own record: endorsed collection, outbox, page", async () => {
    const { collection, items } = await collectItems(`${orgUrl('psm')}/endorsed`);
    assert.equal(collection.totalItems, 1);
    assert.equal(items[0].type, 'Endorse');
    assert.equal(items[0].actor, orgUrl('psm'));
    assert.equal(items[0].object, `${statement}/post`);
    assert.equal(items[0]['undersigned:state'], 'accepted');
    assert.equal(items[0]['undersigned:handle'], `@${SLUG}@${a.host}`);
    const outbox = await collectItems(`${orgUrl('psm')}/outbox`);
    assert.equal(outbox.items[0].id, items[0].id, 'the outbox holds the Endorse');
    const following = await collectItems(`${orgUrl('psm')}/following`);
    assert.deepEqual(following.items, [statement]);
    const page = await request(orgUrl('psm'), { accept: HTML_ACCEPT });
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    const text = htmlText(page.text);
    assert.ok(text.includes('Parti Sosialis Malaysia'));
    assert.ok(text.includes(`@psm@${b.host}`));
    assert.ok(text.includes('Hands off Venezuela'), 'the statement it signed');
    assert.match(text, /signed \d{4}-\d\d-\d\d/);
    assert.ok(text.includes('accepted'));
  });

  test('signing twice changes nothing', async () => {
    const before = queueState(b.db);
    const r = await org(b, 'sign', '--org', 'psm', `@${SLUG}@${a.host}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /signed already \(accepted\), nothing sent/);
    assert.deepEqual(queueState(b.db), before);
  });

  test('org edit: the Update reaches the server it signed on', async () => {
    const r = await org(b, 'edit', '--org', 'pkp', '--name', 'PKP-1930');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Update of its profile is queued to 1 inbox/);
    const renamed = await eventually(async () => {
      const { items } = await collectItems(`${statement}/signatures`);
      return items.find((it) => it.id === orgUrl('pkp') && it.name === 'PKP-1930');
    });
    assert.ok(renamed, "the publisher shows the organisation's new name");
  });

  test('org withdraw removes one, everywhere', async () => {
    const r = await org(b, 'withdraw', '--org', 'sa', `@${SLUG}@${a.host}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Undo of the Endorse and of the Follow/);
    const gone = await eventually(async () => {
      const { items } = await collectItems(`${statement}/signatures`);
      return !items.some((it) => it.id === orgUrl('sa')) && items.some((it) => it.id === orgUrl('psm'));
    });
    assert.ok(gone, 'sa left the collection, psm stays');
    const unfollowed = await collectItems(`${statement}/followers`);
    assert.ok(!unfollowed.items.includes(orgUrl('sa')), 'sa no longer follows');
    const post = await eventually(async () => {
      const p = await getAP(`${statement}/post`);
      return !p.json.content.includes(`href="${orgUrl('sa')}"`) ? p : null;
    });
    assert.ok(post, 'the edited post no longer lists sa');
    const list = await org(b, 'list', '--org', 'sa');
    assert.match(list.stdout, /withdrawn/);
    const endorsed = await getAP(`${orgUrl('sa')}/endorsed`);
    assert.equal(endorsed.json.totalItems, 0, 'the endorsed collection no longer holds it');
    const again = await org(b, 'withdraw', '--org', 'sa', `@${SLUG}@${a.host}`);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already/);
  });

  test('a closed statement: one line, exit 1, nothing queued', async () => {
    assert.equal((await runCli(['statement', 'close', '--db', a.db, '--slug', SLUG])).code, 0);
    const before = queueState(b.db);
    assertOneLineError(await org(b, 'sign', '--org', 'sa', `@${SLUG}@${a.host}`), /closed for signatures/);
    assert.deepEqual(queueState(b.db), before);
    a.assertAlive();
    b.assertAlive();
  });
});

describe('org sign against the Fedify peer', () => {
  let b;
  let peer;

  before(async () => {
    b = await start({ importExample: false });
    peer = await new Peer({ type: 'Organization' }).start();
    for (const slug of ['quiet', 'refused']) {
      const r = await org(b, 'add', '--slug', slug, '--name', `Org ${slug}`);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await peer?.stop();
    await b?.stop();
  });

  // The POSTs from b to the peer's inbox whose body has type `type`.
  const postsOf = (type) => peer.requests.filter((q) => q.method === 'POST' && q.body.includes(`"type":"${type}"`));

  test('the peer receives a signed Endorse and Follow that Fedify verifies; no answer: queued, exit 0', async () => {
    const note = peer.noteUrl('quiet');
    const r = await org(b, 'sign', '--org', 'quiet', '--wait', '2', note);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no answer after 2 s: the signature is queued/);
    assert.match(r.stdout, /undersigned org list --db/);
    const endorse = await peer.waitFor((e) => e.type === 'Endorse', WAIT_MS);
    const follow = await peer.waitFor((e) => e.type === 'Follow', WAIT_MS);
    const me = `${b.base}/o/quiet`;
    assert.equal(endorse.actor, me);
    assert.equal(endorse.object, note);
    assert.equal(follow.actor, me);
    assert.equal(follow.object, peer.actorId.href);
    // What went over the wire: signed with the organisation's key, and Fedify said 202.
    for (const type of ['Endorse', 'Follow']) {
      const [q] = postsOf(type);
      assert.ok(q, `${type} POSTed`);
      assert.match(q.headers.signature, new RegExp(`keyId="${me}#main-key"`));
      assert.equal(q.status, 202, `${type}: Fedify verified the signature`);
    }
    const list = await org(b, 'list', '--org', 'quiet');
    assert.match(list.stdout, /pending/);
  });

  test('the peer follows an organisation: Accept; org edit sends it the Update', async () => {
    const me = `${b.base}/o/quiet`;
    const orgActor = await peer.lookup(me);
    assert.equal(orgActor?.id?.href, me, 'Fedify reads the Organization actor');
    const follow = await peer.follow(orgActor);
    const accept = await peer.waitFor((e) => e.type === 'Accept' && e.actor === me, WAIT_MS);
    assert.equal(accept.object, follow.id.href, 'the Accept names the Follow');
    const followers = await collectItems(`${me}/followers`);
    assert.deepEqual(followers.items, [peer.actorId.href]);
    const r = await org(b, 'edit', '--org', 'quiet', '--summary', 'We sign things.');
    assert.equal(r.code, 0, r.stderr);
    // To the follower, and to the peer's inbox it signed on: one shared inbox or two inboxes.
    const update = await peer.waitFor((e) => e.type === 'Update' && e.actor === me, WAIT_MS);
    assert.equal(update.object, me);
  });

  test("the peer's Reject is reported: one line, exit 1, recorded", async () => {
    const note = peer.noteUrl('refused');
    const me = `${b.base}/o/refused`;
    const signing = org(b, 'sign', '--org', 'refused', '--wait', '30', note);
    const endorse = await peer.waitFor((e) => e.type === 'Endorse' && e.actor === me, WAIT_MS);
    await peer.reject(me, endorse.id);
    const r = await signing;
    assertOneLineError(r, /refused the signature \(Reject\)/);
    const list = await org(b, 'list', '--org', 'refused');
    assert.match(list.stdout, /rejected/);
    b.assertAlive();
  });
});
