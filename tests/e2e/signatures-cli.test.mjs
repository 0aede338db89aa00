// The coordinator's command line for signatures: list, approve, reject,
// export (JSON, CSV, and a proofs bundle a third party checks with openssl
// alone), verify, and a statement's policy. Imported signatories first; then
// signatures made for real by Fedify Organization peers (a signed Follow),
// whose proofs must verify offline and fail once altered.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  EXAMPLE, SLUG, exampleFacts, getAP, runCli, sha256File, start, tmpDir,
} from './lib/server.mjs';
import { Peer } from './lib/peer.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A clear error: exactly one non-empty line on stderr, exit code 1.
function assertOneLineError(r, what) {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(r.code, 1, `${what}: exit code ${r.code}, stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `${what}: want one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].length > 10, `${what}: error line too short to be clear: ${lines[0]}`);
}

// Hashes of the db file and its sqlite sidecars: "nothing written" is checked on every byte.
function snapshot(db) {
  const out = {};
  for (const f of [db, `${db}-wal`, `${db}-journal`]) {
    out[path.basename(f)] = fs.existsSync(f) ? sha256File(f) : null;
  }
  return out;
}

// The rows of `signatures list` as objects (header and count lines dropped).
function parseList(stdout) {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  assert.match(lines[0], /^ID\s+STATE\s+HOW\s+NAME\s+HANDLE\s+SIGNED AT$/);
  assert.match(lines[lines.length - 1], /^\d+ signatures?\b/);
  return lines.slice(1, -1).map((l) => {
    const m = /^(\d+)\s+(\S+)\s+(\S+)\s+(.*?)\s+(\S+)\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/.exec(l);
    assert.ok(m, `a table row: ${l}`);
    return { id: Number(m[1]), state: m[2], how: m[3], name: m[4], handle: m[5], when: m[6] };
  });
}

// RFC 4180: quoted fields, doubled quotes, CRLF line ends.
function parseCsv(text) {
  assert.ok(text.endsWith('\r\n'), 'CSV ends with CRLF');
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++;
    } else field += c;
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

const cli = (...args) => runCli(args);
const sig = (db, ...args) => runCli(['signatures', args[0], '--db', db, '--slug', SLUG, ...args.slice(1)]);

// A statement file whose signatories a spreadsheet or a CSV reader could trip on.
function trickyStatement(dir) {
  const text = fs.readFileSync(EXAMPLE, 'utf8');
  const at = text.search(/^signed by/im);
  const file = path.join(dir, 'tricky.txt');
  fs.writeFileSync(file, `${text.slice(0, at)}Signed by:\n\n1. =SUM(1+1), Chile\n2. Comma, Inc., Peru\n`
    + '3. The "Quoted" Union, Chile\n4. @mention Collective, Chile\n'
    + '5. Una organización con un nombre muy largo que no cabe en la tabla de ninguna manera, Bolivia\n');
  return file;
}

