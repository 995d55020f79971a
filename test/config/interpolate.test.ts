import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/config/interpolate.ts';

describe('interpolate', () => {
  const env = { HOST: 'dc1.example.com', EMPTY: '', PORT: '636' };

  it('replaces ${VAR} anywhere in the text', () => {
    expect(interpolate('ldaps://${HOST}:${PORT}', env)).toEqual({ value: 'ldaps://dc1.example.com:636', replaced: true, missing: [], malformed: [] });
  });

  it('leaves text without references alone', () => {
    expect(interpolate('plain $HOST text', env)).toEqual({ value: 'plain $HOST text', replaced: false, missing: [], malformed: [] });
  });

  it('names a variable that is not set instead of using an empty string', () => {
    const result = interpolate('pw-${NOPE}-${HOST}', env);
    expect(result.missing).toEqual(['NOPE']);
  });

  it('keeps an empty variable empty, and applies ${VAR:-default} to unset and empty ones', () => {
    expect(interpolate('[${EMPTY}]', env).value).toBe('[]');
    expect(interpolate('${EMPTY:-x}/${UNSET:-y}/${HOST:-z}', env)).toMatchObject({ value: 'x/y/dc1.example.com', missing: [] });
  });

  it('turns $${ into a literal ${', () => {
    expect(interpolate('cost: $${HOST} and ${HOST}', env).value).toBe('cost: ${HOST} and dc1.example.com');
    expect(interpolate('$${NOPE}', env)).toEqual({ value: '${NOPE}', replaced: false, missing: [], malformed: [] });
  });

  it('reports malformed references', () => {
    expect(interpolate('${a.b}', env).malformed).toEqual(['${a.b}']);
    expect(interpolate('x ${HOST', env).malformed).toEqual(['${HOST']);
  });
});
