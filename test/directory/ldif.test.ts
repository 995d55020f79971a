import { describe, expect, it } from 'vitest';
import { parseLdif } from '../../src/directory/ldif.ts';
import { DirectoryError } from '../../src/errors.ts';

function errorOf(fn: () => unknown): DirectoryError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DirectoryError);
    return error as DirectoryError;
  }
  throw new Error('expected an error');
}

describe('parseLdif', () => {
  it('reads records, folded lines, comments, base64 and CRLF', () => {
    const text = [
      'version: 1',
      '# a comment that is',
      '  folded over two lines',
      'dn: cn=Smith\\, John,ou=Peo',
      ' ple,dc=example,dc=test',
      'objectClass: inetOrgPerson',
      'cn: Smith, John',
      'description:: Wm/Dqw==',
      'objectGUID:: vkjDwY7CfEGZnL4+lnjQqA==',
      'mail:   padded@example.test',
      '',
      '',
      'dn:: Y249Wm/DqyxkYz1leGFtcGxlLGRjPXRlc3Q=',
      'cn: Zoë',
      '',
    ].join('\r\n');
    const entries = parseLdif(text, 'people.ldif');
    expect(entries).toHaveLength(2);
    const [smith, zoe] = entries;
    expect(smith!.dn).toBe('cn=Smith\\, John,ou=People,dc=example,dc=test');
    expect(smith!.line).toBe(4);
    expect(smith!.attributes.get('objectclass')).toEqual(['inetOrgPerson']);
    expect((smith!.attributes.get('description')![0] as Buffer).toString('utf8')).toBe('Zoë');
    expect((smith!.attributes.get('objectguid')![0] as Buffer).toString('hex')).toBe('be48c3c18ec27c41999cbe3e9678d0a8');
    expect(smith!.attributes.get('mail')).toEqual(['padded@example.test']);
    expect(zoe!.dn).toBe('cn=Zoë,dc=example,dc=test');
    expect(zoe!.line).toBe(13);
  });

  it('collects repeated attributes case-insensitively and accepts changetype: add', () => {
    const [entry] = parseLdif('dn: cn=g,dc=x\nchangetype: add\nmember: cn=a,dc=x\nMember: cn=b,dc=x\n');
    expect(entry!.attributes.get('member')).toEqual(['cn=a,dc=x', 'cn=b,dc=x']);
    expect(entry!.attributes.has('changetype')).toBe(false);
  });

  it('accepts an empty file', () => {
    expect(parseLdif('')).toEqual([]);
    expect(parseLdif('# only a comment\n\n')).toEqual([]);
  });

  it.each([
    ['cn: x\n', 1, /must start with "dn:"/],
    ['dn: cn=x\nchangetype: modify\nreplace: cn\n', 2, /change records/],
    ['dn: cn=x\njpegPhoto:< file:///etc/passwd\n', 2, /URL values/],
    ['dn: cn=x\ncn:: not*base64\n', 2, /bad base64/],
    ['dn: cn=x\nno colon here\n', 2, /expected "attribute: value"/],
    ['dn: cn=x\ncn: x\ndn: cn=y\n', 3, /second "dn:"/],
    ['version: 2\n', 1, /unsupported LDIF version/],
  ])('names file and line for %j', (text, line, message) => {
    const error = errorOf(() => parseLdif(text, 'bad.ldif'));
    expect(error.code).toBe('DIRECTORY_LDIF');
    expect(error.message).toMatch(new RegExp(`^bad\\.ldif:${line}: `));
    expect(error.message).toMatch(message);
  });
});