describe('signatures of imported signatories, from the command line', () => {
  let dir;
  let db;
  const facts = exampleFacts();

  before(async () => {
    dir = tmpDir();
    db = path.join(dir, 't.db');
    const r = await cli('statement', 'import', '--db', db, '--slug', SLUG, '--file', EXAMPLE);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('list shows every imported signatory, in the file order, approved', async () => {
    const r = await sig(db, 'list');
    assert.equal(r.code, 0, r.stderr);
    const rows = parseList(r.stdout);
    assert.equal(rows.length, facts.signatories.length);
    rows.forEach((row, i) => {
      assert.equal(row.state, 'approved');
      assert.equal(row.how, 'import');
      assert.equal(row.handle, '-');
      const want = facts.signatories[i].name;
      assert.ok(want.startsWith(row.name.replace(/…$/, '')), `row ${i}: ${row.name} vs ${want}`);
      assert.ok([...row.name].length <= 40);
    });
    assert.match(r.stdout, new RegExp(`^${facts.signatories.length} signatures$`, 'm'));
  });

  test('list --state filters', async () => {
    const r = await sig(db, 'list', '--state', 'pending');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseList(r.stdout).length, 0);
  });

  test('reject and approve by id change the state and say so', async () => {
    const ids = parseList((await sig(db, 'list')).stdout).map((x) => x.id);
    let r = await sig(db, 'reject', String(ids[1]), String(ids[2]));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${ids[1]}: approved -> rejected: `, 'm'));
    assert.match(r.stdout, /the statement post will be edited at \d{4}-/);
    assert.match(r.stdout, /^2 changed, 0 unchanged$/m);
    const rejected = parseList((await sig(db, 'list', '--state', 'rejected')).stdout);
    assert.deepEqual(rejected.map((x) => x.id), [ids[1], ids[2]]);
    const list = await cli('statement', 'list', '--db', db);
    assert.match(list.stdout, new RegExp(`\\b${facts.signatories.length - 2} signatories`));

    r = await sig(db, 'approve', String(ids[2]), String(ids[3]));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${ids[2]}: rejected -> approved: `, 'm'));
    assert.match(r.stdout, new RegExp(`^${ids[3]}: already approved: `, 'm'));
    assert.match(r.stdout, /^1 changed, 1 unchanged$/m);
  });

  test('an unknown id changes nothing, even with known ones beside it', async () => {
    const ids = parseList((await sig(db, 'list')).stdout).map((x) => x.id);
    const beforeSnap = snapshot(db);
    for (const bad of [['999999'], [String(ids[0]), '999999'], ['@nobody@example.org'],
      ['https://example.org/users/nobody'], ['not-an-id']]) {
      const r = await sig(db, 'reject', ...bad);
      assertOneLineError(r, `reject ${bad.join(' ')}`);
      assert.equal(r.stdout, '', 'nothing printed as changed');
    }
    assert.deepEqual(snapshot(db), beforeSnap);
    const row = parseList((await sig(db, 'list')).stdout).find((x) => x.id === ids[0]);
    assert.equal(row.state, 'approved');
  });

  test('bad input: one line, exit 1, nothing written', async () => {
    const full = path.join(dir, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
    const notDir = path.join(dir, 'a-file');
    fs.writeFileSync(notDir, 'x');
    const cases = [
      ['signatures', 'list', '--db', db, '--slug', 'no-such-statement'],
      ['signatures', 'list', '--db', db],
      ['signatures', 'list', '--db', db, '--slug', SLUG, '--state', 'maybe'],
      ['signatures', 'list', '--db', db, '--slug', SLUG, 'extra'],
      ['signatures', 'export', '--db', db, '--slug', SLUG, '--format', 'xml'],
      ['signatures', 'export', '--db', db, '--slug', SLUG, '--state', 'bogus'],
      ['signatures', 'export', '--db', db, '--slug', SLUG, '--proofs', full],
      ['signatures', 'export', '--db', db, '--slug', SLUG, '--proofs', notDir],
      ['signatures', 'export', '--db', db, '--slug', SLUG, '--proofs', path.join(dir, 'no/such/parent')],
      ['signatures', 'export', '--db', db, '--slug', 'no-such-statement', '--proofs', path.join(dir, 'p0')],
      ['signatures', 'approve', '--db', db, '--slug', SLUG],
      ['signatures', 'approve', '--db', db, '--slug', 'no-such-statement', '1'],
      ['signatures', 'frobnicate', '--db', db, '--slug', SLUG],
      ['signatures', 'verify', '--db', db, '--slug', 'no-such-statement'],
      ['statement', 'policy', '--db', db, '--slug', SLUG, 'sometimes'],
      ['statement', 'policy', '--db', db, '--slug', SLUG],
      ['statement', 'policy', '--db', db, '--slug', 'no-such-statement', 'open'],
      ['statement', 'close', '--db', db, '--slug', 'no-such-statement'],
    ];
    for (const args of cases) {
      const beforeSnap = snapshot(db);
      const r = await runCli(args);
      assertOneLineError(r, args.slice(0, 2).concat(args.slice(4)).join(' '));
      assert.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
      assert.deepEqual(snapshot(db), beforeSnap, `${args.join(' ')}: db untouched`);
    }
    assert.deepEqual(fs.readdirSync(full), ['keep.txt']);
    assert.equal(fs.existsSync(path.join(dir, 'p0')), false, 'no bundle for an unknown slug');
  });

  test('export JSON has every field, imported ones marked', async () => {
    const r = await sig(db, 'export');
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    assert.equal(rows.length, facts.signatories.length);
    for (const [i, row] of rows.entries()) {
      assert.deepEqual(Object.keys(row), ['id', 'name', 'handle', 'actor_id', 'domain', 'how',
        'signed_at', 'state', 'country', 'imported', 'domain_verified']);
      assert.equal(row.name, facts.signatories[i].name);
      assert.equal(row.country, facts.signatories[i].country);
      assert.equal(row.how, 'import');
      assert.equal(row.imported, true);
      assert.equal(row.actor_id, null);
      assert.equal(row.handle, null);
      assert.equal(row.domain, null);
      assert.match(row.signed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const rejected = JSON.parse((await sig(db, 'export', '--state', 'rejected')).stdout);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].state, 'rejected');
  });

  test('export CSV is RFC 4180 and defuses spreadsheet formulas', async () => {
    const tricky = trickyStatement(dir);
    let r = await cli('statement', 'import', '--db', db, '--slug', 'tricky', '--file', tricky);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['signatures', 'export', '--db', db, '--slug', 'tricky', '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const rows = parseCsv(r.stdout);
    assert.deepEqual(rows.map((x) => x.name), ["'=SUM(1+1)", 'Comma, Inc.', 'The "Quoted" Union',
      "'@mention Collective", 'Una organización con un nombre muy largo que no cabe en la tabla de ninguna manera']);
    assert.deepEqual(rows.map((x) => x.country), ['Chile', 'Peru', 'Chile', 'Chile', 'Bolivia']);
    assert.ok(rows.every((x) => x.imported === 'true' && x.how === 'import' && x.actor_id === ''));
    // The long name is cut in the table, whole in the export.
    const list = parseList((await runCli(['signatures', 'list', '--db', db, '--slug', 'tricky'])).stdout);
    assert.ok(list[4].name.endsWith('…') && [...list[4].name].length <= 40, list[4].name);
  });

  test('verify with only imported signatories has nothing to check and passes', async () => {
    const r = await sig(db, 'verify');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^0 of 0 proofs verify$/m);
  });

  test('an empty proofs bundle still has its script and README', async () => {
    const out = path.join(dir, 'bundle-empty');
    fs.mkdirSync(out);
    const r = await sig(db, 'export', '--proofs', out);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['README.txt', 'verify.sh']);
    const v = spawnSync('sh', [path.join(out, 'verify.sh')], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /0 of 0 proofs verify/);
  });

  test('statement policy and close', async () => {
    let r = await cli('statement', 'policy', '--db', db, '--slug', SLUG, 'review');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /policy review \(was open\)/);
    assert.match((await cli('statement', 'list', '--db', db)).stdout, new RegExp(`^${SLUG}\\s+review\\b`, 'm'));
    r = await cli('statement', 'close', '--db', db, '--slug', SLUG);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /policy closed \(was review\)/);
    r = await cli('statement', 'close', '--db', db, '--slug', SLUG);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /closed already/);
    r = await cli('statement', 'policy', '--db', db, '--slug', SLUG, 'open');
    assert.equal(r.code, 0, r.stderr);
    assert.match((await cli('statement', 'list', '--db', db)).stdout, new RegExp(`^${SLUG}\\s+open\\b`, 'm'));
  });
});

