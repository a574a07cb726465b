import { Database } from 'bun:sqlite';
import { join } from 'node:path';
import { ensureOwnFile } from '../crypto/secret-files.ts';
import { isBusy } from '../db/client.ts';
import { dialectOf } from '../db/dialect.ts';
import { GENESIS_HASH } from './chain.ts';
import {
  appendWitness,
  HEAD_FILE,
  HEAD_INTERVAL_MS,
  HEAD_LOCK_FILE,
  headMessage,
  headSignatureValid,
  lastWitnessHead,
  type ReadHead,
  readHeadRow,
  readStoredHead,
  replaceJsonFile,
  type SignedHead,
} from './head-store.ts';
import { type AuditKey, checkSignature, keyIdOfSignature, signMessage } from './keys.ts';
import { segmentProblem, type TrailPoint } from './segment.ts';

/**
 * The signed head: the newest entry's seq and hash, signed with the audit key, kept outside the
 * database (in the data dir). A chain cut at its end is still a valid chain; the head shows the
 * cut. Its counter only grows: with GATEHOUSE_AUDIT_WITNESS every head is also appended to that
 * file (another volume), so a database and head both restored from an older copy show too. On
 * PostgreSQL the head is the one row of `audit_heads`, written by every replica under the write
 * lock (docs/postgresql.md, "Audit on PostgreSQL").
 */

export * from './head-store.ts';

/** How long a command (or a stopping server) waits for another process writing its head. */
const HEAD_LOCK_WAIT_MS = 5_000;

export interface HeadWriterOptions {
  /** GATEHOUSE_AUDIT_WITNESS: every head written is also appended to this file. */
  witness?: string | undefined;
  /**
   * Upkeep of the trail run at every flush, off the request path, before the checkpoint: the
   * console's page index catching up (AuditService.settlePages).
   */
  upkeep?: () => void;
  log?: {
    error(msg: string, fields?: Record<string, unknown>): void;
    info?(msg: string, fields?: Record<string, unknown>): void;
  };
}

/**
 * Keeps the signed head up to date: at start, then at most once per interval when entries were
 * added, and at shutdown. On SQLite, before writing, the WAL is checkpointed (SQLite syncs the
 * WAL first), so the head never names an entry that a power loss could take back; the file is
 * written to a temporary name, synced and renamed, so a crash leaves the old head or the new one.
 * On PostgreSQL the head is the row of `audit_heads`, written in a transaction (headInTable).
 * Then the head is appended to the witness, when there is one (a failed append is retried at the
 * next flush; the stored head is never behind the witness).
 */
export class AuditHeadWriter {
  private readonly latest;
  private written = -1;
  private counter: number;
  private checkedEnd: string | undefined; // the end last found validly signed (signedByAnother)
  private unwitnessed: SignedHead | undefined;
  /** The last head this process signed: an entry it vouched for must stay in the trail. */
  private signed: { seq: number; hash: string } | undefined;
  /** The problem last logged by refuse(), so a refusal repeated at every flush is logged once. */
  private refused: string | undefined;
  private readonly hashAt: { get(seq: number): { hash: string } | null };
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Whether the last interval's head, or upkeep, failed: a failure is logged once, and its end. */
  private failing = false;
  private upkeepFailing = false;
  readonly path: string;
  private readonly sqliteFile: boolean;
  /** SQLite: a lock held while writing the head file, so writers in several processes take turns. */
  private headLock: Database | undefined;
  readonly witnessPath: string | undefined;
  private readonly writeRow: (() => { seq: number; counter: number; head?: SignedHead }) | undefined;

