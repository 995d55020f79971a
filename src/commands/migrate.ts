// `migrate`: the one-shot move from IdP-claim groups to custom groups. Every mapped directory
// group whose name matches an IdP group gets its CG- group with the IdP group's roles (plus the
// configured ones) and the directory's members, in one full sync. IdP groups are never written;
// they are listed as retirable. A dry run by default: `--apply` makes the changes.
import { adoptIdpRoles, findAdoptions, rolesConfigSnippet, type Adoption } from '../reconcile/migrate.ts';
import { prepare, syncCommand } from './sync.ts';
import type { Command } from './types.ts';

export type MigrationState = 'dry-run' | 'applied' | 'partial' | 'blocked';

export function renderMigration(adoptions: readonly Adoption[], state: MigrationState): string {
  if (adoptions.length === 0) return '\nMigration: no mapped directory group has an IdP group of the same name in the tenant; this was a plain sync.\n';
  const width = Math.max(...adoptions.map((a) => a.idpGroup.length));
  const verb = { 'dry-run': 'to adopt', applied: 'adopted', partial: 'being adopted', blocked: 'to adopt' }[state];
  const lines = [
    '',
    `Migration: ${adoptions.length} IdP group${adoptions.length === 1 ? '' : 's'} ${verb} (the IdP groups are not changed):`,
    ...adoptions.map((a) => `  ${a.idpGroup.padEnd(width)}  ->  ${a.customGroup}   copied roles: ${a.roles.length > 0 ? a.roles.join(', ') : '(none)'}`),
    '',
  ];
  lines.push(
    {
      'dry-run': 'Dry run: nothing was written. Run again with --apply to create the CG- groups and fill them.',
      applied: 'These IdP groups can now be retired: stop sending them in the IdP group claim, then remove their space and role assignments.',
      partial: 'Some changes failed (see above): run migrate --apply again; it continues from the state reached. Keep the IdP groups until it completes.',
      blocked: 'The safety limits blocked the run (see above): nothing was written.',
    }[state],
  );
  const snippet = rolesConfigSnippet(adoptions);
  if (snippet && state !== 'blocked') {
    lines.push('', 'Roles in the configuration are authoritative: add these rules to keep the copied roles in later syncs:', '', snippet.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Adopt IdP groups into CG- custom groups (roles copied), then sync',
  usage: 'migrate --config FILE [--apply] [--allow-deletes]',
  flags: [
    { name: 'apply', type: 'boolean', description: 'Make the changes (without it, only the migration plan is printed)' },
    { name: 'allow-deletes', type: 'boolean', description: 'Lift the deletion and removal limits (sync.limits) for this run' },
  ],
  async run(ctx) {
    const prepared = await prepare(ctx);
    const apply = ctx.flags.apply === true;
    let adoptions: Adoption[] = [];
    const result = await syncCommand(ctx, prepared, {
      command: 'migrate',
      dryRun: !apply,
      allowDeletes: ctx.flags['allow-deletes'] === true,
      lockAndReport: apply,
      transformDesired: (desired, tenant) => {
        adoptions = findAdoptions(desired, tenant);
        return adoptIdpRoles(desired, adoptions);
      },
    });
    const outcome = result.report.outcome;
    if (outcome !== 'failed') {
      const state: MigrationState = outcome === 'blocked' ? 'blocked' : !apply ? 'dry-run' : outcome === 'partial' ? 'partial' : 'applied';
      ctx.io.stdout.write(renderMigration(adoptions, state));
    }
    return result.exitCode;
  },
};
