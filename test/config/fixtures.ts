// Temporary folders with config files and secret files for the config, CLI and security tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Scratch {
  dir: string;
  /** Writes a file in the folder and returns its absolute path. */
  write(name: string, text: string): string;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'qgs-config-'));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A small valid configuration (LDAP source, API key) to start tests from. */
export const MINIMAL_YAML = `
directory:
  urls: [ldaps://dc1.example.com:636]
  groups:
    baseDns: ["OU=Groups,DC=example,DC=com"]
tenant:
  url: https://acme.eu.qlikcloud.com
  apiKey: file-api-key-0001
`;
