// A read that fails while its second connection is still being opened. The group search runs on
// the first connection, the user search waits for a second one; when the server stops answering
// new connections and the group search then fails, the read must fail at once with the group
// search's error and drop the half-open connection, not wait for it (its bind would wait out
// directory.timeoutMs, a minute here). An earlier version waited: a read that failed beside a
// frozen server hung.
//
// The server is a real slapd behind a TCP proxy: the first connection passes through, except that
// the group search's page request is answered "busy" (LDAP result 51); every later connection is
// accepted and never answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDirectory } from '../../src/directory/index.ts';
import { DirectoryError } from '../../src/errors.ts';
import { requestOf, searchDone } from '../support/ber.ts';
import { startLdapProxy, type LdapProxy } from '../support/ldap-proxy.ts';
import { openldapBulkLdif } from '../support/ldif-fixtures.ts';
import { requireServer } from '../support/servers.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';
import { directoryConfig } from './config.ts';

const SUFFIX = 'dc=example,dc=test';
const GROUPS = `ou=groups,${SUFFIX}`;
const available = requireServer('slapd');

/** The first connection passes through but for the group search, answered "busy"; later ones are never answered. */
function startProxy(target: number): Promise<LdapProxy> {
  return startLdapProxy(target, {
    silent: (connection) => connection > 1,
    answer: (message) => {
      const { messageId, base } = requestOf(message);
      return base === GROUPS ? searchDone(messageId, 51, undefined, 'busy') : undefined;
    },
  });
}

describe.skipIf(!available)('a read that fails while a connection is still being opened', () => {
  let server: SlapdServer;
  beforeAll(async () => {
    server = await startSlapd({ suffix: SUFFIX, ldif: openldapBulkLdif({ suffix: SUFFIX, users: 20, groups: 3, membersPerGroup: 5 }) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("fails with the search's own error and drops the connection still opening, without waiting for it", async () => {
    const proxy = await startProxy(Number(new URL(server.url).port));
    try {
      const config = directoryConfig({
        urls: [proxy.url],
        allowInsecure: true,
        bindDn: server.rootDn,
        bindPassword: server.rootPassword,
        connectTimeoutMs: 60_000,
        timeoutMs: 60_000,
        groups: { baseDns: [GROUPS] },
        users: { baseDns: [`ou=people,${SUFFIX}`] },
      });
      const error = await readDirectory(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirectoryError);
      expect((error as DirectoryError).code).toBe('DIRECTORY_SEARCH');
      expect((error as DirectoryError).message).toMatch(/^search of "ou=groups,dc=example,dc=test" .* at page 1 failed: .*\(LDAP result 51\)$/);
      // The second connection was opened (its bind sent, never answered) and has been closed by
      // the reader: the read did not wait for its minute-long timeout.
      expect(proxy.received(2)).toBeGreaterThan(0);
      await proxy.closed(2);
    } finally {
      await proxy.close();
    }
  }, 15_000);
});
