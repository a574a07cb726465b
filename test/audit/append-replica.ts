/**
 * One "replica" appending to the audit trail, run as a subprocess by engines.test.ts:
 * `bun append-replica.ts <postgres URL | SQLite file> <Ed25519 PKCS#8 DER, base64> <rounds> <name>`.
 * Each round queues five entries in one turn (one group-commit batch) and waits for them.
 */
import { createPrivateKey } from 'node:crypto';
import { configuredAuditKey, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { openDatabase } from '../../src/db/client.ts';
import { openPostgres } from '../../src/db/pg/open.ts';

const [where, der, rounds, name] = process.argv.slice(2);
if (!where || !der || !rounds || !name)
  throw new Error('usage: append-replica.ts <database> <key> <rounds> <name>');
const db = /^postgres(ql)?:\/\//.test(where)
  ? openPostgres({ url: where, display: name })
  : openDatabase(where);
const key = configuredAuditKey({
  dataDir: '/nonexistent',
  auditSigningKey: createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'pkcs8' }),
});
const audit = new AuditService(db, { now: () => Date.now() }, (h) => signHash(key, h));
for (let r = 0; r < Number(rounds); r++) {
  await Promise.all(
    [0, 1, 2, 3, 4].map((k) =>
      audit.record({ event: 'tool.call', outcome: 'allowed', teamId: 'team_1', tool: `${name}_${r}_${k}` }),
    ),
  );
}
db.$client.close();