describe('the commands work while the server runs', () => {
  let srv;

  before(async () => { srv = await start(); });
  after(async () => { await srv?.stop(); });

  const total = async () => (await getAP(`${srv.actorUrl()}/signatures`)).json.totalItems;

  test('a rejection leaves the signatures collection at once', async () => {
    const n = exampleFacts().signatories.length;
    assert.equal(await total(), n);
    const ids = parseList((await sig(srv.db, 'list')).stdout).map((x) => x.id);
    const r = await sig(srv.db, 'reject', String(ids[0]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await total(), n - 1);
    const back = await sig(srv.db, 'approve', String(ids[0]));
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await total(), n);
  });

  test('policy changes while serving', async () => {
    const r = await cli('statement', 'policy', '--db', srv.db, '--slug', SLUG, 'review');
    assert.equal(r.code, 0, r.stderr);
    const r2 = await cli('statement', 'policy', '--db', srv.db, '--slug', SLUG, 'open');
    assert.equal(r2.code, 0, r2.stderr);
    srv.assertAlive();
  });
});

describe('signatures made by Fedify Organization peers', () => {
  let srv;
  let peers = [];
  let dir;

  // Resolves to the export rows once every peer's signature is there.
  async function signedRows() {
    const deadline = Date.now() + 20000;
    for (;;) {
      const rows = JSON.parse((await sig(srv.db, 'export')).stdout).filter((x) => !x.imported);
      if (rows.length >= peers.length || Date.now() > deadline) return rows;
      await sleep(200);
    }
  }

  before(async () => {
    dir = tmpDir();
    srv = await start();
    // One peer signs RFC 9421 first (Fedify's default), the other draft-cavage.
    peers = [
      await new Peer({ type: 'Organization' }).start(),
      await new Peer({ type: 'Organization', firstKnock: 'draft-cavage-http-signatures-12' }).start(),
    ];
    for (const p of peers) {
      const statement = await p.lookupStatement(SLUG, srv.host);
      await p.follow(statement);
    }
  });
  after(async () => {
    for (const p of peers) await p.stop();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('each Follow is a signature: listed and exported with its actor', async () => {
    const rows = await signedRows();
    assert.equal(rows.length, 2, `two verified signatures: ${JSON.stringify(rows)}\n${srv.tail(2000)}`);
    for (const p of peers) {
      const row = rows.find((x) => x.actor_id === p.actorId.href);
      assert.ok(row, `the signature of ${p.actorId.href}`);
      assert.equal(row.how, 'follow');
      assert.equal(row.state, 'approved');
      assert.equal(row.domain, '127.0.0.1');
      assert.equal(row.imported, false);
      assert.equal(row.name, 'Peer Organisation');
    }
    const list = parseList((await sig(srv.db, 'list', '--state', 'approved')).stdout);
    assert.equal(list.filter((x) => x.how === 'follow').length, 2);
  });

  test('verify re-checks both proofs offline', async () => {
    const r = await sig(srv.db, 'verify');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^2 of 2 proofs verify$/m);
    assert.equal((r.stdout.match(/ ok$/gm) ?? []).length, 2, r.stdout);
  });

  test('the proofs bundle verifies with openssl alone, and an altered body fails', async () => {
    const out = path.join(dir, 'bundle');
    const r = await sig(srv.db, 'export', '--format', 'csv', '--proofs', out);
    assert.equal(r.code, 0, r.stderr);
    const folders = fs.readdirSync(out).filter((f) => f.startsWith('signature-'));
    assert.equal(folders.length, 2);
    for (const f of folders) {
      assert.deepEqual(fs.readdirSync(path.join(out, f)).sort(), ['algorithm.txt', 'body.json',
        'digest.txt', 'proof.json', 'public.pem', 'signature.bin', 'signer.txt', 'signing-string.txt']);
      const body = JSON.parse(fs.readFileSync(path.join(out, f, 'body.json'), 'utf8'));
      assert.equal(body.type, 'Follow');
      assert.equal(body.object, srv.actorUrl());
      // The openssl command of README.txt, by hand.
      const v = execFileSync('openssl', ['dgst', '-sha256', '-verify', 'public.pem', '-signature',
        'signature.bin', 'signing-string.txt'], { cwd: path.join(out, f), encoding: 'utf8' });
      assert.match(v, /Verified OK/);
    }
    let v = spawnSync('sh', [path.join(out, 'verify.sh')], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /2 of 2 proofs verify/);

    const bodyFile = path.join(out, folders[0], 'body.json');
    fs.writeFileSync(bodyFile, fs.readFileSync(bodyFile, 'utf8').replace('Follow', 'Fellow'));
    v = spawnSync('sh', [path.join(out, 'verify.sh')], { encoding: 'utf8' });
    assert.equal(v.status, 1, v.stdout);
    assert.match(v.stdout, new RegExp(`FAIL ${folders[0]}: body.json does not match`));
    assert.match(v.stdout, /1 of 2 proofs verify/);
  });

  test('reject and approve by actor id and by @handle', async () => {
    const rows = await signedRows();
    let r = await sig(srv.db, 'reject', peers[0].actorId.href);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /approved -> rejected: Peer Organisation/);
    const list = parseList((await sig(srv.db, 'list')).stdout);
    const row = list.find((x) => x.id === rows.find((y) => y.actor_id === peers[0].actorId.href).id);
    assert.equal(row.state, 'rejected');
    assert.match(row.handle, /^@peer@127\.0\.0\.1:\d+$/, 'the handle WebFinger confirmed');
    r = await sig(srv.db, 'approve', row.handle);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rejected -> approved/);
  });

  test('verify fails on a proof whose stored body was altered', async () => {
    const id = (await signedRows()).find((x) => x.actor_id === peers[1].actorId.href).id;
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', srv.db,
      `UPDATE signatories SET proof = replace(proof, 'Follow', 'Fellow') WHERE id = ${id}`]);
    const r = await sig(srv.db, 'verify');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`^${id}\\s+Peer Organisation\\s+FAIL\\s+\\S`, 'm'));
    assert.match(r.stdout, /^1 of 2 proofs verify$/m);
  });
});
