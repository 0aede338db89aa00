// The command line: importing the example, listing, and bad input, which must
// give one line on stderr, exit code 1, and leave every file as it was.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  EXAMPLE, SLUG, exampleFacts, freePort, runCli, sha256File, tmpDir,
} from './lib/server.mjs';

// A clear error: exactly one non-empty line on stderr, exit code 1.
function assertOneLineError(r, what) {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(r.code, 1, `${what}: exit code ${r.code}, stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `${what}: want one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].length > 10, `${what}: error line too short to be clear: ${lines[0]}`);
}

// Hashes of the db file and its sqlite sidecars, so "nothing written" is checked
// on every byte the store could have touched.
function snapshot(db) {
  const out = {};
  for (const f of [db, `${db}-wal`, `${db}-journal`]) {
    out[path.basename(f)] = fs.existsSync(f) ? sha256File(f) : null;
  }
  return out;
}

describe('statement import and list', () => {
  let dir;
  let db;

  before(async () => {
    dir = tmpDir();
    db = path.join(dir, 't.db');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('importing the example statement exits 0', async () => {
    const r = await runCli(['statement', 'import', '--db', db, '--slug', SLUG, '--file', EXAMPLE]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(db), 'db file created');
  });

  test('statement list shows the slug and the title', async () => {
    const r = await runCli(['statement', 'list', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\b${SLUG}\\b`));
    assert.ok(r.stdout.includes('Hands off Venezuela'), `title in list:\n${r.stdout}`);
  });

  test('a duplicate slug is refused and nothing is written', async () => {
    const beforeSnap = snapshot(db);
    const r = await runCli(['statement', 'import', '--db', db, '--slug', SLUG, '--file', EXAMPLE]);
    assertOneLineError(r, 'duplicate slug');
    assert.deepEqual(snapshot(db), beforeSnap);
    const list = await runCli(['statement', 'list', '--db', db]);
    assert.equal(list.stdout.split(SLUG).length - 1, 1, `slug listed once:\n${list.stdout}`);
  });

  test('a missing statement file is refused and nothing is written', async () => {
    const beforeSnap = snapshot(db);
    const r = await runCli(['statement', 'import', '--db', db, '--slug', 'other',
      '--file', path.join(dir, 'no-such-file.txt')]);
    assertOneLineError(r, 'missing file');
    assert.deepEqual(snapshot(db), beforeSnap);
  });

  test('a missing statement file does not create a new db', async () => {
    const fresh = path.join(dir, 'fresh.db');
    const r = await runCli(['statement', 'import', '--db', fresh, '--slug', 'other',
      '--file', path.join(dir, 'no-such-file.txt')]);
    assertOneLineError(r, 'missing file, new db');
    assert.equal(fs.existsSync(fresh), false, 'no db file left behind');
  });

  test('a file that is not a statement is refused with a clear message', async () => {
    const junk = path.join(dir, 'junk.txt');
    fs.writeFileSync(junk, '\u0000\u0001binary junk\n\u00ff\n');
    const empty = path.join(dir, 'empty.txt');
    fs.writeFileSync(empty, '');
    for (const f of [junk, empty]) {
      const beforeSnap = snapshot(db);
      const r = await runCli(['statement', 'import', '--db', db, '--slug', 'junk', '--file', f]);
      assertOneLineError(r, `not a statement (${path.basename(f)})`);
      assert.deepEqual(snapshot(db), beforeSnap);
    }
  });

  test('an unknown slug is refused', async (t) => {
    const help = await runCli(['--help']);
    if (!/\bsignatures\b/.test(help.stdout + help.stderr)) {
      t.skip('no command that names an existing slug yet (signatures list comes with the signatures issue)');
      return;
    }
    const beforeSnap = snapshot(db);
    const r = await runCli(['signatures', 'list', '--db', db, '--slug', 'no-such-statement']);
    assertOneLineError(r, 'unknown slug');
    assert.deepEqual(snapshot(db), beforeSnap);
  });

  test('the example facts the other tests rely on hold', () => {
    const f = exampleFacts();
    assert.equal(f.signatories.length, 15);
    assert.deepEqual(f.signatories[0], { name: 'Socialist Party of Malaysia (PSM)', country: 'Malaysia' });
    assert.ok(f.sentences.length >= 6);
  });
});

describe('serve refuses bad setups', () => {
  let dir;
  let db;

  before(async () => {
    dir = tmpDir();
    db = path.join(dir, 't.db');
    const r = await runCli(['statement', 'import', '--db', db, '--slug', SLUG, '--file', EXAMPLE]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const bad of ['ftp://x', 'notaurl', 'http://', 'http://exa mple.org']) {
    test(`a bad --base-url "${bad}" is refused`, async () => {
      const port = await freePort();
      const beforeSnap = snapshot(db);
      const r = await runCli(['serve', '--db', db, '--base-url', bad, '--listen', `127.0.0.1:${port}`,
        '--allow-private-network'], { timeoutMs: 15000 });
      assertOneLineError(r, `base url ${bad}`);
      assert.deepEqual(snapshot(db), beforeSnap);
    });
  }

  test('a port in use is refused', async () => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address();
    try {
      const r = await runCli(['serve', '--db', db, '--base-url', `http://127.0.0.1:${port}`,
        '--listen', `127.0.0.1:${port}`, '--allow-private-network'], { timeoutMs: 15000 });
      assertOneLineError(r, 'port in use');
    } finally {
      blocker.close();
    }
  });
});

describe('a db that is not ours is refused and left unchanged', () => {
  let dir;
  const cases = {};

  before(() => {
    dir = tmpDir();
    cases.text = path.join(dir, 'notes.txt');
    fs.writeFileSync(cases.text, 'this is a plain text file, not a database\n');
    cases.foreign = path.join(dir, 'foreign.db');
    execFileSync('sqlite3', [cases.foreign,
      'CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers(name) VALUES (\'Ada\');']);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['text', 'foreign']) {
    test(`statement list on a ${kind} file`, async () => {
      const f = cases[kind];
      const h = sha256File(f);
      const r = await runCli(['statement', 'list', '--db', f]);
      assertOneLineError(r, `list ${kind}`);
      assert.equal(sha256File(f), h, 'file unchanged');
    });

    test(`statement import into a ${kind} file`, async () => {
      const f = cases[kind];
      const h = sha256File(f);
      const r = await runCli(['statement', 'import', '--db', f, '--slug', SLUG, '--file', EXAMPLE]);
      assertOneLineError(r, `import ${kind}`);
      assert.equal(sha256File(f), h, 'file unchanged');
      assert.equal(fs.existsSync(`${f}-wal`) && fs.statSync(`${f}-wal`).size > 0, false, 'no WAL left');
    });

    test(`serve on a ${kind} file`, async () => {
      const f = cases[kind];
      const h = sha256File(f);
      const port = await freePort();
      const r = await runCli(['serve', '--db', f, '--base-url', `http://127.0.0.1:${port}`,
        '--listen', `127.0.0.1:${port}`, '--allow-private-network'], { timeoutMs: 15000 });
      assertOneLineError(r, `serve ${kind}`);
      assert.equal(sha256File(f), h, 'file unchanged');
    });
  }

  test('the foreign db still holds only its own table', () => {
    const out = execFileSync('sqlite3', [cases.foreign, '.tables'], { encoding: 'utf8' });
    assert.equal(out.trim(), 'customers');
  });
});
