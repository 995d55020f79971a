// A small Dockerfile reader, linter and build emulator for a machine without a Docker engine.
// The reader handles what our Dockerfile uses (line continuations, comments, flags, JSON and shell
// forms, multi-stage). The linter's rules are the image's promises: multi-stage, pinned Node 24
// runtime, numeric non-root user, no package manager in the final stage, HEALTHCHECK, exec-form
// ENTRYPOINT, OCI labels, and COPY sources that exist. The emulator replays WORKDIR/ENV/COPY/RUN
// of each stage in a folder, so the test checks the layout the Dockerfile itself describes.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cp, lchown, lstat, mkdir, readdir } from 'node:fs/promises';
import { basename, isAbsolute, join, posix } from 'node:path';

export interface Instruction {
  keyword: string;
  /** Text after the keyword and its flags. */
  args: string;
  flags: Record<string, string>;
  /** For JSON (exec) form. */
  json?: string[];
  line: number;
}

export interface Stage {
  index: number;
  name?: string;
  image: string;
  line: number;
  instructions: Instruction[];
}

export interface Problem {
  rule: string;
  line: number;
  message: string;
}

const FLAG_KEYWORDS = new Set(['FROM', 'COPY', 'ADD', 'RUN', 'HEALTHCHECK']);

export function parseDockerfile(text: string): { stages: Stage[]; preamble: Instruction[] } {
  const lines = text.split('\n');
  const logical: { text: string; line: number }[] = [];
  let buffer = '';
  let startLine = 0;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return; // comments (and parser directives) are dropped, also inside continuations
    if (buffer === '' && trimmed === '') return;
    if (buffer === '') startLine = i + 1;
    if (/\\\s*$/.test(raw)) {
      buffer += raw.replace(/\\\s*$/, ' ');
      return;
    }
    buffer += raw;
    logical.push({ text: buffer.trim(), line: startLine });
    buffer = '';
  });
  if (buffer.trim() !== '') logical.push({ text: buffer.trim(), line: startLine });

  const stages: Stage[] = [];
  const preamble: Instruction[] = [];
  for (const { text: t, line } of logical) {
    const m = /^(\S+)\s*(.*)$/s.exec(t)!;
    const keyword = m[1]!.toUpperCase();
    let rest = m[2]!;
    const flags: Record<string, string> = {};
    if (FLAG_KEYWORDS.has(keyword)) {
      for (;;) {
        const f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
        if (!f) break;
        flags[f[1]!] = f[2] ?? 'true';
        rest = rest.slice(f[0].length);
      }
    }
    const instruction: Instruction = { keyword, args: rest, flags, line };
    let jsonText = rest;
    if (keyword === 'HEALTHCHECK') jsonText = rest.replace(/^CMD\s+/i, '');
    if (jsonText.startsWith('[')) {
      try {
        const parsed = JSON.parse(jsonText) as unknown;
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) instruction.json = parsed as string[];
      } catch {
        // shell form that happens to start with [
      }
    }
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(rest);
      stages.push({ index: stages.length, image: from?.[1] ?? rest, ...(from?.[2] ? { name: from[2] } : {}), line, instructions: [] });
    } else if (stages.length === 0) {
      preamble.push(instruction);
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return { stages, preamble };
}

/** `key=value` pairs of a LABEL or ENV, values optionally double-quoted. */
export function parsePairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of args.matchAll(re)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return out;
}

/** COPY/ADD sources and destination (shell or JSON form). */
export function copyParts(instruction: Instruction): { sources: string[]; dest: string } {
  const parts = instruction.json ?? instruction.args.split(/\s+/).filter(Boolean);
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1] ?? '' };
}

