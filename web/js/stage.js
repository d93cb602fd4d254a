// The stage of the meeting page: screen shares, large, above the video
// tiles ("the screen takes the stage"), each with the sharer's name. Video
// elements are kept across renders so playback never restarts.
import { tr } from './i18n.js';
import { h } from './util.js';

// Renders shares ([{ id, name, stream, mine }]) into the stage list; the
// section is hidden when nobody shares.
export function drawStage(section, list, shares) {
  const keep = new Set(shares.map((s) => s.id));
  for (const item of [...list.children]) if (!keep.has(item.dataset.participant)) item.remove();
  for (const s of shares) {
    let item = list.querySelector(`[data-participant="${CSS.escape(s.id)}"]`);
    if (!item) {
      const video = h('video', { class: 'stage-video', 'data-testid': 'screen-video' });
      video.autoplay = true;
      video.playsInline = true;
      video.muted = true; // a screen share has no sound
      item = h('li', { class: 'stage-item', dataset: { participant: s.id }, 'data-testid': 'screen-tile' },
        video, h('p', { class: 'stage-caption', 'data-testid': 'screen-name' }));
    }
    list.append(item);
    const video = item.querySelector('video');
    if (video.srcObject !== s.stream) {
      video.srcObject = s.stream;
      video.play().catch(() => {});
    }
    const caption = item.querySelector('.stage-caption');
    if (s.mine) tr(caption, 'screenYours');
    else tr(caption, 'screenOf', { name: s.name });
    video.setAttribute('aria-label', caption.textContent);
  }
  section.hidden = shares.length === 0;
}
