// Polls of a webinar (docs/protocol.md, "Webinars"). Hosts write a poll
// (a question, 2 to 10 choices, one or several answers), open it, close it
// and show its results to everyone; attendees vote once while it is open
// and see the results when a host shows them. Results are bars with the
// numbers written out (never colour alone).
//
//   const polls = mountPolls(section, { call, isHost, announce });
//   await polls.load(); polls.onPoll(p); polls.onResults(p); polls.render();
import { t, tr } from './i18n.js';
import { h } from './util.js';

const MIN_CHOICES = 2;
const MAX_CHOICES = 10;

export function mountPolls(section, ctx) {
  const polls = new Map(); // id -> poll
  const rows = new Map(); // id -> { li, update }
  const heading = h('h2', { id: 'polls-heading' });
  const empty = h('p', { class: 'muted', 'data-testid': 'polls-empty' });
  const list = h('ol', { class: 'poll-list', 'aria-labelledby': 'polls-heading', 'data-testid': 'poll-list' });
  section.setAttribute('aria-labelledby', 'polls-heading');

  // ---- the host's editor
  const editorToggle = h('button', { type: 'button', class: 'btn', 'aria-expanded': 'false', 'aria-controls': 'poll-editor', 'data-testid': 'poll-new' });
  const qInput = h('input', { id: 'poll-question', type: 'text', maxlength: '300', 'aria-describedby': 'poll-error', 'data-testid': 'poll-question' });
  const qLabel = h('label', { for: 'poll-question' });
  const choiceBox = h('ol', { class: 'poll-choices-edit' });
  const addChoice = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'poll-add-choice' });
  const multiple = h('input', { id: 'poll-multiple', type: 'checkbox', 'data-testid': 'poll-multiple' });
  const multipleLabel = h('label', { for: 'poll-multiple' });
  const editError = h('p', { id: 'poll-error', class: 'error', role: 'alert', 'data-testid': 'poll-error' });
  const createBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'poll-create' });
  const cancelBtn = h('button', { type: 'button', class: 'btn btn-quiet' });
  const editor = h('form', { id: 'poll-editor', class: 'stack poll-editor', novalidate: true, hidden: true, 'data-testid': 'poll-editor' },
    h('div', { class: 'field' }, qLabel, qInput), choiceBox, addChoice,
    h('div', { class: 'check' }, multiple, multipleLabel), editError,
    h('div', { class: 'actions' }, createBtn, cancelBtn));
  const hostBox = h('div', { class: 'poll-host' }, editorToggle, editor);
  section.append(heading, hostBox, empty, list);

  let choiceSeq = 0;
  function addChoiceRow(value = '') {
    const id = `poll-choice-${++choiceSeq}`;
    const input = h('input', { id, type: 'text', maxlength: '100', 'data-testid': 'poll-choice' });
    input.value = value;
    const label = h('label', { for: id });
    const remove = h('button', { type: 'button', class: 'btn btn-small btn-quiet', 'data-testid': 'poll-remove-choice' });
    const li = h('li', { class: 'field' }, label, h('div', { class: 'input-row' }, input, remove));
    remove.addEventListener('click', () => {
      if (choiceBox.children.length <= MIN_CHOICES) return;
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      editorTexts();
      next?.querySelector('input')?.focus();
    });
    choiceBox.append(li);
    editorTexts();
    return input;
  }

  function editorTexts() {
    tr(qLabel, 'pollQuestionLabel');
    tr(addChoice, 'pollAddChoice');
    tr(multipleLabel, 'pollMultiple');
    tr(createBtn, 'pollCreate');
    tr(cancelBtn, 'cancel');
    [...choiceBox.children].forEach((li, i) => {
      tr(li.querySelector('label'), 'pollChoiceN', { n: i + 1 });
      const rm = li.querySelector('button');
      tr(rm, 'pollRemoveChoice');
      rm.setAttribute('aria-label', t('pollRemoveChoiceN', { n: i + 1 }));
      rm.disabled = choiceBox.children.length <= MIN_CHOICES;
    });
    addChoice.disabled = choiceBox.children.length >= MAX_CHOICES;
  }

  function resetEditor() {
    qInput.value = '';
    multiple.checked = false;
    choiceBox.replaceChildren();
    for (let i = 0; i < MIN_CHOICES; i++) addChoiceRow();
    tr(editError, null);
  }

  function setEditorOpen(open) {
    editor.hidden = !open;
    editorToggle.setAttribute('aria-expanded', String(open));
    if (open) qInput.focus();
  }

  editorToggle.addEventListener('click', () => setEditorOpen(editor.hidden));
  cancelBtn.addEventListener('click', () => {
    setEditorOpen(false);
    editorToggle.focus();
  });
  addChoice.addEventListener('click', () => {
    if (choiceBox.children.length < MAX_CHOICES) addChoiceRow().focus();
  });
  editor.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const question = qInput.value.trim();
    const choices = [...choiceBox.querySelectorAll('input')].map((i) => i.value.trim()).filter(Boolean);
    if (!question) {
      tr(editError, 'pollNeedQuestion');
      qInput.focus();
      return;
    }
    if (choices.length < MIN_CHOICES) {
      tr(editError, 'pollNeedChoices');
      choiceBox.querySelector('input')?.focus();
      return;
    }
    tr(editError, null);
    createBtn.disabled = true;
    try {
      const res = await ctx.call('poll.create', { question, choices, multiple: multiple.checked });
      if (res && res.poll) upsert(res.poll);
      resetEditor();
      setEditorOpen(false);
      ctx.announce(t('pollCreated'));
      const row = res && res.poll && rows.get(res.poll.id);
      row?.li.querySelector('[data-testid="poll-open"]')?.focus();
    } catch (e) {
      tr(editError, 'webinarFailedWhy', { msg: e && e.message ? e.message : '' });
    } finally {
      createBtn.disabled = false;
    }
  });

  // ---- one poll
  function makeRow(p) {
    const li = h('li', { class: 'poll', dataset: { poll: String(p.id) }, 'data-testid': 'poll' });
    const qid = `poll-q-${p.id}`;
    const title = h('h3', { id: qid, class: 'poll-question', 'data-testid': 'poll-title' });
    const stateLine = h('p', { class: 'muted', 'data-testid': 'poll-state' });
    const voteForm = h('form', { class: 'poll-vote', novalidate: true, 'data-testid': 'poll-vote-form' });
    const fieldset = h('fieldset', { 'aria-labelledby': qid });
    const voteBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'poll-vote' });
    voteForm.append(fieldset, voteBtn);
    const results = h('ul', { class: 'poll-results', 'data-testid': 'poll-results' });
    const voters = h('p', { class: 'muted', 'data-testid': 'poll-voters' });
    const status = h('p', { class: 'status', role: 'status', 'data-testid': 'poll-status' });
    const openBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'poll-open' });
    const closeBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'poll-close' });
    const showBtn = h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': 'false', 'data-testid': 'poll-show-results' });
    const hostActions = h('div', { class: 'qa-actions' }, openBtn, closeBtn, showBtn);
    li.append(title, stateLine, voteForm, results, voters, hostActions, status);
    let builtFor = '';

    async function run(method, params, okKey) {
      status.classList.remove('error');
      try {
        const res = await ctx.call(method, params);
        if (res && res.poll) upsert(res.poll, method === 'poll.vote');
        tr(status, okKey || null);
        return true;
      } catch (e) {
        status.classList.add('error');
        tr(status, 'webinarFailedWhy', { msg: e && e.message ? e.message : '' });
        return false;
      }
    }
    openBtn.addEventListener('click', () => run('poll.open', { poll: p.id }, 'pollOpened'));
    closeBtn.addEventListener('click', () => run('poll.close', { poll: p.id }, 'pollClosed'));
    showBtn.addEventListener('click', () => {
      const cur = polls.get(p.id);
      run('poll.showResults', { poll: p.id, show: !cur.show_results }, cur.show_results ? 'pollResultsHidden' : 'pollResultsShown');
    });
    voteForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const picked = [...fieldset.querySelectorAll('input:checked')].map((i) => Number(i.value));
      if (!picked.length) {
        status.classList.add('error');
        tr(status, 'pollPickOne');
        fieldset.querySelector('input')?.focus();
        return;
      }
      run('poll.vote', { poll: p.id, choices: picked }, 'pollThanks');
    });

    function buildChoices(cur) {
      const key = `${cur.multiple}|${cur.choices.join('\u0000')}`;
      if (key === builtFor) return;
      builtFor = key;
      fieldset.replaceChildren(h('legend', { class: 'visually-hidden' }, cur.question));
      cur.choices.forEach((c, i) => {
        const id = `poll-${p.id}-c${i}`;
        const input = h('input', { id, type: cur.multiple ? 'checkbox' : 'radio', name: `poll-${p.id}`, value: String(i), 'data-testid': 'poll-choice-input' });
        fieldset.append(h('div', { class: 'check' }, input, h('label', { for: id }, c)));
      });
    }

    function update() {
      const cur = polls.get(p.id);
      title.textContent = cur.question;
      const stKey = { draft: 'pollStateDraft', open: 'pollStateOpen', closed: 'pollStateClosed' }[cur.state] || 'pollStateClosed';
      tr(stateLine, cur.multiple ? 'pollStateMulti' : 'pollStateSingle', { state: t(stKey) });
      buildChoices(cur);
      const voted = Array.isArray(cur.voted) && cur.voted.length > 0;
      voteForm.hidden = ctx.isHost() || cur.state !== 'open' || voted;
      tr(voteBtn, 'pollVote');
      if (voted && !ctx.isHost() && !status.textContent) tr(status, 'pollYouVoted');
      // Results: hosts always, others when shown.
      const r = cur.results;
      const showR = !!r && (ctx.isHost() || cur.show_results);
      results.hidden = !showR;
      voters.hidden = !showR;
      if (showR) {
        const total = r.voters || 0;
        results.replaceChildren(...cur.choices.map((c, i) => {
          const n = r.counts?.[i] || 0;
          const pct = total ? Math.round((100 * n) / total) : 0;
          const bar = h('span', { class: 'poll-bar', 'aria-hidden': 'true' }, h('span', { class: 'poll-bar-fill' }));
          bar.firstChild.style.width = `${pct}%`;
          const mine = Array.isArray(cur.voted) && cur.voted.includes(i);
          return h('li', { class: mine ? 'mine' : '', 'data-testid': 'poll-result' },
            h('span', { class: 'poll-choice', 'data-testid': 'poll-result-choice' }, c),
            bar,
            h('span', { class: 'poll-count', 'data-testid': 'poll-result-count' }, t('pollCount', { n, pct })));
        }));
        tr(voters, 'pollVoters', { n: total });
      }
      hostActions.hidden = !ctx.isHost();
      tr(openBtn, 'pollOpen');
      tr(closeBtn, 'pollClose');
      tr(showBtn, cur.show_results ? 'pollHideResults' : 'pollShowResults');
      showBtn.setAttribute('aria-pressed', String(!!cur.show_results));
      openBtn.hidden = cur.state === 'open';
      closeBtn.hidden = cur.state !== 'open';
    }
    return { li, update };
  }

  function render() {
    tr(heading, 'pollsHeading');
    tr(editorToggle, 'pollNew');
    editorTexts();
    hostBox.hidden = !ctx.isHost();
    const visible = [...polls.values()]
      .filter((p) => ctx.isHost() || p.state !== 'draft')
      .sort((a, b) => (b.created - a.created) || (b.id - a.id));
    const keep = new Set(visible.map((p) => p.id));
    for (const [id, row] of rows) {
      if (!keep.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    visible.forEach((p, i) => {
      let row = rows.get(p.id);
      if (!row) {
        row = makeRow(p);
        rows.set(p.id, row);
      }
      row.update();
      if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] || null);
    });
    empty.hidden = visible.length > 0;
    tr(empty, ctx.isHost() ? 'pollsEmptyHost' : 'pollsEmpty');
  }

  // Notifications carry no "voted" (nor results for attendees unless
  // shown): keep what the page knows.
  function upsert(p, fromVote = false) {
    if (!p || typeof p.id !== 'number') return;
    const old = polls.get(p.id);
    const next = { ...old, ...p };
    if (p.voted === undefined && old) next.voted = old.voted;
    if (!p.results && old && old.results && (ctx.isHost() || p.show_results)) next.results = old.results;
    if (!p.show_results && !ctx.isHost()) delete next.results;
    polls.set(p.id, next);
    const opened = p.state === 'open' && (!old || old.state !== 'open');
    render();
    if (opened && !ctx.isHost() && !fromVote) ctx.announce(t('pollNowOpen', { q: p.question }));
  }

  resetEditor();
  return {
    async load() {
      try {
        const res = await ctx.call('poll.list', {});
        polls.clear();
        for (const p of (res && res.polls) || []) polls.set(p.id, p);
      } catch (e) {
        console.warn('webinar: poll.list failed:', e);
      }
      render();
    },
    onPoll(msg) {
      upsert(msg && msg.poll);
    },
    onResults(msg) {
      if (!msg || !polls.has(msg.poll)) return;
      const cur = polls.get(msg.poll);
      polls.set(msg.poll, { ...cur, results: { counts: msg.counts || [], voters: msg.voters || 0 } });
      render();
    },
    render,
  };
}
