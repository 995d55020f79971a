// The deployment examples agree with the image and with each other: the CronJob and the
// Deployment keep their promises (no concurrent jobs, non-root, read-only root, secrets as files,
// probes on the right paths and port), and the mounted configs point at what is mounted.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { KEYS_BY_ENV } from '../../src/config/options.ts';
import { parseDockerfile } from './dockerfile-lint.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// Kubernetes reads YAML 1.1.
const docs = (path: string) => parseAllDocuments(read(path), { version: '1.1' }).map((d) => d.toJS() as Record<string, any>);

const final = parseDockerfile(read('Dockerfile')).stages.at(-1)!;
const imageUser = Number(final.instructions.find((i) => i.keyword === 'USER')!.args.split(':')[0]);
const exposed = Number(final.instructions.find((i) => i.keyword === 'EXPOSE')!.args.trim());
const CONFIG_PATH = '/etc/qlik-group-sync/config.yaml';
const STATE = '/var/lib/qlik-group-sync';

type Config = { tenant: Record<string, string>; directory: Record<string, unknown>; sync: { stateDir: string; stopTimeoutMs: number; http: { enabled: boolean; host: string; port: number } } };
const configMap = docs('config/k8s/configmap.yaml')[0]!;
const k8sConfig = parse(configMap.data['config.yaml'] as string) as Config;
const dockerConfig = parse(read('config/docker/config.yaml')) as Config;

function fileKeys(value: unknown, path = ''): [string, string][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    k.endsWith('File') && typeof v === 'string' ? [[`${path}${k}`, v] as [string, string]] : fileKeys(v, `${path}${k}.`),
  );
}

function checkPod(spec: Record<string, any>, args: string[]) {
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: imageUser, fsGroup: imageUser });
  expect(spec.automountServiceAccountToken).toBe(false);
  const [container] = spec.containers as Record<string, any>[];
  expect(container!.args).toEqual(args);
  expect(container!.image).toMatch(/:[^:]+$/);
  expect(container!.image).not.toMatch(/:latest$/);
  expect(container!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  expect(container!.resources.requests).toHaveProperty('memory');
  expect(container!.resources.limits).toHaveProperty('memory');
  // Secrets come from a Secret as files, never as environment values.
  for (const env of (container!.env ?? []) as Record<string, any>[]) expect(env.valueFrom?.secretKeyRef, env.name).toBeUndefined();
  const mounts = Object.fromEntries((container!.volumeMounts as Record<string, any>[]).map((m) => [m.name, m]));
  const volumes = Object.fromEntries((spec.volumes as Record<string, any>[]).map((v) => [v.name, v]));
  expect(volumes.secrets.secret.secretName).toBe('qlik-group-sync');
  expect(volumes.secrets.secret.defaultMode).toBe(0o440);
  expect(volumes.config.configMap.name).toBe(configMap.metadata.name);
  expect(`${mounts.config.mountPath}/config.yaml`).toBe(CONFIG_PATH);
  expect(mounts.state.mountPath).toBe(STATE);
  for (const [key, file] of fileKeys(k8sConfig)) expect(file.startsWith(`${mounts.secrets.mountPath}/`), key).toBe(true);
  expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(k8sConfig.sync.stopTimeoutMs);
  return container!;
}

describe('Kubernetes examples', () => {
  it('the CronJob never runs two jobs at once and runs apply once per job', () => {
    const [cron] = docs('config/k8s/cronjob.yaml');
    expect(cron).toMatchObject({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { concurrencyPolicy: 'Forbid' } });
    const job = cron!.spec.jobTemplate.spec;
    expect(job.template.spec.restartPolicy).toBe('Never');
    checkPod(job.template.spec, ['apply', '--config', CONFIG_PATH]);
  });

  it('the Deployment probes /healthz and /readyz on the configured port and exposes metrics', () => {
    const [deployment, service] = docs('config/k8s/deployment.yaml');
    expect(deployment).toMatchObject({ kind: 'Deployment', spec: { replicas: 1, strategy: { type: 'Recreate' } } });
    const container = checkPod(deployment!.spec.template.spec, ['run', '--config', CONFIG_PATH]);
    const port = (container.ports as Record<string, any>[])[0]!;
    expect(port.containerPort).toBe(k8sConfig.sync.http.port);
    expect(port.containerPort).toBe(exposed);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: port.name });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: port.name });
    expect(service).toMatchObject({ kind: 'Service', spec: { publishNotReadyAddresses: true, selector: deployment!.spec.selector.matchLabels } });
    expect(service!.spec.ports[0].targetPort).toBe(port.name);
  });

  it('the mounted config listens on all interfaces, keeps state on the volume and names secret files only', () => {
    for (const config of [k8sConfig, dockerConfig]) {
      expect(config.sync.stateDir).toBe(STATE);
      expect(config.sync.http).toEqual({ enabled: true, host: '0.0.0.0', port: exposed });
      expect(config.tenant.apiKey).toBeUndefined();
      expect(config.directory.bindPassword).toBeUndefined();
      expect(fileKeys(config).map(([k]) => k)).toEqual(expect.arrayContaining(['directory.bindPasswordFile', 'tenant.apiKeyFile']));
    }
  });
});

describe('Docker examples', () => {
  it('run.sh is valid sh and mounts what config.yaml names', () => {
    const script = read('config/docker/run.sh');
    expect(spawnSync('sh', ['-n', join(ROOT, 'config/docker/run.sh')]).status).toBe(0);
    expect(script).toContain(`:${CONFIG_PATH}:ro`);
    expect(script).toContain(`:${STATE}`);
    expect(script).toContain('--read-only');
    expect(script).toContain(`--user ${imageUser}:`);
    const secretsMount = /-v "\$SECRETS:([^:"]+):ro"/.exec(script)?.[1];
    expect(secretsMount).toBeDefined();
    for (const [key, file] of fileKeys(dockerConfig)) expect(file.startsWith(`${secretsMount}/`), key).toBe(true);
  });

  it('env.example holds no secrets', () => {
    const names = read('config/docker/env.example')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).not.toMatch(/PASSWORD|SECRET|TOKEN|API_KEY|WEBHOOK/);
  });

  it('env.example names only variables the configuration loader reads', () => {
    const names = read('config/docker/env.example')
      .split('\n')
      .filter((l) => /^QGS_[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(KEYS_BY_ENV.has(name), name).toBe(true);
  });
});
