// runOnce when the tenant client cannot even be made: a worker started with a tenant.caFile that
// was removed since (a rotated secret mount) must fail that run as a failed read does, with a
// report (and so the webhook), not throw past the caller.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { runOnce } from '../../src/runner/run-once.ts';
import { createTestCertificates } from '../support/certs.ts';

const dir = mkdtempSync(join(tmpdir(), 'qgs-run-once-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runOnce', () => {
  it('a tenant client that cannot be made fails the run with a report: exit 1, TENANT_TLS, no request', async () => {
    const { caFile } = createTestCertificates(join(dir, 'certs'));
    const { config } = await loadConfig({
      file: new URL('../../config/demo/demo.yaml', import.meta.url).pathname,
      env: {},
      overrides: { 'tenant.url': 'https://127.0.0.1:9', 'tenant.caFile': caFile, 'sync.stateDir': join(dir, 'state') },
    });
    rmSync(caFile);
    let read = false;
    const result = await runOnce(config, { command: 'apply', dryRun: false }, { readDirectory: async () => ((read = true), Promise.reject(new Error('not reached'))) });
    expect(result.exitCode).toBe(1);
    expect(result.report.outcome).toBe('failed');
    expect(result.report.error?.code).toBe('TENANT_TLS');
    expect(result.report.error?.message).toContain('tenant.caFile');
    expect(result.report.requests.total).toBe(0);
    expect(read).toBe(false);
  });
});
