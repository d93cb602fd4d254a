// Webinar rooms over the real WebSocket (docs/protocol.md, "Webinars"):
// attendees cannot publish until a host brings them on stage (and cannot
// again once taken off, their producers closed), are not announced to each
// other but get a count, vote once, ask at most qa_per_minute questions a
// minute, follow the host's chat mode, and nothing acknowledged is lost
// across a restart. Tokens come from the event join route
// (POST /api/v1/events/{id}/join), as the event page gets them.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startAula, repoRoot } from '../lib/server.mjs';
import { openClient, closeAllConnections } from '../lib/net.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);
const OFFER = readFileSync(path.join(repoRoot, 'tests/unit/fixtures/sdp/chrome_av_sendonly.sdp'), 'utf8');

let aula;
before(async () => { aula = await startAula({ args: ['--qa-per-minute', '2'] }); }); // the default is 3
after(async () => {
  closeAllConnections();
  if (aula) await aula.stop();
});

// A host's browser tab: session cookie and CSRF token.
class Tab {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }

  async call(method, p, body) {
    const h = { 'content-type': 'application/json' };
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf) h['x-csrf-token'] = this.csrf;
    const res = await fetch(`${this.base}${p}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const c = res.headers.get('set-cookie');
    if (c) this.cookie = c.split(';')[0];
    const json = await res.json().catch(() => null);
    if (json && typeof json.csrf === 'string') this.csrf = json.csrf;
    return { status: res.status, json };
  }
}

let seq = 0;
// A webinar event open to anyone with the link, starting in 5 minutes.
async function webinar(base = aula.url) {
  const tab = new Tab(base);
  const su = await tab.call('POST', '/api/v1/auth/signup',
    { email: `host.${process.pid}.${++seq}@school.example`, name: 'Ewa Host', password: 'correct horse battery' });
  assert.equal(su.status, 201, JSON.stringify(su.json));
  const starts = new Date(Date.now() + 5 * 60000).toISOString().slice(0, 16);
  const ev = await tab.call('POST', '/api/v1/events', {
    title: 'Open lecture', starts, time_zone: 'UTC', duration_min: 60, type: 'webinar', access: 'open',
  });
  assert.equal(ev.status, 201, JSON.stringify(ev.json));
  return ev.json;
}

async function joinToken(ev, body, base = aula.url) {
  const res = await fetch(`${base}/api/v1/events/${ev.id}/join`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

// Joins the webinar's room over the WebSocket: {client, join, token}.
async function enter(ev, body, wsUrl = aula.wsUrl) {
  const t = await joinToken(ev, body);
  const client = await openClient(wsUrl);
  const join = await client.call('room.join', { token: t.token });
  return { client, join, token: t.token, id: join.me.id };
}

const host = (ev) => enter(ev, { host_key: ev.host_key, name: 'Ewa' });
const attendee = (ev, name) => enter(ev, { name });

async function refused(client, method, params) {
  const res = await client.raw(method, params);
  assert.ok(res.error, `${method} should be refused, got ${JSON.stringify(res.result)}`);
  return res.error;
}

test('attendees cannot publish; the stage lets them, and taking them off closes their media', async () => {
  const ev = await webinar();
  const h = await host(ev);
  assert.equal(h.join.kind, 'webinar');
  const a = await attendee(ev, 'Ala');
  assert.equal(a.join.me.role, 'attendee');
  assert.equal(a.join.on_stage, false);
  let err = await refused(a.client, 'media.publish', { sdp: OFFER });
  assert.equal(err.code, -32006);
  assert.equal(err.message, 'attendees cannot publish; a host can bring you on stage');
  // Receiving works.
  await a.client.call('media.subscribe', {});
  await h.client.call('media.subscribe', {});

  // Only hosts change the stage.
  const b = await attendee(ev, 'Bob');
  err = await refused(b.client, 'stage.invite', { participant: a.id });
  assert.equal(err.code, -32006);

  await h.client.call('stage.invite', { participant: a.id });
  const role = await a.client.waitFor('participant.role', (p) => p.participant.id === a.id);
  assert.equal(role.participant.role, 'presenter');
  assert.equal(typeof role.token, 'string');
  const seen = await b.client.waitFor('participant.stage', (p) => p.participant.id === a.id);
  assert.equal(seen.on_stage, true);
  assert.equal(seen.participant.name, 'Ala');
  const ans = await a.client.call('media.publish', { sdp: OFFER });
  assert.match(ans.sdp, /^v=0/);
  await h.client.waitFor('participant.media', (p) => p.participant === a.id && p.audio && p.video);

  h.client.notifications.length = 0;
  await h.client.call('stage.remove', { participant: a.id });
  // Its producers are gone: the host's consumers renegotiate and the room
  // sees nothing published.
  await h.client.waitFor('media.renegotiate');
  await h.client.waitFor('participant.media', (p) => p.participant === a.id && !p.audio && !p.video && !p.screen);
  const off = await b.client.waitFor('participant.stage', (p) => p.participant.id === a.id && !p.on_stage);
  assert.equal(off.participant.role, 'attendee');
  err = await refused(a.client, 'media.publish', { sdp: OFFER });
  assert.equal(err.code, -32006);
  // The presenter token Ala got on stage does not put her back there.
  a.client.close();
  const again = await openClient(aula.wsUrl);
  const rejoin = await again.call('room.join', { token: role.token });
  assert.equal(rejoin.me.role, 'attendee');
  assert.equal((await refused(again, 'media.publish', { sdp: OFFER })).code, -32006);
  for (const c of [h.client, b.client, again]) c.close();
});

test('attendees get a count, not each other; hosts get everyone', async () => {
  const ev = await webinar();
  const h = await host(ev);
  const a = await attendee(ev, 'Ala');
  assert.deepEqual(a.join.participants.map((p) => p.role), ['host']);
  const b = await attendee(ev, 'Bob');
  assert.equal(b.join.attendees, 2);
  assert.deepEqual(b.join.participants.map((p) => p.id), [h.id]);
  await h.client.waitFor('participant.joined', (p) => p.participant.id === b.id);
  const count = await a.client.waitFor('room.attendees', (p) => p.count === 2, 3000);
  assert.equal(count.count, 2);
  // Bob leaves: the host hears it, Ala only sees the count drop.
  await b.client.close();
  await h.client.waitFor('participant.left', (p) => p.participant.id === b.id);
  await a.client.waitFor('room.attendees', (p) => p.count === 1, 3000);
  const names = a.client.notifications.filter((n) => n.method.startsWith('participant.'));
  assert.deepEqual(names, [], 'attendees are not told about other attendees');
  // An attendee's reaction reaches the stage, not the audience.
  await a.client.call('reaction.send', { emoji: '👏' });
  await h.client.waitFor('reaction', (p) => p.participant.id === a.id);
  const c = await attendee(ev, 'Cel');
  await h.client.call('reaction.send', { emoji: '🎉' });
  await c.client.waitFor('reaction', (p) => p.participant.id === h.id);
  await a.client.call('reaction.send', { emoji: '👍' });
  await h.client.waitFor('reaction', (p) => p.emoji === '👍');
  await h.client.call('reaction.send', { emoji: '❤️' });
  await c.client.waitFor('reaction', (p) => p.emoji === '❤️');
  assert.ok(!c.client.notifications.some((n) => n.method === 'reaction' && n.params.participant.id === a.id));
  // Raised hands: the stage sees the queue, an attendee only her own hand.
  const ids = (hands) => hands.map((x) => x.id);
  await a.client.call('hand.raise', {});
  await h.client.waitFor('hand.changed', (p) => ids(p.hands).join() === a.id);
  assert.deepEqual(ids((await a.client.waitFor('hand.changed')).hands), [a.id]);
  const up = await c.client.call('hand.raise', {});
  assert.deepEqual(ids(up.hands), [c.id], 'the answer shows Cel her own hand only');
  await h.client.waitFor('hand.changed', (p) => ids(p.hands).join() === [a.id, c.id].join());
  assert.deepEqual(ids((await c.client.waitFor('hand.changed')).hands), [c.id]);
  await h.client.call('hand.lower', { participant: a.id });
  await a.client.waitFor('hand.changed', (p) => p.hands.length === 0);
  await h.client.waitFor('hand.changed', (p) => ids(p.hands).join() === c.id);
  for (const x of [a, c]) {
    const seen = x.client.notifications.filter((n) => n.method === 'hand.changed').flatMap((n) => ids(n.params.hands));
    assert.ok(seen.every((id) => id === x.id), `${x.id} saw only her own hand: ${seen}`);
  }
  c.client.close();
  // No e-mail address anywhere in what an attendee got.
  assert.doesNotMatch(JSON.stringify(a.client.notifications) + JSON.stringify(a.join), /@/);
  // The host's join list has everyone.
  const h2 = await host(ev);
  assert.deepEqual(h2.join.participants.map((p) => p.id).sort(), [h.id, a.id, h2.id].sort());
  for (const c of [h.client, a.client, h2.client]) c.close();
});

test('chat modes: everyone, to hosts only, off', async () => {
  const ev = await webinar();
  const h = await host(ev);
  const a = await attendee(ev, 'Ala');
  const b = await attendee(ev, 'Bob');
  assert.equal(a.join.chat_mode, 'everyone');
  assert.equal((await refused(a.client, 'room.setChatMode', { mode: 'off' })).code, -32006);
  assert.equal((await refused(h.client, 'room.setChatMode', { mode: 'loud' })).code, -32602);

  await h.client.call('room.setChatMode', { mode: 'hosts' });
  assert.equal((await b.client.waitFor('room.chat_mode')).mode, 'hosts');
  const line = await a.client.call('chat.send', { text: 'a question for the teacher' });
  assert.equal(line.to, 'hosts');
  await h.client.waitFor('chat.message', (m) => m.text === 'a question for the teacher');
  // Bob gets the host's next line but never Ala's (one socket keeps order).
  await h.client.call('chat.send', { text: 'welcome all' });
  await b.client.waitFor('chat.message', (m) => m.text === 'welcome all');
  assert.ok(!b.client.notifications.some((n) => n.params?.text === 'a question for the teacher'));

  await h.client.call('room.setChatMode', { mode: 'off' });
  await a.client.waitFor('room.chat_mode', (p) => p.mode === 'off');
  const err = await refused(a.client, 'chat.send', { text: 'hello?' });
  assert.equal(err.code, -32006);
  assert.equal(err.message, 'chat is off');
  await h.client.call('chat.send', { text: 'hosts may still write' });
  await b.client.waitFor('chat.message', (m) => m.text === 'hosts may still write');
  // Stored: a newcomer sees the mode.
  const c = await attendee(ev, 'Cel');
  assert.equal(c.join.chat_mode, 'off');
  for (const x of [h, a, b, c]) x.client.close();
});

test('questions: a flood is refused, one upvote each, answered ones reach everyone', async () => {
  const ev = await webinar();
  const h = await host(ev);
  const a = await attendee(ev, 'Ala');
  const b = await attendee(ev, 'Bob');
  const asked = [];
  for (let i = 1; i <= 2; i++) asked.push((await a.client.call('qa.ask', { text: `question ${i}` })).question);
  const err = await refused(a.client, 'qa.ask', { text: 'question 3' });
  assert.equal(err.code, -32004);
  assert.match(err.message, /2 questions a minute/);
  // The limit is per participant: Bob may still ask.
  asked.push((await b.client.call('qa.ask', { text: 'question from Bob' })).question);
  assert.equal((await refused(a.client, 'qa.ask', { text: '' })).code, -32602);
  assert.equal((await refused(a.client, 'qa.ask', { text: 'x'.repeat(501) })).code, -32602);
  await h.client.waitFor('qa.question', (p) => p.question.id === asked[2].id);
  assert.equal((await h.client.call('qa.list', {})).questions.length, 3);
  assert.deepEqual((await b.client.call('qa.list', {})).questions.map((q) => q.text), ['question from Bob']);
  assert.equal((await a.client.call('qa.list', {})).questions.length, 2);
  assert.equal((await refused(a.client, 'qa.answer', { question: asked[0].id, text: 'me' })).code, -32006);

  await h.client.call('qa.answer', { question: asked[0].id, text: 'Yes.' });
  const upd = await b.client.waitFor('qa.updated', (p) => p.question.id === asked[0].id);
  assert.equal(upd.question.answer.text, 'Yes.');
  assert.equal(upd.question.from.name, 'Ala');
  const v = await b.client.call('qa.upvote', { question: asked[0].id });
  assert.equal(v.question.votes, 1);
  const twice = await refused(b.client, 'qa.upvote', { question: asked[0].id });
  assert.equal(twice.code, -32006);
  assert.equal(twice.message, 'you already voted for this question');
  assert.equal((await refused(a.client, 'qa.upvote', { question: asked[0].id })).message,
    'you cannot vote for your own question');
  // An unanswered question of someone else is not there for Bob.
  assert.equal((await refused(b.client, 'qa.upvote', { question: asked[1].id })).code, -32602);
  await h.client.call('qa.hide', { question: asked[0].id, hidden: true });
  await b.client.waitFor('qa.updated', (p) => p.question.id === asked[0].id && p.question.hidden);
  assert.equal((await b.client.call('qa.list', {})).questions.length, 1); // his own
  for (const x of [h, a, b]) x.client.close();
});

test('polls: one vote each, closed polls refuse, results live to hosts and shown to all', async () => {
  const ev = await webinar();
  const h = await host(ev);
  const a = await attendee(ev, 'Ala');
  const b = await attendee(ev, 'Bob');
  assert.equal((await refused(a.client, 'poll.create', { question: 'Q?', choices: ['a', 'b'] })).code, -32006);
  assert.equal((await refused(h.client, 'poll.create', { question: 'Q?', choices: ['a'] })).code, -32602);
  const { poll } = await h.client.call('poll.create', { question: 'Which day?', choices: ['Mon', 'Tue', 'Wed'], multiple: false });
  assert.equal(poll.state, 'draft');
  assert.equal((await a.client.call('poll.list', {})).polls.length, 0);
  await h.client.call('poll.open', { poll: poll.id });
  const opened = await a.client.waitFor('poll.opened', (p) => p.poll.id === poll.id);
  assert.deepEqual(opened.poll.choices, ['Mon', 'Tue', 'Wed']);
  assert.equal(opened.poll.results, undefined);

  assert.equal((await refused(a.client, 'poll.vote', { poll: poll.id, choices: [0, 1] })).code, -32602);
  await a.client.call('poll.vote', { poll: poll.id, choices: [1] });
  const again = await refused(a.client, 'poll.vote', { poll: poll.id, choices: [2] });
  assert.equal(again.code, -32006);
  assert.equal(again.message, 'you have already voted in this poll');
  await b.client.call('poll.vote', { poll: poll.id, choices: [1] });
  const live = await h.client.waitFor('poll.results', (p) => p.poll === poll.id && p.voters === 2, 3000);
  assert.deepEqual(live.counts, [0, 2, 0]);
  assert.ok(!a.client.notifications.some((n) => n.method === 'poll.results'), 'results are not shown yet');

  await h.client.call('poll.showResults', { poll: poll.id, show: true });
  const shown = await a.client.waitFor('poll.results', (p) => p.poll === poll.id);
  assert.deepEqual(shown.counts, [0, 2, 0]);
  await h.client.call('poll.close', { poll: poll.id });
  await b.client.waitFor('poll.closed', (p) => p.poll.id === poll.id);
  const c = await attendee(ev, 'Cel');
  const closed = await refused(c.client, 'poll.vote', { poll: poll.id, choices: [0] });
  assert.equal(closed.code, -32006);
  assert.equal(closed.message, 'this poll is closed');
  for (const x of [h, a, b, c]) x.client.close();
});

test('a restart keeps questions, votes, the chat mode and who was taken off stage', async () => {
  const own = await startAula();
  try {
    const ev = await webinar(own.url);
    const hostTok = await joinToken(ev, { host_key: ev.host_key, name: 'Ewa' }, own.url);
    const attTok = await joinToken(ev, { name: 'Ala' }, own.url);
    const bobTok = await joinToken(ev, { name: 'Bob' }, own.url);
    let h = await openClient(own.wsUrl);
    await h.call('room.join', { token: hostTok.token });
    let a = await openClient(own.wsUrl);
    const ala = (await a.call('room.join', { token: attTok.token })).me;
    let b = await openClient(own.wsUrl);
    const bob = (await b.call('room.join', { token: bobTok.token })).me;
    const { question } = await a.call('qa.ask', { text: 'Will this survive?' });
    const { poll } = await h.call('poll.create', { question: 'Ready?', choices: ['yes', 'no'] });
    await h.call('poll.open', { poll: poll.id });
    await a.call('poll.vote', { poll: poll.id, choices: [0] });
    await h.call('room.setChatMode', { mode: 'hosts' });
    // Both go on stage and keep the presenter token they got; Ala is taken
    // off again, Bob stays.
    const presenterToken = async (client, id) => {
      await h.call('stage.invite', { participant: id });
      return (await client.waitFor('participant.role', (p) => p.participant.id === id)).token;
    };
    const alaPresenter = await presenterToken(a, ala.id);
    const bobPresenter = await presenterToken(b, bob.id);
    await h.call('stage.remove', { participant: ala.id });
    for (const c of [h, a, b]) c.close();
    const st = await own.stop({ keepData: true });
    assert.equal(st.code, 0);

    const again = await startAula({ dataDir: own.dataDir });
    try {
      h = await openClient(again.wsUrl);
      await h.call('room.join', { token: hostTok.token });
      a = await openClient(again.wsUrl);
      const j = await a.call('room.join', { token: attTok.token });
      assert.equal(j.chat_mode, 'hosts');
      const qs = (await a.call('qa.list', {})).questions;
      assert.deepEqual(qs.map((q) => q.text), ['Will this survive?']);
      assert.equal(qs[0].id, question.id);
      const polls = (await h.call('poll.list', {})).polls;
      assert.equal(polls[0].state, 'open');
      assert.deepEqual(polls[0].results.counts, [1, 0]);
      const twice = await refused(a, 'poll.vote', { poll: poll.id, choices: [1] });
      assert.equal(twice.message, 'you have already voted in this poll');
      a.close();
      // Ala's presenter token, still valid, does not put her back on stage;
      // Bob's does.
      a = await openClient(again.wsUrl);
      const back = await a.call('room.join', { token: alaPresenter });
      assert.equal(back.me.role, 'attendee');
      assert.equal((await refused(a, 'media.publish', { sdp: OFFER })).code, -32006);
      b = await openClient(again.wsUrl);
      const stays = await b.call('room.join', { token: bobPresenter });
      assert.equal(stays.me.role, 'presenter');
      assert.match((await b.call('media.publish', { sdp: OFFER })).sdp, /^v=0/);
      for (const c of [h, a, b]) c.close();
    } finally {
      await again.stop();
    }
  } finally {
    if (own.child.exitCode === null) await own.stop();
  }
});
