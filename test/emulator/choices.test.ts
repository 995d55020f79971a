// choices.ts keeps the table of behaviours the documents leave open twice: as the header comment
// (for readers of the source) and as data (for the docs and GET /__emulator/choices). This keeps
// the two identical.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHOICES } from '../../src/emulator/index.ts';

describe('choices', () => {
  it('lists the same rows in the header comment and in CHOICES', () => {
    const source = readFileSync(new URL('../../src/emulator/choices.ts', import.meta.url), 'utf8');
    const header = source.slice(0, source.indexOf('*/'));
    const rows = header
      .split('\n')
      .map((line) => line.replace(/^\s*\*\s?/, ''))
      .filter((line) => line.startsWith('| ') && !line.startsWith('| Topic') && !line.startsWith('|---'))
      .map((line) => {
        const cells = line.slice(2, -2).split(' | ');
        return { topic: cells[0]!, choice: cells.slice(1).join(' | ') };
      });
    expect(rows).toEqual(CHOICES);
    expect(new Set(CHOICES.map((c) => c.topic)).size).toBe(CHOICES.length);
  });
});
