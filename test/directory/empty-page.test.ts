// A paged search that gets an empty page while the server's cookie says more pages follow (Active
// Directory can send such pages). ldapts stops paging there, which would return the directory
// without its later pages; the reader must refuse the read instead. The empty page is made by
// emptying one real slapd response on its way into ldapts, cookie kept, exactly as a server would
// send it.
import { Client } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readDirectory } from '../../src/directory/index.ts';
import { DirectoryError } from '../../src/errors.ts';
import { openldapBulkLdif } from '../support/ldif-fixtures.ts';
import { requireServer } from '../support/servers.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';
import { directoryConfig } from './config.ts';

const SUFFIX = 'dc=example,dc=test';
const available = requireServer('slapd');

type Send = (this: Client, message: unknown) => Promise<{ searchEntries?: unknown[] } | undefined>;
const prototype = Client.prototype as unknown as { _send: Send };
const originalSend = prototype._send;

describe.skipIf(!available)('an empty page with a cookie', () => {
  let server: SlapdServer;
  beforeAll(async () => {
    server = await startSlapd({ suffix: SUFFIX, ldif: openldapBulkLdif({ suffix: SUFFIX, users: 300, groups: 5, membersPerGroup: 10 }) });
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    prototype._send = originalSend;
  });

  const config = () =>
    directoryConfig({
      urls: [server.url],
      allowInsecure: true,
      bindDn: server.rootDn,
      bindPassword: server.rootPassword,
      pageSize: 50,
      groups: { baseDns: [`ou=groups,${SUFFIX}`] },
      users: { baseDns: [`ou=people,${SUFFIX}`] },
    });

  it('reads all 300 users over several pages when no page is empty', async () => {
    const snapshot = await readDirectory(config());
    expect(snapshot.users).toHaveLength(300);
  });

  it('refuses the read instead of returning the users before the empty page', async () => {
    // Empty the second page of 50 entries (the people search): its cookie stays.
    let pagesOf50 = 0;
    prototype._send = async function (this: Client, message: unknown) {
      const response = await originalSend.call(this, message);
      if (response?.searchEntries?.length === 50 && ++pagesOf50 === 2) response.searchEntries = [];
      return response;
    };
    const error = await readDirectory(config()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pagesOf50).toBeGreaterThanOrEqual(2);
    expect(error).toBeInstanceOf(DirectoryError);
    expect((error as DirectoryError).code).toBe('DIRECTORY_INCOMPLETE');
    expect((error as DirectoryError).message).toMatch(/page 2 came back empty while the server said more pages follow/);
  });
});
