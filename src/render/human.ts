// The plan for people, in the manner of `terraform plan`: only the actions that occur, sorted, one
// block per group and one per user whose memberships change, `+` create / `~` change / `-` delete,
// an explicit "No changes." when there is nothing to do, the warnings, and a footer with the totals
// and the write budget (writes are the scarce resource: 100 a minute on Qlik Cloud). Long plans
// list the first `maxListed` entries of each section and say how many more there are; the JSON
// document always has everything. Pure: a string out, the caller decides where it goes.
import type { Plan, PlanGroupCreate, PlanGroupDelete, PlanGroupUpdate } from '../reconcile/plan.ts';
import { hasChanges } from '../reconcile/plan.ts';
import { count } from '../reconcile/lib/format.ts';
import { compareStrings } from '../reconcile/lib/order.ts';

export interface RenderOptions {
  /** The tenant's write rate (tier 2), for the time estimate. */
  writesPerMinute: number;
  /** ANSI colours for the markers. Off by default. */
  color?: boolean;
  /** Entries listed per section before "... and N more". Default 200. */
  maxListed?: number;
}

export const NO_CHANGES = 'No changes. The tenant matches the directory.';

const ANSI = { green: '\u001b[32m', yellow: '\u001b[33m', red: '\u001b[31m', bold: '\u001b[1m', reset: '\u001b[0m' };

type Entry = { name: string; lines: string[] };

export function renderPlan(plan: Plan, options: RenderOptions): string {
  const max = Math.max(1, options.maxListed ?? 200);
  const paint = (colour: keyof typeof ANSI, text: string): string => (options.color ? `${ANSI[colour]}${text}${ANSI.reset}` : text);
  const plus = paint('green', '+');
  const tilde = paint('yellow', '~');
  const minus = paint('red', '-');
  const out: string[] = [];

  if (plan.mode === 'create-only') out.push('sync.mode is create-only: only group and user creations and membership additions are planned.', '');
  if (plan.mode === 'no-deletes') out.push('sync.mode is no-deletes: no group is deleted.', '');

  if (!hasChanges(plan)) {
    out.push(NO_CHANGES);
  } else {
    const groups: Entry[] = [
      ...plan.createGroups.map((c) => createEntry(c, plus)),
      ...plan.updateGroups.map((u) => updateEntry(u, tilde)),
      ...plan.deleteGroups.map((d) => deleteEntry(d, minus)),
    ].sort((a, b) => compareStrings(a.name, b.name));
    section(out, 'Groups', groups, max);

    section(
      out,
      'Users to create',
      plan.createUsers.map((u) => {
        const details = [u.name, u.email && u.email !== u.subject ? `<${u.email}>` : undefined].filter(Boolean).join(' ');
        return { name: u.subject, lines: [`  ${plus} ${u.subject}${details ? ` (${details})` : ''}`] };
      }),
      max,
    );

    section(
      out,
      'Memberships',
      plan.memberships.map((m) => ({
        name: m.subject,
        lines: [
          `  ${m.userId ? tilde : plus} ${m.subject}${m.userId ? '' : ' (new user)'}`,
          ...m.add.map((g) => `      ${plus} ${g.name}${g.id ? '' : ' (new group)'}`),
          ...m.remove.map((g) => `      ${minus} ${g.name}`),
        ],
      })),
      max,
    );
  }

  if (plan.warnings.length > 0) {
    out.push('', `Warnings (${count(plan.warnings.length)}):`);
    for (const w of plan.warnings.slice(0, max)) out.push(`  ${paint('yellow', '!')} ${w.code}: ${oneLine(w.message)}`);
    if (plan.warnings.length > max) out.push(`  ... and ${count(plan.warnings.length - max)} more`);
  }

  if (hasChanges(plan)) {
    const s = plan.stats;
    out.push(
      '',
      `${options.color ? ANSI.bold : ''}Plan: ${count(plan.createGroups.length)} groups to create, ${count(plan.updateGroups.length)} to update, ` +
        `${count(plan.deleteGroups.length)} to delete; ${count(plan.createUsers.length)} users to create; ` +
        `${count(plan.memberships.length)} membership patches (+${count(s.membershipAdds)} / -${count(s.membershipRemovals)} memberships).${options.color ? ANSI.reset : ''}`,
      `Write requests: ${count(s.writeRequests)} (${estimate(s.writeRequests, options.writesPerMinute)}).`,
    );
  }
  return `${out.join('\n')}\n`;
}

function createEntry(c: PlanGroupCreate, marker: string): Entry {
  return {
    name: c.name,
    lines: [`  ${marker} ${c.name}`, `      roles: ${roleList(c.roles)}`, `      members: ${count(c.memberCount)}`, `      source: ${oneLine(c.sourceDn)}`],
  };
}

function updateEntry(u: PlanGroupUpdate, marker: string): Entry {
  const lines = [`  ${marker} ${u.name}`];
  if (u.rename) lines.push(`      name: ${u.rename.from} -> ${u.rename.to}`);
  if (u.roles) lines.push(`      roles: ${roleList(u.roles.from)} -> ${roleList(u.roles.to)}`);
  if (u.description) lines.push(`      description: ${JSON.stringify(u.description.from)} -> ${JSON.stringify(u.description.to)}`);
  return { name: u.name, lines };
}

function deleteEntry(d: PlanGroupDelete, marker: string): Entry {
  const members = d.memberCount === 0 ? 'no members' : `${count(d.memberCount)} member${d.memberCount === 1 ? '' : 's'} removed first`;
  return { name: d.name, lines: [`  ${marker} ${d.name}`, `      deleted (${members}); its directory group is gone`] };
}

function section(out: string[], title: string, entries: Entry[], max: number): void {
  if (entries.length === 0) return;
  if (out.length > 0) out.push('');
  out.push(`${title}:`);
  for (const e of entries.slice(0, max)) out.push(...e.lines);
  if (entries.length > max) out.push(`  ... and ${count(entries.length - max)} more`);
}

function roleList(roles: string[]): string {
  return roles.length === 0 ? '(none)' : roles.join(', ');
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

function estimate(writes: number, perMinute: number): string {
  const rate = perMinute > 0 ? perMinute : 100;
  const at = `at ${count(rate)} writes/minute`;
  if (writes === 0) return `no time ${at}`;
  if (writes < rate) return `under a minute ${at}`;
  const minutes = Math.ceil(writes / rate);
  if (minutes < 120) return `about ${count(minutes)} min ${at}`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min ${at}`;
}
