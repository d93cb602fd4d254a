// The waiting room: a calm page that says the host will let you in. The
// connection stays open; lobby.admitted moves on into the room by itself
// (connection.js), lobby.declined ends on a friendly page, and "Stop
// waiting" leaves the queue and goes back to the join screen.
import { $ } from './state.js';

const el = { view: $('view-lobby'), heading: $('lobby-heading'), leave: $('lobby-leave') };

// show(name) is the page's view switcher.
export function showLobby(show) {
  const already = !el.view.hidden;
  show('lobby');
  if (!already) el.heading.focus();
}

export function initLobby({ onStopWaiting }) {
  el.leave.addEventListener('click', onStopWaiting);
}
