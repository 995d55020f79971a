// `qlik-group-sync emulator`: parse the flags, start, print the URL, run until SIGINT/SIGTERM (or
// the optional abort signal, for tests), close (which saves --state), and return the exit code.
import { describeError, EXIT, exitCodeFor } from '../errors.ts';
import { EMULATOR_USAGE, parseEmulatorArgs, wantsHelp } from './options.ts';
import { startEmulator } from './start.ts';

export interface CommandIo {
  stdout: NodeJS.WritableStream | { write(text: string): unknown };
  stderr: NodeJS.WritableStream | { write(text: string): unknown };
}

export async function runEmulatorCommand(argv: string[], io: CommandIo, control: { signal?: AbortSignal } = {}): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(EMULATOR_USAGE);
    return EXIT.ok;
  }
  let handle: Awaited<ReturnType<typeof startEmulator>>;
  try {
    handle = await startEmulator(parseEmulatorArgs(argv));
  } catch (error) {
    io.stderr.write(`error: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
  io.stdout.write(`Qlik Cloud tenant emulator listening on ${handle.url}\n`);
  const limits = handle.core.limiter.config();
  io.stderr.write(
    `emulator: ${handle.core.options.apiKeys.length} API key(s), ${handle.core.options.oauthClients.length} OAuth client(s); ` +
      `rate limits ${limits ? `${limits.tier1PerMinute}/${limits.tier2PerMinute}/${limits.specialPerMinute} per minute over ${limits.windowMinutes} min` : 'off'}; ` +
      `control surface at ${handle.url}/__emulator; stop with Ctrl-C\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      control.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (control.signal?.aborted) stop();
    else control.signal?.addEventListener('abort', stop);
  });

  try {
    await handle.close();
  } catch (error) {
    io.stderr.write(`error: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
  io.stderr.write('emulator: stopped\n');
  return EXIT.ok;
}
