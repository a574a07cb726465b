import { describeVariables } from '../config/variables.ts';

/** Gatehouse's version: package.json's, and CHANGELOG.md's newest release (a test keeps them equal). */
export const VERSION = '0.1.0';

export const HELP: Record<string, string> = {
  main: `Gatehouse ${VERSION} — lets AI agents manage your WorkOS account as the human they act for.

Usage: gatehouse <command> [options]        gatehouse help <command>        gatehouse --version

Commands:
  serve         Run Gatehouse: the console, the OAuth server and the MCP endpoint (/mcp).
  config check  Print the effective configuration (secrets masked), the mode, and every problem.
  migrate       Apply the database migrations in GATEHOUSE_DATA_DIR and exit (serve does it too).
  backup        Write an online, consistent copy of the data dir (database, keys, secrets) to a file.
  restore       Put a backup back into GATEHOUSE_DATA_DIR (refused while a server runs on it).
  teams         List, admit or remove the organizations that are Gatehouse teams.
  audit         Verify the signed audit trail, or export it.
  healthcheck   Ask the local server's /readyz; exit 0 when ready (the container HEALTHCHECK).
  emulator      Run the embedded WorkOS alone, for a live-mode rehearsal or other tools.
  version       Print the version (also --version).
  help          Show help for a command.

Modes: without a WorkOS API key Gatehouse runs in local mode on an embedded, seeded WorkOS (no account,
no network; loopback only, anyone reaching it may sign in as any demo account). Live mode signs people
in to the identity environment (WORKOS_IDENTITY_API_KEY, or WORKOS_API_KEY), admits only the
organizations in GATEHOUSE_TEAMS as teams, and acts for each team only on the WorkOS environments its
admins link on the Settings page (WORKOS_API_KEY and WORKOS_PRODUCTION_API_KEY are the first team's).

Configuration comes from the environment only; empty values count as unset:
${describeVariables()}

Deploying: put Gatehouse behind a TLS proxy and set PUBLIC_URL to its https origin (and
TRUSTED_PROXIES to the proxy's address); set the live-mode keys and GATEHOUSE_TEAMS; check it with
\`gatehouse config check\`; back up with \`gatehouse backup\` (a cron job or the systemd timer);
upgrade by replacing the binary or image and restarting: migrations run at start, forward-only, after
an automatic copy of the database to GATEHOUSE_DATA_DIR/backups/. Health: GET /healthz, GET /readyz.
Exit codes: 0 success, 1 failure or refusal (output that cannot all be written too: a full disk, or,
quietly, a reader that stopped as \`| head\` does), 2 bad usage or configuration.`,
  serve: `Usage: gatehouse serve

Starts Gatehouse on HOST:PORT (default localhost:8788) and prints the URL and the admitted teams. In
local mode it also starts the embedded WorkOS (an identity environment and, for each of two demo teams,
a sandbox and a production one) and lists the accounts you can sign in as. Warns when a team's managed
environment is the identity environment itself. Live mode refuses to start without an admitted team.
Before anything starts it checks the configuration (every problem at once, each naming its variable
and value: a data dir or database it cannot write, a HOST that is not this machine's, a PORT in use),
and refuses a data dir another running server holds (GATEHOUSE_DATA_DIR/gatehouse.lock); exit 2.
Migrations run at start (forward-only, after a copy of the database to GATEHOUSE_DATA_DIR/backups/).
Stops gracefully on SIGINT/SIGTERM.`,
  emulator: `Usage: gatehouse emulator [--port <port>] [--json]

Runs only the embedded WorkOS: the identity environment people sign in to (AuthKit, Pipes) and each
staff team's managed sandbox and production, all behind one URL, http://127.0.0.1:<port> (default: a
free port), where the API key selects the environment, as on api.workos.com. Prints the URL, the
identity key, client id and token issuer, the staff organizations' ids (admit them with
GATEHOUSE_TEAMS), each team's keys, and the accounts you can sign in as, including a customer admin
Gatehouse must refuse. Its AuthKit sign-in asks which seeded account signs in (a request with a
login_hint signs that account in directly). --json prints all of it as one JSON line instead. Stops
on SIGINT/SIGTERM.
Point @workos-inc/node at it with { apiHostname: '127.0.0.1', port, https: false }.`,
  audit: `Usage: gatehouse audit verify [--public-key <pem>] [--replaced-key <pem>]… [--head <json>]
                              [--witness <file>] [--since <checkpoint>] [--checkpoint <file>]
       gatehouse audit export [--since <iso|30m|24h|7d>] [--until <iso>] [--after-seq <n>]
                              [--format jsonl|csv]

verify  Walks the whole audit trail: every entry's SHA-256 must match its content, chain to the
        entry before it, and carry a valid Ed25519 signature of the audit key (the public key is
        GATEHOUSE_DATA_DIR/audit-ed25519.pub unless --public-key is given). Arguments and details
        too large to keep in an entry are kept whole beside it; the entry commits to their SHA-256
        and length, and each must still match. Then checks the signed head
        (GATEHOUSE_DATA_DIR/audit-head.json unless --head is given; the server refreshes it every
        second): the trail must reach the entry it records, so entries removed from the end are
        caught. With a witness (GATEHOUSE_AUDIT_WITNESS, or --witness: the file on another volume
        every signed head is appended to), every head it saw must still be in the trail and the
        head file must not be older than its newest: a database restored together with its head
        from an older copy is reported as ROLLED BACK (after a deliberate restore, move the old
        witness aside: a new one starts with the next head). Exits 0 when intact; otherwise
        prints the first problem and exits 1. An entry written in a batch is proved by the
        signature of the batch's last entry. A trail whose key was declared lost
        (GATEHOUSE_AUDIT_KEY_REPLACES) changes key once, at its audit.key_replaced entry, which the
        new key signs: what the lost key signed before is proved by the chain up to there, and
        also against its own signatures when its public half is given (--replaced-key, once per
        replaced key). An intact trail leaves a checkpoint signed with the
        audit key (GATEHOUSE_DATA_DIR/audit-checkpoint.json, or --checkpoint); --since
        <checkpoint> then walks only the entries after it. A checkpoint the audit key did not
        sign is refused (exit 2); one whose entry the trail no longer holds fails (exit 1).
export  Streams entries, oldest first, to stdout as JSON Lines (default) or CSV, with the whole
        arguments and details of every entry (those kept out of line included); memory stays
        flat whatever the trail's size or the reader's speed. --since/--until select by the time
        an entry was made; --after-seq <n> takes the entries committed after entry n (each line
        carries its seq): an export that resumes from the last seq it has misses nothing, even
        with several replicas, where an entry made earlier can commit after a later one.`,
  migrate: `Usage: gatehouse migrate

Creates GATEHOUSE_DATA_DIR if needed and applies the database migrations (idempotent). \`serve\` does
this at start too; use this to prepare a data dir ahead of time. Migrations are forward-only: before
applying any to a database that already holds data, a consistent copy of it is written to
GATEHOUSE_DATA_DIR/backups/gatehouse-before-<migration>-<time>.db (going back to the older version
means restoring that copy or a gatehouse backup). A database migrated by a newer version is refused.`,
  config: `Usage: gatehouse config check

Reads the configuration from the environment as \`serve\` would and prints: every variable with its
value or default (keys, passwords and tokens masked: a WorkOS key shows its kind and last four
characters), the mode (local or live) and why, the effective URLs, listen address, allowed hosts and
data dir, the database's state, whether a server runs on the data dir, and then every problem at
once (a bad value, a data dir or database that cannot be written, a HOST that is not an address of
this machine, a client id without a key, ...). Exit 0 when there is none, 1 otherwise. Starts
nothing and writes nothing.`,
  healthcheck: `Usage: gatehouse healthcheck [/readyz | /healthz]

Asks the server configured by the environment (PORT, HOST, PUBLIC_URL) for GET /readyz (default: the
database and every WorkOS environment answer) or /healthz (the process is up) on the local machine,
with PUBLIC_URL's host, and exits 0 when it answers 200, 1 otherwise (not listening, not ready, no
answer within 5 seconds). The Docker image's HEALTHCHECK runs it: the image has no shell or curl.`,
  version: `Usage: gatehouse version   (or gatehouse --version)

Prints the version of this Gatehouse.`,
};
