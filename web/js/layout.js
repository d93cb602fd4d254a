// How the room shows people: a grid of up to 25 tiles a page (with pages
// beyond), or speaker view (the active speaker large, the others small);
// a screen share always takes the stage above them.
import { t, tr } from './i18n.js';
import { $, state, on } from './state.js';
import { drawTiles, setActiveSpeaker, unblockSound } from './tiles.js';
import { drawStage } from './stage.js';
import { handOrder } from './hands.js';
import { storageGet, storageSet } from './util.js';

export const PAGE_SIZE = 25;
const MODE_KEY = 'aula.layout';

const el = {
  tiles: $('tiles'),
  stage: $('stage'),
  stageList: $('stage-list'),
  pager: $('pager'),
  prev: $('page-prev'),
  next: $('page-next'),
  info: $('page-info'),
  toggle: $('layout-toggle'),
  toggleLabel: $('layout-label'),
};

const layout = {
  mode: storageGet(localStorage, MODE_KEY) === 'speaker' ? 'speaker' : 'grid',
  page: 0,
  list: [],
  onSoundBlocked: () => {},
};

function hasTrack(kind) {
  return !!state.local && state.local.getTracks().some((x) => x.kind === kind);
}

// Speaker view: the active speaker (else the first other person) first.
function ordered(list) {
  if (layout.mode !== 'speaker' || list.length < 2) return list;
  let lead = list.find((p) => p.id === state.speakerId);
  if (!lead) lead = list.find((p) => p.id !== state.me?.id) || list[0];
  return [lead, ...list.filter((p) => p !== lead)];
}

export function renderLayout(list = layout.list) {
  layout.list = list;
  // A webinar's audience publishes nothing: only the stage gets tiles.
  const all = ordered(list.filter((p) => p.role !== 'attendee'));
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  layout.page = Math.min(layout.page, pages - 1);
  const shown = all.slice(layout.page * PAGE_SIZE, (layout.page + 1) * PAGE_SIZE);
  el.tiles.classList.toggle('speaker-view', layout.mode === 'speaker');
  el.tiles.dataset.layout = layout.mode;
  drawTiles(el.tiles, shown, {
    meId: state.me?.id,
    local: state.local,
    localState: { audio: hasTrack('audio') && state.micOn, video: hasTrack('video') && state.camOn },
    streams: state.streams,
    states: state.mediaStates,
    handOrder,
    onSoundBlocked: layout.onSoundBlocked,
  });
  for (const [i, tile] of [...el.tiles.children].entries()) {
    tile.classList.toggle('large', layout.mode === 'speaker' && i === 0 && layout.page === 0);
  }
  el.pager.hidden = pages < 2;
  el.prev.disabled = layout.page === 0;
  el.next.disabled = layout.page >= pages - 1;
  tr(el.info, 'pageInfo', { page: layout.page + 1, pages });
  el.toggle.setAttribute('aria-pressed', String(layout.mode === 'speaker'));
  tr(el.toggleLabel, layout.mode === 'speaker' ? 'gridView' : 'speakerView');
  renderStage(list);
}

// Screen shares take the stage: everyone's who shares (mine too).
function renderStage(list) {
  const shares = [];
  for (const p of list) {
    const mine = p.id === state.me?.id;
    let stream = null;
    if (mine) {
      stream = state.screen ? (state.screenStream ||= new MediaStream([state.screen])) : null;
    } else {
      const st = state.mediaStates.get(p.id);
      stream = st && st.screen ? state.streams.get(st.screenStream) || null : null;
    }
    if (stream) shares.push({ id: p.id, name: p.name, stream, mine });
  }
  drawStage(el.stage, el.stageList, shares);
}

export function setSpeaker(id) {
  state.speakerId = id ?? null;
  setActiveSpeaker(el.tiles, state.speakerId);
  if (layout.mode === 'speaker') renderLayout();
}

export function clearTiles() {
  el.tiles.replaceChildren();
  el.stageList.replaceChildren();
  el.stage.hidden = true;
}

export function initLayout({ onSoundBlocked }) {
  layout.onSoundBlocked = () => onSoundBlocked(() => unblockSound(el.tiles, state.me?.id));
  el.prev.addEventListener('click', () => {
    layout.page = Math.max(0, layout.page - 1);
    renderLayout();
  });
  el.next.addEventListener('click', () => {
    layout.page += 1;
    renderLayout();
  });
  el.toggle.addEventListener('click', () => {
    layout.mode = layout.mode === 'speaker' ? 'grid' : 'speaker';
    layout.page = 0;
    storageSet(localStorage, MODE_KEY, layout.mode);
    renderLayout();
  });
  on('hands', () => renderLayout());
  on('lang', () => renderLayout());
}

export function pageCount() {
  return Math.max(1, Math.ceil(layout.list.length / PAGE_SIZE));
}

