// The worker in real processes: two of them against one tenant never overlap (the lock file is the
// only thing they share), and SIGTERM stops a long run after its request in flight, writes the
// report and exits 0 by itself.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/runner/report.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;
const CHILD = join(ROOT, 'test/runner/fixtures/worker-child.ts');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qgs-proc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Child {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  waitFor(text: string): Promise<void>;
}

function startChild(args: Record<string, unknown>): Child {
  const child = spawn(NODE, [CHILD, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.splice(0)) (out.includes(w.text) ? w.resolve : () => waiters.push(w))();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  // A hung child must not hang the suite.
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void exited.then(() => clearTimeout(guard));
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal) => child.kill(signal),
    waitFor: (text) =>
      new Promise<void>((res, rej) => {
        if (out.includes(text)) return res();
        waiters.push({ text, resolve: res });
        void exited.then(() => rej(new Error(`child exited before printing ${text}: ${err}`)));
      }),
  };
}

type Line = { pid: number; what: string; at: number };
async function readRecord(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const parts = line.split(' ');
      return { pid: Number(parts[0]), what: parts.slice(1, -1).join(' '), at: Number(parts[parts.length - 1]) };
    });
}

describe('worker processes', () => {
  it('two worker processes against one tenant never run at the same time', async () => {
    const record = join(dir, 'record.txt');
    const stateDir = join(dir, 'state');
    const args = { mode: 'contend', stateDir, record, ticks: 12, runMs: 40, startAt: Date.now() + 1500 };
    const children = [startChild(args), startChild(args)];
    const exits = await Promise.all(children.map((c) => c.exited));
    for (const [i, exit] of exits.entries()) expect(exit, children[i]!.stderr()).toEqual({ code: 0, signal: null });

    const lines = await readRecord(record);
    // Pair each start with the next end of the same process, then check the intervals are disjoint.
    const runs: { pid: number; start: number; end: number }[] = [];
    const open = new Map<number, number>();
    for (const line of lines) {
      if (line.what === 'start') {
        expect(open.has(line.pid)).toBe(false);
        open.set(line.pid, line.at);
      } else if (line.what === 'end') {
        runs.push({ pid: line.pid, start: open.get(line.pid)!, end: line.at });
        open.delete(line.pid);
      }
    }
    expect(open.size).toBe(0);
    // The record file is appended in real order: a start must never come while another run is open.
    let inFlight = 0;
    for (const line of lines) {
      inFlight += line.what === 'start' ? 1 : -1;
      expect(inFlight).toBeLessThanOrEqual(1);
    }
    runs.sort((a, b) => a.start - b.start);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);

    // The test proves something only if the two really contended.
    const summaries = children.map((c) => JSON.parse(c.stdout().trim()) as { ticks: number; skippedLocked: number });
    expect(summaries.reduce((n, s) => n + s.skippedLocked, 0)).toBeGreaterThan(0);
    expect(runs.length + summaries.reduce((n, s) => n + s.skippedLocked, 0)).toBe(24);
    expect(await readdir(stateDir)).toEqual(['last-report.json']);
  });

  it('on SIGTERM finishes the request in flight, writes the report and exits 0 by itself', async () => {
    const record = join(dir, 'record.txt');
    const stateDir = join(dir, 'state');
    const child = startChild({ mode: 'long', stateDir, record, requestMs: 300, stopTimeoutMs: 10_000 });
    await child.waitFor('running');
    child.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });

    const lines = (await readRecord(record)).map((l) => l.what);
    const starts = lines.filter((w) => w.startsWith('request-start')).length;
    const ends = lines.filter((w) => w.startsWith('request-end')).length;
    expect(starts).toBeGreaterThan(0);
    expect(ends).toBe(starts); // the request in flight completed, no new one began
    expect(lines[lines.length - 1]).toBe('aborted');

    const written = JSON.parse(await readFile(join(stateDir, 'last-report.json'), 'utf8')) as RunReport;
    expect(written).toMatchObject({ outcome: 'partial', error: { code: 'ABORTED' } });
    expect(written.applied.membershipPatches).toBe(ends);
    expect(await readdir(stateDir)).toEqual(['last-report.json']); // lock released
    const log = child.stderr();
    expect(log).toContain('"reason":"SIGTERM"');
    expect(log).toContain('"exitCode":0');
  });
});
