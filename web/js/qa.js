// Questions and answers of a webinar (docs/protocol.md, "Webinars"):
// everyone asks (qa.ask) and votes questions up (qa.upvote, once, never
// one's own); hosts see every question, answer in writing or mark it
// answered live (qa.answer) and hide or show it (qa.hide). Attendees see
// the answered questions that are not hidden, and their own.
//
//   const qa = mountQa(section, { call, isHost, myId, announce });
//   await qa.load();  qa.onQuestion(q);  qa.onUpdated(q);  qa.render();
//
// Rows are kept across updates, so focus and a half-typed answer stay.
import { t, tr } from './i18n.js';
import { h } from './util.js';

const MAX_CHARS = 500;

export function mountQa(section, ctx) {
  const questions = new Map(); // id -> question
  const rows = new Map(); // id -> { li, update }
  const heading = h('h2', { id: 'qa-heading' });
  const count = h('span', { class: 'muted qa-count', 'data-testid': 'qa-count' });
  const input = h('textarea', {
    id: 'qa-input', rows: '2', maxlength: String(MAX_CHARS), 'aria-describedby': 'qa-error',
    'data-testid': 'qa-input',
  });
  const label = h('label', { for: 'qa-input' });
  const error = h('p', { id: 'qa-error', class: 'error', role: 'alert', 'data-testid': 'qa-error' });
  const askBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'qa-ask' });
  const form = h('form', { class: 'stack qa-form', novalidate: true }, h('div', { class: 'field' }, label, input), error, askBtn);
  const empty = h('p', { class: 'muted', 'data-testid': 'qa-empty' });
  const list = h('ol', { class: 'qa-list', 'aria-labelledby': 'qa-heading', 'data-testid': 'qa-list' });
  section.setAttribute('aria-labelledby', 'qa-heading');
  section.append(heading, count, form, empty, list);

  function texts() {
    tr(heading, 'qaHeading');
    tr(label, 'qaAskLabel');
    tr(askBtn, 'qaAsk');
    input.placeholder = t('qaPlaceholder');
  }

  function visible(q) {
    if (ctx.isHost()) return true;
    return q.from?.id === ctx.myId() || (q.answered && !q.hidden);
  }

  function sorted() {
    return [...questions.values()].filter(visible).sort((a, b) => {
      if (ctx.isHost() && a.answered !== b.answered) return a.answered ? 1 : -1;
      return (b.votes - a.votes) || (a.ts - b.ts) || (a.id - b.id);
    });
  }

  function makeRow(q) {
    const li = h('li', { class: 'qa-item', dataset: { question: String(q.id) }, 'data-testid': 'question' });
    const text = h('p', { id: `qa-text-${q.id}`, class: 'qa-text', 'data-testid': 'question-text' });
    const meta = h('p', { class: 'qa-meta muted', 'data-testid': 'question-meta' });
    const answer = h('p', { class: 'qa-answer', 'data-testid': 'question-answer' });
    const status = h('p', { class: 'status', role: 'status' });
    // The question is the button's description: "Vote (3)", then the text.
    const vote = h('button', { type: 'button', class: 'btn btn-small', 'aria-describedby': `qa-text-${q.id}`, 'data-testid': 'question-upvote' });
    const actions = h('div', { class: 'qa-actions' }, vote);
    // Hosts: answer in writing, or say it was answered live; hide / show.
    const ansId = `qa-answer-${q.id}`;
    const ansInput = h('input', { id: ansId, type: 'text', maxlength: '2000', 'data-testid': 'answer-input' });
    const ansLabel = h('label', { for: ansId });
    const ansBtn = h('button', { type: 'submit', class: 'btn btn-small', 'data-testid': 'answer-send' });
    const ansForm = h('form', { class: 'qa-answer-form', novalidate: true },
      ansLabel, h('div', { class: 'input-row' }, ansInput, ansBtn));
    const liveBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'answer-live' });
    const hideBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'question-hide' });
    const hostBox = h('div', { class: 'qa-host' }, ansForm, h('div', { class: 'qa-actions' }, liveBtn, hideBtn));
    li.append(text, meta, answer, actions, hostBox, status);

    async function run(method, params, okKey) {
      try {
        const res = await ctx.call(method, params);
        if (res && res.question) merge(res.question, method === 'qa.upvote' ? true : undefined);
        if (okKey) tr(status, okKey);
        else tr(status, null);
        return true;
      } catch (e) {
        status.classList.add('error');
        tr(status, 'webinarFailedWhy', { msg: e && e.message ? e.message : '' });
        return false;
      }
    }
    vote.addEventListener('click', () => {
      status.classList.remove('error');
      run('qa.upvote', { question: q.id }, 'qaVoted');
    });
    ansForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const v = ansInput.value.trim();
      if (!v) {
        ansInput.focus();
        return;
      }
      status.classList.remove('error');
      if (await run('qa.answer', { question: q.id, text: v, live: false }, 'qaAnswerSent')) ansInput.value = '';
    });
    liveBtn.addEventListener('click', () => {
      status.classList.remove('error');
      run('qa.answer', { question: q.id, live: true }, 'qaMarkedLive');
    });
    hideBtn.addEventListener('click', () => {
      status.classList.remove('error');
      const cur = questions.get(q.id);
      run('qa.hide', { question: q.id, hidden: !(cur && cur.hidden) });
    });

    function update() {
      const cur = questions.get(q.id);
      const mine = cur.from?.id === ctx.myId();
      text.textContent = cur.text;
      const who = mine ? t('qaYou') : (cur.from?.name || '');
      tr(meta, 'qaMeta', { name: who, n: cur.votes || 0 });
      li.classList.toggle('answered', !!cur.answered);
      li.classList.toggle('hidden-q', !!cur.hidden);
      if (cur.answered && cur.answer) {
        if (cur.answer.text) tr(answer, 'qaAnswerText', { name: cur.answer.by?.name || t('aHost'), text: cur.answer.text });
        else tr(answer, 'qaAnsweredLive');
      } else {
        tr(answer, mine && !ctx.isHost() ? 'qaWaitingAnswer' : null);
      }
      vote.disabled = mine || !!cur.voted;
      vote.setAttribute('aria-pressed', String(!!cur.voted));
      tr(vote, mine ? 'qaVotesN' : 'qaUpvote', { n: cur.votes || 0 });
      hostBox.hidden = !ctx.isHost();
      tr(ansLabel, 'qaAnswerLabel');
      tr(ansBtn, 'qaAnswerSend');
      tr(liveBtn, 'qaAnswerLive');
      liveBtn.disabled = !!cur.answered;
      tr(hideBtn, cur.hidden ? 'qaShow' : 'qaHide');
      hideBtn.setAttribute('aria-pressed', String(!!cur.hidden));
    }
    return { li, update };
  }

  function render() {
    texts();
    const list_ = sorted();
    const keep = new Set(list_.map((q) => q.id));
    for (const [id, row] of rows) {
      if (!keep.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    list_.forEach((q, i) => {
      let row = rows.get(q.id);
      if (!row) {
        row = makeRow(q);
        rows.set(q.id, row);
      }
      row.update();
      if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] || null);
    });
    empty.hidden = list_.length > 0;
    tr(empty, ctx.isHost() ? 'qaEmptyHost' : 'qaEmpty');
    tr(count, 'qaCount', { n: list_.length });
  }

  // Notifications leave "voted" out: keep what this page knows.
  function merge(q, voted) {
    if (!q || typeof q.id !== 'number') return;
    const old = questions.get(q.id);
    const v = voted !== undefined ? voted : (q.voted !== undefined ? q.voted : old?.voted);
    questions.set(q.id, { ...q, voted: !!v });
    render();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    input.removeAttribute('aria-invalid');
    if (!text || [...text].length > MAX_CHARS) {
      input.setAttribute('aria-invalid', 'true');
      tr(error, text ? 'qaTooLong' : 'qaEmptyText');
      input.focus();
      return;
    }
    tr(error, null);
    askBtn.disabled = true;
    try {
      const res = await ctx.call('qa.ask', { text });
      input.value = '';
      if (res && res.question) merge(res.question);
      ctx.announce(t('qaAsked'));
    } catch (e) {
      tr(error, 'webinarFailedWhy', { msg: e && e.message ? e.message : '' });
    } finally {
      askBtn.disabled = false;
    }
  });

  return {
    async load() {
      try {
        const res = await ctx.call('qa.list', {});
        questions.clear();
        for (const q of (res && res.questions) || []) questions.set(q.id, { ...q, voted: !!q.voted });
      } catch (e) {
        console.warn('webinar: qa.list failed:', e);
      }
      render();
    },
    onQuestion(p) {
      const q = p && p.question;
      if (!q) return;
      const isNew = !questions.has(q.id);
      merge(q);
      if (isNew && ctx.isHost() && q.from?.id !== ctx.myId()) ctx.announce(t('qaNewFrom', { name: q.from?.name || '' }));
    },
    onUpdated(p) {
      merge(p && p.question);
    },
    render,
  };
}
