// Faults: the server is killed with SIGKILL in the middle of its work, its
// command line runs while it writes, its disk fills up, and the servers it
// talks to misbehave. What was answered 2xx must survive, every delivery must
// arrive (duplicates only of what was in flight), and nothing may hang.
//
// The remote side is tests/e2e/lib/sink.mjs: many actors on one loopback
// port, signing like Mastodon and verifying what they receive.
// FAULTS_DEBUG=1 prints the figures of each run (answers before the kill,
// samples taken, CLI rounds, how long the hangs held the server).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Sink } from './lib/sink.mjs';
import { EXAMPLE, SLUG, getAP, request, runCli, start as startServer, totalItems } from './lib/server.mjs';

// These tests hurl bursts from one address and one remote server at the
// server on purpose, to crash it mid-work: the abuse limits would refuse most
// of a burst, so they are off here (abuse.test.mjs tests them).
const NO_LIMITS = ['--rate-ip', '0', '--rate-domain', '0', '--rate-fetch', '0'];
const start = (o = {}) => startServer({ ...o, extraArgs: [...(o.extraArgs ?? []), ...NO_LIMITS] });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A row claimed by a worker that died is due again after this (util/limits.h
// LIMIT_DELIVERY_LEASE_S), so a restart resumes within it.
const LEASE_S = 60;
const LIMIT_REDIRECTS = 3;
const LIMIT_FETCH_TIMEOUT_S = 10;
const LIMIT_FETCH_BYTES = 1024 * 1024;
const LIMIT_CONNECTION_TIMEOUT_S = 15;


// Runs the async functions fns, at most `limit` at a time; resolves their results in order.
async function inParallel(fns, limit) {
  const results = new Array(fns.length);
  let next = 0;
  const worker = async () => {
    while (next < fns.length) {
      const i = next++;
      results[i] = await fns[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, fns.length) }, worker));
  return results;
}


// Every item of an OrderedCollection, through its pages.
async function items(url) {
  const out = [];
  const first = (await getAP(url)).json;
  let next = typeof first.first === 'string' ? first.first : first.first?.id;
  for (let i = 0; next && i < 200; i++) {
    const page = (await getAP(next)).json;
    out.push(...(page.orderedItems ?? []).map((x) => (typeof x === 'string' ? x : x.id)));
    next = page.next;
  }
  return out;
}

function sql(db, query) {
  return execFileSync('sqlite3', ['-readonly', db, query], { encoding: 'utf8' }).trim();
}

// Kills the server at once, as a power cut or the OOM killer would.
async function killNine(srv) {
  srv.child.kill('SIGKILL');
  await srv.exited;
  assert.equal(srv.exit.signal, 'SIGKILL');
}

