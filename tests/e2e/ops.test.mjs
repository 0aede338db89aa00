// Running Undersigned in production: backup and restore, /metrics, the
// coordinator's admin page (approving a Fedify Organization's pending
// signature by clicking in headless Chromium), `deliveries`, and the
// structured log lines. Bad input is refused with a clear message and
// changes nothing.
//
// "From outside loopback" is simulated honestly: the server treats only the
// peer addresses 127.0.0.1 and ::1 (with no X-Forwarded-For / Forwarded /
// X-Real-IP header) as local, so a request sent from the source address
// 127.0.0.2 (still the loopback interface; nothing leaves the machine) is
// what any other address would be. A request from 127.0.0.1 carrying
// X-Forwarded-For stands for one passed on by a reverse proxy.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  EXAMPLE, ROOT, SLUG, request, runCli, sha256File, start, tmpDir,
} from './lib/server.mjs';
import { Peer } from './lib/peer.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cli = (...args) => runCli(args);

// A clear error: exactly one non-empty line on stderr, exit code 1.
function assertOneLineError(r, what, words) {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(r.code, 1, `${what}: exit code ${r.code}, stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `${what}: want one line on stderr, got:\n${r.stderr}`);
  if (words) assert.match(lines[0], words, what);
}

// Hashes of the db file and its sqlite sidecars: "nothing changed" on every byte.
function snapshot(db) {
  const out = {};
  for (const f of [db, `${db}-wal`, `${db}-journal`]) {
    out[path.basename(f)] = fs.existsSync(f) ? sha256File(f) : null;
  }
  return out;
}

// An HTTP request from a chosen loopback source address (Node's fetch cannot bind one).
function from(localAddress, url, { method = 'GET', headers = {}, body } = {}) {
  const u = new URL(url);
  assert.equal(u.hostname, '127.0.0.1', 'loopback only');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: u.port, path: u.pathname + u.search, method, headers, localAddress,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// The rows of `signatures list` as { id, state, how, name }.
function listRows(stdout) {
  return stdout.split('\n').slice(1)
    .map((l) => /^(\d+)\s+(\S+)\s+(\S+)\s+(.*?)\s{2,}/.exec(l))
    .filter(Boolean)
    .map((m) => ({ id: Number(m[1]), state: m[2], how: m[3], name: m[4] }));
}

describe('backup and restore', () => {
  let srv;
  let dir;
  before(async () => {
    dir = tmpDir();
    srv = await start();
  });
  after(async () => {
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a backup is taken while the server runs, and is a database of ours', async () => {
    const to = path.join(dir, 'backup.db');
    const r = await cli('backup', '--db', srv.db, '--to', to);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /backed up/);
    assert.ok(!fs.existsSync(`${to}-wal`), 'one self-contained file');
    const id = execFileSync('sqlite3', [to, 'PRAGMA application_id; PRAGMA journal_mode;'], { encoding: 'utf8' });
    assert.deepEqual(id.trim().split('\n'), ['1433298003', 'delete']);
    const list = await cli('statement', 'list', '--db', to);
    assert.match(list.stdout, new RegExp(`^${SLUG} `, 'm'));
    // The same name again: refused, the first backup kept.
    const before = sha256File(to);
    assertOneLineError(await cli('backup', '--db', srv.db, '--to', to), 'backup onto a file', /exists already/);
    assert.equal(sha256File(to), before);
  });

  test('a restore onto the database of a running server is refused, nothing changed', async () => {
    const to = path.join(dir, 'backup.db');
    const snap = snapshot(srv.db);
    const r = await cli('restore', '--db', srv.db, '--from', to);
    assertOneLineError(r, 'restore under a server', /in use by a running server: stop it first/);
    assert.deepEqual(snapshot(srv.db), snap);
    const res = await request(srv.url('/'));
    assert.equal(res.status, 200, 'the server goes on');
  });

  test('a restore from a file that is not a backup of ours is refused, nothing changed', async () => {
    const target = path.join(dir, 'target.db');
    assert.equal((await cli('statement', 'import', '--db', target, '--slug', SLUG, '--file', EXAMPLE)).code, 0);
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'just some notes, not a database\n');
    const foreign = path.join(dir, 'foreign.db');
    execFileSync('sqlite3', [foreign, 'CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES (\'x\');']);
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    const cases = [
      [text, /not a sqlite database/],
      [foreign, /tables that are not ours/],
      [empty, /not a backup/],
      [path.join(dir, 'missing.db'), /No such file/],
    ];
    for (const [bad, words] of cases) {
      const snap = snapshot(target);
      const r = await cli('restore', '--db', target, '--from', bad);
      assertOneLineError(r, `restore from ${path.basename(bad)}`, words);
      assert.match(r.stderr, /nothing changed/);
      assert.deepEqual(snapshot(target), snap, `${path.basename(bad)}: target unchanged`);
    }
    // Nor onto another program's database.
    const snap = snapshot(foreign);
    assertOneLineError(await cli('restore', '--db', foreign, '--from', path.join(dir, 'backup.db')),
      'restore onto a foreign db', /not ours/);
    assert.deepEqual(snapshot(foreign), snap);
  });

  test('after a stop, the restore puts the backup back; the server starts on it', async () => {
    const to = path.join(dir, 'backup.db');
    // A change after the backup, which the restore takes away.
    let r = await cli('statement', 'policy', '--db', srv.db, '--slug', SLUG, 'closed');
    assert.equal(r.code, 0, r.stderr);
    const { port, db } = srv;
    await srv.stop();
    r = await cli('restore', '--db', db, '--from', to);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /restored/);
    r = await cli('statement', 'list', '--db', db);
    assert.match(r.stdout, new RegExp(`^${SLUG}\\s+open\\b`, 'm'), r.stdout);
    srv = await start({ db, port });
    const page = await request(srv.actorUrl(), { accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.match(page.text, /Hands off Venezuela/);
    assert.match(page.text, /How to sign/);
  });
});

describe('/metrics', () => {
  let srv;
  let tokened;
  let dir;
  const TOKEN = 'f00dfeedcafe0123456789abcdef0123';
  before(async () => {
    dir = tmpDir();
    srv = await start();
    const tokenFile = path.join(dir, 'admin-token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    tokened = await start({ extraArgs: ['--admin-token-file', tokenFile] });
  });
  after(async () => {
    await srv?.stop();
    await tokened?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('from loopback: Prometheus text with counters and gauges', async () => {
    // A refused inbox POST, to see it counted by reason.
    const bad = await request(srv.url('/inbox'), { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    assert.equal(bad.status, 415);
    const r = await request(srv.url('/metrics'));
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    for (const want of [
      /^# TYPE undersigned_inbox_accepted_total counter$/m,
      /^undersigned_inbox_rejected_total\{reason="content_type"\} 1$/m,
      /^undersigned_deliveries_total\{outcome="delivered"\} \d+$/m,
      /^undersigned_delivery_queue_depth \d+$/m,
      /^undersigned_dead_inboxes 0$/m,
      new RegExp(`^undersigned_signatures\\{statement="${SLUG}",state="approved"\\} 15$`, 'm'),
      new RegExp(`^undersigned_signatures\\{statement="${SLUG}",state="pending"\\} 0$`, 'm'),
    ]) assert.match(r.text, want);
    for (const line of r.text.trimEnd().split('\n')) {
      assert.match(line, /^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[^}]*\})? \d+)$/, line);
    }
  });

  test('from outside loopback, or through a proxy: 403 with a clear message', async () => {
    const outside = await from('127.0.0.2', srv.url('/metrics'));
    assert.equal(outside.status, 403);
    assert.match(outside.text, /only on loopback/);
    assert.doesNotMatch(outside.text, /undersigned_/);
    const proxied = await request(srv.url('/metrics'), { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    assert.equal(proxied.status, 403);
  });

  test('with --admin-token-file: the token opens it from anywhere, a wrong one does not', async () => {
    const none = await from('127.0.0.2', tokened.url('/metrics'));
    assert.equal(none.status, 401);
    assert.match(none.headers['www-authenticate'] ?? '', /^Basic /);
    const wrong = await from('127.0.0.2', tokened.url('/metrics'), { headers: { Authorization: `Bearer ${TOKEN}x` } });
    assert.equal(wrong.status, 403);
    const ok = await from('127.0.0.2', tokened.url('/metrics'), { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /^undersigned_dead_inboxes 0$/m);
  });

  test('a bad token file stops serve with a one-line error', async () => {
    const short = path.join(dir, 'short-token');
    fs.writeFileSync(short, 'abc\n');
    const r = await cli('serve', '--db', path.join(dir, 'x.db'), '--base-url', 'http://127.0.0.1:9',
      '--listen', '127.0.0.1:9', '--admin-token-file', short);
    assertOneLineError(r, 'short token', /at least 16 characters/);
    assert.ok(!fs.existsSync(path.join(dir, 'x.db')), 'nothing created');
  });
});

describe('the admin page and deliveries', () => {
  let srv;
  let peer;
  let context;
  let page;
  let profile;
  let pendingId;

  before(async () => {
    srv = await start();
    let r = await cli('statement', 'policy', '--db', srv.db, '--slug', SLUG, 'review');
    assert.equal(r.code, 0, r.stderr);
    peer = await new Peer({ type: 'Organization' }).start();
    const statement = await peer.lookupStatement(SLUG, srv.host);
    await peer.follow(statement);
    // The Follow is a signature, pending under the review policy.
    const deadline = Date.now() + 20000;
    for (;;) {
      r = await cli('signatures', 'list', '--db', srv.db, '--slug', SLUG, '--state', 'pending');
      const rows = listRows(r.stdout);
      if (rows.length) { pendingId = rows[0].id; break; }
      if (Date.now() > deadline) throw new Error(`no pending signature\n${srv.tail()}`);
      await sleep(200);
    }
    profile = tmpDir('undersigned-chromium-');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60000,
    });
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      return u.hostname === '127.0.0.1' ? route.continue() : route.abort();
    });
    page = context.pages()[0] ?? await context.newPage();
  });
  after(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await peer?.stop();
    await srv?.stop();
  });

  test('without the token from outside loopback: 403, and a POST changes nothing', async () => {
    const get = await from('127.0.0.2', srv.url('/admin'));
    assert.equal(get.status, 403);
    assert.match(get.text, /only on loopback/);
    assert.doesNotMatch(get.text, /Peer Organisation/);
    const post = await from('127.0.0.2', srv.url(`/admin/signatures/${pendingId}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `statement=${SLUG}&action=approve&csrf=x`,
    });
    assert.equal(post.status, 403);
    // From loopback but without the form's CSRF token: refused too.
    const forged = await request(srv.url(`/admin/signatures/${pendingId}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `statement=${SLUG}&action=approve`,
    });
    assert.equal(forged.status, 403);
    const r = await cli('signatures', 'list', '--db', srv.db, '--slug', SLUG, '--state', 'pending');
    assert.equal(listRows(r.stdout).find((x) => x.id === pendingId)?.state, 'pending');
  });

  test('shows the pending signature with profile, type, domain check and proof', async () => {
    const res = await page.goto(srv.url('/admin'), { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    const card = page.locator(`#sig-${pendingId}`);
    assert.ok(await card.isVisible());
    const text = await card.innerText();
    assert.match(text, /Peer Organisation/);
    assert.match(text, /Organization/);
    assert.match(text, /@peer@127\.0\.0\.1:\d+|not confirmed/);
    assert.match(text, /Domain check/);
    assert.equal(await page.locator('script').count(), 0);
    // The proof link opens the stored proof JSON.
    const href = await card.locator('a', { hasText: 'signed request' }).getAttribute('href');
    const proof = await request(new URL(href, srv.url('/admin/')).href);
    assert.equal(proof.status, 200);
    assert.equal(proof.json?.request?.method ?? proof.json?.method ?? 'POST', 'POST');
    assert.match(proof.text, /Follow/);
  });

  test('approving by clicking does what the CLI does', async () => {
    const card = page.locator(`#sig-${pendingId}`);
    await Promise.all([
      page.waitForURL(/\/admin\?done=/),
      card.getByRole('button', { name: 'Approve' }).click(),
    ]);
    assert.match(await page.locator('.notice').innerText(), new RegExp(`#${pendingId} is now approved`));
    assert.equal(await page.locator(`#sig-${pendingId}`).count(), 0, 'no longer pending');
    // The store, through the CLI.
    const r = await cli('signatures', 'list', '--db', srv.db, '--slug', SLUG, '--state', 'approved');
    const row = listRows(r.stdout).find((x) => x.id === pendingId);
    assert.ok(row, r.stdout);
    assert.equal(row.how, 'follow');
    // The public page.
    const pub = await request(srv.actorUrl(), { accept: 'text/html' });
    assert.match(pub.text, /Peer Organisation/);
    // The approved list changed: the post is edited (update interval 0) and goes to the peer.
    await peer.waitFor((a) => a.type === 'Update');
  });

  test('deliveries shows where the statement post went, plain lines without a TTY', async () => {
    let r;
    const deadline = Date.now() + 20000;
    for (;;) {
      r = await cli('deliveries', '--db', srv.db, '--slug', SLUG);
      // Until the fan-out is over: the edit's Updates follow the Accept.
      if ((/^delivered\s+20\d/m.test(r.stdout) && / 0 retrying\s+0 queued /.test(r.stdout))
        || Date.now() > deadline) break;
      await sleep(200);
    }
    assert.equal(r.code, 0, r.stderr);
    const m = new RegExp(`^${SLUG}\\s+(\\d+) delivered\\s+0 retrying\\s+0 queued\\s+0 dead$`, 'm').exec(r.stdout);
    assert.ok(m && Number(m[1]) >= 1, r.stdout);
    assert.match(r.stdout, /^STATE\s+HTTP\s+TRY\s+LAST ATTEMPT\s+NEXT ATTEMPT\s+INBOX$/m);
    assert.match(r.stdout, new RegExp(`^delivered\\s+20\\d\\s+1\\s+\\S+Z\\s+-\\s+${peer.base}/`, 'm'));
    const w = await cli('deliveries', '--db', srv.db, '--slug', SLUG, '--watch');
    assert.equal(w.code, 0, w.stderr);
    assert.doesNotMatch(w.stdout, /\x1b\[/, 'no terminal escapes without a TTY');
    assert.match(w.stdout, /the queue is empty\n$/);
    const all = await cli('deliveries', '--db', srv.db);
    assert.match(all.stdout, new RegExp(`^${SLUG}\\s+${m[1]} delivered`, 'm'));
    assertOneLineError(await cli('deliveries', '--db', srv.db, '--slug', 'no-such'), 'unknown slug', /no statement/);
  });

  test('every log line is one key=value event', () => {
    const lines = srv.stderr.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 5);
    for (const l of lines) {
      assert.match(l, /^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ level=(debug|info|warn|error) event=[a-z_]+( [a-z_]+=("([^"\\]|\\.)*"|\S*))*$/, l);
    }
    assert.ok(lines.some((l) => /event=request ip=127\.0\.0\.1 method=GET path=\/admin status=200 bytes=\d+ ms=[\d.]+$/.test(l)));
    assert.ok(lines.some((l) => /event=admin_decision signature=\d+ statement=\S+ from=pending to=approved/.test(l)));
    assert.ok(lines.some((l) => /event=admin_refused ip=127\.0\.0\.2 /.test(l)));
  });
});

