// The one ownership test. The bridge writes only to custom groups it owns, and it owns a group only
// when all three hold: the group is a custom group (`providerType: "custom"`), its name starts
// with the configured prefix (`CG-`), and its description carries the marker the bridge wrote
// when it created it:
//
//   Managed by qlik-group-sync from <directory DN>. [qgs:id=<directory immutable id>]
//
// Only the `[qgs:id=...]` token is parsed (the last one, so a DN that happens to contain such text
// cannot take over a group); the rest is for people reading the group in the Qlik console. The id
// is the directory object's immutable id (AD objectGUID, OpenLDAP entryUUID), so a group renamed
// in the directory is renamed in Qlik (same group id, space assignments kept) instead of being
// deleted and recreated. A prefixed custom group without the marker, an IdP group and a system
// group are never owned, whatever their names.
import type { TenantGroup } from '../tenant/snapshot.ts';

/** Longest description the bridge writes; the DN is shortened to fit. */
export const DESCRIPTION_MAX_LENGTH = 256;

const UTF8 = new TextEncoder();
const MARKER = /\[qgs:id=([^\]\s]+)\]/g;

/** `%`, brackets, whitespace and controls are percent-encoded so any id survives the round trip. */
function encodeId(id: string): string {
  return id.replace(/[%[\]\s\u0000-\u001f\u007f]/gu, (c) =>
    [...UTF8.encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

function decodeId(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair, marking the cut with `…`. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The description of a group the bridge manages: human text plus the marker with the source id. */
export function ownedDescription(sourceDn: string, sourceId: string): string {
  const marker = `[qgs:id=${encodeId(sourceId)}]`;
  const dn = sourceDn.replace(/[\u0000-\u001f\u007f]/gu, ' ').replace(/[[\]]/g, (c) => (c === '[' ? '(' : ')'));
  const head = 'Managed by qlik-group-sync from ';
  const tail = `. ${marker}`;
  const room = DESCRIPTION_MAX_LENGTH - head.length - tail.length;
  if (room < 8) return marker; // an absurdly long id: the marker alone
  return `${head}${shorten(dn, room)}${tail}`;
}

/** The directory id in a group's marker, or undefined when it carries none. */
export function ownerSourceId(group: Pick<TenantGroup, 'description'>): string | undefined {
  const description = group.description;
  if (!description) return undefined;
  let found: string | undefined;
  for (const match of description.matchAll(MARKER)) found = match[1];
  return found === undefined ? undefined : decodeId(found);
}

/** True only for a custom group whose name starts with `prefix` and whose description carries the marker. */
export function isOwned(group: Pick<TenantGroup, 'providerType' | 'name' | 'description'>, prefix: string): boolean {
  return group.providerType === 'custom' && group.name.startsWith(prefix) && ownerSourceId(group) !== undefined;
}
