// Emulator options: the in-process API's `EmulatorOptions`, their defaults and checks, and the
// command-line flags of `qlik-group-sync emulator` that produce them. One table of flags drives
// parsing and the usage text.
import { parseArgs } from 'node:util';
import { SyncError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { OAuthClient } from './auth.ts';
import { normalizeRateLimits, type RateLimitConfig, type RateLimitSetting } from './limits/rate-limit.ts';

export interface EmulatorOptions {
  /** Listen address, default '127.0.0.1'. */
  host?: string;
  /** Listen port, default 0 (any free port). */
  port?: number;
  /** Accepted bearer API keys; default ['emulator-api-key']. */
  apiKeys?: string[];
  oauthClients?: OAuthClient[];
  /** OAuth access token lifetime, default 21600. */
  tokenTtlSeconds?: number;
  /** Default 'off'. */
  rateLimits?: RateLimitSetting;
  /** >1 runs rate-limit windows and Retry-After faster: 60 => one emulated minute per real second. Default 1. */
  timeScale?: number;
  /** Loaded at start if it exists, saved on close. */
  stateFile?: string;
  tenantId?: string;
  logger?: Logger;
}

export const DEFAULT_API_KEY = 'emulator-api-key';
export const DEFAULT_TENANT_ID = 'EmulatedTenant0000000000000000001';
export const DEFAULT_TOKEN_TTL_SECONDS = 21_600;

export interface ResolvedOptions {
  host: string;
  port: number;
  apiKeys: string[];
  oauthClients: OAuthClient[];
  tokenTtlSeconds: number;
  rateLimits: RateLimitConfig | null;
  timeScale: number;
  stateFile: string | undefined;
  tenantId: string;
  logger: Logger | undefined;
}

function usage(message: string): SyncError {
  return new SyncError('USAGE', `emulator: ${message}`);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Checks options up front; every message names the option. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw usage('host must be a non-empty string');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw usage('port must be an integer from 0 to 65535');
  const apiKeys = options.apiKeys ?? [DEFAULT_API_KEY];
  if (!Array.isArray(apiKeys) || apiKeys.some((key) => typeof key !== 'string' || key.length < 4 || /\s/.test(key))) {
    throw usage('apiKeys: each API key must be a string of at least 4 characters without spaces');
  }
  const oauthClients = options.oauthClients ?? [];
  const clientIds = new Set<string>();
  for (const client of oauthClients) {
    if (!client || typeof client.clientId !== 'string' || client.clientId.length === 0 || /[\s:]/.test(client.clientId)) {
      throw usage('oauthClients: clientId must be a non-empty string without spaces or ":"');
    }
    if (typeof client.clientSecret !== 'string' || client.clientSecret.length < 4) throw usage(`oauthClients: the secret of ${client.clientId} must have at least 4 characters`);
    if (clientIds.has(client.clientId)) throw usage(`oauthClients: ${client.clientId} is listed twice`);
    clientIds.add(client.clientId);
  }
  if (apiKeys.length === 0 && oauthClients.length === 0) throw usage('give at least one API key or OAuth client, or nothing could call the emulator');
  if (!isLoopback(host) && options.apiKeys === undefined && oauthClients.length === 0) {
    throw usage(`host ${host} is not a loopback address: choose your own credentials (apiKeys / --api-key) instead of the well-known default key`);
  }
  const tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < 1) throw usage('tokenTtlSeconds must be a positive integer');
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0) throw usage('timeScale must be a number greater than 0');
  const rateLimits = normalizeRateLimits(options.rateLimits ?? 'off', (detail) => usage(detail));
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  if (typeof tenantId !== 'string' || !/^[\w.-]{1,64}$/.test(tenantId)) throw usage('tenantId must be 1 to 64 letters, digits, "_", "-" or "."');
  return { host, port, apiKeys: [...apiKeys], oauthClients: oauthClients.map((c) => ({ ...c })), tokenTtlSeconds, rateLimits, timeScale, stateFile: options.stateFile, tenantId, logger: options.logger };
}

export interface FlagSpec {
  name: string;
  value: string;
  multiple?: boolean;
  description: string;
}