  constructor(
    private readonly sqlite: Database,
    private readonly key: AuditKey,
    private readonly dataDir: string,
    private readonly now: () => number,
    private readonly options: HeadWriterOptions = {},
  ) {
    this.path = join(dataDir, HEAD_FILE);
    // A PostgreSQL server checkpoints on its own (docs/postgresql.md).
    this.sqliteFile = dialectOf(sqlite) === 'sqlite';
    this.witnessPath = options.witness;
    this.latest = sqlite.prepare<{ seq: number; hash: string; signature?: string | null }, []>(
      'SELECT seq, hash, signature FROM audit_entries ORDER BY seq DESC LIMIT 1',
    );
    const hashAt = sqlite.prepare<{ hash: string }, [number]>('SELECT hash FROM audit_entries WHERE seq = ?');
    this.hashAt = hashAt;
    // The counter continues from the newest head known, the witness's included: a head file
    // restored from an older copy does not take the counter back.
    const current = this.read();
    const stored = current.kind === 'ok' ? (current.head.counter ?? 0) : 0;
    const witnessed = options.witness ? lastWitnessHead(options.witness) : undefined;
    this.counter = Math.max(stored, witnessed?.counter ?? 0);
    if (witnessed && witnessed.seq > 0 && hashAt.get(witnessed.seq)?.hash !== witnessed.hash)
      options.log?.error(
        'audit rollback: the witness saw an entry this database does not have; `gatehouse audit verify` will report it',
        { witness: options.witness, seq: witnessed.seq, counter: witnessed.counter },
      );
    this.writeRow = this.sqliteFile ? undefined : sqlite.transaction(() => this.headInTable());
  }

  /** The counter of the last head written (0 before the first). */
  get headCounter(): number {
    return this.counter;
  }

  /** The signed head as stored now (the file on SQLite, the table on PostgreSQL). */
  read(): ReadHead {
    return readStoredHead(this.sqlite, this.dataDir);
  }

  /**
   * Also takes over checkpointing the WAL: SQLite's automatic checkpoint (every 1,000 pages, at
   * the end of whichever write transaction crosses it) syncs the database file on the request
   * path; the head's own checkpoint, once per interval off the request path, replaces it.
   */
  start(intervalMs = HEAD_INTERVAL_MS): void {
    if (this.sqliteFile) this.sqlite.exec('PRAGMA wal_autocheckpoint = 0');
    // Not waiting for a command that holds the head lock: the first interval writes it then.
    this.flush(false);
    this.timer = setInterval(() => {
      // A head that cannot be written now (the database unreachable for a moment) is written
      // at a later interval; a timer that throws would take the server down.
      try {
        // Never waits for the head lock: the server's requests run on this thread. A command
        // holding it (writing its own head) is let finish; this interval's head comes next time.
        this.flush(false);
        if (this.failing) this.options.log?.info?.('audit head written again');
        this.failing = false;
      } catch (e) {
        if (!this.failing)
          this.options.log?.error('audit head could not be written; retrying at the next interval', {
            error: (e as Error).message,
          });
        this.failing = true;
      }
    }, intervalMs);
    this.timer.unref?.();
  }

  /**
   * Writes the head if entries were added since the last write. `wait`: whether to wait for
   * another process writing its head (SQLite); without, a busy lock skips this flush.
   */
  flush(wait = true): void {
    // Upkeep that fails (the database busy past its timeout) is retried at the next flush; it
    // never keeps the signed head from being written.
    try {
      this.options.upkeep?.();
      if (this.upkeepFailing) this.options.log?.info?.('audit upkeep works again');
      this.upkeepFailing = false;
    } catch (e) {
      if (!this.upkeepFailing)
        this.options.log?.error('audit upkeep failed; retrying at the next head', {
          error: (e as Error).message,
        });
      this.upkeepFailing = true;
    }
    if (!this.writeRow) {
      // Nothing new since this process's last head: the checkpoint alone, no lock.
      const last = this.latest.get() ?? { seq: 0, hash: GENESIS_HASH };
      if (last.seq === this.written && !this.unwitnessed) {
        this.sqlite.exec('PRAGMA wal_checkpoint(PASSIVE)');
        return;
      }
      this.underHeadLock(() => this.headInFile(), wait);
      return;
    }
    const last = this.latest.get() ?? { seq: 0, hash: GENESIS_HASH };
    if (last.seq !== this.written) {
      const wrote = this.writeRow();
      this.counter = wrote.counter;
      this.written = wrote.seq;
      if (wrote.head && this.witnessPath) this.unwitnessed = wrote.head;
    }
    this.witness();
  }

