// The soak test (issue 6): SOAK_SECONDS (600) of mixed signed traffic at a
// steady rate against the real binary on 127.0.0.1, with the default inbox
// rate limits, then a check that nothing leaked and every activity is
// accounted for. `make soak` runs it; it is not part of `make test`.
//
// Traffic, scheduled by the wall clock (tick i is due at start + i / rate,
// never "as fast as possible"):
// - SOAK_RATE (20) inbox POSTs a second in total, from SOAK_PEERS (4) Fedify
//   servers on their own loopback ports, each with SOAK_ACTORS (25) actors
//   (Organization, Person, Group): Follow / Undo, Like / Undo, Announce / Undo,
//   Endorse / Undo, Create of a Note mentioning the statement (with and
//   without the sign word), Delete of such a Note, Update of an actor (its
//   name changes), Delete of an actor (it retires; a new actor takes its
//   place). About 5 % of the POSTs are unsigned or badly signed and must be
//   answered 4xx. Signed as Mastodon does: draft-cavage mostly, RFC 9421
//   for some, to the statement's inbox or the shared inbox.
// - SOAK_GET_RATE (4) GETs a second: the page, the actor, the post, the
//   collections, WebFinger, NodeInfo, feeds.
// - The actors are a bounded set, reused: at the start they appear at under
//   one a second per peer (the fetch limit is per remote server), later one
//   appears only when another is deleted.
//
// Every 5 s the server's VmRSS and open descriptors are sampled. At the end
// (after a drain) the server's state is compared with the ledger of what it
// answered 2xx: followers, signatures (state, how, the signing activities
// standing for each, name),
// likes and shares, mentions, the ids it marked seen, nothing from a refused
// POST anywhere; over HTTP while it runs and in the sqlite file after it
// stopped. Every delivery it made must have reached a peer and every Accept
// and reply owed must have arrived, verified by Fedify.
//
// Output: a table on stdout and in build/soak/summary.txt; the samples in
// build/soak/samples.csv; the server's log in build/soak/server.log.
// Exit status 1 when a check fails.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PeerHost } from '../e2e/lib/peers.mjs';
import { AP_ACCEPT, HTML_ACCEPT, ROOT, SLUG, collectItems, request, start } from '../e2e/lib/server.mjs';

// Fedify's signRequest, from the e2e tests' own install (this file is outside
// their package, so a bare import would not find it); the same module file
// that peers.mjs loads.
const FEDIFY_DIR = path.join(ROOT, 'tests/e2e/node_modules/@fedify/fedify');
const { signRequest } = await import(path.join(FEDIFY_DIR,
  JSON.parse(fs.readFileSync(path.join(FEDIFY_DIR, 'package.json'), 'utf8')).exports['.'].import));

const env = process.env;
const num = (v, d) => (v == null || v === '' ? d : Number(v));
const SECONDS = num(env.SOAK_SECONDS, 600);
const RATE = num(env.SOAK_RATE, 20);            // inbox POSTs per second, all kinds
const GET_RATE = num(env.SOAK_GET_RATE, 4);     // GETs per second
const PEERS = num(env.SOAK_PEERS, 4);
const ACTORS = num(env.SOAK_ACTORS, 25);        // per peer, at any time
const SEED = num(env.SOAK_SEED, 6);
const OUT_DIR = path.join(ROOT, 'build/soak');
const SAMPLE_MS = 5000;
const UPDATE_INTERVAL_S = 5;                     // serve --update-interval: the batch window
const BAD_SHARE = 0.05;                          // of the POSTs
const RFC9421_SHARE = 0.3;                       // of the good POSTs
const SHARED_INBOX_SHARE = 0.3;                  // of the good POSTs
const ACTOR_INTRO_MS = 1250;                     // a new actor per peer at most this often at the start
const MENTIONS_PER_PEER_HOUR = 50;               // the server answers 60 (LIMIT_MENTIONS_PER_ORIGIN_HOUR)
const DRAIN_MS = 60000;                          // longest wait for the queue to empty at the end
const RSS_BOUND_SHARE = 0.10;                    // RSS growth allowed: 10 % ...
const RSS_BOUND_KIB = 4096;                      // ... or 4 MiB, whichever is larger
const FD_BOUND = 8;                              // descriptors: mean of the last quarter at most 8 above the second's
const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;
const IMPORTED = 15;                             // approved signatories of the example statement file