describe('the manual page', () => {
  test('names every command and option of --help, and formats without warnings', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0);
    const page = fs.readFileSync(path.join(ROOT, 'docs/undersigned.1'), 'utf8').replaceAll('\\-', '-');
    const options = new Set(help.stdout.match(/--[a-z][a-z-]+/g));
    assert.ok(options.size > 15, [...options].join(' '));
    for (const o of options) assert.ok(page.includes(o), `the man page names ${o}`);
    for (const m of help.stdout.matchAll(/undersigned ([a-z]+)(?: ([a-z|]+))?/g)) {
      assert.ok(page.includes(m[1]), `the man page names the command ${m[1]}`);
      for (const sub of (m[2] ?? '').split('|').filter(Boolean)) {
        assert.ok(page.includes(sub), `the man page names ${m[1]} ${sub}`);
      }
    }
    // groff's warnings (a bad macro, a line that cannot be set) come on stderr.
    const man = spawnSync('man', ['--warnings', '-l', path.join(ROOT, 'docs/undersigned.1')],
      { env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '80' }, encoding: 'utf8' });
    if (man.error?.code !== 'ENOENT') {
      assert.equal(man.status, 0, man.stderr);
      assert.equal(man.stderr, '');
      assert.match(man.stdout, /COORDINATOR.S PAGES/);
    }
  });
});
