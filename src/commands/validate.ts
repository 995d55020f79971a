// `validate`: checks the configuration (every problem at once, exit 78) and prints what was
// loaded, with secrets only as [set] / [not set]. Then, unless --offline, the live checks: bind to
// the directory and show what the group and user queries match; authenticate to the tenant, list
// its roles and check every role `mapping.roles` names. Every problem is reported; any exits 1.
import { renderConfigSummary } from '../config/summary.ts';
import { probeDirectory } from '../directory/index.ts';
import { describeError } from '../errors.ts';
import { scrub } from '../log.ts';
import { createTenantClient } from '../tenant/client.ts';
import type { TenantRole } from '../tenant/snapshot.ts';
import type { Command } from './types.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check the configuration and both connections; show what the directory query matches',
  usage: 'validate --config FILE [--offline]',
  flags: [{ name: 'offline', type: 'boolean', description: 'Check the configuration only; connect to nothing' }],
  async run(ctx) {
    const loaded = await ctx.loadConfig();
    const { config } = loaded;
    const out = (line = ''): void => void ctx.io.stdout.write(`${line}\n`);
    ctx.io.stdout.write(renderConfigSummary(loaded));
    if (ctx.flags.offline === true) return 0;
    const logger = ctx.logger(config);
    const problems: string[] = [];

    out();
    out('Directory:');
    try {
      const probe = await probeDirectory(config.directory, { logger });
      out(`  read ${probe.source} (${probe.vendor})`);
      out(`  groups matched: ${probe.groupCount}${probe.sampleGroups.length > 0 ? ` (first: ${probe.sampleGroups.join(', ')})` : ''}`);
      out(`  users matched:  ${probe.userCount}${probe.sampleUsers.length > 0 ? ` (first: ${probe.sampleUsers.slice(0, 5).join('; ')})` : ''}`);
      if (probe.groupCount === 0) problems.push('directory: the group query matches no groups (check directory.groups.baseDns and directory.groups.filter)');
      if (probe.userCount === 0) problems.push('directory: the user query matches no users (check directory.users.baseDns and directory.users.filter)');
    } catch (error) {
      problems.push(`directory: ${describeError(error)}`);
      out('  FAILED (see the problems below)');
    }

    out();
    out('Tenant:');
    const tenant = createTenantClient(config.tenant, { logger });
    try {
      const roles: TenantRole[] = [];
      for await (const role of tenant.listRoles()) roles.push(role);
      out(`  authenticated to ${config.tenant.url}; ${roles.length} roles`);
      const known = new Set(roles.map((r) => r.name));
      config.mapping.roles.forEach((rule, index) => {
        for (const role of rule.roles) {
          if (!known.has(role)) problems.push(`mapping.roles[${index}] (${rule.group}): the tenant has no role named "${role}" (role names are case-sensitive)`);
        }
      });
    } catch (error) {
      problems.push(`tenant: ${describeError(error)}`);
      out('  FAILED (see the problems below)');
    } finally {
      await tenant.close().catch(() => undefined);
    }

    out();
    if (problems.length === 0) {
      out('All checks passed.');
      return 0;
    }
    out(`${problems.length} problem${problems.length === 1 ? '' : 's'}:`);
    for (const problem of problems) out(`  - ${scrub(problem)}`);
    return 1;
  },
};
