// The benchmark's world for one size: the generated directory loaded into a real slapd (slapadd),
// the tenant emulator in this process (rate limits off; the measured bridge runs in child
// processes, so the two do not share an event loop), and the bridge's config file pointing at
// both. The directory database is copied after loading so each run starts from the same data
// (restoreDirectory), whatever the churn step changed.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';
import { GROUPS, PEOPLE, SUFFIX, writeLdif } from './directory-io.ts';
import type { BenchDirectory } from './model.ts';

/** Pacing high enough not to hold the bridge back against the emulator: the option table's maximum. */
export const BENCH_RATE_LIMITS = { tier1PerMinute: 100_000, tier2PerMinute: 100_000, specialPerMinute: 100_000 };
export const PREFIX = 'CG-';
/**
 * The sync steps scale the client's pacing by this (its `timeScale`, the hook tests and the
 * emulator's scaled time use): even at the option table's maximum the client would pace writes to
 * about 1,600/s, which already decides the first sync's time at S, so with the emulator's limits off
 * the end-to-end time would measure the pacer, not the bridge.
 */
export const CLIENT_TIME_SCALE = 100;

export interface BenchWorld {
  dir: string;
  slapd: SlapdServer;
  emulator: EmulatorHandle;
  configFile: string;
  config: Config;
  ldifBytes: number;
  /** Writing the LDIF, slapadd and slapd start. */
  loadMs: number;
  restoreDirectory(): Promise<void>;
  close(): Promise<void>;
}

export function benchConfig(slapd: SlapdServer, emulator: EmulatorHandle, stateDir: string): Record<string, unknown> {
  return {
    directory: {
      kind: 'openldap',
      urls: [slapd.ldapsUrl],
      caFile: slapd.caFile,
      bindDn: slapd.rootDn,
      bindPassword: slapd.rootPassword,
      timeoutMs: 600_000,
      groups: { baseDns: [GROUPS] },
      users: { baseDns: [PEOPLE], attributes: ['uid', 'mail', 'displayName'] },
    },
    tenant: { url: emulator.url, apiKey: emulator.apiKey, rateLimits: BENCH_RATE_LIMITS, requestTimeoutMs: 120_000 },
    mapping: { prefix: PREFIX, nameTemplate: '{name}', user: { matchBy: 'subject', subjectTemplate: '{uid}' }, createUsers: true },
    // L fills the tenant to Qlik's 10,000 groups exactly: no headroom kept. Deletion limits are
    // lifted per run (allowDeletes), as an operator approving the churn run would.
    sync: { stateDir, deleteGroups: true, limits: { groupHeadroom: 0 }, http: { enabled: false } },
    logging: { level: 'silent', format: 'json' },
  };
}

export async function startBenchWorld(directory: BenchDirectory, progress: (line: string) => void): Promise<BenchWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'qgs-bench-'));
  const started = performance.now();
  const ldifFile = join(dir, 'directory.ldif');
  const ldifBytes = writeLdif(directory, ldifFile);
  progress(`LDIF written (${Math.round(ldifBytes / 1e6)} MB); slapadd...`);
  let slapd: SlapdServer;
  try {
    slapd = await startSlapd({ suffix: SUFFIX, ldif: ldifFile });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const loadMs = performance.now() - started;
  rmSync(ldifFile, { force: true });
  const db = join(slapd.dir, 'db');
  const pristine = join(dir, 'db-pristine');
  await slapd.kill('SIGTERM');
  cpSync(db, pristine, { recursive: true });
  await slapd.restart();
  progress(`slapd loaded in ${Math.round(loadMs / 100) / 10} s`);

  const emulator = await startEmulator({ port: 0 });
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(benchConfig(slapd, emulator, join(dir, 'state'))));
  const { config } = await loadConfig({ file: configFile, env: {} });

  return {
    dir,
    slapd,
    emulator,
    configFile,
    config,
    ldifBytes,
    loadMs,
    async restoreDirectory() {
      await slapd.kill('SIGTERM');
      rmSync(db, { recursive: true, force: true });
      cpSync(pristine, db, { recursive: true });
      await slapd.restart();
    },
    async close() {
      await emulator.close().catch(() => undefined);
      await slapd.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
