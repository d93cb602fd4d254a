// Dates and times of events: shown in the visitor's time zone and in the
// event's own (an IANA name such as "Europe/Warsaw"), durations and the
// countdown before the start. The language follows i18n.js.
import { getLang, t } from './i18n.js';

export function locale() {
  const own = navigator.language || '';
  const lang = getLang();
  if (own.toLowerCase().split('-')[0] === lang) return own;
  return lang === 'pl' ? 'pl-PL' : 'en-GB';
}

// The start of an event as ms since the epoch: the API gives ms, or an ISO
// 8601 string.
export function toMs(v) {
  if (typeof v === 'number') return v;
  const ms = Date.parse(String(v || ''));
  return Number.isFinite(ms) ? ms : NaN;
}

export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// "Saturday, 5 December 2026 at 18:00" in zone (undefined: the browser's).
export function formatWhen(ms, zone) {
  const opts = { dateStyle: 'full', timeStyle: 'short' };
  if (zone) opts.timeZone = zone;
  try {
    return new Intl.DateTimeFormat(locale(), opts).format(new Date(ms));
  } catch {
    delete opts.timeZone; // an unknown zone name: the browser's own
    return new Intl.DateTimeFormat(locale(), opts).format(new Date(ms));
  }
}

// Shorter, for lists: "5 Dec 2026, 18:00".
export function formatShort(ms, zone) {
  const opts = { dateStyle: 'medium', timeStyle: 'short' };
  if (zone) opts.timeZone = zone;
  try {
    return new Intl.DateTimeFormat(locale(), opts).format(new Date(ms));
  } catch {
    delete opts.timeZone;
    return new Intl.DateTimeFormat(locale(), opts).format(new Date(ms));
  }
}

// The offset of zone at ms, in minutes (east positive), or null.
function offsetOf(ms, zone) {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric',
    }).formatToParts(new Date(ms));
    const get = (type) => Number(parts.find((p) => p.type === type).value);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((asUtc - Math.floor(ms / 60000) * 60000) / 60000);
  } catch {
    return null;
  }
}

// 1 when the event's zone shows another clock time than the browser's.
export function zoneDiffers(ms, zone) {
  if (!zone) return false;
  const a = offsetOf(ms, zone);
  const b = offsetOf(ms, browserZone());
  return a !== null && b !== null && a !== b;
}

// "1 hour 30 minutes"
export function formatDuration(min) {
  const n = Math.max(0, Math.round(Number(min) || 0));
  const hours = Math.floor(n / 60);
  const mins = n % 60;
  const parts = [];
  if (hours) parts.push(t('evDurHours', { n: hours }));
  if (mins || !hours) parts.push(t('evDurMinutes', { n: mins }));
  return parts.join(' ');
}

// The time left until ms, as { text (for the eye: "2 d 03:04:05"), words
// (for screen readers, minute precision) }.
export function countdown(ms, now = Date.now()) {
  let s = Math.max(0, Math.floor((ms - now) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const pad = (x) => String(x).padStart(2, '0');
  const text = `${d ? `${t('evDaysShort', { n: d })} ` : ''}${pad(hh)}:${pad(mm)}:${pad(ss)}`;
  const words = [];
  if (d) words.push(t('evDays', { n: d }));
  if (hh) words.push(t('evHours', { n: hh }));
  words.push(t('evMinutes', { n: mm }));
  return { text, words: t('evStartsIn', { left: words.join(' ') }) };
}

// Every IANA zone the browser knows (the browser's own first), for a select.
export function zoneList() {
  let list = [];
  try {
    list = Intl.supportedValuesOf('timeZone');
  } catch {
    list = ['UTC', 'Europe/Warsaw', 'Europe/London', 'Europe/Berlin', 'America/New_York'];
  }
  const own = browserZone();
  if (!list.includes(own)) list = [own, ...list];
  if (!list.includes('UTC')) list = [...list, 'UTC'];
  return list;
}