const PACKAGE_MANAGERS = /(^|[\s;&|(])(npm|npx|yarn|pnpm|corepack|apt|apt-get|dpkg|apk|dnf|yum|microdnf|pip)(\s|$)/;

export function lintDockerfile(text: string, options: { contextDir: string; version?: string }): Problem[] {
  const problems: Problem[] = [];
  const report = (rule: string, line: number, message: string) => problems.push({ rule, line, message });
  const { stages } = parseDockerfile(text);
  if (stages.length < 2) report('multi-stage', 1, `expected a multi-stage build, found ${stages.length} FROM`);
  const final = stages[stages.length - 1];
  if (!final) return problems;
  const names = new Map<string, Stage>();

  for (const stage of stages) {
    if (!/[:@]/.test(stage.image.replace(/^[^/]*\//, '')) || stage.image.endsWith(':latest')) {
      report('pinned-base', stage.line, `base image ${stage.image} has no version tag or digest`);
    }
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ADD') report('no-add', ins.line, 'use COPY, not ADD');
      if (ins.keyword === 'COPY') {
        const { sources } = copyParts(ins);
        const from = ins.flags.from;
        for (const src of sources) {
          if (from === undefined) {
            if (src === '.' || src === './' || src === '*') report('copy-whole-context', ins.line, 'COPY of the whole build context would bring node_modules/ and local files in');
            else if (!existsSync(join(options.contextDir, src))) report('copy-source', ins.line, `COPY source ${src} does not exist in the build context`);
          } else {
            if (!names.has(from)) report('copy-from-stage', ins.line, `COPY --from=${from} names no earlier stage`);
            if (!isAbsolute(src)) report('copy-from-absolute', ins.line, `COPY --from source ${src} should be absolute (it is read from the stage's root)`);
          }
        }
      }
      if (ins.keyword === 'RUN' && stage !== final && /\bnpm\s+install\b/.test(ins.args)) report('npm-ci', ins.line, 'use npm ci (the lockfile), not npm install');
      if (ins.keyword === 'WORKDIR' && !ins.args.startsWith('/')) report('workdir-absolute', ins.line, 'WORKDIR should be absolute');
    }
    if (stage.name) names.set(stage.name, stage);
  }

  if (!/(^|\/)node:24([.-]|$)|nodejs24/.test(final.image)) report('final-node24', final.line, `the runtime image ${final.image} is not a Node.js 24 image`);
  const inFinal = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);

  for (const run of inFinal('RUN')) {
    if (PACKAGE_MANAGERS.test(run.json ? run.json.join(' ') : run.args)) report('final-no-package-manager', run.line, `package manager run in the final stage: ${run.args}`);
  }
  const users = inFinal('USER');
  const user = users[users.length - 1];
  if (!user) report('final-user', final.line, 'the final stage sets no USER (it would run as root)');
  else {
    const m = /^(\d+)(?::(\d+))?$/.exec(user.args.trim());
    if (!m) report('final-user', user.line, `USER ${user.args} is not numeric (runAsNonRoot cannot verify a name)`);
    else if (Number(m[1]) === 0 || (m[2] !== undefined && Number(m[2]) === 0)) report('final-user', user.line, 'USER is root');
  }
  const health = inFinal('HEALTHCHECK');
  if (health.length === 0) report('healthcheck', final.line, 'no HEALTHCHECK in the final stage');
  for (const h of health) if (!h.json) report('healthcheck-exec', h.line, 'HEALTHCHECK CMD should be exec (JSON) form: the runtime image has no shell');
  const entry = inFinal('ENTRYPOINT');
  if (entry.length === 0) report('entrypoint', final.line, 'no ENTRYPOINT');
  for (const e of entry) if (!e.json) report('entrypoint-exec', e.line, 'ENTRYPOINT should be exec (JSON) form so signals reach node');
  for (const c of inFinal('CMD')) if (!c.json) report('cmd-exec', c.line, 'CMD should be exec (JSON) form');

  const labels = Object.assign({}, ...inFinal('LABEL').map((l) => parsePairs(l.args))) as Record<string, string>;
  for (const key of ['title', 'description', 'licenses', 'version', 'revision', 'source']) {
    if (!(`org.opencontainers.image.${key}` in labels)) report('oci-labels', final.line, `missing LABEL org.opencontainers.image.${key}`);
  }
  const args = Object.assign({}, ...inFinal('ARG').map((a) => parsePairs(a.args))) as Record<string, string>;
  if (options.version !== undefined && args.VERSION !== options.version) report('version', final.line, `ARG VERSION=${args.VERSION ?? '(none)'} differs from package.json ${options.version}`);
  const env = Object.assign({}, ...inFinal('ENV').map((e) => parsePairs(e.args))) as Record<string, string>;
  if (env.NODE_ENV !== 'production') report('node-env', final.line, 'the final stage should set NODE_ENV=production');
  if (!inFinal('VOLUME').some((v) => v.args.includes('/var/lib/qlik-group-sync'))) report('state-volume', final.line, 'no VOLUME for the state folder /var/lib/qlik-group-sync');
  const owner = user?.args.trim();
  const stateCopy = inFinal('COPY').some((c) => copyParts(c).dest.replace(/\/$/, '') === '/var/lib/qlik-group-sync' && owner !== undefined && c.flags.chown === owner);
  if (!stateCopy) report('state-owner', final.line, `the state folder is not created owned by the runtime user (COPY --chown=${owner ?? '?'} ... /var/lib/qlik-group-sync)`);
  return problems;
}

export interface EmulatedImage {
  /** The final stage's root file system folder. */
  root: string;
  workdir: string;
  user: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
  /** Roots of every stage, by name or index. */
  stages: Map<string, string>;
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await lchown(path, uid, gid);
  if ((await lstat(path)).isDirectory()) for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`RUN ${command} exited ${code}:\n${output.slice(-4000)}`))));
  });
}

