// Audio and video for the meeting page (see docs/protocol.md, "Media").
//
// Two peer connections per person: one to publish (the browser offers,
// aula answers) and one to receive (aula offers, the browser answers).
// When aula says media.renegotiate, the page asks for a new offer itself
// (media.subscribe), one negotiation at a time, so offers never cross.
//
//   const local = await getLocalMedia();        // { stream, problem }
//   const media = new MediaSession(rpc, local.stream, {
//     onStream: (participantId, stream) => …,   // a remote person's media
//     onState: ({ participant, audio, video }) => …,
//     onFailed: (reason) => …,
//     onConnected: () => …,                     // a connection became 'connected'
//   });
//   await media.start();
//   media.setMic(false); media.setCamera(false); media.close();
//   await media.startScreen(track); await media.stopScreen();
//
// A screen share is one more video track on the publish connection (a
// renegotiation: aula keeps the camera and microphone tracks as they are).
// media.publish names its m-section in `screen`; the others receive it in a
// stream of its own whose id is the sharer's `screen_stream`.

// Simulcast encodings of the camera (quarter, half and full resolution).
const CAMERA_LAYERS = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500000 },
  { rid: 'h', maxBitrate: 1500000 },
];

function constraint(id) {
  return id ? { deviceId: { exact: id } } : true;
}

// What went wrong with getUserMedia, in the page's words.
export function mediaProblem(e) {
  if (e && (e.name === 'NotAllowedError' || e.name === 'SecurityError')) return 'denied';
  if (e && (e.name === 'NotFoundError' || e.name === 'OverconstrainedError')) return 'nodevice';
  if (e && e.name === 'NotReadableError') return 'busy';
  return 'failed';
}

// Asks for the camera and the microphone (devices by id; '' is the
// default). Never throws: resolves with { stream, problem } where problem is
// null, 'denied', 'nodevice', 'busy' or 'failed' (stream may still hold the
// device that did work).
export async function getLocalMedia({ audioId = '', videoId = '' } = {}) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return { stream: null, problem: 'failed' };
  }
  const gum = (c) => navigator.mediaDevices.getUserMedia(c);
  try {
    return { stream: await gum({ audio: constraint(audioId), video: constraint(videoId) }), problem: null };
  } catch (e) {
    const problem = mediaProblem(e);
    if (problem === 'denied') return { stream: null, problem };
    // One of the two may be missing (or a chosen device gone): try each alone.
    for (const only of [{ audio: constraint(audioId) }, { video: constraint(videoId) }, { audio: true }, { video: true }]) {
      try {
        return { stream: await gum(only), problem: 'nodevice' };
      } catch {
        /* try the next */
      }
    }
    return { stream: null, problem };
  }
}

// One track of a given device ('' = default), or throws.
export async function getTrack(kind, id) {
  const s = await navigator.mediaDevices.getUserMedia({ [kind]: constraint(id) });
  return s.getTracks()[0];
}

// { audio: [{ id, label }], video: [...] } of the inputs the browser shows.
export async function listDevices() {
  const out = { audio: [], video: [] };
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return out;
  try {
    for (const d of await navigator.mediaDevices.enumerateDevices()) {
      if (d.kind === 'audioinput') out.audio.push({ id: d.deviceId, label: d.label });
      if (d.kind === 'videoinput') out.video.push({ id: d.deviceId, label: d.label });
    }
  } catch {
    /* nothing to choose from */
  }
  return out;
}

const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: [] };

export class MediaSession {
  constructor(rpc, stream, { onStream, onState, onFailed, onConnected } = {}) {
    this.rpc = rpc;
    this.stream = stream;
    this.onStream = onStream || (() => {});
    this.onState = onState || (() => {});
    this.onFailed = onFailed || (() => {});
    this.onConnected = onConnected || (() => {});
    this.pub = null;
    this.recv = null;
    this.senders = new Map(); // kind -> RTCRtpSender
    this.screenTr = null; // the screen share's transceiver
    this.pubChain = Promise.resolve(); // publish negotiations, one at a time
    this.busy = false; // a subscribe round is running
    this.again = false; // another one was asked for meanwhile
    this.failedRounds = 0; // subscribe rounds failed in a row
    this.closed = false;
    this.offs = [];
  }

  async start() {
    const on = (method, fn) => this.offs.push(this.rpc.on(method, fn));
    on('media.renegotiate', () => this.subscribe());
    on('participant.media', (p) => this.onState(p));
    on('media.failed', (p) => this.onFailed(p && p.reason));
    if (this.stream && this.stream.getTracks().length) await this.publish();
    await this.subscribe();
  }

  publishPc() {
    if (!this.pub) {
      this.pub = new RTCPeerConnection(PC_CONFIG);
      const pc = this.pub;
      watch(pc, {
        failed: () => !this.closed && this.pub === pc && this.onFailed('publish'),
        connected: () => !this.closed && this.onConnected(),
      });
    }
    return this.pub;
  }

