// Tells a person when a scheduled run needs attention: a JSON POST to a webhook (Slack and Teams
// incoming webhooks read the `text` field; anything else can read the structured fields beside it).
// Sent for failed, blocked and partial runs, not for a partial run we stopped ourselves. A
// notification never fails or delays a run beyond its timeout: errors are logged and swallowed.
// The webhook URL itself is a secret (Slack's carries a token): it is never logged, only its host.
import { hostname } from 'node:os';
import { request, type Dispatcher } from 'undici';
import { describeError } from '../errors.ts';
import { scrub, silentLogger, type Logger } from '../log.ts';
import { PRODUCT, VERSION } from '../version.ts';
import type { RunReport } from './report.ts';

export interface WebhookOptions {
  timeoutMs?: number;
  logger?: Logger;
  /** undici transport (tests, proxies). */
  dispatcher?: Dispatcher;
}

/** At most this many failed operations are listed; the count says how many there were. */
const MAX_FAILURES = 20;

/** Whether a report calls for a notification. */
export function shouldNotify(report: RunReport): boolean {
  if (report.outcome === 'failed' || report.outcome === 'blocked') return true;
  return report.outcome === 'partial' && report.error?.code !== 'ABORTED';
}

function summary(report: RunReport): string {
  const head = `${PRODUCT} ${report.command} on ${report.tenant.url}: ${report.outcome.toUpperCase()} (run ${report.runId})`;
  const parts: string[] = [];
  if (report.error) parts.push(`${report.error.code}: ${report.error.message}`);
  for (const v of report.violations) parts.push(`safety limit ${v.limit}: ${v.message}`);
  if (report.failures.length > 0) {
    const a = report.applied;
    parts.push(`${report.failures.length} operation(s) failed; applied ${a.createGroups + a.updateGroups + a.deleteGroups} group change(s) and ${a.membershipPatches} membership patch(es)`);
  }
  parts.push(`started ${report.startedAt}, took ${(report.durationMs / 1000).toFixed(1)}s, on ${hostname()}`);
  return `${head}\n${parts.map((p) => `• ${p}`).join('\n')}`;
}

/** The JSON body: a `text` summary plus the report's structured facts (never secrets). */
export function webhookPayload(report: RunReport): Record<string, unknown> {
  return {
    text: summary(report),
    product: PRODUCT,
    version: VERSION,
    host: hostname(),
    runId: report.runId,
    command: report.command,
    outcome: report.outcome,
    dryRun: report.dryRun,
    tenant: report.tenant.url,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    error: report.error ?? null,
    violations: report.violations,
    failures: report.failures.slice(0, MAX_FAILURES),
    failureCount: report.failures.length,
    planned: report.planned,
    applied: report.applied,
    requests: { total: report.requests.total, writes: report.requests.writes, retries: report.requests.retries, rateLimited: report.requests.rateLimited },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

/** Posts the report to the webhook. Resolves true when the receiver answered 2xx; never throws. */
export async function notifyWebhook(url: string, report: RunReport, options: WebhookOptions = {}): Promise<boolean> {
  const logger = options.logger ?? silentLogger();
  const host = hostOf(url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    const body = scrub(JSON.stringify(webhookPayload(report)));
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `${PRODUCT}/${VERSION}` },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    await response.body.dump().catch(() => undefined);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      logger.info({ webhookHost: host, outcome: report.outcome }, 'notified the webhook of an unsuccessful run');
      return true;
    }
    logger.warn({ webhookHost: host, status: response.statusCode }, 'the webhook refused the notification');
    return false;
  } catch (error) {
    // undici messages can carry the URL; scrub() removes it once the worker registered it as a secret.
    logger.warn({ webhookHost: host }, `could not notify the webhook: ${scrub(describeError(error))}`);
    return false;
  }
}