describe('kill -9 during a fan-out: every Accept arrives after the restart', () => {
  const N = 60;
  let srv;
  let sink;

  before(async () => {
    srv = await start();
    sink = await new Sink({ delayMs: 1500 }).start();
  });
  after(async () => {
    await sink?.stop();
    await srv?.stop();
  });

  test(`${N} followers at once, SIGKILL while the Accepts go out, restart`, { timeout: 240000 }, async () => {
    const statement = await sink.trustStatement(srv);
    const names = Array.from({ length: N }, (_, i) => `f${i}`);
    names.forEach((n) => sink.actor(n));

    // All Follow at once; each is answered only once it is committed.
    const answers = await Promise.all(names.map((n) => sink.post(n, statement.inbox, sink.follow(n, statement.id))));
    answers.forEach((a, i) => assert.equal(a.status, 202, `Follow of ${names[i]}: ${JSON.stringify(a)}`));

    // The inboxes answer slowly: kill while some Accepts are through and some in flight.
    await sink.until(() => sink.posts.length >= 12, 90000, '12 Accepts');
    const killedAt = Date.now();
    await killNine(srv);
    const before = sink.posts.slice();
    const inFlight = new Set(before.filter((p) => p.answeredAt == null || p.answeredAt > killedAt - 1000).map((p) => p.actor));
    assert.ok(before.length < N, `the kill came before the fan-out ended (${before.length} of ${N})`);

    sink.delayMs = 0;
    const port = srv.port;
    const db = srv.db;
    srv = await start({ db, port });

    // Rows the dead worker had claimed come due when their lease runs out.
    await sink.until(() => new Set(sink.accepted().map((p) => p.actor)).size === N,
      (LEASE_S + 90) * 1000, `an Accept for each of ${N} followers`);

    for (const p of sink.posts) assert.equal(p.why, null, `${p.actor}: ${p.why}`);
    for (const n of names) {
      const got = sink.accepted(n);
      assert.ok(got.length >= 1, `${n} got its Accept`);
      assert.equal(got[0].json.type, 'Accept');
      assert.equal(got[0].json.object.id ?? got[0].json.object, sink.follow(n, statement.id).id);
      if (got.length > 1) assert.ok(inFlight.has(n), `${n} got ${got.length} Accepts but none was in flight at the kill`);
    }
    const dupes = names.filter((n) => sink.accepted(n).length > 1);
    assert.ok(dupes.length <= inFlight.size, `duplicates ${dupes.length} <= in flight ${inFlight.size}`);
    assert.equal(await totalItems(`${srv.actorUrl()}/followers`), N);
    // The last acknowledgement may land a moment after its POST arrived.
    await sink.until(() => sql(db, 'SELECT count(*) FROM deliveries') === '0', 10000, 'an empty queue');
    srv.assertAlive();
  });
});

