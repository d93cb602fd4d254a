// Starts the real aula binary for a test: a fresh data folder, a free
// loopback port (aula binds port 0 and prints the URL it got), and stops it
// at the end. Every test file gets its own server process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

// The test command builds into build-test (sanitizers on); AULA_BIN overrides.
export const aulaBin = process.env.AULA_BIN || path.join(repoRoot, 'build-test', 'aula');

// The environment for aula: ours minus the variables that only configure
// these helpers (aula treats every unknown AULA_* variable as an error).
export function testRunnerEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AULA_TEST_') || k === 'AULA_BIN') delete env[k];
  return env;
}

// Starts `aula serve` with extra flags/env. Resolves once aula printed the
// URL it serves on. Options: args (array), env (object), dataDir (reuse a
// folder, e.g. across a restart), cwd, logLevel (default warn;
// AULA_TEST_LOG_LEVEL overrides both).
export async function startAula({ args = [], env = {}, dataDir, cwd, logLevel = 'warn' } = {}) {
  const dir = dataDir || mkdtempSync(path.join(tmpdir(), 'aula-test-'));
  const child = spawn(aulaBin, ['serve', '--http-port', '0', '--media-port', '0',
    '--data-dir', dir, '--log-level', process.env.AULA_TEST_LOG_LEVEL || logLevel, ...args], {
    cwd: cwd || dir,
    env: { ...testRunnerEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.AULA_TEST_VERBOSE) process.stderr.write(d);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`aula did not start in 10 s:\n${stderr}`)), 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/(https?:\/\/[0-9.]+:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`aula exited (${code ?? sig}) before it was ready:\n${stderr}`));
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws') + '/ws',
    port: Number(new URL(url).port),
    dataDir: dir,
    child,
    exited,
    stderr: () => stderr,
    // Graceful stop (SIGTERM); resolves with the exit status.
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const status = await exited;
      if (!keepData && !dataDir) rmSync(dir, { recursive: true, force: true });
      return status;
    },
  };
}

// Creates a room over the API and returns its JSON.
export async function createRoom(baseUrl, title = 'Test room') {
  const res = await fetch(`${baseUrl}/api/v1/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${await res.text()}`);
  return res.json();
}