  // One offer/answer round on the publish connection, queued behind the
  // one in progress.
  negotiatePublish() {
    const run = async () => {
      if (this.closed || !this.pub) return;
      const pc = this.pub;
      await pc.setLocalDescription(await pc.createOffer());
      const tr = this.screenTr;
      const screen = tr && tr.mid && !tr.stopped ? [tr.mid] : [];
      const res = await this.rpc.call('media.publish', { sdp: pc.localDescription.sdp, screen });
      if (this.closed) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: res.sdp });
    };
    this.pubChain = this.pubChain.catch(() => {}).then(run);
    return this.pubChain;
  }

  async publish() {
    const pc = this.publishPc();
    for (const track of this.stream.getTracks()) {
      const init = { direction: 'sendonly', streams: [this.stream] };
      // The camera goes out in three simulcast layers, lowest first; the
      // SFU forwards each viewer one of them (docs/protocol.md).
      if (track.kind === 'video') init.sendEncodings = CAMERA_LAYERS;
      const tr = pc.addTransceiver(track, init);
      this.senders.set(track.kind, tr.sender);
    }
    await this.negotiatePublish();
    if (this.closed) return;
    // Pauses chosen before the connection existed still hold.
    for (const [kind, sender] of this.senders) {
      if (sender.track && !sender.track.enabled) await this.pause(kind, true);
    }
  }

  // Runs one media.subscribe / media.answer round; calls made while one
  // runs fold into one more round after it. A round that fails is tried
  // again a second later (a fresh offer), up to three times in a row:
  // giving up at once would leave the page without someone's media until
  // the next change in the room.
  async subscribe() {
    if (this.closed) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        await this.subscribeOnce();
      } while (this.again && !this.closed);
      this.failedRounds = 0;
    } catch (e) {
      if (!this.closed) {
        console.warn('media: receiving failed:', e);
        if (++this.failedRounds <= 3) setTimeout(() => this.subscribe(), 1000);
      }
    } finally {
      this.busy = false;
    }
  }

  async subscribeOnce() {
    const res = await this.rpc.call('media.subscribe', {});
    if (this.closed) return;
    for (const s of res.participants || []) this.onState(s);
    if (!res.sdp) return;
    if (!this.recv) {
      // 'balanced', not 'max-bundle': an offer whose sections are all
      // closed (everyone else left) has an empty BUNDLE group, which
      // max-bundle refuses.
      const pc = new RTCPeerConnection({ ...PC_CONFIG, bundlePolicy: 'balanced' });
      this.recv = pc;
      pc.ontrack = (ev) => {
        const stream = ev.streams[0];
        if (stream) this.onStream(stream.id, stream);
      };
      watch(pc, {
        failed: () => !this.closed && this.onFailed('receive'),
        connected: () => !this.closed && this.onConnected(),
      });
    }
    await this.recv.setRemoteDescription({ type: 'offer', sdp: res.sdp });
    await this.recv.setLocalDescription(await this.recv.createAnswer());
    if (this.closed) return;
    await this.rpc.call('media.answer', { sdp: this.recv.localDescription.sdp });
  }

  track(kind) {
    return this.stream ? this.stream.getTracks().find((t) => t.kind === kind) : null;
  }

  has(kind) {
    return !!this.track(kind);
  }

  // media.pause; resolves with null, or the RpcError when aula refused
  // (e.g. -32006: a host muted this microphone).
  async pause(kind, paused) {
    try {
      await this.rpc.call('media.pause', { kind, paused });
      return null;
    } catch (e) {
      if (e && e.code === -32006) return e;
      console.warn('media: pause failed:', e);
      return e;
    }
  }

  // Microphone on or off: the track sends silence and aula drops it.
  // Resolves with null or the refusal (then the microphone stays off).
  async setMic(on) {
    const t = this.track('audio');
    if (!t) return null;
    t.enabled = on;
    const err = this.pub ? await this.pause('audio', !on) : null;
    if (err && on && err.code === -32006) t.enabled = false;
    return err;
  }

  // Camera on or off: the sender stops sending frames at all.
  async setCamera(on) {
    const t = this.track('video');
    if (!t) return;
    t.enabled = on;
    const sender = this.senders.get('video');
    const err = this.pub ? await this.pause('video', !on) : null;
    if (err && on && err.code === -32006) {
      t.enabled = false;
      return err;
    }
    if (sender) await sender.replaceTrack(on ? t : null).catch(() => {});
    return err;
  }

  // Shares a screen (a video track from getDisplayMedia).
  async startScreen(track) {
    if (this.closed) return;
    if (this.screenTr) await this.stopScreen();
    const pc = this.publishPc();
    this.screenTr = pc.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])] });
    await this.negotiatePublish();
  }

  // Stops the screen share: its m-section is closed, the rest stays.
  async stopScreen() {
    const tr = this.screenTr;
    this.screenTr = null;
    if (!tr || this.closed) return;
    tr.stop();
    await this.negotiatePublish();
  }

  // Puts another device's track in place of kind's (no renegotiation):
  // the stream keeps one track per kind.
  async replaceTrack(kind, track) {
    const old = this.track(kind);
    if (old && this.stream) this.stream.removeTrack(old);
    if (this.stream) this.stream.addTrack(track);
    const sender = this.senders.get(kind);
    if (sender) await sender.replaceTrack(track.enabled || kind === 'audio' ? track : null);
  }

  // Whether a peer connection is in state 'failed' now.
  isFailed() {
    return [this.pub, this.recv].some((pc) => pc && pc.connectionState === 'failed');
  }

  // Whether every connection made so far is 'connected' (true when there
  // is none: nothing to send and nothing to receive).
  isConnected() {
    return [this.pub, this.recv].every((pc) => !pc || pc.connectionState === 'connected');
  }

  sharingScreen() {
    return !!this.screenTr;
  }

  // Closes both connections; the local stream stays (for a reconnect).
  close() {
    this.closed = true;
    for (const off of this.offs) off();
    this.offs = [];
    if (this.pub) this.pub.close();
    if (this.recv) this.recv.close();
    this.pub = this.recv = null;
  }
}

function watch(pc, { failed, connected }) {
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed') failed();
    if (pc.connectionState === 'connected') connected();
  });
}

export function stopStream(stream) {
  if (stream) for (const t of stream.getTracks()) t.stop();
}
