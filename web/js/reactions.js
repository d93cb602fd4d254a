// Emoji reactions: a small panel of six, and what others send floats over
// their tile for a few seconds (and is read out).
import { t } from './i18n.js';
import { $, state, call, announce, on } from './state.js';
import { h } from './util.js';

export const EMOJI = [
  ['👍', 'reactThumbs'], ['👏', 'reactClap'], ['❤️', 'reactHeart'],
  ['😂', 'reactLaugh'], ['😮', 'reactWow'], ['🎉', 'reactParty'],
];

const el = { toggle: $('react-toggle'), panel: $('react-panel') };

function setOpen(open) {
  el.panel.hidden = !open;
  el.toggle.setAttribute('aria-expanded', String(open));
}

function buildPanel() {
  el.panel.replaceChildren(...EMOJI.map(([emoji, key]) => {
    const b = h('button', { type: 'button', class: 'btn emoji-btn', 'data-testid': 'reaction', dataset: { emoji } },
      h('span', { 'aria-hidden': 'true' }, emoji));
    b.setAttribute('aria-label', t(key));
    b.title = t(key);
    b.addEventListener('click', async () => {
      try {
        await call('reaction.send', { emoji });
      } catch (e) {
        console.warn('reaction:', e);
      }
      setOpen(false);
      el.toggle.focus();
    });
    return b;
  }));
}

// Shows emoji over the tile of participant id.
export function showReaction(id, emoji) {
  const tile = document.querySelector(`[data-testid="tile"][data-participant="${CSS.escape(id)}"]`);
  if (!tile) return;
  const bubble = h('span', { class: 'reaction-bubble', 'aria-hidden': 'true', 'data-testid': 'tile-reaction' }, emoji);
  tile.append(bubble);
  setTimeout(() => bubble.remove(), 4000);
}

export function initReactions() {
  buildPanel();
  el.toggle.addEventListener('click', () => setOpen(el.panel.hidden));
  el.panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      setOpen(false);
      el.toggle.focus();
    }
  });
  // A click elsewhere closes the panel.
  document.addEventListener('click', (ev) => {
    if (!el.panel.hidden && !el.toggle.parentElement.contains(ev.target)) setOpen(false);
  });
  on('lang', buildPanel);
}

export const reactionHandlers = {
  reaction: (p) => {
    if (!p || !p.participant || !EMOJI.some(([e]) => e === p.emoji)) return;
    showReaction(p.participant.id, p.emoji);
    const key = EMOJI.find(([e]) => e === p.emoji)[1];
    if (p.participant.id !== state.me?.id) announce(t('announceReaction', { name: p.participant.name, what: t(key) }));
  },
};
