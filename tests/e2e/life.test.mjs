// The statement's life, end to end: a statement imported in three languages,
// its page in the reader's language in headless Chromium, a Fedify peer that
// follows it and the server's index, a second statement announced by the
// index, an edit that reaches the follower as an Update, refusals that
// change nothing, and a deletion that reaches the follower as Deletes and
// leaves 410 Gone behind.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Peer } from './lib/peer.mjs';
import { AP_ACCEPT, HTML_ACCEPT, getAP, request, runCli, start, tmpDir } from './lib/server.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WAIT_MS = 20000;

const SLUG = 'solidarity';
const FILE = `Language: en

Solidarity with the workers

Friday 25 January 2019, by the coalition

We stand with the *workers* of the world.

Signed by,

1. Party A, Malaysia
2. Union B, India

Language: es

Solidaridad con los trabajadores

Estamos con los *trabajadores* del mundo.

Language: fr

Solidarité avec les travailleurs

Nous sommes avec les travailleurs du monde.

Signed by

1. Parti A, Malaisie
`;
const EDIT = `Solidarity with all workers

We stand with the workers of the world, today and tomorrow.
`;
const SECOND = `Free the press

Journalists must be free.
`;

function sql(db, query) {
  return execFileSync('sqlite3', ['-readonly', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' }).trim();
}

async function openBrowser(locale) {
  const profile = tmpDir('undersigned-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60000, locale,
    viewport: { width: 390, height: 844 },
  });
  const outside = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
    outside.push(u.href);
    return route.abort();
  });
  const page = context.pages()[0] ?? await context.newPage();
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { page, outside, close };
}

