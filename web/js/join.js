// The join screen: a camera preview, camera and microphone choice, a live
// microphone level meter, "join with camera / microphone off", and plain
// words when the browser refuses the devices or there are none. Joining
// without devices always stays possible.
import { t, tr } from './i18n.js';
import { getLocalMedia, listDevices, stopStream } from './media.js';
import { $, state } from './state.js';
import { h, storageGet, storageSet } from './util.js';

const DEVICES_KEY = 'aula.devices'; // localStorage: { audio, video } chosen last time
const OFF_KEY = 'aula.joinOff'; // localStorage: { cam, mic } ticked last time

const el = {
  video: $('preview-video'),
  off: $('preview-off'),
  status: $('preview-status'),
  meter: $('mic-level'),
  camSelect: $('cam-select'),
  micSelect: $('mic-select'),
  camOff: $('cam-off'),
  micOff: $('mic-off'),
};

let meter = null; // { ctx, raf, source }
let asking = 0; // generation of getUserMedia requests
let previewing = Promise.resolve(); // the newest startPreview()

function readJson(key) {
  try {
    return JSON.parse(storageGet(localStorage, key)) || {};
  } catch {
    return {};
  }
}

export function rememberedChoice() {
  const d = readJson(DEVICES_KEY);
  const off = readJson(OFF_KEY);
  return { audio: d.audio || '', video: d.video || '', camOff: !!off.cam, micOff: !!off.mic };
}

// Fills a <select> with devices; keeps chosen when it is still there.
export function fillSelect(select, list, chosen, noneKey) {
  const opts = list.map((d, i) => h('option', { value: d.id },
    d.label || t(select.dataset.kind === 'video' ? 'cameraN' : 'microphoneN', { n: i + 1 })));
  if (!opts.length) {
    const none = h('option', { value: '' });
    tr(none, noneKey);
    opts.push(none);
  }
  select.replaceChildren(...opts);
  select.disabled = !list.length;
  if (chosen && list.some((d) => d.id === chosen)) select.value = chosen;
}

el.camSelect.dataset.kind = 'video';
el.micSelect.dataset.kind = 'audio';

// The words for a device problem, in the preview and in the room.
export const PROBLEM_KEYS = {
  denied: 'previewDenied',
  nodevice: 'previewNoDevice',
  busy: 'previewBusy',
  failed: 'previewFailed',
};

function showProblem(problem, stream) {
  el.status.classList.toggle('error', !!problem);
  if (!problem) {
    tr(el.status, null);
    return;
  }
  let key = PROBLEM_KEYS[problem] || 'previewFailed';
  if (problem === 'nodevice' && stream) {
    key = stream.getVideoTracks().length ? 'previewNoMic' : 'previewNoCamera';
  }
  tr(el.status, key);
}

// Starts (or restarts with other devices) the preview.
export function startPreview() {
  const run = preview();
  previewing = run;
  return run;
}

// Resolves once the newest preview has its devices (or knows it has none):
// Join waits for it, so a quick click does not enter without the camera
// and microphone the browser is still opening.
export async function previewDone() {
  let seen;
  while (seen !== previewing) {
    seen = previewing;
    await seen.catch(() => {});
  }
}

async function preview() {
  const gen = ++asking;
  const { stream, problem } = await getLocalMedia({ audioId: state.devices.audio, videoId: state.devices.video });
  if (gen !== asking || state.phase !== 'join') {
    stopStream(stream);
    return;
  }
  stopStream(state.local);
  state.local = stream;
  state.localProblem = problem;
  showProblem(problem, stream);
  el.video.srcObject = stream && stream.getVideoTracks().length ? stream : null;
  if (el.video.srcObject) el.video.play().catch(() => {});
  applyOff();
  startMeter(stream);
  await refreshDevices();
}

export async function refreshDevices() {
  const list = await listDevices();
  const track = (kind) => state.local?.getTracks().find((x) => x.kind === kind);
  const current = (kind) => track(kind)?.getSettings?.().deviceId || state.devices[kind];
  fillSelect(el.camSelect, list.video, current('video'), 'noCamera');
  fillSelect(el.micSelect, list.audio, current('audio'), 'noMicrophone');
}

function applyOff() {
  const camOff = el.camOff.checked;
  const micOff = el.micOff.checked;
  state.camOn = !camOff;
  state.micOn = !micOff;
  const hasVideo = !!state.local && state.local.getVideoTracks().length > 0;
  for (const track of state.local ? state.local.getTracks() : []) {
    track.enabled = track.kind === 'video' ? !camOff : !micOff;
  }
  el.off.hidden = hasVideo && !camOff;
  el.off.dataset.i18n = hasVideo ? 'previewCamOff' : 'previewNoVideo';
  el.off.textContent = t(el.off.dataset.i18n);
  storageSet(localStorage, OFF_KEY, JSON.stringify({ cam: camOff, mic: micOff }));
}

// The level meter: an AnalyserNode on the microphone, read every frame.
function startMeter(stream) {
  stopMeter();
  const track = stream && stream.getAudioTracks()[0];
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!track || !AC) return;
  const ctx = new AC();
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const tick = () => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    const rms = Math.sqrt(sum / buf.length);
    const level = track.enabled ? Math.min(1, rms * 4) : 0;
    el.meter.value = level;
    el.meter.dataset.level = level.toFixed(3);
    meter.raf = requestAnimationFrame(tick);
  };
  meter = { ctx, raf: requestAnimationFrame(tick) };
  // Without a click first, some browsers start the context suspended.
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
}

export function stopMeter() {
  if (!meter) return;
  cancelAnimationFrame(meter.raf);
  meter.ctx.close().catch(() => {});
  meter = null;
  el.meter.value = 0;
  el.meter.dataset.level = '0';
}

// Leaves the preview (the stream goes on into the room).
export function endPreview() {
  asking++;
  stopMeter();
  el.video.srcObject = null;
}

export function initJoin() {
  const choice = rememberedChoice();
  state.devices = { audio: choice.audio, video: choice.video };
  el.camOff.checked = choice.camOff;
  el.micOff.checked = choice.micOff;
  const changed = (kind, select) => {
    state.devices[kind] = select.value;
    storageSet(localStorage, DEVICES_KEY, JSON.stringify(state.devices));
    startPreview();
  };
  el.camSelect.addEventListener('change', () => changed('video', el.camSelect));
  el.micSelect.addEventListener('change', () => changed('audio', el.micSelect));
  el.camOff.addEventListener('change', applyOff);
  el.micOff.addEventListener('change', applyOff);
  const resume = () => {
    if (meter && meter.ctx.state === 'suspended') meter.ctx.resume().catch(() => {});
  };
  document.addEventListener('pointerdown', resume);
  document.addEventListener('keydown', resume);
  if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener('devicechange', () => {
      if (state.phase === 'join') refreshDevices();
    });
  }
}

export function rememberDevices() {
  storageSet(localStorage, DEVICES_KEY, JSON.stringify(state.devices));
}
