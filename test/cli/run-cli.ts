// Runs the CLI two ways: in-process through `main` with captured streams (fast, for most cases),
// and as a real child process with Node 24 (`node src/cli.ts ...`) for the end-to-end checks.
import { execFile } from 'node:child_process';
import { main } from '../../src/cli.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = `${ROOT}node_modules/.bin/node`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runMain(argv: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, env, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } }, { cwd });
  return { code, stdout, stderr };
}

/** The real CLI in a child process, with only the given environment (plus PATH). */
export function runCliProcess(argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(NODE, ['src/cli.ts', ...argv], { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