if (!(SECONDS > 0 && RATE > 0 && GET_RATE >= 0 && PEERS > 0 && ACTORS > 1)) {
  console.error('soak: SOAK_SECONDS, SOAK_RATE, SOAK_PEERS must be > 0 and SOAK_ACTORS > 1');
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A small seeded PRNG (mulberry32): the same choices for the same seed.
let seed = SEED >>> 0;
function rand() {
  seed = (seed + 0x6D2B79F5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(rand() * list.length)];

// ---- counters ------------------------------------------------------------

const stats = {
  sent: {},            // "Follow" -> { status: count }
  bad: {},             // bad kind -> { status: count }
  gets: {},            // path kind -> { status: count }
  status: {},          // every answer of ours, by status
  fivexx: 0,
  tooMany: 0,          // 429
  refusedPosts: 0,     // inbox POSTs not answered 2xx
  lateMax: 0,          // ms a tick was sent after it was due, worst
  lateOver100: 0,      // ticks sent more than 100 ms late
  skipped: 0,          // ticks with no idle actor for any activity
  actorsNew: 0,        // actors that appeared (first activity sent)
  actorsDeleted: 0,
};
const failures = [];
const fail = (msg) => { failures.push(msg); };
const bump = (map, key, status) => {
  map[key] ??= {};
  map[key][status] = (map[key][status] ?? 0) + 1;
  stats.status[status] = (stats.status[status] ?? 0) + 1;
  if (map !== stats.gets && !is2xx(status)) stats.refusedPosts++;
  if (typeof status === 'number' && status >= 500) stats.fivexx++;
  if (status === 429) stats.tooMany++;
};

// ---- the ledger ----------------------------------------------------------

const accepted = new Map();   // activity id -> { type, actor } for every 2xx
const refused = new Map();    // activity id -> { type, actor, status } for every other answer
const mentionIds = new Set(); // Create ids answered 2xx
const owedAccepts = new Map();// Follow or Endorse id -> peer index
const owedReplies = new Map();// Note id -> peer index
const unexpected = [];        // good POSTs not answered 2xx (other than 429), first few

// ---- peers and actors ----------------------------------------------------

const TYPES = ['Organization', 'Organization', 'Organization', 'Person', 'Person', 'Group'];
const hosts = [];
const pools = [];             // per peer: the current actors (model objects)
let actorSerial = 0;
const allActors = [];         // every actor that ever existed, retired ones too

function newActor(h, availableAt) {
  const n = actorSerial++;
  const id = `a${n}`;
  const type = TYPES[n % TYPES.length];
  const spec = { type, name: `Soak ${type} ${n}`, sharedInbox: n % 7 !== 3 };
  hosts[h].addActor(id, spec);
  const a = {
    h, id, url: hosts[h].ctx ? hosts[h].actorId(id) : null, type, spec, name: spec.name, availableAt, busy: false, known: false,
    retired: false, following: null, like: null, announce: null, endorse: null,
    notes: [], sig: null, renames: 0,
  };
  allActors.push(a);
  return a;
}

// ---- sending -------------------------------------------------------------

let srv;
let inboxUrl;
let sharedInboxUrl;
let statementUrl;
let postUrl;

// Signs body (a string) as actor `id` of peer host and POSTs it. Options:
// spec, contentType, date (a Date header), sendBody (a different body after
// signing), keyOf (sign with another actor's key and keyId), unsigned.
async function postSigned(host, id, url, body, opts = {}) {
  const headers = new Headers({ 'Content-Type': opts.contentType ?? 'application/activity+json', Accept: AP_ACCEPT });
  if (opts.date) headers.set('Date', opts.date);
  let sendHeaders = headers;
  if (!opts.unsigned) {
    const keyOf = opts.keyOf ?? id;
    const keys = await host.keyPair(keyOf);
    const req = new Request(url, { method: 'POST', headers, body });
    const signed = await signRequest(req, keys.privateKey, new URL(`${host.actorId(keyOf)}#main-key`),
      opts.spec ? { spec: opts.spec } : {});
    sendHeaders = signed.headers;
  }
  try {
    const res = await fetch(url, {
      method: 'POST', headers: sendHeaders, body: opts.sendBody ?? body, signal: AbortSignal.timeout(20000),
    });
    const text = await res.text();
    return { status: res.status, text };
  } catch (e) {
    return { status: `error:${e.name}`, text: String(e) };
  }
}

const is2xx = (s) => typeof s === 'number' && s >= 200 && s < 300;

// Sends a good activity and, when answered 2xx, applies its effect to the model.
async function sendGood(a, doc, apply) {
  const host = hosts[a.h];
  const url = rand() < SHARED_INBOX_SHARE ? sharedInboxUrl : inboxUrl;
  const spec = rand() < RFC9421_SHARE ? 'rfc9421' : undefined;
  if (!a.known) { a.known = true; stats.actorsNew++; }
  const r = await postSigned(host, a.id, url, JSON.stringify(doc), { spec });
  bump(stats.sent, doc.type === 'Undo' ? `Undo ${doc.object.type}` : doc.type, r.status);
  if (is2xx(r.status)) {
    accepted.set(doc.id, { type: doc.type, actor: a.url });
    apply();
  } else {
    refused.set(doc.id, { type: doc.type, actor: a.url, status: r.status });
    if (r.status !== 429 && unexpected.length < 20) unexpected.push(`${doc.type} ${doc.id}: ${r.status} ${r.text.slice(0, 200)}`);
  }
}

const newId = (a, kind) => hosts[a.h].newId(kind);

// A signature stands while one of its signing activities does (a Follow of an
// Organization, an Endorse, a signing mention's Note): the row shows the
// earliest still standing (how, activity); the last one undone withdraws it.
function withdrawBy(a, id) {
  const sig = a.sig;
  if (!sig || sig.state === 'withdrawn') return;
  const i = sig.signings.findIndex((x) => x.id === id);
  if (i < 0) return;
  sig.signings.splice(i, 1);
  if (!sig.signings.length) {
    sig.state = 'withdrawn';
  } else if (sig.activityId === id) {
    sig.how = sig.signings[0].how;
    sig.activityId = sig.signings[0].id;
  }
}
// A new signature unless one stands (pending or approved); then one more signing of it.
function signBy(a, how, id) {
  if (a.sig && a.sig.state !== 'withdrawn') {
    a.sig.signings.push({ id, how });
    return;
  }
  a.sig = {
    state: a.type === 'Organization' ? 'approved' : 'pending', how, activityId: id, name: a.name,
    signings: [{ id, how }],
  };
}

function opFollow(a) {
  if (a.following) {
    const follow = a.following;
    const { '@context': _c, ...inner } = follow;
    return sendGood(a, { '@context': AS, id: `${follow.id}/undo`, type: 'Undo', actor: a.url, object: inner }, () => {
      a.following = null;
      withdrawBy(a, follow.id);
    });
  }
  const doc = { '@context': AS, id: newId(a, 'Follow'), type: 'Follow', actor: a.url, object: statementUrl };
  return sendGood(a, doc, () => {
    a.following = doc;
    owedAccepts.set(doc.id, a.h);
    if (a.type === 'Organization') signBy(a, 'follow', doc.id);
  });
}

function opReact(a, kind) {
  const field = kind === 'Like' ? 'like' : 'announce';
  if (a[field]) {
    const act = a[field];
    const { '@context': _c, ...inner } = act;
    return sendGood(a, { '@context': AS, id: `${act.id}/undo`, type: 'Undo', actor: a.url, object: inner },
      () => { a[field] = null; });
  }
  const doc = kind === 'Like'
    ? { '@context': AS, id: newId(a, 'Like'), type: 'Like', actor: a.url, object: postUrl }
    : {
      '@context': AS, id: newId(a, 'Announce'), type: 'Announce', actor: a.url,
      published: new Date().toISOString(), to: [PUBLIC], cc: [`${a.url}/followers`, statementUrl], object: postUrl,
    };
  return sendGood(a, doc, () => { a[field] = doc; });
}

function opEndorse(a) {
  if (a.endorse) {
    const e = a.endorse;
    const { '@context': _c, ...inner } = e;
    return sendGood(a, { '@context': AS, id: `${e.id}/undo`, type: 'Undo', actor: a.url, object: inner }, () => {
      a.endorse = null;
      withdrawBy(a, e.id);
    });
  }
  const doc = {
    '@context': AS, id: newId(a, 'Endorse'), type: 'Endorse', actor: a.url,
    object: rand() < 0.5 ? postUrl : statementUrl, to: [statementUrl], cc: [PUBLIC],
  };
  return sendGood(a, doc, () => {
    a.endorse = doc;
    owedAccepts.set(doc.id, a.h);
    signBy(a, 'endorse', doc.id);
  });
}

const mentionTimes = [];      // per peer: times of mentions answered 2xx (the server counts per origin)
function mentionBudget(h) {
  const since = Date.now() - 3600 * 1000;
  while (mentionTimes[h].length && mentionTimes[h][0] < since) mentionTimes[h].shift();
  return mentionTimes[h].length + pendingMentions[h] < MENTIONS_PER_PEER_HOUR;
}
const pendingMentions = [];

async function opMention(a) {
  const signing = rand() < 0.5;
  const noteId = newId(a, 'Note');
  const text = signing ? 'We sign this statement.' : 'An important statement, worth reading.';
  const doc = {
    '@context': AS, id: `${noteId}/activity`, type: 'Create', actor: a.url,
    published: new Date().toISOString(), to: [statementUrl, PUBLIC], cc: [`${a.url}/followers`],
    object: {
      id: noteId, type: 'Note', attributedTo: a.url, published: new Date().toISOString(),
      to: [statementUrl, PUBLIC], cc: [`${a.url}/followers`],
      content: `<p><span class="h-card"><a href="${statementUrl}" class="u-url mention">@<span>${SLUG}</span></a></span> ${text}</p>`,
      tag: [{ type: 'Mention', href: statementUrl, name: `@${SLUG}@${srv.host}` }],
    },
  };
  pendingMentions[a.h]++;
  try {
    await sendGood(a, doc, () => {
      mentionTimes[a.h].push(Date.now());
      mentionIds.add(doc.id);
      a.notes.push(noteId);
      if (signing) {
        owedReplies.set(noteId, a.h);
        signBy(a, 'mention', noteId);
      }
    });
  } finally {
    pendingMentions[a.h]--;
  }
}

function opDeleteNote(a) {
  const noteId = a.notes[Math.floor(rand() * a.notes.length)];
  const doc = {
    '@context': AS, id: `${noteId}#delete`, type: 'Delete', actor: a.url, to: [PUBLIC],
    object: { id: noteId, type: 'Tombstone' },
  };
  return sendGood(a, doc, () => {
    a.notes = a.notes.filter((n) => n !== noteId);
    withdrawBy(a, noteId);
  });
}

function opUpdate(a) {
  const host = hosts[a.h];
  a.renames++;
  const name = `Soak ${a.type} ${a.id.slice(1)} v${a.renames}`;
  // The peer serves the new name first: the server fetches the actor again on an Update.
  a.spec = { ...a.spec, name };
  host.addActor(a.id, a.spec);
  const doc = {
    '@context': [AS, 'https://w3id.org/security/v1'], id: `${a.url}#updates/${a.renames}`, type: 'Update',
    actor: a.url, to: [PUBLIC],
    object: { id: a.url, type: a.type, preferredUsername: a.id, name, inbox: `${a.url}/inbox` },
  };
  return sendGood(a, doc, () => {
    a.name = name;
    if (a.sig) a.sig = { ...a.sig, name };
  });
}

function opDeleteActor(a) {
  const doc = { '@context': AS, id: `${a.url}#delete`, type: 'Delete', actor: a.url, to: [PUBLIC], object: a.url };
  return sendGood(a, doc, () => {
    a.following = null;
    a.like = null;
    a.announce = null;
    if (a.sig && a.sig.state !== 'withdrawn') a.sig = { ...a.sig, state: 'withdrawn', signings: [] };
    a.retired = true;
    stats.actorsDeleted++;
    const pool = pools[a.h];
    pool.splice(pool.indexOf(a), 1, newActor(a.h, 0));
  });
}

// ---- bad POSTs: each would change something if it were taken ----------------

const BAD_KINDS = ['unsigned', 'wrong_key', 'tampered', 'stale_date', 'content_type', 'malformed', 'undo_other', 'unknown_key'];
let badSerial = 0;

async function sendBad(a, other) {
  const host = hosts[a.h];
  const kind = BAD_KINDS[badSerial++ % BAD_KINDS.length];
  const follow = { '@context': AS, id: newId(a, 'Follow'), type: 'Follow', actor: a.url, object: statementUrl };
  const like = { '@context': AS, id: newId(a, 'Like'), type: 'Like', actor: a.url, object: postUrl };
  let doc = follow;
  let r;
  let want = [401];
  switch (kind) {
  case 'unsigned':
    r = await postSigned(host, a.id, inboxUrl, JSON.stringify(doc), { unsigned: true });
    break;
  case 'wrong_key':       // signed by another actor of the same server: the signer is not the actor
    r = await postSigned(host, a.id, inboxUrl, JSON.stringify(doc), { keyOf: other.id });
    break;
  case 'tampered':        // the Like is sent under the Follow's signature and digest
    doc = like;
    r = await postSigned(host, a.id, inboxUrl, JSON.stringify(follow), { sendBody: JSON.stringify(like) });
    want = [400, 401];
    break;
  case 'stale_date':
    r = await postSigned(host, a.id, sharedInboxUrl, JSON.stringify(doc),
      { date: new Date(Date.now() - 2 * 3600 * 1000).toUTCString() });
    break;
  case 'content_type':
    r = await postSigned(host, a.id, inboxUrl, JSON.stringify(doc), { contentType: 'text/plain' });
    want = [415];
    break;
  case 'malformed':
    r = await postSigned(host, a.id, inboxUrl, `${JSON.stringify(doc).slice(0, -1)},`);
    want = [400];
    break;
  case 'undo_other': {    // an Undo of another actor's Like: refused by the handler
    doc = {
      '@context': AS, id: newId(a, 'Undo'), type: 'Undo', actor: a.url,
      object: { id: newId(other, 'Like'), type: 'Like', actor: other.url, object: postUrl },
    };
    r = await postSigned(host, a.id, inboxUrl, JSON.stringify(doc));
    want = [403];
    break;
  }
  case 'unknown_key': {   // a key id the peer does not serve (404): the server cannot find the key
    const ghost = `ghost${badSerial % 5}`;
    doc = { '@context': AS, id: newId(a, 'Follow'), type: 'Follow', actor: host.actorId(ghost), object: statementUrl };
    r = await postSigned(host, ghost, inboxUrl, JSON.stringify(doc));
    break;
  }
  default:
    throw new Error(kind);
  }
  bump(stats.bad, kind, r.status);
  refused.set(doc.id, { type: doc.type, actor: doc.actor, status: r.status, bad: kind });
  if (kind === 'tampered') refused.set(follow.id, { type: 'Follow', actor: a.url, status: r.status, bad: kind });
  if (r.status !== 429 && !want.includes(r.status)) {
    fail(`bad POST (${kind}) answered ${r.status}, wanted ${want.join(' or ')}: ${r.text.slice(0, 200)}`);
  }
}

// ---- choosing what a tick sends -----------------------------------------------

// Mentions are spread so that the run spends about 90 % of the peers' hourly
// budget evenly (at most 3 % of the signed POSTs): a budget spent by the
// middle of the run would leave its last quarter without any.
const OTHER_WEIGHTS = [
  ['follow', 22], ['like', 22], ['announce', 18], ['endorse', 14],
  ['delete_note', 1.5], ['update', 2], ['delete_actor', 0.6],
];
const MENTION_SHARE = Math.min(0.03,
  (0.9 * PEERS * MENTIONS_PER_PEER_HOUR) / Math.min(SECONDS, 3600) / (RATE * (1 - BAD_SHARE)));
const WEIGHTS = [...OTHER_WEIGHTS, ['mention',
  (MENTION_SHARE / (1 - MENTION_SHARE)) * OTHER_WEIGHTS.reduce((sum, [, w]) => sum + w, 0)]];
const WEIGHT_SUM = WEIGHTS.reduce((s, [, w]) => s + w, 0);

function idleActor(filter = () => true, h = null) {
  const now = Date.now();
  for (let tries = 0; tries < 12; tries++) {
    const hh = h ?? Math.floor(rand() * PEERS);
    const a = pick(pools[hh]);
    if (!a.busy && !a.retired && a.availableAt <= now && filter(a)) return a;
  }
  // Fall back to a scan so rare conditions (an actor with notes) still find one.
  const list = (h == null ? pools.flat() : pools[h]).filter((a) => !a.busy && !a.retired && a.availableAt <= now && filter(a));
  return list.length ? pick(list) : null;
}

async function tick() {
  if (rand() < BAD_SHARE) {
    const a = idleActor(() => true) ?? pick(pools[0]);
    const other = pools[a.h].find((o) => o !== a && o.known && !o.retired) ?? pools[a.h].find((o) => o !== a);
    await sendBad(a, other);
    return;
  }
  let r = rand() * WEIGHT_SUM;
  let op = WEIGHTS[WEIGHTS.length - 1][0];
  for (const [name, w] of WEIGHTS) { if ((r -= w) < 0) { op = name; break; } }
  let a = null;
  if (op === 'mention') {
    a = idleActor((x) => mentionBudget(x.h));
    if (!a) op = 'follow';
  } else if (op === 'delete_note') {
    a = idleActor((x) => x.notes.length > 0);
    if (!a) op = 'like';
  } else if (op === 'update' || op === 'delete_actor') {
    a = idleActor((x) => x.known);   // an actor the server has seen
    if (!a) op = 'announce';
  }
  a ??= idleActor();
  if (!a) { stats.skipped++; return; }
  a.busy = true;
  try {
    switch (op) {
    case 'follow': await opFollow(a); break;
    case 'like': await opReact(a, 'Like'); break;
    case 'announce': await opReact(a, 'Announce'); break;
    case 'endorse': await opEndorse(a); break;
    case 'mention': await opMention(a); break;
    case 'delete_note': await opDeleteNote(a); break;
    case 'update': await opUpdate(a); break;
    case 'delete_actor': await opDeleteActor(a); break;
    default: throw new Error(op);
    }
  } finally {
    a.busy = false;
  }
}

// ---- GETs ----------------------------------------------------------------------

function getTargets() {
  const s = `/s/${SLUG}`;
  return [
    ['page', '/', HTML_ACCEPT],
    ['page', s, HTML_ACCEPT],
    ['page', `${s}/post`, HTML_ACCEPT],
    ['actor', s, AP_ACCEPT],
    ['post', `${s}/post`, AP_ACCEPT],
    ['collection', `${s}/followers`, AP_ACCEPT],
    ['collection', `${s}/followers?page=1`, AP_ACCEPT],
    ['collection', `${s}/signatures`, AP_ACCEPT],
    ['collection', `${s}/signatures?page=1`, AP_ACCEPT],
    ['collection', `${s}/outbox`, AP_ACCEPT],
    ['collection', `${s}/following`, AP_ACCEPT],
    ['collection', `${s}/featured`, AP_ACCEPT],
    ['collection', `${s}/post/likes`, AP_ACCEPT],
    ['collection', `${s}/post/shares`, AP_ACCEPT],
    ['webfinger', `/.well-known/webfinger?resource=acct:${SLUG}@${srv.host}`, 'application/jrd+json'],
    ['webfinger', `/.well-known/host-meta`, null],
    ['nodeinfo', '/.well-known/nodeinfo', null],
    ['nodeinfo', '/nodeinfo/2.1', null],
    ['instance', '/actor', AP_ACCEPT],
    ['feed', `${s}/signatures.atom`, null],
    ['feed', '/feed.rss', null],
  ];
}
let getSerial = 0;
async function getTick(targets) {
  const [kind, p, accept] = targets[getSerial++ % targets.length];
  let status;
  try {
    status = (await request(srv.url(p), { accept })).status;
  } catch (e) {
    status = `error:${e.name}`;
  }
  bump(stats.gets, kind, status);
  if (status !== 200 && status !== 429) fail(`GET ${p} answered ${status}`);
}

// Calls fire() at `rate` per second from now until `untilMs` (performance.now()),
// by the clock: a late tick is sent at once, never bunched or dropped.
async function schedule(rate, untilMs, fire, inflight) {
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    const due = t0 + (i * 1000) / rate;
    if (due >= untilMs) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const late = performance.now() - due;
    if (late > stats.lateMax) stats.lateMax = late;
    if (late > 100) stats.lateOver100++;
    const p = fire().catch((e) => fail(`tick threw: ${e?.stack ?? e}`));
    inflight.add(p);
    p.finally(() => inflight.delete(p));
  }
}

// ---- sampling --------------------------------------------------------------------

const samples = [];   // { t (s), rss (KiB), fds, queue, delivered, sqlite (KiB) }
function procRead(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS'), hwm: kib('VmHWM'), fds: fs.readdirSync(`/proc/${pid}/fd`).length,
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN) };
}