  /**
   * SQLite: the head file, written by one process at a time (a command beside the server, or
   * commands run together, write heads too). Under the lock the trail's end, the stored head and
   * the witness are read afresh: the counter continues from the newest head any writer wrote, a
   * head another writer already wrote for this end is not written again, and no head names an
   * entry older than one written before it.
   */
  private headInFile(): void {
    // The end first, then the checkpoint (SQLite syncs the WAL first): the head never names an
    // entry a power loss could take back. Every interval, audit entries or not: the automatic
    // checkpoint is off while this runs.
    const last = this.latest.get() ?? { seq: 0, hash: GENESIS_HASH };
    this.sqlite.exec('PRAGMA wal_checkpoint(PASSIVE)');
    if (last.seq === this.written) {
      this.witness();
      return;
    }
    if (this.signedByAnother(last)) return;
    const stored = this.read();
    const storedHead = stored.kind === 'ok' ? stored.head : undefined;
    const cut = this.cutProblem(storedHead, stored.kind === 'missing', last);
    if (cut) this.refuse(cut, last.seq);
    else if (storedHead && storedHead.seq === last.seq && storedHead.hash === last.hash) {
      this.written = last.seq;
      this.signed = last;
    } else {
      const witnessed = this.witnessPath ? lastWitnessHead(this.witnessPath) : undefined;
      this.counter = Math.max(this.counter, storedHead?.counter ?? 0, witnessed?.counter ?? 0);
      const head = this.writeFile(last);
      if (this.witnessPath) this.unwitnessed = head;
    }
    this.witness();
  }

  /** Runs `fn` holding the data dir's head lock (HEAD_LOCK_FILE), waiting for another holder. */
  private underHeadLock(fn: () => void, wait: boolean): void {
    if (!this.headLock) {
      const path = join(this.dataDir, HEAD_LOCK_FILE);
      // Created by a command run as root in a service's data dir, it is the service's; a link
      // there is refused.
      ensureOwnFile(path);
      this.headLock = new Database(path);
    }
    this.headLock.exec(`PRAGMA busy_timeout = ${wait ? HEAD_LOCK_WAIT_MS : 0}`);
    try {
      this.headLock.exec('BEGIN IMMEDIATE');
    } catch (e) {
      if (!wait && isBusy(e)) return;
      throw e;
    }
    try {
      fn();
    } finally {
      this.headLock.exec('COMMIT');
    }
  }

  private sign(last: { seq: number; hash: string }, counter: number): SignedHead {
    const unsigned = { seq: last.seq, hash: last.hash, at: this.now(), counter };
    return { ...unsigned, signature: signMessage(this.key, headMessage(unsigned)) };
  }

  private writeFile(last: { seq: number; hash: string }): SignedHead {
    const head = this.sign(last, this.counter + 1);
    replaceJsonFile(this.path, head);
    this.counter = head.counter!;
    this.written = last.seq;
    this.signed = last;
    return head;
  }

  /**
   * Why no head may be signed now, if so: the stored head, or the last head this process signed,
   * names an entry the trail no longer holds with that hash (entries were cut off the end or the
   * end replaced), or the stored head was removed after this process signed one. Signing the
   * trail as it is would vouch for the cut: the old head is kept, so `audit verify` keeps
   * reporting it. After investigating, the operator removes the stored head and restarts.
   */
  private cutProblem(stored: SignedHead | undefined, missing: boolean, last: TrailPoint): string | undefined {
    for (const h of [stored, this.signed])
      if (h && h.seq > 0 && this.hashAt.get(h.seq)?.hash !== h.hash)
        return `the signed head names entry #${h.seq}, which the trail no longer holds with that hash (entries were removed or replaced)`;
    if (missing && this.signed) return 'the signed head was removed after this process had signed one';
    // The new end must chain from the last head: a signed entry copied to the end carries a valid
    // signature but links to its old place, and a head over it would let the entries between go.
    const from = this.signed ?? (stored && headSignatureValid(this.key, stored) ? stored : undefined);
    const broken = from && last.seq > from.seq ? segmentProblem(this.sqlite, from, last) : undefined;
    return (
      broken && `the trail's end does not chain from the entry the last head named (#${from!.seq}): ${broken}`
    );
  }

