// Running measured things in child processes: a bench step (step.ts) under the project's Node, and
// the baseline, OpenLDAP's own `ldapsearch` with paged results, reading the same entries and
// attributes from the same server. Peak memory is the child's max RSS: the step reports its own
// (getrusage); ldapsearch's comes from GNU time (`/usr/bin/time -f %M`) when it is installed, or
// else from polling /proc/PID/status (VmHWM), which can miss a last-moment peak.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepRequest, StepResult } from './step.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
export const NODE = join(ROOT, 'node_modules/.bin/node');
const STEP = join(ROOT, 'test/bench/step.ts');
const GNU_TIME = '/usr/bin/time';

export function peakMemoryMethod(): string {
  return existsSync(GNU_TIME) ? 'GNU time %M' : '/proc VmHWM polling';
}

/** Runs one step in a fresh Node process and returns what it printed. */
export function runStep(request: StepRequest): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--expose-gc', STEP, JSON.stringify(request)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`bench step ${request.step} exited with ${code}: ${stderr.trim().split('\n').slice(-8).join('\n')}`));
        return;
      }
      resolve(JSON.parse(line) as StepResult);
    });
  });
}

export interface LdapSearch {
  base: string;
  filter: string;
  attributes: string[];
}

/** The reader's two searches (its first group and user bases, with planQueries' filters and attributes). */
export function readerSearches(
  directory: { groups: { baseDns: string[] }; users: { baseDns: string[] } },
  queries: { groupFilter: string; groupAttributes: string[]; userFilter: string; userAttributes: string[] },
): LdapSearch[] {
  return [
    { base: directory.groups.baseDns[0]!, filter: queries.groupFilter, attributes: queries.groupAttributes },
    { base: directory.users.baseDns[0]!, filter: queries.userFilter, attributes: queries.userAttributes },
  ];
}

export interface LdapServer {
  url: string;
  bindDn: string;
  password: string;
  caFile?: string | undefined;
}

export interface ProcessMeasure {
  ms: number;
  maxRssKb: number;
}

function vmHwmKb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** One ldapsearch, output to /dev/null: wall time from spawn to exit, and its peak RSS. */
function ldapsearch(server: LdapServer, search: LdapSearch, pageSize: number): Promise<ProcessMeasure> {
  const args = ['-LLL', '-x', '-H', server.url, '-D', server.bindDn, '-w', server.password, '-b', search.base, '-s', 'sub', '-E', `pr=${pageSize}/noprompt`, search.filter, ...search.attributes];
  const dir = mkdtempSync(join(tmpdir(), 'qgs-bench-time-'));
  const timeFile = join(dir, 'rss');
  const useTime = existsSync(GNU_TIME);
  const [command, argv] = useTime ? [GNU_TIME, ['-f', '%M', '-o', timeFile, 'ldapsearch', ...args]] : ['ldapsearch', args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(server.caFile ? { LDAPTLS_CACERT: server.caFile } : {}) } });
    let stderr = '';
    let polled = 0;
    const poll = useTime ? undefined : setInterval(() => (polled = Math.max(polled, vmHwmKb(child.pid ?? 0))), 5);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (poll) clearInterval(poll);
      try {
        if (code !== 0) throw new Error(`ldapsearch exited with ${code}: ${stderr.trim()}`);
        const maxRssKb = useTime ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) : polled;
        resolve({ ms, maxRssKb });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** The searches one after the other (as the bridge's reader makes them): total time, largest peak. */
export async function ldapsearchAll(server: LdapServer, searches: LdapSearch[], pageSize: number): Promise<ProcessMeasure> {
  let ms = 0;
  let maxRssKb = 0;
  for (const search of searches) {
    const one = await ldapsearch(server, search, pageSize);
    ms += one.ms;
    maxRssKb = Math.max(maxRssKb, one.maxRssKb);
  }
  return { ms, maxRssKb };
}
