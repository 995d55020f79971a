// Everything one emulator instance holds, independent of HTTP: the tenant, the credentials, the
// rate limiter on its (possibly scaled) clock, fault injection and request statistics. The HTTP
// server and the in-process handle are two doors into the same core.
import { silentLogger, type Logger } from '../log.ts';
import { Credentials } from './auth.ts';
import { EmulatedClock } from './limits/clock.ts';
import { FaultInjector } from './limits/faults.ts';
import { RateLimiter } from './limits/rate-limit.ts';
import { isoNow } from './model/ids.ts';
import { exportState, loadState, readState, type TenantState } from './model/state.ts';
import { Tenant } from './model/tenant.ts';
import type { ResolvedOptions } from './options.ts';
import { RequestStats } from './stats.ts';

/** The actor of changes made through the in-process API (not a credential). */
export const CONTROL_ACTOR_ID = 'ffffffffffffffff00000000';

export class EmulatorCore {
  readonly options: ResolvedOptions;
  readonly tenant: Tenant;
  readonly credentials: Credentials;
  readonly clock: EmulatedClock;
  readonly limiter: RateLimiter;
  readonly faults = new FaultInjector();
  readonly stats = new RequestStats();
  readonly startedAt = isoNow();
  readonly logger: Logger;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger();
    this.tenant = new Tenant(options.tenantId);
    this.credentials = new Credentials(options.apiKeys, options.oauthClients, options.tokenTtlSeconds);
    this.clock = new EmulatedClock(options.timeScale);
    this.limiter = new RateLimiter(this.clock, options.rateLimits ?? 'off');
  }

  /** An empty tenant (default roles and Everyone), no events, empty rate-limit windows, no faults. */
  reset(): void {
    this.tenant.reset();
    this.tenant.tenantId = this.options.tenantId;
    this.faults.clear();
    this.limiter.clear();
  }

  exportState(): TenantState {
    return exportState(this.tenant);
  }

  /** Replaces the tenant with a state document (checked first; a bad one changes nothing). */
  importState(value: unknown): void {
    const builtIn = new Map([...this.tenant.roles].filter(([, role]) => role.type === 'default'));
    loadState(this.tenant, readState(value, builtIn));
  }
}