  /**
   * Whether the trail's end is not this key's valid signature (the key was replaced, or the end
   * added without it): no head would vouch for it; logged once.
   */
  private signedByAnother(last: { seq: number; hash: string; signature?: string | null }): boolean {
    if (last.seq === 0 || last.hash === this.checkedEnd) return false;
    const id = last.signature ? keyIdOfSignature(last.signature) : undefined;
    // Checked once per end (a second's worth of entries): a head vouches for the whole trail.
    if (id === this.key.keyId && checkSignature(this.key, last.hash, last.signature!) === 'valid') {
      this.checkedEnd = last.hash;
      return false;
    }
    this.written = last.seq;
    const problem =
      id === undefined || id === this.key.keyId
        ? `the trail's last entry (#${last.seq}) carries no valid signature of the audit key: it was added without the key`
        : `the trail is now signed with key ${id}, not this process's key ${this.key.keyId}`;
    if (this.refused !== problem) {
      this.refused = problem;
      this.options.log?.error(
        id === undefined || id === this.key.keyId
          ? `audit trail altered: ${problem}; no head is signed for it. \`gatehouse audit verify\` names it`
          : `audit key replaced: ${problem}; this process signs no head for it. Restart it with the trail's key`,
      );
    }
    return true;
  }

  private refuse(problem: string, seq: number): void {
    // Not retried until the trail changes; logged once per problem.
    this.written = seq;
    if (this.refused === problem) return;
    this.refused = problem;
    this.options.log?.error(
      `audit truncation: ${problem}; no new head is signed (the stored one keeps \`gatehouse audit verify\` failing). After investigating, remove the stored head and restart`,
      { head: this.path },
    );
  }

  /**
   * PostgreSQL, in a transaction (it holds the write lock every append takes, src/db/pg/bridge.ts):
   * the trail's end is read under the lock, so no replica appends between it and the head, and a
   * head never names an entry older than the one before it. The counter continues from the row's
   * (every replica's heads share it) and only grows; the upsert's condition keeps it so even
   * without the lock. Answers the end it covered, the counter, and the head when one was written
   * (none when the row already names the end: another replica wrote it).
   */
  private headInTable(): {
    seq: number;
    counter: number;
    head?: SignedHead;
  } {
    const last = this.latest.get() ?? { seq: 0, hash: GENESIS_HASH };
    const stored = readHeadRow(this.sqlite);
    if (this.signedByAnother(last)) return { seq: last.seq, counter: this.counter };
    const row = stored.kind === 'ok' ? stored.head : undefined;
    const counter = Math.max(this.counter, row?.counter ?? 0);
    // Whichever replica cut it, a trail that lost an entry some head vouched for is never re-signed.
    const cut = this.cutProblem(row, stored.kind === 'missing', last);
    if (cut) {
      this.refuse(cut, last.seq);
      return { seq: last.seq, counter };
    }
    if (row && row.seq === last.seq && row.hash === last.hash) {
      this.signed = last;
      return { seq: last.seq, counter };
    }
    const head = this.sign(last, counter + 1);
    this.sqlite
      .query(
        `INSERT INTO audit_heads (id, seq, hash, at, counter, signature) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at,
           counter = excluded.counter, signature = excluded.signature
         WHERE audit_heads.counter < excluded.counter`,
      )
      .run(head.seq, head.hash, head.at, head.counter!, head.signature);
    this.signed = last;
    return { seq: last.seq, counter: head.counter!, head };
  }

  /** Appends the newest head to the witness; on failure it stays pending and is retried. */
  private witness(): void {
    if (!this.witnessPath || !this.unwitnessed) return;
    try {
      // A head retried after another writer witnessed a newer one would stand out of order (a
      // rollback to `audit verify`): the newer one vouches for more already.
      const newest = lastWitnessHead(this.witnessPath);
      if (newest && (newest.counter ?? 0) >= (this.unwitnessed.counter ?? 0)) {
        this.unwitnessed = undefined;
        return;
      }
      appendWitness(this.witnessPath, this.unwitnessed);
      this.unwitnessed = undefined;
    } catch (e) {
      this.options.log?.error('audit witness could not be written; retrying at the next head', {
        witness: this.witnessPath,
        error: (e as Error).message,
      });
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.flush();
    } catch (e) {
      // A head that cannot be written at shutdown (the data directory removed under a stopping
      // server) is reported, not thrown: the chain itself is committed, and the next start
      // writes the head again.
      this.options.log?.error('audit head could not be written at shutdown', {
        error: (e as Error).message,
      });
    }
    if (this.sqliteFile) this.sqlite.exec('PRAGMA wal_autocheckpoint = 1000');
    this.headLock?.close();
    this.headLock = undefined;
  }
}
