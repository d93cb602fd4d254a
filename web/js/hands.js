// Raise and lower hand. Everyone sees a hand on the person's tile and in
// the people list; hosts also see the list in the order hands went up.
import { t, tr } from './i18n.js';
import { $, state, call, amHost, on, emit, announce } from './state.js';
import { h } from './util.js';

const el = {
  toggle: $('hand-toggle'),
  label: $('hand-label'),
  heading: $('hands-heading'),
  list: $('hands'),
};

// 1-based place of id in the queue, or 0.
export function handOrder(id) {
  return state.hands.findIndex((x) => x.id === id) + 1;
}

function mine() {
  return !!state.me && handOrder(state.me.id) > 0;
}

export function renderHands() {
  const up = mine();
  el.toggle.setAttribute('aria-pressed', String(up));
  tr(el.label, up ? 'lowerHand' : 'raiseHand');
  const show = amHost() && state.hands.length > 0;
  el.heading.hidden = !show;
  tr(el.heading, 'handsHeading', { n: state.hands.length });
  el.list.replaceChildren(...(amHost() ? state.hands : []).map((x, i) => {
    const lower = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'hand-lower' });
    tr(lower, 'lowerHandShort');
    lower.setAttribute('aria-label', t('lowerHandOf', { name: x.name }));
    lower.addEventListener('click', () => call('hand.lower', { participant: x.id }).catch((e) => console.warn('hand.lower:', e)));
    return h('li', { 'data-testid': 'hand', dataset: { id: x.id, order: String(i + 1) } },
      h('span', { class: 'person-name', 'data-testid': 'hand-name' }, x.name), lower);
  }));
}

export function setHands(list) {
  const before = new Set(state.hands.map((x) => x.id));
  state.hands = Array.isArray(list) ? list.filter((x) => x && x.id) : [];
  renderHands();
  emit('hands');
  if (amHost()) {
    for (const x of state.hands) {
      if (!before.has(x.id) && x.id !== state.me?.id) announce(t('announceHand', { name: x.name }));
    }
  }
}

async function toggleHand() {
  el.toggle.disabled = true;
  try {
    await call(mine() ? 'hand.lower' : 'hand.raise', {});
  } catch (e) {
    console.warn('hand:', e);
  } finally {
    el.toggle.disabled = false;
  }
}

export function initHands() {
  el.toggle.addEventListener('click', toggleHand);
  on('me', renderHands);
}

export const handHandlers = {
  'hand.changed': (p) => setHands(p && p.hands),
};
