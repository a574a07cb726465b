export const VERSION = '0.1.0';

export const HELP: Record<string, string> = {
  main: `Gatehouse ${VERSION} — lets AI agents manage your WorkOS account as the human they act for.

Usage: gatehouse <command> [options]

Commands:
  serve      Run Gatehouse (console, OAuth server, MCP endpoint at /mcp). The default for \`bun start\`.
  emulator   Run the embedded WorkOS alone (WorkOS's emulator plus Gatehouse's fixtures), for other tools.
  migrate    Apply the database migrations in GATEHOUSE_DATA_DIR and exit.
  audit      Verify the signed audit trail, or export it (gatehouse help audit).
  teams      List, admit or remove the organizations that are Gatehouse teams (gatehouse help teams).
  help       Show help for a command: gatehouse help <command>

Configuration comes from the environment (see README): PORT, HOST, PUBLIC_URL, GATEHOUSE_DATA_DIR,
LOG_LEVEL, WORKOS_IDENTITY_API_KEY, WORKOS_IDENTITY_CLIENT_ID, GATEHOUSE_TEAMS, WORKOS_API_KEY,
WORKOS_CLIENT_ID, WORKOS_PRODUCTION_API_KEY, WORKOS_API_URL, WORKOS_ISSUER, WORKOS_COOKIE_PASSWORD,
METRICS_TOKEN.
Without a WorkOS API key Gatehouse runs in local mode on an embedded, seeded WorkOS: no account, no
network. Live mode signs people in to the identity environment (WORKOS_IDENTITY_API_KEY, or
WORKOS_API_KEY), admits only the organizations in GATEHOUSE_TEAMS as teams, and acts for each team only
on the WorkOS environments its admins link on the Settings page (WORKOS_API_KEY and
WORKOS_PRODUCTION_API_KEY are the first team's).`,
  serve: `Usage: gatehouse serve

Starts Gatehouse on HOST:PORT (default localhost:8788) and prints the URL and the admitted teams. In
local mode it also starts the embedded WorkOS (an identity environment and, for each of two demo teams,
a sandbox and a production one) and lists the accounts you can sign in as. Warns when a team's managed
environment is the identity environment itself. Live mode refuses to start without an admitted team.
Stops gracefully on SIGINT/SIGTERM.`,
  emulator: `Usage: gatehouse emulator [--port <port>] [--json]

Runs only the embedded WorkOS: the identity environment people sign in to (AuthKit, Pipes) and each
staff team's managed sandbox and production, all behind one URL, http://127.0.0.1:<port> (default: a
free port), where the API key selects the environment, as on api.workos.com. Prints the URL, the
identity key, client id and token issuer, the staff organizations' ids (admit them with
GATEHOUSE_TEAMS), each team's keys, and the accounts you can sign in as, including a customer admin
Gatehouse must refuse. --json prints all of it as one JSON line instead. Stops on SIGINT/SIGTERM.
Point @workos-inc/node at it with { apiHostname: '127.0.0.1', port, https: false }.`,
  audit: `Usage: gatehouse audit verify [--public-key <pem>] [--head <json>] [--witness <file>]
       gatehouse audit export [--since <iso|30m|24h|7d>] [--until <iso>] [--format jsonl|csv]

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
        prints the first problem and exits 1.
export  Streams entries, oldest first, to stdout as JSON Lines (default) or CSV, with the whole
        arguments and details of every entry (those kept out of line included).`,
  migrate: `Usage: gatehouse migrate

Creates GATEHOUSE_DATA_DIR if needed and applies the database migrations (idempotent). \`serve\` does
this at start too; use this to prepare a data dir ahead of time.`,
};
