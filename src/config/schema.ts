// The JSON Schema (draft 2020-12) of the config file, generated from the option table for editor
// completion and checks (`# yaml-language-server: $schema=...`). The committed copy in config/
// is compared with the generated one by a test, so it cannot drift. Run as a script to rewrite
// the generated files:  node src/config/schema.ts --write
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PRODUCT } from '../version.ts';
import { OPTIONS, SECTIONS, envName, fileKey, hasFileVariant, type OptionSpec } from './options.ts';
import { renderOptionsMarkdown } from './reference.ts';

type Schema = Record<string, unknown>;

/** A `${VAR}` reference, allowed wherever the file gives a value that is not text. */
const REFERENCE: Schema = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$', description: 'A ${VAR} environment reference.' };

function urlPattern(spec: OptionSpec): string {
  const schemes = (spec.schemes ?? []).map((s) => s.replace(':', ''));
  const alternatives = schemes.map((s) => `${s}://`);
  if (spec.loopbackHttp) alternatives.push('http://(localhost|127\\.[0-9.]+|\\[::1\\])(:|/|$)');
  return `^(${alternatives.join('|')})`;
}

function describe(spec: OptionSpec): string {
  const parts = [spec.description];
  if (spec.required) parts.push('Required.');
  else if (spec.requiredWhen) parts.push(`Required when ${spec.requiredWhen}.`);
  if (spec.secret) parts.push(`Secret: prefer \`${fileKey(spec.path.split('.').pop()!)}\` or the environment.`);
  parts.push(`Environment: ${envName(spec.path)}.`);
  return parts.join(' ');
}

function valueSchema(spec: OptionSpec): Schema {
  const orReference = (schema: Schema): Schema => ({ anyOf: [schema, REFERENCE] });
  switch (spec.type) {
    case 'string':
    case 'path':
      return { type: 'string', minLength: Math.max(1, spec.minLength ?? 1) };
    case 'url':
      return orReference({ type: 'string', pattern: urlPattern(spec) });
    case 'integer':
    case 'number':
      return orReference({ type: spec.type, ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}) });
    case 'boolean':
      return orReference({ type: 'boolean' });
    case 'enum':
      return orReference({ type: 'string', enum: [...(spec.values ?? [])] });
    case 'string[]':
      return orReference({ type: 'array', items: { type: 'string', minLength: 1 } });
    case 'url[]':
      return orReference({ type: 'array', items: { anyOf: [{ type: 'string', pattern: urlPattern(spec) }, REFERENCE] } });
    case 'roles':
      return {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['group', 'roles'],
          properties: {
            group: { type: 'string', minLength: 1, description: 'Directory group name, glob (`*`, `?`) or `/regex/flags`.' },
            roles: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Qlik role names, e.g. `Developer`.' },
          },
        },
      };
  }
}

function optionSchema(spec: OptionSpec): Schema {
  return { description: describe(spec), ...valueSchema(spec), ...(spec.default !== undefined ? { default: spec.default } : {}) };
}

function objectNode(description: string): Schema {
  return { type: 'object', description, additionalProperties: false, properties: {} as Record<string, Schema> };
}

/** The JSON Schema of the config file. Requirements that depend on other keys or on the environment are left to the loader. */
export function buildJsonSchema(): Schema {
  const root: Schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:${PRODUCT}:config`,
    title: `${PRODUCT} configuration`,
    description: `Generated from src/config/options.ts. Requirements that depend on other keys or on the environment are checked by \`${PRODUCT} validate\`.`,
    type: 'object',
    additionalProperties: false,
    properties: {},
  };
  const node = (path: string): Schema => {
    let current = root;
    let prefix = '';
    for (const part of path.split('.')) {
      prefix = prefix ? `${prefix}.${part}` : part;
      const properties = current.properties as Record<string, Schema>;
      const section = prefix;
      properties[part] ??= objectNode(SECTIONS.find((s) => s.path === section)?.description ?? '');
      current = properties[part];
    }
    return current;
  };
  for (const spec of OPTIONS) {
    const parts = spec.path.split('.');
    const name = parts.pop()!;
    const parent = parts.length > 0 ? node(parts.join('.')) : root;
    const properties = parent.properties as Record<string, Schema>;
    properties[name] = optionSchema(spec);
    if (hasFileVariant(spec)) {
      properties[`${name}File`] = {
        description: `File holding ${spec.path} (a mounted Docker or Kubernetes secret); a final line break is removed. Environment: ${envName(fileKey(spec.path))}.`,
        type: 'string',
        minLength: 1,
      };
      parent.allOf = [...((parent.allOf as Schema[] | undefined) ?? []), { not: { required: [name, `${name}File`] } }];
    }
  }
  return root;
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}

/** The generated files, relative to the repository root. */
export const GENERATED_FILES = {
  schema: 'config/qlik-group-sync.schema.json',
  reference: 'config/options.md',
} as const;

export async function writeGeneratedFiles(root: string): Promise<string[]> {
  const schemaPath = `${root}/${GENERATED_FILES.schema}`;
  const referencePath = `${root}/${GENERATED_FILES.reference}`;
  await writeFile(schemaPath, renderJsonSchema());
  await writeFile(referencePath, renderOptionsMarkdown());
  return [schemaPath, referencePath];
}

if (import.meta.main) {
  if (process.argv.includes('--write')) {
    const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
    for (const path of await writeGeneratedFiles(root)) process.stdout.write(`wrote ${path}\n`);
  } else {
    process.stdout.write(renderJsonSchema());
  }
}
