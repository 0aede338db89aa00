// Starts the real ./undersigned binary on a loopback port with a temporary
// sqlite file, and the small HTTP helpers the end-to-end tests share.
// Only 127.0.0.1 is ever contacted.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = process.env.UNDERSIGNED_BIN
  ? path.resolve(process.env.UNDERSIGNED_BIN)
  : path.join(ROOT, 'undersigned');
export const EXAMPLE = path.join(ROOT, 'examples/hands-off-venezuela.txt');
export const SLUG = 'hands-off-venezuela';

export const AP_ACCEPT = 'application/activity+json, application/ld+json';
export const LD_ACCEPT = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
export const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

const START_TIMEOUT_MS = 30000;   // a sanitized build starts slower
const STOP_TIMEOUT_MS = 15000;    // LeakSanitizer runs at exit
const CLI_TIMEOUT_MS = 60000;     // RSA key generation under ASan

// Same options whether the binary is sanitized or not (harmless when it is not).
export const CHILD_ENV = {
  ...process.env,
  ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=1:abort_on_error=1',
  UBSAN_OPTIONS: process.env.UBSAN_OPTIONS ?? 'print_stacktrace=1:halt_on_error=1',
};

const SANITIZER_MARKS = ['ERROR: AddressSanitizer', 'runtime error:', 'LeakSanitizer'];

// Returns the sanitizer report lines found in a process's stderr ('' when clean).
export function sanitizerReport(stderr) {
  const hit = SANITIZER_MARKS.find((m) => stderr.includes(m));
  if (!hit) return '';
  const at = stderr.indexOf(hit);
  return stderr.slice(Math.max(0, at - 200), at + 3000);
}

export function tmpDir(prefix = 'undersigned-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sha256File(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// Runs `undersigned ARGS...` to completion; resolves { code, signal, stdout, stderr }.
// Throws when the process outlives CLI_TIMEOUT_MS or leaves a sanitizer report.
export function runCli(args, { timeoutMs = CLI_TIMEOUT_MS, allowSanitizer = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`undersigned ${args.join(' ')}: no exit after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const report = sanitizerReport(stderr);
      if (report && !allowSanitizer) {
        reject(new Error(`sanitizer report from undersigned ${args.join(' ')}:\n${report}`));
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// A loopback port that was free a moment ago.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Servers still running when this test process exits (a failed test, a
// crash) are killed so no test run leaves a server behind.
const live = new Set();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

// A running server. Use start() to make one.
export class Server {
  constructor({ dir, db, port, child }) {
    this.dir = dir;
    this.db = db;
    this.port = port;
    this.host = `127.0.0.1:${port}`;          // the authority, as in acct:SLUG@HOST
    this.base = `http://127.0.0.1:${port}`;
    this.child = child;
    this.stderr = '';
    this.stdout = '';
    this.exit = null;                          // { code, signal } once it exited
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    child.stdout.setEncoding('utf8').on('data', (d) => { this.stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { this.stderr += d; });
  }

  url(p = '/') { return this.base + p; }
  actorUrl(slug = SLUG) { return `${this.base}/s/${slug}`; }

  // Sends SIGTERM, waits for the exit, and throws unless it exited 0 in time
  // with no sanitizer report. Idempotent.
  async stop() {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (this.exit == null) this.child.kill('SIGTERM');
      const res = await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS).then(() => null)]);
      if (res == null) {
        this.child.kill('SIGKILL');
        await this.exited;
        throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM\n${this.tail()}`);
      }
      const report = sanitizerReport(this.stderr);
      if (report) throw new Error(`sanitizer report on the server's stderr:\n${report}`);
      if (res.code !== 0) {
        throw new Error(`server exited with ${res.code ?? res.signal} after SIGTERM\n${this.tail()}`);
      }
      return res;
    })();
    return this.stopping;
  }

  tail(n = 4000) { return this.stderr.slice(-n); }

  // Throws if the server died or wrote a sanitizer report so far.
  assertAlive() {
    const report = sanitizerReport(this.stderr);
    if (report) throw new Error(`sanitizer report on the server's stderr:\n${report}`);
    if (this.exit) throw new Error(`server exited (${JSON.stringify(this.exit)})\n${this.tail()}`);
  }
}

