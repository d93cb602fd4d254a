// The webinar parts of the meeting page (docs/protocol.md, "Webinars"):
// the attendee count, the chat mode (hosts choose: everyone / hosts only /
// off), Q&A (qa.js), polls (polls.js), files (files.js), and the stage:
// hosts bring an attendee on stage from the person's menu and back; an
// attendee on stage publishes camera and microphone, off stage only
// watches and listens.
//
// room.js mounts this with a few hooks:
//   handlers: ...webinarHandlers           notifications
//   enterRoom: webinarJoined(result)       before startMedia
//   startMedia: mayPublish() ? state.local : null
//   on('restart-media') / on('webinar-render')
//   initWebinar()
// and controls.js lists stageMenuItem in its menuExtras.
import { t, tr, onLangChange } from './i18n.js';
import { $, state, call, on, emit, amHost, announce } from './state.js';
import { h, storageGet } from './util.js';
import { getLocalMedia, stopStream } from './media.js';
import { mountQa } from './qa.js';
import { mountPolls } from './polls.js';
import { mountFiles } from './files.js';
import { loadCred, saveCred } from './event_join.js';

const web = {
  kind: 'meeting',
  chatMode: 'everyone',
  attendees: 0,
  mounted: false,
  root: null,
  qa: null,
  polls: null,
  files: null,
  filesTimer: 0,
  eventId: null, // the event of this room, when it has one
  lastToken: '',
};

export function isWebinar() {
  return web.kind === 'webinar';
}

// May this page publish camera and microphone now?
export function mayPublish() {
  return !isWebinar() || !state.me || state.me.role !== 'attendee';
}

function session() {
  try {
    return JSON.parse(storageGet(sessionStorage, `aula.session.${state.roomId}`) || '{}') || {};
  } catch {
    return {};
  }
}

function token() {
  const tok = session().token || '';
  if (tok) web.lastToken = tok;
  return tok;
}

// The room of an event ended for this page (a host ended it): offer the
// event's thank-you page with the files. The room page forgets its session
// then, so what that page needs is kept here. (Someone who only left can
// join again, so gets no thank-you yet.)
function offerEventEnd() {
  const view = document.body.dataset.view;
  const box = $('view-ended');
  // Only "the meeting ended" (not removed, declined, opened elsewhere).
  if (!web.eventId || view !== 'ended' || !box || box.dataset.reason !== 'ended') return;
  if (box.querySelector('[data-testid="event-end-link"]')) return;
  saveCred(web.eventId, { ...loadCred(web.eventId), room: state.roomId, finished: true, token: web.lastToken });
  const link = h('a', { class: 'btn btn-primary btn-big', href: `/e/${encodeURIComponent(web.eventId)}`, 'data-testid': 'event-end-link' });
  tr(link, 'evEndLink');
  (box.querySelector('.actions') || box).prepend(link);
}

const ctx = {
  call,
  isHost: amHost,
  myId: () => state.me?.id,
  roomId: () => state.roomId,
  getToken: token,
  announce,
};

// ---------------------------------------------------------------- DOM

function ensureCss() {
  if (document.querySelector('link[data-webinar-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/webinar.css', 'data-webinar-css': '' }));
}

