// The waiting room: a calm page that says the host will let you in. The
// connection stays open; lobby.admitted moves on into the room by itself
// (connection.js), lobby.declined ends on a friendly page.
import { $, state } from './state.js';

const el = { view: $('view-lobby') };

export function showLobby() {
  state.phase = 'lobby';
  for (const v of document.querySelectorAll('main > .view')) v.hidden = v !== el.view;
  document.body.dataset.view = 'lobby';
}

export function initLobby() {}