describe('kill -9 during an inbox burst: what was answered 2xx is there after the restart', () => {
  const N = 40;
  let srv;
  let sink;

  before(async () => {
    srv = await start();
    sink = await new Sink().start();
  });
  after(async () => {
    await sink?.stop();
    await srv?.stop();
  });

  test(`${N} Follows and ${N} Likes at once, SIGKILL at a random moment`, { timeout: 240000 }, async () => {
    const statement = await sink.trustStatement(srv);
    const post = `${statement.id}/post`;
    const names = Array.from({ length: N }, (_, i) => `b${i}`);
    names.forEach((n) => sink.actor(n));
    // The actors are known already (their keys cached), so the burst is all
    // verifying and committing, and the kill lands in that work.
    const warm = await Promise.all(names.map((n) => sink.post(n, statement.inbox, {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${sink.ids(n).id}/hello`, type: 'Like', actor: sink.ids(n).id, object: `${sink.base}/nothing`,
    })));
    warm.forEach((w, i) => assert.equal(w.status, 202, `first contact of ${names[i]}: ${JSON.stringify(w)}`));
    const jobs = names.flatMap((n) => [
      { n, kind: 'follow', activity: sink.follow(n, statement.id) },
      { n, kind: 'like', activity: sink.like(n, post) },
    ]);
    // Kill at a random moment: a timer, not an answer, so the server is caught
    // anywhere in its work; at the latest once a random quarter to three
    // quarters of the answers are in.
    const killAfter = Math.floor(jobs.length * (0.25 + Math.random() * 0.5));
    let answered = 0;
    let killing = null;
    const kill = () => { killing ??= killNine(srv); };
    const timer = setTimeout(kill, 5 + Math.random() * 150);
    await Promise.all(jobs.map(async (j) => {
      j.res = await sink.post(j.n, statement.inbox, j.activity, { timeoutMs: 60000 });
      if (++answered >= killAfter) kill();
    }));
    clearTimeout(timer);
    kill();
    await killing;
    const ok = jobs.filter((j) => j.res.status >= 200 && j.res.status < 300);
    if (process.env.FAULTS_DEBUG) console.log(`killed after ${killAfter}: ${ok.length} answered 2xx, ${jobs.filter((j) => j.res.status === 0).length} cut`);
    for (const j of jobs) {
      assert.ok(j.res.status === 0 || (j.res.status >= 200 && j.res.status < 300) || j.res.status === 503,
        `${j.kind} of ${j.n}: ${JSON.stringify(j.res)}`);
    }

    srv = await start({ db: srv.db, port: srv.port });
    const followers = new Set(await items(`${srv.actorUrl()}/followers`));
    for (const j of ok.filter((x) => x.kind === 'follow')) {
      assert.ok(followers.has(sink.ids(j.n).id), `${j.n}'s Follow was answered ${j.res.status} but is lost`);
    }
    const likesOk = ok.filter((x) => x.kind === 'like').length;
    assert.ok(await totalItems(`${post}/likes`) >= likesOk, `at least the ${likesOk} Likes answered 2xx are counted`);

    // The senders retry what got no 2xx, as servers do: then everything is there.
    for (const j of jobs.filter((x) => !(x.res.status >= 200 && x.res.status < 300))) {
      const r = await sink.post(j.n, statement.inbox, j.activity);
      assert.equal(r.status, 202, `retried ${j.kind} of ${j.n}: ${JSON.stringify(r)}`);
    }
    assert.equal(await totalItems(`${srv.actorUrl()}/followers`), N, 'every follower, once');
    assert.equal(await totalItems(`${post}/likes`), N, 'every Like, once');
    // And every follower gets its Accept: delivered already, or queued (a
    // row the dead worker had claimed waits for its lease).
    const queued = new Set(sql(srv.db, 'SELECT inbox FROM deliveries').split('\n'));
    for (const n of names) {
      assert.ok(sink.accepted(n).length > 0 || queued.has(sink.ids(n).inbox), `an Accept for ${n} is sent or queued`);
    }
    srv.assertAlive();
  });
});

// What a SIGKILL at this instant would leave: the committed state, read while
// the server is stopped (SIGSTOP), as sets of ids.
function committed(db) {
  const rows = JSON.parse(execFileSync('sqlite3', ['-readonly', '-json', db,
    "SELECT 's' AS k, id AS v FROM activities_seen UNION ALL SELECT 'f', follow_id FROM followers"
    + " UNION ALL SELECT 'r', activity_id FROM reactions UNION ALL SELECT 'b', body FROM delivery_bodies"],
  { encoding: 'utf8' }) || '[]');
  const out = { s: new Set(), f: new Set(), r: new Set(), b: [] };
  for (const { k, v } of rows) if (k === 'b') out.b.push(v); else out[k].add(v);
  return out;
}

describe('at every instant, an activity marked seen has all its effects committed', () => {
  const ROUNDS = 4;
  const N = 100;
  let srv;
  let sink;

  before(async () => {
    srv = await start();
    sink = await new Sink().start();
  });
  after(async () => {
    if (srv?.exit == null) srv?.child.kill('SIGCONT');
    await sink?.stop();
    await srv?.stop();
  });

  // A seen activity's retry is answered "seen before" and not handled again:
  // if a crash could leave it seen without its follower, Like or queued
  // Accept, that activity would be lost for good.
  test(`${ROUNDS} rounds of ${N} Follows and Likes, the store sampled under SIGSTOP`, { timeout: 180000 }, async () => {
    const statement = await sink.trustStatement(srv);
    const post = `${statement.id}/post`;
    let samples = 0;
    const broken = [];
    for (let round = 0; round < ROUNDS; round++) {
      const names = Array.from({ length: N }, (_, i) => `c${round}-${i}`);
      names.forEach((n) => sink.actor(n));
      await inParallel(names.map((n) => () => sink.post(n, statement.inbox, sink.like(n, `${sink.base}/nothing`, 0))), 64);
      const byId = new Map();
      const jobs = names.flatMap((n) => [sink.follow(n, statement.id), sink.like(n, post)].map((a) => {
        byId.set(a.id, { n, a });
        return () => sink.post(n, statement.inbox, a);
      }));
      let done = false;
      // At most 64 connections at once (past about 128 on one of its threads,
      // libmicrohttpd closes new connections).
      const burst = inParallel(jobs, 64).finally(() => { done = true; });
      while (!done) {
        await sleep(Math.random() * 5);
        srv.child.kill('SIGSTOP');
        let c;
        try {
          c = committed(srv.db);
        } finally {
          srv.child.kill('SIGCONT');
        }
        samples++;
        for (const id of c.s) {
          const j = byId.get(id);
          if (!j) continue;
          const ok = j.a.type === 'Like' ? c.r.has(id)
            : c.f.has(id) && (c.b.some((b) => b.includes(id)) || sink.accepted(j.n).length > 0);
          if (!ok) broken.push(`${j.a.type} of ${j.n} (sample ${samples})`);
        }
      }
      (await burst).forEach((r) => assert.equal(r.status, 202, JSON.stringify(r)));
    }
    if (process.env.FAULTS_DEBUG) console.log(`samples ${samples}, broken ${broken.length}`);
    assert.ok(samples >= 10, `only ${samples} samples`);
    assert.deepEqual(broken, [], `seen but not (fully) handled, in ${samples} samples`);
    srv.assertAlive();
  });
});

describe('the command line while the server writes: never "database is locked"', () => {
  const ORGS = 30;
  const PEOPLE = 30;
  let srv;
  let sink;

  before(async () => {
    srv = await start();
    sink = await new Sink().start();
  });
  after(async () => {
    await sink?.stop();
    await srv?.stop();
  });

  test('list, export, approve and block run during a burst of signatures, follows and likes', { timeout: 180000 }, async () => {
    const statement = await sink.trustStatement(srv);
    const db = srv.db;
    const cli = async (...args) => {
      const r = await runCli([...args.slice(0, 2), '--db', db, ...args.slice(2)]);
      assert.doesNotMatch(r.stderr, /locked|busy/i, `undersigned ${args.join(' ')}`);
      assert.equal(r.code, 0, `undersigned ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const usage = await runCli(['signatures', 'list', '--db', db, '--slug', SLUG]);
    const hasSignatures = usage.code === 0;
    if (hasSignatures) await cli('statement', 'policy', '--slug', SLUG, 'review');

    const orgs = Array.from({ length: ORGS }, (_, i) => sink.actor(`o${i}`, { type: 'Organization' }) && `o${i}`);
    const people = Array.from({ length: PEOPLE }, (_, i) => sink.actor(`p${i}`) && `p${i}`);
    const post = `${statement.id}/post`;
    let burstDone = false;
    const burst = Promise.all([
      ...orgs.map((n) => sink.post(n, statement.inbox, sink.follow(n, statement.id))),
      ...people.flatMap((n) => [sink.post(n, statement.inbox, sink.follow(n, statement.id)),
        sink.post(n, statement.inbox, sink.like(n, post))]),
    ]).finally(() => { burstDone = true; });

    let runs = 0;
    const approved = new Set();
    do {
      await cli('statement', 'list');
      await cli('block', 'add', `blocked-${runs}.example`);
      await cli('block', 'remove', `blocked-${runs}.example`);
      if (hasSignatures) {
        const list = await cli('signatures', 'list', '--slug', SLUG, '--state', 'pending');
        const ids = [...list.matchAll(/^(\d+)\s+pending\s/gm)].map((m) => m[1]).filter((id) => !approved.has(id));
        if (ids.length) {
          await cli('signatures', 'approve', '--slug', SLUG, ...ids.slice(0, 5));
          ids.slice(0, 5).forEach((id) => approved.add(id));
        }
        JSON.parse(await cli('signatures', 'export', '--slug', SLUG, '--format', 'json'));
      }
      runs++;
    } while (!burstDone || runs < 3);

    if (process.env.FAULTS_DEBUG) console.log(`cli rounds ${runs}, approved ${approved.size}`);
    const answers = await burst;
    answers.forEach((a) => assert.equal(a.status, 202, JSON.stringify(a)));
    assert.equal(await totalItems(`${srv.actorUrl()}/followers`), ORGS + PEOPLE);
    assert.equal(await totalItems(`${post}/likes`), PEOPLE);
    if (hasSignatures) assert.ok(approved.size > 0, 'some signatures were approved during the burst');
    srv.assertAlive();
  });
});

describe('remote servers that hang, trickle, flood or loop while we fetch a key', () => {
  let srv;
  let sink;

  before(async () => {
    srv = await start();
    sink = await new Sink().start();
  });
  after(async () => {
    await sink?.stop();
    await srv?.stop();
  });

  test('each signed POST is answered in bounded time, the server keeps serving, nothing is stored', { timeout: 120000 }, async () => {
    const statement = await sink.trustStatement(srv);
    const modes = ['hang', 'trickle', 'huge', 'loop'];
    modes.forEach((m) => sink.actor(m, { doc: m }));
    const t0 = Date.now();
    const runs = modes.map(async (m) => {
      const r = await sink.post(m, statement.inbox, sink.follow(m, statement.id), { timeoutMs: 60000 });
      return { m, ...r, ms: Date.now() - t0 };
    });
    // A key fetch holds a worker until it ends (the gate is off here: four
    // workers, four hangs, side by side); the HTTP threads answer pages at once.
    const bound = (LIMIT_FETCH_TIMEOUT_S + 5) * 1000;
    await sleep(1500);
    const t1 = Date.now();
    const pages = await Promise.all([0, 1, 2, 3].map(() => request(srv.url('/'))));
    pages.forEach((p) => assert.equal(p.status, 200));
    assert.ok(Date.now() - t1 < 3000, `GET / took ${Date.now() - t1} ms during the hangs`);

    const res = Object.fromEntries((await Promise.all(runs)).map((r) => [r.m, r]));
    if (process.env.FAULTS_DEBUG) console.log(`GET / ${Date.now() - t1} ms;`, modes.map((m) => `${m} ${res[m].status} ${res[m].ms} ms`).join(', '));
    for (const m of modes) assert.ok(res[m].ms < bound, `${m}: answered after ${res[m].ms} ms`);
    // A peer that may answer later is worth a retry (503); one that lies or floods is not (401).
    assert.equal(res.hang.status, 503, `hang: ${JSON.stringify(res.hang)}`);
    assert.equal(res.trickle.status, 503, `trickle: ${JSON.stringify(res.trickle)}`);
    assert.equal(res.huge.status, 401, `huge: ${JSON.stringify(res.huge)}`);
    assert.equal(res.loop.status, 401, `loop: ${JSON.stringify(res.loop)}`);
    // The flood was cut near the cap (socket buffers aside), the loop after the redirect limit.
    assert.ok((sink.bytesSent.get('huge') ?? 0) < LIMIT_FETCH_BYTES + 16 * 1024 * 1024,
      `read ${sink.bytesSent.get('huge')} bytes of the flood`);
    assert.ok(sink.gets.filter((g) => g.actor === 'loop').length <= LIMIT_REDIRECTS + 1, 'redirects followed');
    assert.ok(sink.gets.every((g) => g.signed), 'every key fetch is signed');
    assert.equal(await totalItems(`${srv.actorUrl()}/followers`), 0, 'nothing stored');
    srv.assertAlive();
  });
});

describe('a client that sends half a request and waits', () => {
  let srv;

  before(async () => { srv = await start(); });
  after(async () => { await srv?.stop(); });

  test('is cut off after the idle timeout, and holds up no one', { timeout: 60000 }, async () => {
    const t0 = Date.now();
    const sock = net.connect({ host: '127.0.0.1', port: srv.port });
    const closed = new Promise((resolve) => sock.on('close', resolve));
    sock.on('error', () => {});
    sock.write('POST /inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{');
    assert.equal((await request(srv.url('/'))).status, 200);
    await Promise.race([closed, sleep((LIMIT_CONNECTION_TIMEOUT_S + 10) * 1000)]);
    assert.ok(sock.destroyed || sock.readyState === 'closed', 'the connection was closed');
    const took = Date.now() - t0;
    assert.ok(took < (LIMIT_CONNECTION_TIMEOUT_S + 10) * 1000, `closed after ${took} ms`);
    sock.destroy();
    srv.assertAlive();
  });
});

describe('inboxes that answer 410, 5xx, hang or flood when we deliver', () => {
  let srv;
  let sink;
  let other;

  before(async () => {
    srv = await start();
    sink = await new Sink().start();
    other = await new Sink().start();
  });
  after(async () => {
    await other?.stop();
    await sink?.stop();
    await srv?.stop();
  });

  test('410 kills the inbox, 503 is retried after Retry-After, a hang or a flood holds up no one else', { timeout: 120000 }, async () => {
    const statement = await sink.trustStatement(srv);
    other.trust(statement.publicKey.id, statement.publicKey.publicKeyPem);
    sink.actor('gone', { inbox: 'gone' });
    sink.actor('flaky', { inbox: 'error' });
    sink.actor('stuck', { inbox: 'hang' });
    sink.actor('flood', { inbox: 'huge' });
    other.actor('fine');
    const follows = await Promise.all([
      ...['flaky', 'stuck', 'flood'].map((n) => sink.post(n, statement.inbox, sink.follow(n, statement.id))),
      other.post('fine', statement.inbox, other.follow('fine', statement.id)),
    ]);
    // Last: any activity from a server (host and port) revives its dead inboxes, and these come from the sink.
    follows.push(await sink.post('gone', statement.inbox, sink.follow('gone', statement.id)));
    follows.forEach((f) => assert.equal(f.status, 202, JSON.stringify(f)));

    // Another host's delivery is not held up by the hanging and flooding inboxes.
    await other.until(() => other.accepted('fine').length === 1, 10000, 'the Accept on the other host');

    // 410: tried once, then the inbox is dead and nothing is queued for it.
    await sink.until(() => sink.accepted('gone').length >= 1, 10000, 'the Accept to the 410 inbox');
    const goneInbox = sink.ids('gone').inbox;
    await sink.until(() => sql(srv.db, `SELECT count(*) FROM dead_inboxes WHERE inbox = '${goneInbox}'`) === '1',
      10000, 'the 410 inbox marked dead');
    assert.equal(sql(srv.db, `SELECT count(*) FROM deliveries WHERE inbox = '${goneInbox}'`), '0');

    // 503 with Retry-After: 1: tried again about every second (times are whole
    // seconds, so one wait may be shorter), not hammered; delivered once it recovers.
    await sink.until(() => sink.accepted('flaky').length >= 3, 15000, 'two retries to the 503 inbox');
    const [a, , c] = sink.accepted('flaky');
    assert.ok(c.at - a.at >= 1000, `two retries within ${c.at - a.at} ms`);
    sink.actors.get('flaky').inbox = 'ok';
    const flakyInbox = sink.ids('flaky').inbox;
    await sink.until(() => sql(srv.db, `SELECT count(*) FROM deliveries WHERE inbox = '${flakyInbox}'`) === '0',
      15000, 'the 503 inbox served once it recovered');
    assert.equal(sql(srv.db, `SELECT count(*) FROM dead_inboxes WHERE inbox = '${flakyInbox}'`), '0');

    // The flooding inbox was read no further than the cap (socket buffers aside).
    await sink.until(() => sink.accepted('flood').length >= 1, 10000, 'the POST to the flooding inbox');
    await sleep(2000);
    assert.ok((sink.bytesSent.get('flood') ?? 0) < LIMIT_FETCH_BYTES + 16 * 1024 * 1024,
      `read ${sink.bytesSent.get('flood')} bytes of the flood`);
    assert.equal(sink.accepted('gone').length, 1, 'the dead inbox got nothing more');
    for (const p of [...sink.posts, ...other.posts]) assert.equal(p.why, null, `${p.actor}: ${p.why}`);
    srv.assertAlive();
  });
});

describe('the disk fills up under the database', () => {
  const SIZE = '6m';
  let dir = null;
  let mounted = false;
  let srv;
  let sink;
  let skip = false;

  before(async () => {
    if (process.getuid?.() !== 0) { skip = 'needs root to mount a small tmpfs'; return; }
    dir = fs.mkdtempSync('/tmp/undersigned-full-');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', dir], { encoding: 'utf8' });
    if (m.status !== 0) { skip = `cannot mount a tmpfs here: ${m.stderr.trim()}`; return; }
    mounted = true;
    const db = path.join(dir, 't.db');
    const r = await runCli(['statement', 'import', '--db', db, '--slug', SLUG, '--file', EXAMPLE]);
    assert.equal(r.code, 0, r.stderr);
    srv = await start({ db });
    sink = await new Sink().start();
  });
  after(async () => {
    await sink?.stop();
    await srv?.stop();
    if (mounted) spawnSync('umount', [dir]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the inbox answers 503, nothing answered 2xx is lost, nothing is corrupt, and it recovers', { timeout: 120000 }, async (t) => {
    if (skip) { t.skip(skip); return; }
    const statement = await sink.trustStatement(srv);
    const post = `${statement.id}/post`;
    const names = Array.from({ length: 20 }, (_, i) => `d${i}`);
    names.forEach((n) => sink.actor(n));
    // The actors are known before the disk fills (their keys are cached).
    for (const n of names.slice(0, 5)) assert.equal((await sink.post(n, statement.inbox, sink.like(n, post, 0))).status, 202);

    // Fill every byte left.
    const filler = path.join(dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (e) {
      assert.equal(e.code, 'ENOSPC');
    }
    try {
      for (;;) fs.writeSync(fd, chunk, 0, 512);
    } catch { /* full to the last block */ }
    fs.closeSync(fd);

    const jobs = names.flatMap((n) => [{ n, a: sink.follow(n, statement.id) }, { n, a: sink.like(n, post) }]);
    for (const j of jobs) j.res = await sink.post(j.n, statement.inbox, j.a);
    const refused = jobs.filter((j) => j.res.status === 503);
    if (process.env.FAULTS_DEBUG) console.log('while full:', jobs.map((j) => `${j.a.type[0]}${j.res.status}`).join(' '));
    for (const j of jobs) assert.ok([202, 503].includes(j.res.status), `${j.a.type} of ${j.n}: ${JSON.stringify(j.res)}`);
    assert.ok(refused.length > 0, 'a full disk is answered 503');
    srv.assertAlive();
    assert.equal((await request(srv.actorUrl(), { accept: 'text/html' })).status, 200, 'pages are still served');
    const ok = jobs.filter((j) => j.res.status === 202);
    const followers = new Set(await items(`${srv.actorUrl()}/followers`));
    for (const j of ok.filter((x) => x.a.type === 'Follow')) assert.ok(followers.has(sink.ids(j.n).id), `${j.n} answered 202, lost`);

    // Space returns: the senders' retries go through.
    fs.rmSync(filler);
    for (const j of refused) {
      const r = await sink.post(j.n, statement.inbox, j.a);
      assert.equal(r.status, 202, `retried ${j.a.type} of ${j.n}: ${JSON.stringify(r)}`);
    }
    assert.equal(await totalItems(`${srv.actorUrl()}/followers`), names.length);
    assert.equal(await totalItems(`${post}/likes`), names.length);
    await srv.stop();
    assert.equal(execFileSync('sqlite3', [srv.db, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
    srv = null;
  });
});
