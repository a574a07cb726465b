import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  /** PEM of the throwaway CA the leaf is signed by. */
  ca: string;
  /** PEM certificate and key for `api.example.test` only. */
  cert: string;
  key: string;
}

/** Whether the openssl CLI is available to make certificates. */
export const hasOpenssl = Bun.which('openssl') !== null;

function openssl(dir: string, args: string[]): void {
  const run = Bun.spawnSync(['openssl', ...args], { cwd: dir, stderr: 'pipe', stdout: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr.toString()}`);
}

/**
 * Makes a CA and a leaf certificate for `api.example.test` in a temp dir (deleted afterwards),
 * so no private key lives in the repository and nothing expires in it.
 */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-outbound-pki-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(
      dir,
      ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2']
        .concat(['-subj', '/CN=Gatehouse outbound test CA'])
        .concat(['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']),
    );
    openssl(dir, ['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=api.example.test']);
    writeFileSync(
      join(dir, 'leaf.ext'),
      'subjectAltName=DNS:api.example.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    );
    openssl(
      dir,
      ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-out',
        'leaf.pem',
        '-days',
        '2',
        '-extfile',
        'leaf.ext',
      ]),
    );
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.pem'), cert: read('leaf.pem'), key: read('leaf.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
