// The sample reverse-proxy configs (contrib/nginx.conf, contrib/Caddyfile)
// do what Undersigned needs: TLS in front, the Host header and the request
// target unchanged, the body byte for byte, X-Forwarded-For set, and the
// coordinator's pages not served. Each sample runs as written, with only its
// host name, certificate paths and ports replaced for 127.0.0.1 (a
// self-signed certificate from openssl), in front of a loopback echo server
// that reports what reached it; then in front of the real server.
//
// nginx and Caddy are not test dependencies (their Debian packages start a
// server on port 80 when installed): each part is skipped, saying so, when
// its program is missing.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, SLUG, freePort, start, tmpDir } from './lib/server.mjs';

const HOST = 'statements.test';
// The running proxy's log, for failure messages.
let proxyLog = () => '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function which(cmd) {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin']) {
    if (fs.existsSync(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return null;
}

// A loopback server that answers each request with what it received.
async function echoServer() {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({
        method: req.method,
        url: req.url,
        host: req.headers.host,
        xff: req.headers['x-forwarded-for'] ?? null,
        digest: req.headers.digest ?? null,
        sha256: createHash('sha256').update(body).digest('hex'),
        length: body.length,
      }));
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { port, close: () => new Promise((r) => server.close(r)) };
}

// An HTTPS request to the proxy on 127.0.0.1:port for Host HOST (SNI too).
function viaTls(port, { method = 'GET', target = '/', headers = {}, body = null } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method, path: target, servername: HOST, rejectUnauthorized: false,
      headers: { Host: HOST, ...headers, ...(body ? { 'Content-Length': body.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

function selfSigned(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', key, '-out', cert],
  { stdio: 'ignore' });
  return { cert, key };
}

async function waitTls(port, child, log) {
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode != null) throw new Error(`proxy exited: ${log()}`);
    try {
      await viaTls(port, { target: '/' });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`proxy not up: ${e.message}\n${log()}`);
      await sleep(100);
    }
  }
}

// What every proxy must do in front of the echo server.
async function checkPassThrough(port) {
  // Bytes a rewriting proxy would disturb: CRLFs, NULs, high bytes, no trailing newline.
  const body = Buffer.concat([Buffer.from('{"type":"Follow",\r\n"x":"\u00e9"}\r\n'), randomBytes(4096),
    Buffer.from([0, 13, 10, 255])]);
  const target = `/s/${SLUG}/inbox?a=1%2F2&b=%7E`;
  const r = await viaTls(port, {
    method: 'POST', target, body,
    headers: { 'Content-Type': 'application/activity+json', Digest: 'SHA-256=abc=' },
  });
  assert.equal(r.status, 200, r.text + proxyLog());
  const seen = JSON.parse(r.text);
  assert.equal(seen.method, 'POST');
  assert.equal(seen.host, HOST, 'Host unchanged');
  assert.equal(seen.url, target, 'request target unchanged');
  assert.equal(seen.length, body.length);
  assert.equal(seen.sha256, createHash('sha256').update(body).digest('hex'), 'body byte for byte');
  assert.equal(seen.digest, 'SHA-256=abc=');
  assert.ok(seen.xff && seen.xff.includes('127.0.0.1'), `X-Forwarded-For set: ${seen.xff}`);
  // The coordinator's pages are not served through the proxy.
  for (const p of ['/metrics', '/admin', '/admin/', `/admin/signatures/1`]) {
    const c = await viaTls(port, { target: p });
    assert.equal(c.status, 404, `${p} through the proxy`);
  }
}

// Runs a proxy config in front of the real server: pages and /metrics.
async function checkRealServer(proxyPort) {
  const page = await viaTls(proxyPort, { target: `/s/${SLUG}`, headers: { Accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.match(page.text, /Hands off Venezuela/);
  const actor = await viaTls(proxyPort, { target: `/s/${SLUG}`, headers: { Accept: 'application/activity+json' } });
  assert.equal(actor.status, 200);
  assert.equal(JSON.parse(actor.text).type, 'Service', 'a statement actor');
}

const NGINX = which('nginx');
const CADDY = which('caddy');

describe('contrib/nginx.conf', { skip: NGINX ? false : 'nginx is not installed (apt install nginx to run this)' }, () => {
  let dir;
  let child;
  let echo;
  let port;
  let stderr = '';
  let srv;

  async function run(upstreamPort) {
    if (child) {
      child.kill('SIGQUIT');
      await new Promise((r) => child.once('exit', r));
    }
    port = await freePort();
    const { cert, key } = selfSigned(dir);
    let site = fs.readFileSync(path.join(ROOT, 'contrib/nginx.conf'), 'utf8');
    site = site.replaceAll('statements.example.org', HOST)
      .replace(`/etc/letsencrypt/live/${HOST}/fullchain.pem`, cert)
      .replace(`/etc/letsencrypt/live/${HOST}/privkey.pem`, key)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${upstreamPort}`)
      .replace(/^\s*listen \[::\]:\d+.*$/gm, '')
      .replace(/listen 80;/, `listen 127.0.0.1:${await freePort()};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${port} ssl http2;`);
    fs.writeFileSync(path.join(dir, 'site.conf'), site);
    // The main file a distribution ships, reduced to what a test needs.
    fs.writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`);
    execFileSync(NGINX, ['-t', '-q', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'pipe' });
    stderr = '';
    child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    proxyLog = () => stderr + (fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : '');
    await waitTls(port, child, proxyLog);
  }

  before(async () => {
    dir = tmpDir('undersigned-nginx-');
    echo = await echoServer();
    await run(echo.port);
  });
  after(async () => {
    if (child && child.exitCode == null) {
      child.kill('SIGQUIT');
      await new Promise((r) => child.once('exit', r));
    }
    await echo?.close();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('passes Host, target and body unchanged, sets X-Forwarded-For, hides /admin and /metrics', async () => {
    await checkPassThrough(port);
  });

  test('serves the real server over TLS', async () => {
    srv = await start();
    await run(srv.port);
    await checkRealServer(port);
  });
});

describe('contrib/Caddyfile', { skip: CADDY ? false : 'caddy is not installed (apt install caddy to run this)' }, () => {
  let dir;
  let child;
  let echo;
  let port;
  let out = '';
  let srv;

  async function run(upstreamPort) {
    if (child) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    port = await freePort();
    const { cert, key } = selfSigned(dir);
    let site = fs.readFileSync(path.join(ROOT, 'contrib/Caddyfile'), 'utf8');
    site = site.replace(/^statements\.example\.org \{$/m, `https://${HOST}:${port} {\n\ttls ${cert} ${key}`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${upstreamPort}`);
    // Global options for a test: loopback only, no admin API, no redirect listener, state in dir.
    fs.writeFileSync(path.join(dir, 'Caddyfile'), `{
\tadmin off
\tauto_https disable_redirects
\tdefault_bind 127.0.0.1
\tstorage file_system ${dir}/data
\tskip_install_trust
}

${site}`);
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: `${dir}/xdg`, XDG_CONFIG_HOME: `${dir}/xdg` };
    out = '';
    child = spawn(CADDY, ['run', '--adapter', 'caddyfile', '--config', path.join(dir, 'Caddyfile')],
      { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
    proxyLog = () => out;
    await waitTls(port, child, proxyLog);
  }

  before(async () => {
    dir = tmpDir('undersigned-caddy-');
    echo = await echoServer();
    await run(echo.port);
  });
  after(async () => {
    if (child && child.exitCode == null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await echo?.close();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('passes Host, target and body unchanged, sets X-Forwarded-For, hides /admin and /metrics', async () => {
    await checkPassThrough(port);
  });

  test('serves the real server over TLS', async () => {
    srv = await start();
    await run(srv.port);
    await checkRealServer(port);
  });
});