// Imports the example statement into a fresh db (unless `db` is given) and
// serves it on a free loopback port (or on `port`, to restart a server at the
// same base URL). Resolves once GET / answers.
export async function start({ db = null, importExample = true, extraArgs = [], port: fixedPort = null } = {}) {
  const dir = tmpDir();
  if (db == null) {
    db = path.join(dir, 't.db');
    if (importExample) {
      const r = await runCli(['statement', 'import', '--db', db, '--slug', SLUG, '--file', EXAMPLE]);
      if (r.code !== 0) throw new Error(`import failed (${r.code}): ${r.stderr}`);
    }
  }
  let lastErr = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = fixedPort ?? await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(BIN, ['serve', '--db', db, '--base-url', base, '--listen', `127.0.0.1:${port}`,
      '--allow-private-network', '--update-interval', '0', ...extraArgs],
    { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const srv = new Server({ dir, db, port, child });
    try {
      await waitUp(srv);
      return srv;
    } catch (e) {
      lastErr = e;
      if (srv.exit == null) { child.kill('SIGKILL'); await srv.exited; }
      // Another process may have taken the port between freePort() and bind: retry.
    }
  }
  throw lastErr;
}

async function waitUp(srv) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (srv.exit) throw new Error(`server exited at start (${JSON.stringify(srv.exit)})\n${srv.tail()}`);
    try {
      const res = await fetch(srv.url('/'), { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`server did not answer within ${START_TIMEOUT_MS} ms\n${srv.tail()}`);
}

// GET (or another method) with an Accept header; resolves
// { status, headers, type, text, json } where json is null when the body is not JSON.
export async function request(url, { accept = null, method = 'GET', headers = {}, body = undefined } = {}) {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing non-loopback URL ${url}`);
  const h = { ...headers };
  if (accept) h.Accept = accept;
  const res = await fetch(url, { method, headers: h, body, redirect: 'manual', signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, type: res.headers.get('content-type') ?? '', text, json };
}

export const getAP = (url, accept = AP_ACCEPT) => request(url, { accept });

// The totalItems of a collection; throws unless it answers 200.
export async function totalItems(url) {
  const r = await getAP(url);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`);
  return r.json.totalItems;
}

// Sends raw bytes on a new loopback connection and resolves with everything
// the server sent back until it closed (or `timeoutMs` passed).
export function rawRequest(port, bytes, { timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    sock.setTimeout(timeoutMs, finish);
    sock.on('data', (d) => {
      chunks.push(d);
      // One response is enough: stop once the headers and a declared body are in.
      const s = Buffer.concat(chunks).toString('latin1');
      const end = s.indexOf('\r\n\r\n');
      if (end >= 0) {
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(s.slice(0, end));
        if (m && s.length - end - 4 >= Number(m[1])) finish();
      }
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', (e) => {
      // The server may reset the connection after answering a huge request.
      if (chunks.length) finish(); else if (!done) { done = true; reject(e); }
    });
    sock.write(bytes);
  });
}

// Follows an OrderedCollection through its pages; resolves the list of items.
export async function collectItems(collectionUrl, { maxPages = 100 } = {}) {
  const col = await getAP(collectionUrl);
  if (col.status !== 200) throw new Error(`GET ${collectionUrl} -> ${col.status}`);
  const items = [...(col.json.orderedItems ?? col.json.items ?? [])];
  let next = col.json.first;
  const seen = new Set();
  for (let i = 0; next != null && i < maxPages; i++) {
    let page;
    if (typeof next === 'string') {
      if (seen.has(next)) throw new Error(`page loop at ${next}`);
      seen.add(next);
      const r = await getAP(next);
      if (r.status !== 200) throw new Error(`GET ${next} -> ${r.status}`);
      page = r.json;
    } else {
      page = next;
    }
    items.push(...(page.orderedItems ?? page.items ?? []));
    next = page.next;
  }
  return { collection: col.json, items };
}

// The text a reader sees in an HTML fragment: tags dropped, entities decoded,
// whitespace collapsed.
export function htmlText(html) {
  const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    // Block tags separate words; inline ones (a, span, strong...) do not.
    .replace(/<\/?(p|div|li|ol|ul|h[1-6]|blockquote|pre|section|aside|header|footer|main|nav|article|tr|td|th|table|dd|dt|dl|title|head|body|html|form|label|button|input|meta|link)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return String.fromCodePoint(cp);
      }
      return named[e.toLowerCase()] ?? m;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

// What the example statement holds, read from the file itself so the tests
// follow the example: title, the first sentence of every paragraph, and the
// signatories as { name, country } in list order.
export function exampleFacts(file = EXAMPLE) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim());
  const nonEmpty = lines.filter((l) => l !== '');
  const title = nonEmpty[0];
  const signedAt = nonEmpty.findIndex((l) => /^signed by/i.test(l));
  const body = nonEmpty.slice(2, signedAt);   // skip title and dateline
  const sentences = body.map((p) => {
    const m = /^(.+?[.!?])(\s|$)/.exec(p);
    return (m ? m[1] : p).trim();
  });
  const signatories = [];
  for (const l of nonEmpty.slice(signedAt + 1)) {
    const m = /^(\d+)\.\s+(.*),\s*([^,]+)$/.exec(l);
    if (m) signatories.push({ name: m[2].trim(), country: m[3].trim() });
  }
  return { title, sentences, signatories };
}
