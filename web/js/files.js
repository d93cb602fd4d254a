// Files of a room (docs/api.md, "Files"): hosts upload slides and handouts,
// everyone lists and downloads them, hosts remove them. Every request
// carries the room's join token as a bearer header (never in the URL):
// a download is fetched and handed to the browser as a blob.
//
//   const files = mountFiles(section, { roomId, isHost, getToken, announce });
//   files.load(); files.render();
import { t, tr, getLang } from './i18n.js';
import { h } from './util.js';

// "1.5 MB"
export function fileSize(bytes) {
  const n = Number(bytes) || 0;
  const loc = getLang() === 'pl' ? 'pl-PL' : 'en-GB';
  const fmt = (v, unit) => `${new Intl.NumberFormat(loc, { maximumFractionDigits: 1 }).format(v)} ${unit}`;
  if (n < 1024) return fmt(n, 'B');
  if (n < 1024 * 1024) return fmt(n / 1024, 'KB');
  return fmt(n / (1024 * 1024), 'MB');
}

// Downloads f ({ name, url }) with token in the Authorization header, or
// with the given headers when auth is an object (the event routes' key or
// password). Resolves true when the browser got the bytes.
export async function downloadFile(f, auth) {
  const headers = typeof auth === 'string' ? { Authorization: `Bearer ${auth}` } : auth || {};
  let res;
  try {
    res = await fetch(f.url, { headers, credentials: 'same-origin' });
  } catch {
    return false;
  }
  if (!res.ok) return false;
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, download: f.name || 'file', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
  return true;
}

export function mountFiles(section, ctx) {
  let files = [];
  const heading = h('h2', { id: 'files-heading' });
  const empty = h('p', { class: 'muted', 'data-testid': 'files-empty' });
  const list = h('ul', { class: 'files-list', 'aria-labelledby': 'files-heading', 'data-testid': 'files-list' });
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'files-status' });
  const picker = h('input', { id: 'file-pick', type: 'file', 'data-testid': 'file-input',
    accept: '.pdf,.png,.jpg,.jpeg,.gif,.webp,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp' });
  const pickLabel = h('label', { for: 'file-pick' });
  const hint = h('p', { id: 'file-hint', class: 'hint' });
  picker.setAttribute('aria-describedby', 'file-hint');
  const uploadBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'file-upload' });
  const form = h('form', { class: 'stack files-upload', novalidate: true }, h('div', { class: 'field' }, pickLabel, hint, picker), uploadBtn);
  const refresh = h('button', { type: 'button', class: 'btn btn-small btn-quiet', 'data-testid': 'files-refresh' });
  section.setAttribute('aria-labelledby', 'files-heading');
  section.append(heading, form, refresh, empty, list, status);

  function say(key, params, isError = false) {
    status.classList.toggle('error', isError);
    tr(status, key, params);
  }

  async function req(method, path, body, headers = {}) {
    const token = ctx.getToken();
    try {
      const res = await fetch(path, {
        method, body, credentials: 'same-origin',
        headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, ...headers },
      });
      let json = null;
      try {
        json = await res.json();
      } catch {
        /* no body */
      }
      const err = json && json.error ? (typeof json.error === 'string' ? json.error : json.error.message) : '';
      return { status: res.status, body: json, error: err || '' };
    } catch {
      return { status: 0, body: null, error: '' };
    }
  }

  const base = () => `/api/v1/rooms/${encodeURIComponent(ctx.roomId())}/files`;

  async function load() {
    const res = await req('GET', base());
    if (res.status === 200 && res.body && Array.isArray(res.body.files)) {
      files = res.body.files;
      render();
    }
  }

  function render() {
    tr(heading, 'filesHeading');
    tr(pickLabel, 'filesPick');
    tr(hint, 'filesHint');
    tr(uploadBtn, 'filesUpload');
    tr(refresh, 'filesRefresh');
    form.hidden = !ctx.isHost();
    empty.hidden = files.length > 0;
    tr(empty, 'filesEmpty');
    const keep = new Set(files.map((f) => f.id));
    for (const li of [...list.children]) if (!keep.has(li.dataset.file)) li.remove();
    files.forEach((f, i) => {
      let li = list.querySelector(`[data-file="${CSS.escape(f.id)}"]`);
      if (!li) {
        const dl = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'file-download' });
        const rm = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet', 'data-testid': 'file-remove' });
        li = h('li', { dataset: { file: f.id }, 'data-testid': 'file' },
          h('span', { class: 'file-name', 'data-testid': 'file-name' }, f.name),
          h('span', { class: 'muted file-size' }, fileSize(f.size)), dl, rm);
        dl.addEventListener('click', async () => {
          say('filesDownloading', { name: f.name });
          const ok = await downloadFile(f, ctx.getToken());
          if (ok) say('filesDownloaded', { name: f.name });
          else say('filesDownloadFailed', { name: f.name }, true);
        });
        rm.addEventListener('click', async () => {
          const res = await req('DELETE', `${base()}/${encodeURIComponent(f.id)}`);
          if (res.status === 200) {
            files = files.filter((x) => x.id !== f.id);
            render();
            say('filesRemoved', { name: f.name });
            picker.focus();
          } else {
            say('webinarFailedWhy', { msg: res.error || String(res.status) }, true);
          }
        });
      }
      const [dl, rm] = li.querySelectorAll('button');
      tr(dl, 'filesDownload');
      dl.setAttribute('aria-label', t('filesDownloadName', { name: f.name }));
      tr(rm, 'filesRemove');
      rm.setAttribute('aria-label', t('filesRemoveName', { name: f.name }));
      rm.hidden = !ctx.isHost();
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = picker.files && picker.files[0];
    if (!file) {
      say('filesPickFirst', {}, true);
      picker.focus();
      return;
    }
    uploadBtn.disabled = true;
    uploadBtn.setAttribute('aria-busy', 'true');
    say('filesUploading', { name: file.name });
    const res = await req('POST', base(), file, {
      'Content-Type': file.type || 'application/octet-stream',
      'X-File-Name': encodeURIComponent(file.name),
    });
    uploadBtn.disabled = false;
    uploadBtn.removeAttribute('aria-busy');
    if (res.status === 201 && res.body && res.body.file) {
      picker.value = '';
      files = [...files.filter((x) => x.id !== res.body.file.id), res.body.file];
      render();
      say('filesUploaded', { name: res.body.file.name });
      ctx.announce?.(t('filesUploaded', { name: res.body.file.name }));
    } else {
      say('filesUploadFailed', { msg: res.error || String(res.status) }, true);
    }
  });
  refresh.addEventListener('click', load);

  render();
  return { load, render };
}