/**
 * Replays the Dockerfile into folders under `workDir`: each stage's root starts empty (the final
 * stage's gets `baseFiles`), COPY reads the context or an earlier stage's root, RUN runs with `sh`
 * in the stage's WORKDIR (build stages only), with `env` standing in for the base image's.
 */
export async function emulateBuild(
  text: string,
  options: { contextDir: string; workDir: string; env: NodeJS.ProcessEnv; baseFiles?: Record<string, string> },
): Promise<EmulatedImage> {
  const { stages } = parseDockerfile(text);
  const roots = new Map<string, string>();
  let image: EmulatedImage | undefined;
  for (const stage of stages) {
    const root = join(options.workDir, `stage-${stage.index}`);
    await mkdir(root, { recursive: true });
    const isFinal = stage === stages[stages.length - 1];
    if (isFinal) {
      for (const [path, source] of Object.entries(options.baseFiles ?? {})) {
        await mkdir(join(root, posix.dirname(path)), { recursive: true });
        await cp(source, join(root, path));
      }
    }
    let workdir = '/';
    const env: Record<string, string> = {};
    const state = { user: '0', entrypoint: [] as string[], cmd: [] as string[], healthcheck: [] as string[] };
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, ins.args.trim());
          await mkdir(join(root, workdir), { recursive: true });
          break;
        case 'ENV':
          Object.assign(env, parsePairs(ins.args));
          break;
        case 'USER':
          state.user = ins.args.trim();
          break;
        case 'ENTRYPOINT':
          state.entrypoint = ins.json ?? [];
          break;
        case 'CMD':
          state.cmd = ins.json ?? [];
          break;
        case 'HEALTHCHECK':
          state.healthcheck = ins.json ?? [];
          break;
        case 'COPY': {
          const { sources, dest } = copyParts(ins);
          const from = ins.flags.from;
          const fromRoot = from === undefined ? options.contextDir : (roots.get(from) ?? roots.get(String(from)));
          if (fromRoot === undefined) throw new Error(`line ${ins.line}: COPY --from=${from}: no such stage`);
          const destAbs = join(root, posix.resolve(workdir, dest));
          const chown = process.getuid?.() === 0 && ins.flags.chown ? ins.flags.chown.split(':').map(Number) : undefined;
          for (const src of sources) {
            const path = join(fromRoot, src);
            if (!existsSync(path)) throw new Error(`line ${ins.line}: COPY source ${from ? `${from}:` : ''}${src} does not exist`);
            let target = destAbs;
            if (statSync(path).isDirectory()) {
              await cp(path, destAbs, { recursive: true, verbatimSymlinks: true });
            } else {
              target = dest.endsWith('/') || sources.length > 1 ? join(destAbs, basename(src)) : destAbs;
              await mkdir(join(target, '..'), { recursive: true });
              await cp(path, target);
            }
            if (chown) await chownTree(target, chown[0]!, chown[1] ?? chown[0]!);
          }
          break;
        }
        case 'RUN':
          if (isFinal) throw new Error(`line ${ins.line}: RUN in the final stage cannot run in a distroless image`);
          await run(ins.json ? ins.json.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ') : ins.args, join(root, workdir), { ...options.env, ...env });
          break;
        default:
          break;
      }
    }
    roots.set(stage.name ?? String(stage.index), root);
    roots.set(String(stage.index), root);
    if (isFinal) image = { root, workdir, user: state.user, env, entrypoint: state.entrypoint, cmd: state.cmd, healthcheck: state.healthcheck, stages: roots };
  }
  if (!image) throw new Error('no stages');
  return image;
}