async function metrics() {
  const r = await request(srv.url('/metrics'));
  if (r.status !== 200) return null;
  const m = {};
  for (const line of r.text.split('\n')) {
    const x = /^([a-z_]+)(\{[^}]*\})? (\d+)/.exec(line);
    if (x) m[`${x[1]}${x[2] ?? ''}`] = Number(x[3]);
  }
  return m;
}

async function sample(t0) {
  const p = procRead(srv.child.pid);
  let m = null;
  try { m = await metrics(); } catch { /* counted below as missing */ }
  samples.push({
    t: Math.round((performance.now() - t0) / 100) / 10, rss: p.rss, fds: p.fds, threads: p.threads,
    queue: m?.undersigned_delivery_queue_depth ?? -1,
    delivered: m?.['undersigned_deliveries_total{outcome="delivered"}'] ?? -1,
    sqlite: m?.undersigned_sqlite_memory_bytes != null ? Math.round(m.undersigned_sqlite_memory_bytes / 1024) : -1,
  });
}

// ---- the checks at the end ----------------------------------------------------------

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / (xs.length || 1);

function flatness() {
  const dur = SECONDS;
  const inRange = (lo, hi) => samples.filter((s) => s.t >= lo * dur && s.t <= hi * dur);
  const q2 = inRange(0.25, 0.5);
  const q4 = inRange(0.75, 1.0);
  const after = inRange(0.1, 1.0);
  const rss2 = mean(q2.map((s) => s.rss));
  const rss4 = mean(q4.map((s) => s.rss));
  const fd2 = mean(q2.map((s) => s.fds));
  const fd4 = mean(q4.map((s) => s.fds));
  // What sqlite holds (page caches fill up to their size as the file grows), and the rest.
  const known = (q) => q.filter((s) => s.sqlite >= 0);
  const sq2 = mean(known(q2).map((s) => s.sqlite));
  const sq4 = mean(known(q4).map((s) => s.sqlite));
  const bound = Math.max(RSS_BOUND_KIB, rss2 * RSS_BOUND_SHARE);
  // Least-squares slope of RSS after the warm-up, KiB per minute (reported only).
  let slope = NaN;
  if (after.length > 2) {
    const mt = mean(after.map((s) => s.t));
    const mr = mean(after.map((s) => s.rss));
    const num_ = after.reduce((acc, s) => acc + (s.t - mt) * (s.rss - mr), 0);
    const den = after.reduce((acc, s) => acc + (s.t - mt) ** 2, 0);
    slope = den ? (num_ / den) * 60 : NaN;
  }
  return { q2n: q2.length, q4n: q4.length, rss2, rss4, fd2, fd4, sq2, sq4, bound, slope };
}

