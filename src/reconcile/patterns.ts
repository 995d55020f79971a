// Name patterns used by `directory.groups.include/exclude` and `mapping.roles[].group`: a glob
// (`*` any run of characters, `?` one character, everything else literal, case-sensitive, whole
// name) or a `/regex/flags` JavaScript regular expression (unanchored, as written). The config
// loader has already rejected invalid regular expressions; one that slips through here matches
// nothing rather than everything.

export type NameMatcher = (name: string) => boolean;

const REGEX = /^\/(.*)\/([a-z]*)$/s;

export function compilePattern(pattern: string): NameMatcher {
  const regex = REGEX.exec(pattern);
  if (regex) {
    let compiled: RegExp;
    try {
      // Without the g and y flags, test() keeps no state between calls.
      compiled = new RegExp(regex[1]!, regex[2]!.replace(/[gy]/g, ''));
    } catch {
      return () => false;
    }
    return (name) => compiled.test(name);
  }
  if (!pattern.includes('*') && !pattern.includes('?')) return (name) => name === pattern;
  let source = '^';
  for (const c of pattern) {
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    // Only syntax characters may be escaped under the `u` flag.
    else source += c.replace(/[\\^$.|+()[\]{}/]/g, '\\$&');
  }
  const glob = new RegExp(`${source}$`, 'u');
  return (name) => glob.test(name);
}

/** Matches when any of the patterns does; no patterns match nothing. */
export function compilePatterns(patterns: readonly string[]): NameMatcher {
  const matchers = patterns.map(compilePattern);
  return (name) => matchers.some((m) => m(name));
}
