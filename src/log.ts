// Logging with pino. Every line carries a run id (from AsyncLocalStorage, so code deep in a run
// never passes it around), and every registered secret is scrubbed from every line by the one
// stream all lines pass through: secrets are redacted by construction, not by care.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { REDACTED, clearSecrets, registerSecret, scrub } from './secrets.ts';

export type { Logger };
export type LogFormat = 'json' | 'pretty' | 'auto';

export { clearSecrets, registerSecret, scrub };

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

const runContext = new AsyncLocalStorage<string>();
let processRunId = newRunId();

/** Runs fn with every log line inside it tagged with runId. */
export function withRunId<T>(runId: string, fn: () => T): T {
  return runContext.run(runId, fn);
}

export function currentRunId(): string {
  return runContext.getStore() ?? processRunId;
}

export interface LogOptions {
  level?: LevelWithSilent;
  format?: LogFormat;
  /** Where lines go; default process.stderr (stdout is kept for plans and reports). */
  destination?: { write(line: string): unknown; isTTY?: boolean };
  runId?: string;
}

const REDACT_PATHS = [
  'password',
  'bindPassword',
  'apiKey',
  'clientSecret',
  'client_secret',
  'access_token',
  'token',
  'authorization',
  '*.password',
  '*.bindPassword',
  '*.apiKey',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Turns one pino JSON line into "HH:MM:SS.mmm LEVEL [run] message key=value ...". */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, runId, pid: _pid, hostname: _hostname, ...rest } = record;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const levelName = (LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5);
  const extras = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${when} ${levelName} [${String(runId ?? '')}] ${String(msg ?? '')}${extras ? ' ' + extras : ''}\n`;
}

export function createLogger(options: LogOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  if (options.runId) processRunId = options.runId;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && destination.isTTY === true);
  const stream = {
    write(line: string): void {
      const clean = scrub(line);
      destination.write(pretty ? prettyLine(clean) : clean);
    },
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.epochTime,
      messageKey: 'msg',
      mixin: () => ({ runId: currentRunId() }),
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { level: (_label, number) => ({ level: number }) },
    },
    stream,
  );
}

/** A logger that drops everything (for pure tests and library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
