// The web page as a reader sees it, in Debian's headless Chromium (driven by
// playwright-core; no browser is downloaded). Saves a phone screenshot to
// tests/e2e/out/, and to docs/page.png when UPDATE_SCREENSHOT=1 or when
// docs/page.png does not exist yet.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ROOT, SLUG, exampleFacts, start, tmpDir } from './lib/server.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUT = path.join(ROOT, 'tests/e2e/out');
const DOC_SHOT = path.join(ROOT, 'docs/page.png');

const facts = exampleFacts();
const VIEWPORTS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
  desktop: { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 },
};

let srv;
before(async () => { srv = await start(); });
after(async () => { await srv?.stop(); });

// Opens a fresh browser (empty temporary profile) with the given device
// options; loopback only: any other request is aborted and recorded.
async function openBrowser(device) {
  const profile = tmpDir('undersigned-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60000, ...device,
  });
  const outside = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
    outside.push(u.href);
    return route.abort();
  });
  const errors = [];
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, errors, outside, close };
}

for (const [name, device] of Object.entries(VIEWPORTS)) {
  describe(`the statement page on a ${name}`, () => {
    let b;
    before(async () => {
      b = await openBrowser(device);
      const res = await b.page.goto(srv.actorUrl(), { waitUntil: 'load' });
      assert.equal(res.status(), 200);
    });
    after(async () => { await b?.close(); });

    test('shows the title', async () => {
      const h1 = b.page.locator('h1').first();
      assert.ok(await h1.isVisible(), 'h1 visible');
      assert.ok((await h1.innerText()).includes('Hands off Venezuela NOW!'), await h1.innerText());
      assert.ok((await b.page.title()).includes('Hands off Venezuela'), await b.page.title());
    });

    test('shows the text', async () => {
      const body = (await b.page.locator('body').innerText()).replace(/\s+/g, ' ');
      for (const s of facts.sentences) assert.ok(body.includes(s), `sentence "${s}"`);
      assert.ok(!body.includes('int.psm@gmail.com'), 'the e-mail line is replaced');
    });

    test('shows the 15 signatories as visible list items', async () => {
      for (const { name: org } of facts.signatories) {
        const li = b.page.locator('li', { hasText: org });
        assert.ok(await li.count() >= 1, `a list item for ${org}`);
        assert.ok(await li.first().isVisible(), `${org} visible`);
      }
      const items = await b.page.locator('li').allInnerTexts();
      const signed = items.filter((t) => facts.signatories.some((s) => t.includes(s.name)));
      assert.equal(signed.length, 15, `15 signatory items, got ${signed.length}`);
      for (const t of signed) {
        assert.match(t, /imported|listed by the coordinator/i, `imported signatory marked as such: ${t}`);
      }
    });

    test('the How to sign box names the handle', async () => {
      const handle = `@${SLUG}@${srv.host}`;
      const el = b.page.getByText(handle, { exact: false }).first();
      assert.ok(await el.isVisible(), `${handle} visible`);
      const box = b.page.locator(':is(section,aside,div,details)', { hasText: /how to sign/i })
        .filter({ hasText: handle });
      assert.ok(await box.count() >= 1, 'a "How to sign" box holding the handle');
      assert.ok(await b.page.locator('form').count() >= 1, 'a "follow from your server" form');
    });

    test('needs no JavaScript and has OpenGraph tags', async () => {
      assert.equal(await b.page.locator('script').count(), 0, 'no <script> elements');
      const og = await b.page.locator('meta[property="og:title"]').getAttribute('content');
      assert.ok(og && og.includes('Hands off Venezuela'), `og:title ${og}`);
      const desc = b.page.locator('meta[property="og:description"], meta[name="description"]');
      assert.ok(await desc.count() >= 1, 'a description for the preview card');
      assert.ok(await b.page.locator('meta[name="viewport"]').count() === 1, 'viewport meta');
    });

    test('has no JS errors and loads nothing from outside', () => {
      assert.deepEqual(b.errors, []);
      assert.deepEqual(b.outside, []);
    });

    if (name === 'phone') {
      test('does not scroll sideways', async () => {
        const { sw, iw } = await b.page.evaluate(() => ({
          sw: document.documentElement.scrollWidth, iw: window.innerWidth,
        }));
        assert.ok(sw <= iw, `scrollWidth ${sw} > innerWidth ${iw}`);
      });

      test('saves a full-page screenshot', async () => {
        fs.mkdirSync(OUT, { recursive: true });
        const shot = path.join(OUT, 'page-phone.png');
        await b.page.screenshot({ path: shot, fullPage: true });
        assert.ok(fs.statSync(shot).size > 10000, 'a real picture');
        if (process.env.UPDATE_SCREENSHOT === '1' || !fs.existsSync(DOC_SHOT)) {
          fs.mkdirSync(path.dirname(DOC_SHOT), { recursive: true });
          fs.copyFileSync(shot, DOC_SHOT);
        }
      });
    } else {
      test('saves a desktop screenshot', async () => {
        fs.mkdirSync(OUT, { recursive: true });
        await b.page.screenshot({ path: path.join(OUT, 'page-desktop.png'), fullPage: true });
      });
    }
  });
}

describe('the index page', () => {
  let b;
  before(async () => { b = await openBrowser(VIEWPORTS.phone); });
  after(async () => { await b?.close(); });

  test('links to the statement', async () => {
    const res = await b.page.goto(srv.url('/'), { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    const { sw, iw } = await b.page.evaluate(() => ({
      sw: document.documentElement.scrollWidth, iw: window.innerWidth,
    }));
    assert.ok(sw <= iw, `index: scrollWidth ${sw} > innerWidth ${iw}`);
    assert.equal(await b.page.locator('script').count(), 0);
    const link = b.page.locator(`a[href="/s/${SLUG}"], a[href="${srv.actorUrl()}"]`).first();
    assert.ok(await link.isVisible(), 'a visible link to the statement');
    await Promise.all([b.page.waitForURL(srv.actorUrl()), link.click()]);
    assert.ok((await b.page.locator('h1').first().innerText()).includes('Hands off Venezuela'));
    assert.deepEqual(b.errors, []);
  });
});