function sqlJson(db, sql) {
  const out = execFileSync('sqlite3', ['-readonly', '-json', db, sql], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return out.trim() ? JSON.parse(out) : [];
}

function setDiff(name, want, got) {
  const missing = [...want].filter((x) => !got.has(x));
  const extra = [...got].filter((x) => !want.has(x));
  if (missing.length || extra.length) {
    fail(`${name}: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} extra (${extra.slice(0, 3).join(', ')})`);
    return false;
  }
  return true;
}

const checks = [];    // [what, result] for the table
function check(what, ok, detail) {
  checks.push([what, ok ? 'ok' : 'FAILED', detail]);
  if (!ok) fail(`${what}: ${detail}`);
}

async function httpChecks() {
  const model = allActors.filter((a) => a.url);
  const following = new Set(model.filter((a) => a.following).map((a) => a.url));
  const { collection: fc, items: fitems } = await collectItems(`${statementUrl}/followers`);
  const fgot = new Set(fitems.map((x) => (typeof x === 'string' ? x : x.id)));
  check('followers collection', setDiff('followers', following, fgot) && fc.totalItems === following.size,
    `${fc.totalItems} totalItems, ${following.size} in the ledger`);

  const approved = model.filter((a) => a.sig?.state === 'approved');
  const { collection: sc, items: sitems } = await collectItems(`${statementUrl}/signatures`);
  const sgot = new Map(sitems.filter((x) => x.id).map((x) => [x.id, x]));
  const names = approved.filter((a) => sgot.get(a.url)
    && (sgot.get(a.url).name !== a.name || sgot.get(a.url)['undersigned:how'] !== a.sig.how));
  check('signatures collection',
    setDiff('signatures', new Set(approved.map((a) => a.url)), new Set(sgot.keys()))
      && sc.totalItems === IMPORTED + approved.length && names.length === 0,
    `${sc.totalItems} totalItems = ${IMPORTED} imported + ${approved.length} approved in the ledger`
      + (names.length ? `; ${names.length} differ in name or how (${names[0].url}: "${sgot.get(names[0].url).name}" `
        + `${sgot.get(names[0].url)['undersigned:how']} != "${names[0].name}" ${names[0].sig.how})` : '; names as last updated, how as in the ledger'));

  const post = await request(postUrl, { accept: AP_ACCEPT });
  const likes = model.filter((a) => a.like).length;
  const shares = model.filter((a) => a.announce).length;
  const likesCol = (await request(`${postUrl}/likes`, { accept: AP_ACCEPT })).json?.totalItems;
  const sharesCol = (await request(`${postUrl}/shares`, { accept: AP_ACCEPT })).json?.totalItems;
  check('likes and shares of the post',
    post.json?.likes?.totalItems === likes && post.json?.shares?.totalItems === shares
      && likesCol === likes && sharesCol === shares,
    `post likes ${post.json?.likes?.totalItems} (collection ${likesCol}), shares ${post.json?.shares?.totalItems} (collection ${sharesCol}); ledger ${likes} and ${shares}`);
}

function deliveryChecks(m) {
  const received = hosts.map((h) => h.received);
  const acceptsOf = new Set(received.flat().filter((e) => e.type === 'Accept').map((e) => e.object));
  const repliesTo = new Set(received.flat().filter((e) => e.type === 'Create')
    .map((e) => e.raw?.object?.inReplyTo ?? e.json?.object?.inReplyTo));
  const noAccept = [...owedAccepts.keys()].filter((id) => !acceptsOf.has(id));
  const noReply = [...owedReplies.keys()].filter((id) => !repliesTo.has(id));
  check('Accepts owed arrived', noAccept.length === 0,
    `${owedAccepts.size - noAccept.length} of ${owedAccepts.size} (Follow, Endorse)${noAccept.length ? `; missing e.g. ${noAccept[0]}` : ''}`);
  check('replies owed arrived', noReply.length === 0,
    `${owedReplies.size - noReply.length} of ${owedReplies.size} (signing mentions)${noReply.length ? `; missing e.g. ${noReply[0]}` : ''}`);
  const posts = hosts.reduce((s, h) => s + h.posts.length, 0);
  const verified = hosts.reduce((s, h) => s + h.received.length, 0);
  const peerNon2xx = peerAnswers.filter(([st]) => st < 200 || st >= 300).length;
  const delivered = m['undersigned_deliveries_total{outcome="delivered"}'];
  const retry = m['undersigned_deliveries_total{outcome="retry"}'];
  const dead = m['undersigned_deliveries_total{outcome="dead"}'];
  const dropped = m['undersigned_deliveries_total{outcome="dropped"}'];
  const errors = hosts.reduce((s, h) => s + h.errors.length, 0);
  check('every delivery reached a peer',
    delivered === posts && peerNon2xx === 0 && retry === 0 && dead === 0 && dropped === 0
      && m.undersigned_delivery_queue_depth === 0 && errors === 0,
    `server delivered ${delivered} (retry ${retry}, dead ${dead}, dropped ${dropped}, queue ${m.undersigned_delivery_queue_depth}); `
      + `peers got ${posts} POSTs, answered non-2xx ${peerNon2xx}, Fedify verified ${verified}, listener errors ${errors}`);
  const sum = (prefix) => Object.entries(m).filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
  const inAccepted = sum('undersigned_inbox_accepted_total');
  const inRejected = sum('undersigned_inbox_rejected_total');
  const reasons = Object.entries(m).filter(([k, v]) => k.startsWith('undersigned_inbox_rejected_total') && v)
    .map(([k, v]) => `${/reason="([^"]+)"/.exec(k)[1]} ${v}`).join(', ');
  check("the server's inbox counters agree with the ledger",
    // A 429 may be answered before the inbox counts anything.
    inAccepted === accepted.size
      && (inRejected === stats.refusedPosts || inRejected === stats.refusedPosts - stats.tooMany),
    `/metrics: ${inAccepted} accepted, ${inRejected} refused (${reasons}); ledger: ${accepted.size} answered 2xx, ${stats.refusedPosts} not`);
  return { delivered, posts, verified };
}

function dbChecks(db) {
  const model = allActors.filter((a) => a.url);
  const sid = sqlJson(db, `SELECT id FROM statements WHERE slug = '${SLUG}'`)[0].id;

  const frows = sqlJson(db, `SELECT actor_id, follow_id FROM followers WHERE statement_id = ${sid}`);
  const fwant = new Set(model.filter((a) => a.following).map((a) => `${a.url} ${a.following.id}`));
  check('db: followers', setDiff('db followers', fwant, new Set(frows.map((r) => `${r.actor_id} ${r.follow_id}`))),
    `${frows.length} rows`);

  const rrows = sqlJson(db, `SELECT kind, actor_id, activity_id FROM reactions WHERE statement_id = ${sid}`);
  const rwant = new Set([
    ...model.filter((a) => a.like).map((a) => `like ${a.url} ${a.like.id}`),
    ...model.filter((a) => a.announce).map((a) => `announce ${a.url} ${a.announce.id}`),
  ]);
  check('db: likes and shares', setDiff('db reactions', rwant, new Set(rrows.map((r) => `${r.kind} ${r.actor_id} ${r.activity_id}`))),
    `${rrows.length} rows`);

  const srows = sqlJson(db, `SELECT actor_id, state, how, activity_id, name FROM signatories WHERE statement_id = ${sid} AND actor_id IS NOT NULL`);
  const swant = new Set(model.filter((a) => a.sig).map((a) => `${a.url} ${a.sig.state} ${a.sig.how} ${a.sig.activityId}`
    + (a.sig.state === 'withdrawn' ? '' : ` ${a.sig.name}`)));
  const sgot = new Set(srows.map((r) => `${r.actor_id} ${r.state} ${r.how} ${r.activity_id}`
    + (r.state === 'withdrawn' ? '' : ` ${r.name}`)));
  const byState = {};
  for (const r of srows) byState[r.state] = (byState[r.state] ?? 0) + 1;
  check('db: signatures (state, how, activity, name)', setDiff('db signatories', swant, sgot),
    `${srows.length} rows: ${Object.entries(byState).map(([k, v]) => `${v} ${k}`).join(', ')}`);

  const grows = sqlJson(db, 'SELECT s.actor_id, g.activity_id FROM signings g JOIN signatories s ON s.id = g.signatory_id'
    + ` WHERE s.statement_id = ${sid}`);
  const gwant = new Set(model.filter((a) => a.sig && a.sig.state !== 'withdrawn')
    .flatMap((a) => a.sig.signings.map((x) => `${a.url} ${x.id}`)));
  check('db: signing activities standing', setDiff('db signings', gwant, new Set(grows.map((r) => `${r.actor_id} ${r.activity_id}`))),
    `${grows.length} rows, for ${model.filter((a) => a.sig && a.sig.state !== 'withdrawn').length} standing signatures`);

  const mrows = sqlJson(db, `SELECT activity_id FROM mentions WHERE statement_id = ${sid}`);
  check('db: mentions', setDiff('db mentions', mentionIds, new Set(mrows.map((r) => r.activity_id))), `${mrows.length} rows`);

  const seen = new Set(sqlJson(db, 'SELECT id FROM activities_seen').map((r) => r.id));
  const notSeen = [...accepted.keys()].filter((id) => !seen.has(id));
  check('db: every 2xx activity recorded as seen', notSeen.length === 0,
    `${accepted.size - notSeen.length} of ${accepted.size}${notSeen.length ? `; e.g. ${notSeen[0]}` : ''}`);

  // Nothing refused left a trace.
  const traces = new Set([
    ...seen, ...mrows.map((r) => r.activity_id), ...rrows.map((r) => r.activity_id),
    ...frows.map((r) => r.follow_id), ...srows.map((r) => r.activity_id), ...grows.map((r) => r.activity_id),
  ]);
  const leaked = [...refused.keys()].filter((id) => traces.has(id));
  check('db: no refused activity left a trace', leaked.length === 0,
    `${refused.size} refused${leaked.length ? `; found ${leaked.length}, e.g. ${leaked[0]}` : ''}`);

  const deleted = model.filter((a) => a.retired).map((a) => a.url);
  const cached = new Set(sqlJson(db, 'SELECT id FROM remote_actors').map((r) => r.id));
  const stillCached = deleted.filter((u) => cached.has(u));
  check('db: deleted actors forgotten', stillCached.length === 0, `${deleted.length} deleted; ${cached.size} actors cached`);

  const queue = sqlJson(db, 'SELECT count(*) AS n FROM deliveries')[0].n;
  const due = sqlJson(db, `SELECT update_due_at FROM statements WHERE id = ${sid}`)[0].update_due_at;
  check('db: delivery queue empty, no edit pending', queue === 0 && due == null, `${queue} queued, update_due_at ${due}`);
}

// ---- the summary ----------------------------------------------------------------------

const peerAnswers = [];   // [status] of every answer a peer gave to the server

function fmtStatuses(map) {
  return Object.entries(map).sort().map(([k, v]) => `${k}:${v}`).join(' ');
}

function summary({ started, wall, flat, deliv, drainMs, stopped }) {
  const L = [];
  const mib = (k) => `${(k / 1024).toFixed(1)} MiB`;
  const rs = samples.map((s) => s.rss);
  const fs_ = samples.map((s) => s.fds);
  const goodSent = Object.values(stats.sent).reduce((s, m) => s + Object.values(m).reduce((a, b) => a + b, 0), 0);
  const badSent = Object.values(stats.bad).reduce((s, m) => s + Object.values(m).reduce((a, b) => a + b, 0), 0);
  const getSent = Object.values(stats.gets).reduce((s, m) => s + Object.values(m).reduce((a, b) => a + b, 0), 0);
  L.push(`Undersigned soak, ${started.toISOString().slice(0, 16)}Z, ${SECONDS} s at ${RATE} POSTs/s + ${GET_RATE} GETs/s, `
    + `${PEERS} peers x ${ACTORS} actors, seed ${SEED}, --update-interval ${UPDATE_INTERVAL_S}, default rate limits`);
  L.push('');
  L.push(`| activity               | sent  | answers (status:count)`);
  L.push(`| ---                    | ---   | ---`);
  for (const [k, m] of Object.entries(stats.sent).sort()) {
    L.push(`| ${k.padEnd(22)} | ${String(Object.values(m).reduce((a, b) => a + b, 0)).padStart(5)} | ${fmtStatuses(m)}`);
  }
  for (const [k, m] of Object.entries(stats.bad).sort()) {
    L.push(`| bad: ${k.padEnd(17)} | ${String(Object.values(m).reduce((a, b) => a + b, 0)).padStart(5)} | ${fmtStatuses(m)}`);
  }
  for (const [k, m] of Object.entries(stats.gets).sort()) {
    L.push(`| GET ${k.padEnd(18)} | ${String(Object.values(m).reduce((a, b) => a + b, 0)).padStart(5)} | ${fmtStatuses(m)}`);
  }
  L.push('');
  const postRate = (goodSent + badSent) / wall;
  L.push(`traffic:    ${goodSent} signed POSTs + ${badSent} bad ones in ${wall.toFixed(1)} s (${postRate.toFixed(2)}/s), ${getSent} GETs (${(getSent / wall).toFixed(2)}/s); `
    + `ticks late > 100 ms: ${stats.lateOver100}, worst ${stats.lateMax.toFixed(0)} ms; ticks with no idle actor: ${stats.skipped}`);
  L.push(`actors:     ${stats.actorsNew} appeared, ${stats.actorsDeleted} deleted (each replaced by a new one), ${pools.flat().length} at the end`);
  L.push(`answers:    ${fmtStatuses(stats.status)}; 5xx: ${stats.fivexx}; 429: ${stats.tooMany}`);
  L.push(`RSS:        first ${mib(rs[0])}, min ${mib(Math.min(...rs))}, max ${mib(Math.max(...rs))}, last ${mib(rs[rs.length - 1])}; `
    + `VmHWM ${mib(stopped.hwm)}; ${samples.length} samples every ${SAMPLE_MS / 1000} s`);
  L.push(`            mean of 2nd quarter ${mib(flat.rss2)} (${flat.q2n} samples), of last quarter ${mib(flat.rss4)} (${flat.q4n}): `
    + `${flat.rss4 - flat.rss2 >= 0 ? '+' : ''}${((flat.rss4 - flat.rss2) / 1024).toFixed(2)} MiB, bound +${mib(flat.bound)}; slope after warm-up ${(flat.slope / 1024).toFixed(3)} MiB/min`);
  const sq = samples.filter((s) => s.sqlite >= 0).map((s) => s.sqlite);
  if (sq.length) {
    L.push(`sqlite:     first ${mib(sq[0])}, last ${mib(sq[sq.length - 1])} (undersigned_sqlite_memory_bytes); mean of 2nd quarter ${mib(flat.sq2)}, `
      + `of last ${mib(flat.sq4)}; RSS less sqlite: ${mib(flat.rss2 - flat.sq2)} -> ${mib(flat.rss4 - flat.sq4)} `
      + `(${(flat.rss4 - flat.sq4 - flat.rss2 + flat.sq2) >= 0 ? '+' : ''}${((flat.rss4 - flat.sq4 - flat.rss2 + flat.sq2) / 1024).toFixed(2)} MiB)`);
  }
  L.push(`fds:        first ${fs_[0]}, min ${Math.min(...fs_)}, max ${Math.max(...fs_)}, last ${fs_[fs_.length - 1]}; `
    + `mean of 2nd quarter ${flat.fd2.toFixed(1)}, of last ${flat.fd4.toFixed(1)} (bound +${FD_BOUND}); threads ${samples[samples.length - 1]?.threads}`);
  L.push(`deliveries: ${deliv.delivered} made, ${deliv.posts} reached the peers (${deliv.verified} verified by Fedify); drained ${(drainMs / 1000).toFixed(1)} s after the traffic`);
  L.push('');
  L.push('accounting:');
  for (const [what, res, detail] of checks) L.push(`  ${res.padEnd(6)} ${what}: ${detail}`);
  L.push('');
  L.push(failures.length ? `FAILED (${failures.length}):` : 'PASSED');
  for (const f of failures.slice(0, 30)) L.push(`  - ${f}`);
  if (unexpected.length) {
    L.push('good POSTs not answered 2xx (first ones):');
    for (const u of unexpected) L.push(`  - ${u}`);
  }
  return L.join('\n');
}

// ---- main --------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const started = new Date();
  srv = await start({ extraArgs: ['--update-interval', String(UPDATE_INTERVAL_S)] });
  statementUrl = srv.actorUrl();
  inboxUrl = `${statementUrl}/inbox`;
  sharedInboxUrl = srv.url('/inbox');
  postUrl = `${statementUrl}/post`;
  console.log(`soak: server pid ${srv.child.pid} on ${srv.base}, db ${srv.db}; ${SECONDS} s at ${RATE} POSTs/s and ${GET_RATE} GETs/s`);

  for (let h = 0; h < PEERS; h++) {
    hosts.push(new PeerHost({}));
    mentionTimes.push([]);
    pendingMentions.push(0);
  }
  for (let h = 0; h < PEERS; h++) {
    pools.push([]);
    for (let k = 0; k < ACTORS; k++) pools[h].push(newActor(h, 0));
  }
  await Promise.all(hosts.map((h) => h.start()));
  for (const h of hosts) {
    // Every answer a peer gives to the server (Fedify's verdict on each delivery).
    h.server.on('request', (req, res) => {
      if (req.method === 'POST') res.on('finish', () => peerAnswers.push([res.statusCode]));
    });
  }
  // Actor URLs and the slow start: actor k of each peer may speak from k * ACTOR_INTRO_MS.
  const t0ms = Date.now();
  for (let h = 0; h < PEERS; h++) {
    pools[h].forEach((a, k) => { a.url = hosts[h].actorId(a.id); a.availableAt = t0ms + k * ACTOR_INTRO_MS; });
  }

  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  const inflight = new Set();
  await sample(t0);
  const sampler = setInterval(() => { sample(t0).catch((e) => fail(`sample: ${e}`)); }, SAMPLE_MS);
  const progress = setInterval(() => {
    const s = samples[samples.length - 1];
    const sent = accepted.size + refused.size;
    console.log(`soak: ${s.t.toFixed(0)} s, ${sent} POSTs answered, RSS ${(s.rss / 1024).toFixed(1)} MiB (sqlite ${(s.sqlite / 1024).toFixed(1)}), fds ${s.fds}, `
      + `queue ${s.queue}, delivered ${s.delivered}, 5xx ${stats.fivexx}, 429 ${stats.tooMany}, late>100ms ${stats.lateOver100}`);
  }, 30000);
  const targets = getTargets();
  await Promise.all([
    schedule(RATE, until, tick, inflight),
    GET_RATE > 0 ? schedule(GET_RATE, until, () => getTick(targets), inflight) : null,
  ]);
  await Promise.allSettled([...inflight]);
  const wall = (performance.now() - t0) / 1000;
  clearInterval(progress);

  // Drain: past the batch window, until the queue is empty and every delivery made reached a peer.
  const drainStart = performance.now();
  let m = null;
  await sleep((UPDATE_INTERVAL_S + 2) * 1000);
  while (performance.now() - drainStart < DRAIN_MS) {
    m = await metrics();
    const posts = hosts.reduce((s, h) => s + h.posts.length, 0);
    if (m && m.undersigned_delivery_queue_depth === 0 && m['undersigned_deliveries_total{outcome="delivered"}'] <= posts) break;
    await sleep(500);
  }
  await sleep(500);   // the last deliveries' listeners finish
  m = await metrics();
  const drainMs = performance.now() - drainStart;
  clearInterval(sampler);
  await sample(t0);

  try {
    await httpChecks();
  } catch (e) {
    fail(`HTTP checks: ${e?.stack ?? e}`);
  }
  const deliv = deliveryChecks(m);
  const stopped = procRead(srv.child.pid);
  try {
    await srv.stop();
    check('server stopped cleanly on SIGTERM', true, `exit ${srv.exit.code}`);
  } catch (e) {
    check('server stopped cleanly on SIGTERM', false, String(e).slice(0, 300));
  }
  for (const h of hosts) await h.stop();
  try {
    dbChecks(srv.db);
  } catch (e) {
    fail(`db checks: ${e?.stack ?? e}`);
  }
  if (stats.fivexx) fail(`${stats.fivexx} answers were 5xx`);
  const flat = flatness();
  if (flat.q2n < 2 || flat.q4n < 2) fail(`too few samples to judge flatness (${flat.q2n}, ${flat.q4n}): run longer`);
  check('RSS flat', flat.rss4 - flat.rss2 <= flat.bound,
    `last quarter - second quarter = ${((flat.rss4 - flat.rss2) / 1024).toFixed(2)} MiB, bound ${(flat.bound / 1024).toFixed(1)} MiB`);
  check('fds flat', flat.fd4 - flat.fd2 <= FD_BOUND,
    `last quarter - second quarter = ${(flat.fd4 - flat.fd2).toFixed(1)}, bound ${FD_BOUND}`);
  check('no 5xx', stats.fivexx === 0, `${stats.fivexx}`);

  const text = summary({ started, wall, flat, deliv, drainMs, stopped });
  console.log(`\n${text}`);
  fs.writeFileSync(path.join(OUT_DIR, 'summary.txt'), `${text}\n`);
  fs.writeFileSync(path.join(OUT_DIR, 'samples.csv'),
    `t_s,rss_kib,fds,threads,queue,delivered,sqlite_kib\n${samples.map((s) => `${s.t},${s.rss},${s.fds},${s.threads},${s.queue},${s.delivered},${s.sqlite}`).join('\n')}\n`);
  fs.writeFileSync(path.join(OUT_DIR, 'server.log'), srv.stderr);
  fs.rmSync(srv.dir, { recursive: true, force: true });
  console.log(`\nsoak: written ${path.relative(ROOT, OUT_DIR)}/summary.txt, samples.csv, server.log`);
  process.exitCode = failures.length ? 1 : 0;
}

try {
  await main();
} catch (e) {
  console.error(`soak: ${e?.stack ?? e}`);
  if (srv) {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, 'server.log'), srv.stderr);
    await srv.stop().catch(() => {});
  }
  for (const h of hosts) await h.stop().catch(() => {});
  process.exitCode = 1;
}
