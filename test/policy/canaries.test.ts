/**
 * The secret canary sweep (docs/architecture.md "The MCP surface and the policy pipeline" step 7): canaries are planted in the seed where tools read
 * (src/emulator/seed/canaries.ts). Every read tool is called, as an admin, with arguments that
 * reach them, in sandbox and in production; no canary may appear anywhere in any answer, and the
 * redaction marker must stand where a canary was passed through. Nor may the server's log lines
 * hold a canary or a bearer token.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { schema } from '../../src/db/client.ts';
import { SECRET_CANARIES } from '../../src/emulator/seed/index.ts';
import {
  type AnyClient,
  call,
  connectV1,
  type Tokens,
  type ToolOutcome,
  tokensFor,
  toolNames,
} from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import {
  MARKER,
  type Probe,
  productionProbes,
  type Row,
  sandboxProbes,
  unboundProbes,
} from './canary-probes.ts';

setDefaultTimeout(30_000);

let gh: TestGatehouse;
let admin: Tokens;
let client: AnyClient;
const probes: Probe[] = [];
const answers: { probe: Probe; outcome: ToolOutcome }[] = [];

beforeAll(async () => {
  gh = await startTestGatehouse();
  admin = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  client = await connectV1(gh.url, admin.access_token);
  await toolNames(client);
  const req = await call(client, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['github', 'linear', 'notion'],
    reason: 'canary sweep',
  });
  expect(req.isError).toBe(false);
  probes.push(
    ...(await sandboxProbes(gh)),
    ...(await productionProbes(gh)),
    ...unboundProbes(req.structured!.request_id as string),
  );
  // The session switches to production for the production probes (docs/architecture.md "Modes"), and back.
  let inProduction = false;
  for (const probe of probes) {
    const wanted = probe.args.environment === 'production';
    if (wanted !== inProduction) {
      const sw = await call(client, 'switch_environment', { environment: wanted ? 'production' : 'sandbox' });
      expect(sw.isError).toBe(false);
      inProduction = wanted;
    }
    answers.push({ probe, outcome: await call(client, probe.tool, probe.args) });
  }
  if (inProduction) await call(client, 'switch_environment', { environment: 'sandbox' });
});

afterAll(async () => {
  await client?.close().catch(() => {});
  await gh?.stop();
});

const label = (p: Probe) => `${p.env} ${p.tool} (${p.what})`;
const everything = (o: ToolOutcome) => `${o.text}\n${JSON.stringify(o.structured ?? null)}`;

describe('secret canaries', () => {
  test('the sweep calls every read tool, in both environments where it is environment-bound', () => {
    const reads = gh.ctx.tools.all().filter((d) => d.kind === 'read');
    const missing: string[] = [];
    for (const d of reads)
      for (const env of ['sandbox', 'production'] as const)
        if (!probes.some((p) => p.tool === d.name && p.env === env)) missing.push(`${env} ${d.name}`);
    expect(missing).toEqual([]);
    for (const name of ['whoami', 'list_integrations', 'check_access_request'])
      expect(probes.map((p) => p.tool)).toContain(name);
  });

  test('every probe reached its target (no probe failed, so none passes by saying nothing)', () => {
    const failed = answers
      .filter(({ outcome }) => outcome.isError || outcome.structured === undefined)
      .map(({ probe, outcome }) => `${label(probe)}: ${outcome.text.slice(0, 200)}`);
    expect(failed).toEqual([]);
  });

  test('no canary appears anywhere in any answer, text or structuredContent', () => {
    const leaks: string[] = [];
    for (const { probe, outcome } of answers) {
      const all = everything(outcome);
      for (const c of SECRET_CANARIES)
        if (all.includes(c)) leaks.push(`${label(probe)} leaks ${c.slice(0, 24)}…`);
      // Also the first PEM line in case a key's body is split differently.
      if (all.includes('CANARYsecondline')) leaks.push(`${label(probe)} leaks a PEM body`);
    }
    expect(leaks).toEqual([]);
  });

  test('the marker stands where a canary was passed through', () => {
    const wrong: string[] = [];
    for (const { probe, outcome } of answers) {
      if (!probe.marker) continue;
      const values = probe.marker(outcome.structured ?? {});
      if (values.length === 0 || values.some((v) => v !== MARKER))
        wrong.push(`${label(probe)}: ${JSON.stringify(values)}`);
      if (!outcome.text.includes(MARKER)) wrong.push(`${label(probe)}: no marker in the text`);
    }
    expect(wrong).toEqual([]);
    // The planted places that a tool passes through (metadata) are covered in both environments.
    const marked = answers.filter(({ probe }) => probe.marker).map(({ probe }) => probe.env);
    expect(marked).toContain('sandbox');
    expect(marked).toContain('production');
  });

  test('directory attributes where canaries hide are not passed through at all', () => {
    const users = answers.filter(({ probe }) => probe.tool === 'list_directory_users');
    for (const { outcome } of users) {
      for (const u of outcome.structured!.users as Row[]) {
        expect(Object.keys(u)).not.toContain('raw_attributes');
        expect(Object.keys(u)).not.toContain('custom_attributes');
      }
    }
    const carol = users
      .flatMap(({ outcome }) => outcome.structured!.users as Row[])
      .find((u) => u.email === 'carol@acme.test');
    expect(carol).toMatchObject({ job_title: 'Staff Engineer', department: 'Engineering' });
    const groups = answers.filter(({ probe }) => probe.tool === 'list_directory_groups');
    const itAdmins = groups
      .flatMap(({ outcome }) => outcome.structured!.groups as Row[])
      .find((g) => g.name === 'IT Admins');
    expect(itAdmins).toBeDefined();
    expect(Object.keys(itAdmins!)).not.toContain('raw_attributes');
  });

  test('the server log holds no canary and no access or refresh token', () => {
    expect(gh.logLines.length).toBeGreaterThan(0);
    const log = gh.logLines.join('\n');
    for (const c of SECRET_CANARIES) expect(log).not.toContain(c);
    expect(log).not.toContain(admin.access_token);
    expect(log).not.toContain(admin.refresh_token);
  });

  test('the audit trail holds no canary either', () => {
    const rows = gh.ctx.db.select().from(schema.auditEntries).all();
    expect(rows.length).toBeGreaterThan(probes.length);
    const dump = JSON.stringify(rows);
    for (const c of SECRET_CANARIES) expect(dump).not.toContain(c);
    expect(dump).not.toContain(admin.access_token);
  });
});