export const EMULATOR_FLAGS: readonly FlagSpec[] = [
  { name: 'host', value: 'H', description: 'Listen address (default 127.0.0.1; other addresses need --api-key)' },
  { name: 'port', value: 'N', description: 'Listen port (default 0: any free port)' },
  { name: 'state', value: 'FILE', description: 'Load the tenant from FILE if it exists; save it there on shutdown' },
  { name: 'api-key', value: 'KEY', multiple: true, description: `Accept this bearer API key (repeatable; default ${DEFAULT_API_KEY})` },
  { name: 'oauth-client', value: 'ID:SECRET', multiple: true, description: 'Accept this OAuth client-credentials client (repeatable)' },
  { name: 'rate-limits', value: 'SPEC', description: 'qlik | off (default) | <tier1>/<tier2>[/<special>][@<windowMinutes>] per minute' },
  { name: 'time-scale', value: 'X', description: 'Run rate-limit windows X times faster (default 1)' },
  { name: 'token-ttl', value: 'SECONDS', description: `OAuth access token lifetime (default ${DEFAULT_TOKEN_TTL_SECONDS})` },
  { name: 'tenant-id', value: 'ID', description: 'Tenant id reported in records and events' },
];

export const EMULATOR_USAGE = [
  'Usage: qlik-group-sync emulator [options]',
  '',
  'Starts a local Qlik Cloud tenant emulator (groups, users, roles, OAuth) with a control surface under /__emulator/.',
  '',
  'Options:',
  ...EMULATOR_FLAGS.map((flag) => `  --${`${flag.name} ${flag.value}`.padEnd(24)} ${flag.description}`),
  `  ${'-h, --help'.padEnd(26)} Show this help`,
  '',
].join('\n');

function number(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw usage(`--${flag}: "${text}" is not ${integer ? 'an integer' : 'a number'}`);
  return value;
}

/** `qlik`, `off`, or `<tier1>/<tier2>[/<special>][@<windowMinutes>]`. */
export function parseRateLimitSpec(text: string): RateLimitSetting {
  if (text === 'qlik' || text === 'off') return text;
  const match = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?(?:@(\d+(?:\.\d+)?))?$/.exec(text);
  if (!match) throw usage(`--rate-limits: "${text}" is not qlik, off or <tier1>/<tier2>[/<special>][@<windowMinutes>]`);
  const setting: RateLimitSetting = { tier1PerMinute: Number(match[1]), tier2PerMinute: Number(match[2]) };
  if (match[3] !== undefined) setting.specialPerMinute = Number(match[3]);
  if (match[4] !== undefined) setting.windowMinutes = Number(match[4]);
  normalizeRateLimits(setting, (detail) => usage(`--rate-limits: ${detail}`));
  return setting;
}

/** argv of the `emulator` command (without the command name) -> options. Throws SyncError('USAGE'). */
export function parseEmulatorArgs(argv: string[]): EmulatorOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(EMULATOR_FLAGS.map((flag) => [flag.name, { type: 'string' as const, multiple: flag.multiple === true }])),
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const list = (name: string): string[] | undefined => values[name] as string[] | undefined;
  const options: EmulatorOptions = {};
  if (text('host') !== undefined) options.host = text('host')!;
  if (text('port') !== undefined) options.port = number('port', text('port')!, true);
  if (text('state') !== undefined) options.stateFile = text('state')!;
  if (list('api-key') !== undefined) options.apiKeys = list('api-key')!;
  if (list('oauth-client') !== undefined) {
    options.oauthClients = list('oauth-client')!.map((spec) => {
      const at = spec.indexOf(':');
      if (at <= 0 || at === spec.length - 1) throw usage('--oauth-client: expected ID:SECRET');
      return { clientId: spec.slice(0, at), clientSecret: spec.slice(at + 1) };
    });
  }
  if (text('rate-limits') !== undefined) options.rateLimits = parseRateLimitSpec(text('rate-limits')!);
  if (text('time-scale') !== undefined) options.timeScale = number('time-scale', text('time-scale')!, false);
  if (text('token-ttl') !== undefined) options.tokenTtlSeconds = number('token-ttl', text('token-ttl')!, true);
  if (text('tenant-id') !== undefined) options.tenantId = text('tenant-id')!;
  resolveOptions(options); // every value checked now, with the flag-level message
  return options;
}

/** Whether argv asks for help (checked before parsing, so `--help` works next to a bad flag). */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
