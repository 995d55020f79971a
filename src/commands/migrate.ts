// `migrate`: the one-shot move from IdP-claim groups to custom groups. Every mapped directory
// group whose name matches an IdP group gets its CG- group with the IdP group's roles (plus the
// configured ones) and the directory's members, in one full sync. IdP groups are never written;
// they are listed as retirable. A dry run by default: `--apply` makes the changes.
import { adoptIdpRoles, findAdoptions, rolesConfigSnippet, type Adoption } from '../reconcile/migrate.ts';
import { prepare, syncCommand } from './sync.ts';
import type { Command } from './types.ts';

export function renderMigration(adoptions: readonly Adoption[], applied: boolean): string {
  if (adoptions.length === 0) return '\nMigration: no mapped directory group has an IdP group of the same name in the tenant; this was a plain sync.\n';
  const width = Math.max(...adoptions.map((a) => a.idpGroup.length));
  const lines = [
    '',
    `Migration: ${adoptions.length} IdP group${adoptions.length === 1 ? '' : 's'} ${applied ? 'adopted' : 'to adopt'} (the IdP groups are not changed):`,
    ...adoptions.map((a) => `  ${a.idpGroup.padEnd(width)}  ->  ${a.customGroup}   roles: ${a.roles.length > 0 ? a.roles.join(', ') : '(none)'}`),
    '',
  ];
  if (applied) {
    lines.push('These IdP groups can now be retired: stop sending them in the IdP group claim, then remove their space and role assignments.');
  } else {
    lines.push('Dry run: nothing was written. Run again with --apply to create the CG- groups and fill them.');
  }
  const snippet = rolesConfigSnippet(adoptions);
  if (snippet) {
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
    if (outcome !== 'failed' && outcome !== 'blocked') ctx.io.stdout.write(renderMigration(adoptions, apply && (outcome === 'applied' || outcome === 'no-changes')));
    return result.exitCode;
  },
};