function mount() {
  if (web.mounted) return;
  web.mounted = true;
  ensureCss();
  const count = h('p', { id: 'attendee-count', class: 'attendee-count', 'data-testid': 'attendee-count' });
  const stageNote = h('p', { id: 'stage-status', class: 'notice', role: 'status', 'data-testid': 'stage-status' });
  const modeLabel = h('label', { for: 'chat-mode' });
  const mode = h('select', { id: 'chat-mode', 'data-testid': 'chat-mode' },
    ...['everyone', 'hosts', 'off'].map((m) => h('option', { value: m })));
  const modeStatus = h('p', { class: 'status', role: 'status', 'data-testid': 'chat-mode-status' });
  const modeBox = h('div', { class: 'field chat-mode' }, modeLabel, mode, modeStatus);
  const bar = h('div', { class: 'webinar-bar' }, count, modeBox, stageNote);
  const qaSec = h('section', { class: 'panel webinar-panel', 'data-testid': 'qa-panel' });
  const pollSec = h('section', { class: 'panel webinar-panel', 'data-testid': 'polls-panel' });
  const fileSec = h('section', { class: 'panel webinar-panel', 'data-testid': 'files-panel' });
  web.root = h('div', { id: 'webinar', class: 'webinar', 'data-testid': 'webinar' },
    bar, h('div', { class: 'webinar-grid' }, qaSec, pollSec, fileSec));
  const grid = document.querySelector('#view-room .room-grid');
  grid.after(web.root);
  web.qa = mountQa(qaSec, ctx);
  web.polls = mountPolls(pollSec, ctx);
  web.files = mountFiles(fileSec, ctx);
  web.els = { count, stageNote, modeLabel, mode, modeStatus, modeBox };

  mode.addEventListener('change', async () => {
    const want = mode.value;
    modeStatus.classList.remove('error');
    try {
      await call('room.setChatMode', { mode: want });
      setChatMode(want);
      tr(modeStatus, 'chatModeSet');
    } catch (e) {
      mode.value = web.chatMode;
      modeStatus.classList.add('error');
      tr(modeStatus, 'webinarFailedWhy', { msg: e && e.message ? e.message : '' });
    }
  });
}

function renderBar() {
  if (!web.mounted) return;
  const e = web.els;
  web.root.hidden = !isWebinar();
  document.body.classList.toggle('webinar-room', isWebinar());
  document.body.classList.toggle('webinar-attendee', isWebinar() && !mayPublish());
  tr(e.count, 'attendeesN', { n: web.attendees });
  tr(e.modeLabel, 'chatModeLabel');
  const names = { everyone: 'chatModeEveryone', hosts: 'chatModeHosts', off: 'chatModeOff' };
  for (const o of e.mode.options) o.textContent = t(names[o.value]);
  e.mode.value = web.chatMode;
  e.modeBox.hidden = !amHost();
}

// ---------------------------------------------------------------- chat mode

function setChatMode(mode) {
  if (!['everyone', 'hosts', 'off'].includes(mode)) return;
  web.chatMode = mode;
  const input = $('chat-input');
  const send = $('send');
  const to = $('chat-to');
  const host = amHost();
  const off = mode === 'off' && !host;
  if (input) input.disabled = off;
  if (send) send.disabled = off;
  if (to) {
    if (mode === 'hosts' && !host) to.value = 'hosts';
    to.disabled = mode === 'hosts' && !host;
  }
  let note = $('chat-mode-note');
  if (!note && input) {
    note = h('p', { id: 'chat-mode-note', class: 'hint', 'data-testid': 'chat-mode-note' });
    input.closest('form')?.prepend(note);
  }
  if (note) {
    if (host || mode === 'everyone') tr(note, null);
    else tr(note, mode === 'off' ? 'chatIsOff' : 'chatToHostsOnly');
  }
  renderBar();
}

// ---------------------------------------------------------------- stage

async function onStage(msg) {
  const p = msg && msg.participant;
  if (!p || !p.id) return;
  const mine = state.me && p.id === state.me.id;
  const known = state.people.get(p.id);
  if (msg.on_stage) {
    if (known) known.role = p.role || 'presenter';
    else state.people.set(p.id, { ...p, role: p.role || 'presenter' });
    if (!mine) announce(t('stageOnOf', { name: p.name }));
  } else if (known) {
    known.role = p.role || 'attendee';
    // Attendees do not list other attendees.
    if (!amHost() && !mine) {
      state.people.delete(p.id);
      state.streams.delete(p.id);
      state.mediaStates.delete(p.id);
    }
  }
  if (mine) {
    state.me.role = msg.on_stage ? (p.role || 'presenter') : 'attendee';
    // The room page's generic "you are a participant now" (participant.role
    // came first) is not what happened: the stage note below says it.
    const generic = $('host-notice');
    if (generic && generic.dataset.i18nDyn === 'youAreParticipant') tr(generic, null);
    await stageChanged();
  }
  emit('webinar-render');
  renderAll();
}

