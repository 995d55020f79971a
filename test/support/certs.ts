// Test certificates made with the openssl command line: a CA, a server certificate it signs with
// the names tests connect to (subjectAltName DNS:localhost, IP:127.0.0.1 by default), and a second,
// unrelated CA for "wrong CA is rejected" tests. Shared by the slapd and Samba harnesses and by any
// end-to-end test or benchmark that needs TLS on loopback. EC P-256 keys: generated instantly.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  /** PEM file of the CA that signed the server certificate. */
  caFile: string;
  caPem: string;
  /** PEM server certificate (signed by caFile). */
  certFile: string;
  /** PEM private key of the server certificate, mode 0600 (Samba insists). */
  keyFile: string;
  /** PEM file of a second CA that signed nothing the servers present. */
  otherCaFile: string;
  otherCaPem: string;
  /** The subjectAltName entries the server certificate carries. */
  altNames: string[];
}

export interface CertificateOptions {
  /** Common name of the server certificate (default `localhost`). */
  commonName?: string;
  /** subjectAltName entries (default `DNS:localhost`, `IP:127.0.0.1`). */
  altNames?: string[];
  /** Validity in days (default 2). */
  days?: number;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string, subject: string, days: number): string {
  openssl(
    [
      'req', '-x509', '-new', '-nodes',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', `${name}.key`, '-out', `${name}.pem`,
      '-days', String(days), '-subj', subject,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return join(dir, `${name}.pem`);
}

/** Creates the certificates in `dir` (created if missing). Requires the `openssl` binary. */
export function createTestCertificates(dir: string, options: CertificateOptions = {}): TestCertificates {
  mkdirSync(dir, { recursive: true });
  const days = options.days ?? 2;
  const commonName = options.commonName ?? 'localhost';
  const altNames = options.altNames ?? ['DNS:localhost', 'IP:127.0.0.1'];

  const caFile = makeCa(dir, 'ca', '/O=qlik-group-sync tests/CN=Test CA', days);
  const otherCaFile = makeCa(dir, 'other-ca', '/O=somebody else/CN=Unrelated CA', days);

  openssl(
    [
      'req', '-new', '-nodes',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/O=qlik-group-sync tests/CN=${commonName}`,
    ],
    dir,
  );
  writeFileSync(
    join(dir, 'server.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${altNames.join(',')}`,
      '',
    ].join('\n'),
  );
  openssl(
    [
      'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'server.pem', '-days', String(days), '-extfile', 'server.ext',
    ],
    dir,
  );
  const keyFile = join(dir, 'server.key');
  chmodSync(keyFile, 0o600);

  return {
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    certFile: join(dir, 'server.pem'),
    keyFile,
    otherCaFile,
    otherCaPem: readFileSync(otherCaFile, 'utf8'),
    altNames,
  };
}
