// Renders the mapping templates (`mapping.nameTemplate`, `mapping.user.subjectTemplate`):
// `{attribute}` placeholders replaced by values looked up case-insensitively (LDAP attribute names
// are case-insensitive, so `{userprincipalname}` and `{userPrincipalName}` are the same). A
// placeholder with no value, or an empty one, makes the whole result missing: a half-rendered
// name or subject would silently point at the wrong object. The config loader has checked the
// braces; text outside placeholders is literal.

export type TemplateResult = { ok: true; value: string } | { ok: false; missing: string[] };

/** Lowercased-name lookup over a record of attributes, so templates read them case-insensitively. */
export function foldAttributes(attributes: Record<string, string | undefined>): Map<string, string> {
  const folded = new Map<string, string>();
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (!folded.has(key)) folded.set(key, value);
  }
  return folded;
}

export function renderTemplate(template: string, values: ReadonlyMap<string, string>): TemplateResult {
  let out = '';
  const missing: string[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open === -1) {
      out += template.slice(i);
      break;
    }
    const close = template.indexOf('}', open + 1);
    if (close === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, open);
    const name = template.slice(open + 1, close);
    const value = values.get(name.toLowerCase());
    if (value === undefined || value === '') missing.push(name);
    else out += value;
    i = close + 1;
  }
  return missing.length > 0 ? { ok: false, missing } : { ok: true, value: out };
}