// This page went on or off stage: publish or stop publishing, on the
// same media session (the receiving connection stays as it is).
async function stageChanged() {
  const note = web.els?.stageNote;
  const media = state.media;
  if (mayPublish()) {
    if (!state.local) {
      const got = await getLocalMedia({ audioId: state.devices.audio, videoId: state.devices.video });
      state.local = got.stream;
      state.localProblem = got.problem;
      state.micOn = true;
      state.camOn = true;
    }
    if (note) tr(note, state.local ? 'stageYouOn' : 'stageYouOnNoDevice');
    if (!media) {
      emit('restart-media');
    } else if (state.local && !media.pub && !media.closed) {
      media.stream = state.local;
      try {
        await media.publish();
      } catch (e) {
        console.warn('media: publishing on stage failed:', e);
      }
    }
  } else {
    // aula closed what this page published; close our side of it.
    if (media && media.pub) {
      media.pub.close();
      media.pub = null;
      media.senders.clear();
      media.stream = null;
    }
    stopStream(state.local);
    state.local = null;
    if (note) tr(note, 'stageYouOff');
  }
}

// The host's people menu: "Bring on stage" / "Back to the audience".
export function stageMenuItem(p, statusEl) {
  const node = h('button', { type: 'button', class: 'btn menu-item', 'data-testid': 'stage-toggle' });
  let person = p;
  node.addEventListener('click', async () => {
    const on = person.role === 'attendee';
    statusEl.classList.remove('error');
    try {
      await call(on ? 'stage.invite' : 'stage.remove', { participant: person.id });
      tr(statusEl, on ? 'stageInvited' : 'stageRemoved', { name: person.name });
    } catch (e) {
      statusEl.classList.add('error');
      tr(statusEl, 'webinarFailedWhy', { msg: e && e.message ? e.message : '' });
    }
  });
  return {
    node,
    update(next) {
      person = next;
      const show = isWebinar() && (person.role === 'attendee' || person.role === 'presenter');
      node.hidden = !show;
      if (show) tr(node, person.role === 'attendee' ? 'stageInvite' : 'stageRemove', { name: person.name });
    },
  };
}

// ---------------------------------------------------------------- hooks

function renderAll() {
  renderBar();
  web.qa?.render();
  web.polls?.render();
  web.files?.render();
}

export const webinarHandlers = {
  'qa.question': (p) => web.qa?.onQuestion(p),
  'qa.updated': (p) => web.qa?.onUpdated(p),
  'poll.created': (p) => web.polls?.onPoll(p),
  'poll.opened': (p) => web.polls?.onPoll(p),
  'poll.closed': (p) => web.polls?.onPoll(p),
  'poll.updated': (p) => web.polls?.onPoll(p),
  'poll.results': (p) => web.polls?.onResults(p),
  'room.attendees': (p) => {
    if (p && Number.isInteger(p.count)) {
      web.attendees = p.count;
      renderBar();
    }
  },
  'room.chat_mode': (p) => setChatMode(p && p.mode),
  'participant.stage': onStage,
};

// The room.join result: { kind, chat_mode, attendees, on_stage, ... }.
export function webinarJoined(result) {
  web.kind = result && result.kind === 'webinar' ? 'webinar' : 'meeting';
  web.eventId = session().event?.id || web.eventId;
  token();
  clearInterval(web.filesTimer);
  if (!isWebinar()) {
    if (web.mounted) web.root.hidden = true;
    document.body.classList.remove('webinar-room', 'webinar-attendee');
    return;
  }
  mount();
  if (Number.isInteger(result.attendees)) web.attendees = result.attendees;
  // An attendee who joined on stage from before, or off it.
  if (state.me && result.on_stage === false && !amHost()) state.me.role = 'attendee';
  if (!mayPublish() && state.local) {
    stopStream(state.local);
    state.local = null;
  }
  setChatMode(result.chat_mode || 'everyone');
  renderAll();
  web.qa.load();
  web.polls.load();
  web.files.load();
  // Files have no notification: look again now and then.
  web.filesTimer = setInterval(() => {
    if (state.rpc) web.files.load();
  }, 20000);
}

export function initWebinar() {
  onLangChange(renderAll);
  on('me', renderAll);
  new MutationObserver(offerEventEnd).observe(document.body, { attributes: true, attributeFilter: ['data-view'] });
}