describe('a statement from import to deletion', () => {
  let srv;
  let peer;
  let dir;
  let statement;
  const file = (name, text) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  before(async () => {
    dir = tmpDir();
    const db = path.join(dir, 'life.db');
    const r = await runCli(['statement', 'import', '--db', db, '--slug', SLUG, '--file', file('multi.txt', FILE)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /languages: en, es, fr/);
    assert.match(r.stderr, /signatory list .* ignored/);
    srv = await start({ db });
    peer = await new Peer({ type: 'Person' }).start();
  });
  after(async () => {
    await peer?.stop();
    await srv?.stop();
  });

  test('the post carries every language in contentMap, the statement\'s own first', async () => {
    const r = await getAP(`${srv.actorUrl(SLUG)}/post`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json.contentMap), ['en', 'es', 'fr']);
    assert.equal(r.json.content, r.json.contentMap.en);
    assert.match(r.json.contentMap.es, /Solidaridad con los trabajadores/);
    assert.match(r.json.contentMap.fr, /Solidarité avec les travailleurs/);
    for (const html of Object.values(r.json.contentMap)) {
      assert.match(html, /Party A, Malaysia/, 'the signatory list is the same in all');
      assert.doesNotMatch(html, /Parti A/);
    }
  });

  for (const [locale, title] of [['es-ES', 'Solidaridad con los trabajadores'],
    ['fr-FR', 'Solidarité avec les travailleurs'], ['de-DE', 'Solidarity with the workers']]) {
    test(`Chromium in ${locale} gets the page in its language (or the statement's own)`, async () => {
      const b = await openBrowser(locale);
      try {
        const res = await b.page.goto(srv.actorUrl(SLUG), { waitUntil: 'load' });
        assert.equal(res.status(), 200);
        assert.equal(await b.page.locator('h1').first().innerText(), title);
        const lang = title.startsWith('Solidarity') ? 'en' : locale.slice(0, 2);
        assert.equal(await b.page.locator('html').getAttribute('lang'), lang);
        // the same signatories whatever the language
        assert.ok(await b.page.locator('li', { hasText: 'Party A' }).first().isVisible());
        const alternates = await b.page.locator('link[rel="alternate"][hreflang]').evaluateAll(
          (ls) => ls.map((l) => l.getAttribute('hreflang')));
        assert.deepEqual(alternates, ['en', 'es', 'fr', 'x-default']);
        assert.deepEqual(b.outside, []);
      } finally {
        await b.close();
      }
    });
  }

  test('the language links switch the page', async () => {
    const b = await openBrowser('es-ES');
    try {
      await b.page.goto(srv.actorUrl(SLUG), { waitUntil: 'load' });
      const link = b.page.locator('nav.langs a[hreflang="fr"]');
      assert.equal(await link.innerText(), 'Français');
      await Promise.all([b.page.waitForURL(/\?lang=fr$/), link.click()]);
      assert.equal(await b.page.locator('h1').first().innerText(), 'Solidarité avec les travailleurs');
      assert.equal(await b.page.locator('nav.langs [aria-current="true"]').innerText(), 'Français');
    } finally {
      await b.close();
    }
  });

  test('a follower and a follower of the index', async () => {
    statement = await peer.lookup(srv.actorUrl(SLUG));
    await peer.follow(statement);
    await peer.waitFor((e) => e.type === 'Accept' && e.actor === srv.actorUrl(SLUG));
    const index = await peer.lookup(srv.url('/actor'));
    assert.ok(index, 'the index actor resolves');
    await peer.follow(index);
    await peer.waitFor((e) => e.type === 'Accept' && e.actor === srv.url('/actor'));
    const wf = await request(srv.url(`/.well-known/webfinger?resource=acct:index@${srv.host}`));
    assert.equal(wf.status, 200);
    assert.equal(wf.json.links.find((l) => l.rel === 'self').href, srv.url('/actor'));
    const followers = await getAP(srv.url('/actor/followers?page=1'));
    assert.deepEqual(followers.json.orderedItems, [peer.actorId.href]);
  });

  test('a new statement on the server: the index announces it to its followers', async () => {
    const r = await runCli(['statement', 'import', '--db', srv.db, '--slug', 'press', '--file', file('second.txt', SECOND)]);
    assert.equal(r.code, 0, r.stderr);
    const got = await peer.waitFor((e) => e.type === 'Announce');
    assert.equal(got.actor, srv.url('/actor'));
    assert.equal(got.object, `${srv.actorUrl('press')}/post`);
    // only the new one: the first was opened before anyone followed the index
    assert.equal(peer.received.filter((e) => e.type === 'Announce').length, 1);
    const outbox = await getAP(srv.url('/actor/outbox?page=1'));
    assert.deepEqual(outbox.json.orderedItems.map((a) => a.object),
      [`${srv.actorUrl('press')}/post`, `${srv.actorUrl(SLUG)}/post`]);
  });

  test('refused: an unknown language, an empty edit, an unknown slug; nothing changed', async () => {
    const before = sql(srv.db, 'SELECT count(*), max(version) FROM statement_texts');
    const de = file('de.txt', 'Solidarität\n\nWir stehen zusammen.\n');
    const cases = [
      [['statement', 'translation', 'add', '--db', srv.db, '--slug', SLUG, '--lang', 'xx', '--file', de], /unknown language "xx"/],
      [['statement', 'translation', 'add', '--db', srv.db, '--slug', SLUG, '--lang', 'en_', '--file', de], /not a language tag/],
      [['statement', 'translation', 'add', '--db', srv.db, '--slug', SLUG, '--lang', 'en', '--file', de], /own language/],
      [['statement', 'edit', '--db', srv.db, '--slug', SLUG, '--file', file('empty.txt', 'Solidarity\n\nSigned by\n\n1. X\n')], /no text/],
      [['statement', 'edit', '--db', srv.db, '--slug', SLUG, '--file', file('blank.txt', '\n\n')], /empty file/],
      [['statement', 'edit', '--db', srv.db, '--slug', 'nope', '--file', de], /no statement 'nope'/],
      [['statement', 'delete', '--db', srv.db, '--slug', 'nope'], /no statement 'nope'/],
    ];
    for (const [args, why] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
    assert.equal(sql(srv.db, 'SELECT count(*), max(version) FROM statement_texts'), before);
    assert.equal(sql(srv.db, `SELECT title FROM statements WHERE slug = '${SLUG}'`), 'Solidarity with the workers');
  });

  test('an edit: a new version, an Update to the follower, "revised" and earlier versions on the page', async () => {
    const postBefore = await getAP(`${srv.actorUrl(SLUG)}/post`);
    const r = await runCli(['statement', 'edit', '--db', srv.db, '--slug', SLUG, '--file', file('edit.txt', EDIT)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /version 2/);
    assert.match(r.stderr, /the es translation was not in the file and is kept/);
    const upd = await peer.waitFor((e) => e.type === 'Update' && e.object === `${srv.actorUrl(SLUG)}/post`);
    assert.match(JSON.stringify(upd.json), /Solidarity with all workers/);
    const post = await getAP(`${srv.actorUrl(SLUG)}/post`);
    assert.ok(Date.parse(post.json.updated) > Date.parse(postBefore.json.updated), 'updated grows');
    assert.match(post.json.content, /Revised on/);
    assert.deepEqual(Object.keys(post.json.contentMap), ['en', 'es', 'fr']);

    const page = await request(srv.actorUrl(SLUG), { accept: HTML_ACCEPT });
    assert.match(page.text, /<h1>Solidarity with all workers<\/h1>/);
    assert.match(page.text, /Revised on \d+ \w+ \d{4}/);
    const versions = await request(`${srv.actorUrl(SLUG)}/versions`, { accept: HTML_ACCEPT });
    assert.equal(versions.status, 200);
    assert.match(versions.text, /Version 1<\/a> · published/);
    assert.match(versions.text, /Version 2<\/a> · revised/);
    const v1 = await request(`${srv.actorUrl(SLUG)}/versions/1`, { accept: HTML_ACCEPT });
    assert.equal(v1.status, 200);
    assert.match(v1.text, /<h1>Solidarity with the workers<\/h1>/);
    const v1es = await request(`${srv.actorUrl(SLUG)}/versions/1`, { headers: { 'Accept-Language': 'es' } });
    assert.match(v1es.text, /<h1>Solidaridad con los trabajadores<\/h1>/);
    assert.equal((await request(`${srv.actorUrl(SLUG)}/versions/7`)).status, 404);
  });

  test('closed: the page and the post say so', async () => {
    const r = await runCli(['statement', 'close', '--db', srv.db, '--slug', SLUG]);
    assert.equal(r.code, 0, r.stderr);
    const page = await request(srv.actorUrl(SLUG), { accept: HTML_ACCEPT });
    assert.match(page.text, /<p class="closed"><strong>Closed for signatures\.<\/strong>/);
    const post = await getAP(`${srv.actorUrl(SLUG)}/post`);
    assert.match(post.json.content, /<p><strong>Closed for signatures\.<\/strong><\/p>/);
  });

  test('a deletion: Deletes to the follower, then 410 Gone for its URLs', async () => {
    const r = await runCli(['statement', 'delete', '--db', srv.db, '--slug', SLUG]);
    assert.equal(r.code, 0, r.stderr);
    const delPost = await peer.waitFor((e) => e.type === 'Delete' && e.object === `${srv.actorUrl(SLUG)}/post`);
    assert.equal(delPost.actor, srv.actorUrl(SLUG));
    const delActor = await peer.waitFor((e) => e.type === 'Delete' && e.object === srv.actorUrl(SLUG));
    assert.equal(delActor.actor, srv.actorUrl(SLUG));

    const actor = await getAP(srv.actorUrl(SLUG));
    assert.equal(actor.status, 410);
    assert.equal(actor.json.type, 'Tombstone');
    const post = await getAP(`${srv.actorUrl(SLUG)}/post`);
    assert.equal(post.status, 410);
    assert.equal(post.json.type, 'Tombstone');
    assert.equal(post.json.id, `${srv.actorUrl(SLUG)}/post`);
    const page = await request(srv.actorUrl(SLUG), { accept: HTML_ACCEPT });
    assert.equal(page.status, 410);
    assert.match(page.text, /deleted on/);
    const wf = await request(srv.url(`/.well-known/webfinger?resource=acct:${SLUG}@${srv.host}`));
    assert.equal(wf.status, 410);
    assert.equal((await getAP(`${srv.actorUrl(SLUG)}/followers`, AP_ACCEPT)).status, 410);
    // the other statement lives on; the index lists only it
    assert.equal((await getAP(srv.actorUrl('press'))).status, 200);
    const outbox = await getAP(srv.url('/actor/outbox?page=1'));
    assert.deepEqual(outbox.json.orderedItems.map((a) => a.object), [`${srv.actorUrl('press')}/post`]);
    // the row is kept (its key signed the Deletes); its slug is never reused
    assert.equal(sql(srv.db, `SELECT count(*) FROM statements WHERE slug = '${SLUG}' AND deleted_at IS NOT NULL`), '1');
    const again = await runCli(['statement', 'import', '--db', srv.db, '--slug', SLUG, '--file', file('again.txt', SECOND)]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /slug is taken/);
    const edit = await runCli(['statement', 'edit', '--db', srv.db, '--slug', SLUG, '--file', file('again.txt', SECOND)]);
    assert.equal(edit.code, 1);
    assert.match(edit.stderr, /was deleted on/);
    srv.assertAlive();
  });
});
