// The migration from IdP-claim groups to custom groups (pure). For each mapped directory group
// whose name matches an IdP group in the tenant (case-insensitively, as Qlik compares group
// names), the CG- group takes the IdP group's roles on top of the configured ones. The IdP groups
// themselves are never written: they are listed as retirable once their CG- twin holds the roles.
import type { TenantSnapshot } from '../tenant/snapshot.ts';
import type { DesiredState } from './desired.ts';

export interface Adoption {
  /** The IdP group's name. */
  idpGroup: string;
  idpGroupId: string;
  /** The directory group's name (what `mapping.roles` rules match). */
  directoryGroup: string;
  /** The CG- group that takes its place. */
  customGroup: string;
  /** The IdP group's roles, sorted. */
  roles: string[];
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Finds the IdP groups the mapped directory groups replace; pure. */
export function findAdoptions(desired: DesiredState, tenant: TenantSnapshot): Adoption[] {
  const idpByName = new Map<string, TenantSnapshot['groups'][number]>();
  for (const g of tenant.groups) if (g.providerType === 'idp' && g.status === 'active') idpByName.set(g.name.toLowerCase(), g);
  const adoptions: Adoption[] = [];
  for (const group of desired.groups) {
    const idp = idpByName.get(group.sourceName.toLowerCase());
    if (!idp) continue;
    adoptions.push({ idpGroup: idp.name, idpGroupId: idp.id, directoryGroup: group.sourceName, customGroup: group.name, roles: sortedUnique(idp.assignedRoles.map((r) => r.name)) });
  }
  return adoptions.sort((a, b) => (a.customGroup < b.customGroup ? -1 : a.customGroup > b.customGroup ? 1 : 0));
}

/** The desired state with each adopted IdP group's roles added to its CG- group's roles. */
export function adoptIdpRoles(desired: DesiredState, adoptions: readonly Adoption[]): DesiredState {
  const byName = new Map(adoptions.map((a) => [a.customGroup, a]));
  return {
    ...desired,
    groups: desired.groups.map((g) => {
      const adoption = byName.get(g.name);
      return adoption ? { ...g, roles: sortedUnique([...g.roles, ...adoption.roles]) } : g;
    }),
  };
}

/** `mapping.roles` rules that keep the adopted roles in later syncs (roles from config are authoritative). */
export function rolesConfigSnippet(adoptions: readonly Adoption[]): string {
  const rules = adoptions.filter((a) => a.roles.length > 0);
  if (rules.length === 0) return '';
  const quote = (s: string): string => JSON.stringify(s);
  return ['mapping:', '  roles:', ...rules.flatMap((a) => [`    - group: ${quote(a.directoryGroup)}`, `      roles: [${a.roles.map(quote).join(', ')}]`])].join('\n') + '\n';
}
