// The bench's receive-only floor (receive-only.ts) against a real slapd: it must receive every
// entry of every page, or the floor it reports would be a read of less than the reader makes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planQueries } from '../../src/directory/build-snapshot.ts';
import { readDirectory } from '../../src/directory/index.ts';
import { vendorFor } from '../../src/directory/vendors.ts';
import * as wire from '../../src/directory/wire.ts';
import { directoryConfig } from '../directory/config.ts';
import { openldapBulkLdif } from '../support/ldif-fixtures.ts';
import { requireServer } from '../support/servers.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';
import { readerSearches } from './measure.ts';
import { receiveOnly } from './receive-only.ts';

const SUFFIX = 'dc=example,dc=test';
const available = requireServer('slapd');

describe.skipIf(!available)('the receive-only floor', () => {
  let server: SlapdServer;
  beforeAll(async () => {
    server = await startSlapd({ suffix: SUFFIX, ldif: openldapBulkLdif({ suffix: SUFFIX, users: 23, groups: 4, membersPerGroup: 5 }) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const config = (password = server.rootPassword) =>
    directoryConfig({
      urls: [server.ldapsUrl!],
      caFile: server.caFile,
      bindDn: server.rootDn,
      bindPassword: password,
      pageSize: 5,
      groups: { baseDns: [`ou=groups,${SUFFIX}`] },
      users: { baseDns: [`ou=people,${SUFFIX}`] },
    });
  const searches = (directory: ReturnType<typeof config>) => readerSearches(directory, planQueries(directory, vendorFor('openldap')));

  it('receives every entry the reader reads, over several pages', async () => {
    const directory = config();
    const snapshot = await readDirectory(directory);
    const counts = await receiveOnly(wire, directory, searches(directory));
    expect(counts).toEqual([snapshot.groups.length, snapshot.users.length]);
    expect(counts).toEqual([4, 23]);
  });

  it('fails on a rejected bind', async () => {
    const directory = config('not-the-password');
    await expect(receiveOnly(wire, directory, searches(directory))).rejects.toThrow(/bind: LDAP result 49/);
  });
});
