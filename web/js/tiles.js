// Video tiles for the meeting page: one per person, with their video (your
// own preview muted), their name (as text) and flags for a microphone or
// camera that is off. Video elements are kept across renders so playback
// never restarts.
import { t } from './i18n.js';
import { h } from './util.js';

let soundBlocked = false; // autoplay with sound was refused once
let speakerId = null; // the participant aula last named as the active speaker

function offFlag(key, testid) {
  const flag = h('span', { class: 'tile-flag', 'data-testid': testid, role: 'img' });
  flag.setAttribute('aria-label', t(key));
  flag.title = t(key);
  flag.append(h('span', { 'aria-hidden': 'true' }, key === 'micIsOff' ? '🔇' : '🚫'));
  return flag;
}

function handFlag(order) {
  const flag = h('span', { class: 'tile-flag tile-hand', 'data-testid': 'tile-hand', role: 'img' });
  flag.setAttribute('aria-label', t('handUpN', { n: order }));
  flag.title = t('handUpN', { n: order });
  flag.append(h('span', { 'aria-hidden': 'true' }, `✋ ${order}`));
  return flag;
}

function flags(st, order) {
  const out = [];
  if (order) out.push(handFlag(order));
  if (st && !st.audio) out.push(offFlag('micIsOff', 'tile-mic-off'));
  if (st && !st.video) out.push(offFlag('camIsOff', 'tile-cam-off'));
  return out;
}

// Renders list (people, in display order) into container.
// ctx: { meId, local (own stream), localState ({audio, video}), streams
// (id -> MediaStream), states (id -> {audio, video}), handOrder(id) (place
// in the raised-hands queue, 0 when down), onSoundBlocked() }.
export function drawTiles(container, list, ctx) {
  const keep = new Set(list.map((p) => p.id));
  for (const tile of [...container.children]) if (!keep.has(tile.dataset.participant)) tile.remove();
  for (const p of list) {
    const mine = p.id === ctx.meId;
    let tile = container.querySelector(`[data-participant="${CSS.escape(p.id)}"]`);
    if (!tile) {
      const video = h('video', { class: 'tile-video', 'data-testid': 'tile-video' });
      video.autoplay = true;
      video.playsInline = true;
      video.muted = mine;
      tile = h('li', { class: 'tile', dataset: { participant: p.id }, 'data-testid': 'tile' },
        video, h('div', { class: 'tile-caption' },
          h('span', { class: 'tile-name', 'data-testid': 'tile-name' }),
          h('span', { class: 'tile-flags' })));
    }
    container.append(tile); // keeps the order of the list
    const video = tile.querySelector('video');
    const stream = (mine ? ctx.local : ctx.streams.get(p.id)) || null;
    if (video.srcObject !== stream) {
      video.srcObject = stream;
      if (stream) play(video, mine, ctx.onSoundBlocked);
    }
    tile.classList.toggle('no-video', !stream || !stream.getVideoTracks().length);
    tile.querySelector('.tile-name').textContent = p.name;
    video.setAttribute('aria-label', p.name);
    tile.querySelector('.tile-flags').replaceChildren(...flags(mine ? ctx.localState : ctx.states.get(p.id),
      ctx.handOrder ? ctx.handOrder(p.id) : 0));
    markSpeaker(tile);
  }
}

// room.active_speaker: highlights that person's tile (id null: nobody).
// Kept across renders, so a tile drawn later gets it too.
export function setActiveSpeaker(container, id) {
  speakerId = id ?? null;
  for (const tile of container.children) markSpeaker(tile);
}

// The highlight is an outline (CSS .speaking) plus a visible "speaking"
// badge in the caption, which screen readers read with the name.
function markSpeaker(tile) {
  const on = speakerId !== null && tile.dataset.participant === speakerId;
  tile.classList.toggle('speaking', on);
  if (on) tile.dataset.speaking = 'true';
  else delete tile.dataset.speaking;
  let badge = tile.querySelector('.tile-speaking');
  if (on && !badge) {
    badge = h('span', { class: 'tile-speaking', 'data-testid': 'tile-speaking' });
    tile.querySelector('.tile-name').after(badge);
  }
  if (on) badge.textContent = t('speaking');
  else badge?.remove();
}

function play(video, mine, onSoundBlocked) {
  video.muted = mine || soundBlocked;
  video.play().catch(() => {
    if (mine || video.muted) return;
    // Autoplay with sound was refused: play muted until the first click.
    soundBlocked = true;
    video.muted = true;
    video.play().catch(() => {});
    onSoundBlocked();
  });
}

// After a click: turn the others' sound on.
export function unblockSound(container, meId) {
  soundBlocked = false;
  for (const tile of container.children) {
    if (tile.dataset.participant === meId) continue;
    const v = tile.querySelector('video');
    v.muted = false;
    v.play().catch(() => {});
  }
}
