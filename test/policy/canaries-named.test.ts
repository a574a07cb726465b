/**
 * Secrets recognisable by their field's name alone (docs/architecture.md "The MCP surface and the
 * policy pipeline" step 7), beside the seeded canary sweep (canaries.test.ts): plain values
 * planted in organizations' metadata, called through every tool that shows them.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { schema } from '../../src/db/client.ts';
import { type AnyClient, call, connectV1, type ToolOutcome, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(30_000);

const MARKER = '[redacted: secret]';
type Row = Record<string, unknown>;
const everything = (o: ToolOutcome) => `${o.text}\n${JSON.stringify(o.structured ?? null)}`;

let gh: TestGatehouse;
let client: AnyClient;
beforeAll(async () => {
  gh = await startTestGatehouse();
  const admin = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  client = await connectV1(gh.url, admin.access_token);
});
afterAll(async () => {
  await client?.close();
  await gh?.stop();
});

/**
 * Secrets recognisable by their field's name alone: plain values with no known shape, planted in
 * an organization's metadata the way a customer would store them. Every one must be masked in
 * every answer that shows the organization; the harmless fields beside them must not be.
 */
const NAMED_SECRETS: Record<string, string> = {
  secret_key: 'plainNamedCanary01',
  api_keys: 'plainNamedCanary02',
  private_key_pem: 'plainNamedCanary03',
  aws_secret_access_key: 'plainNamedCanary04',
  password_hash: 'plainNamedCanary05',
  secretKey: 'plainNamedCanary06',
  deploy_key: 'plainNamedCanary07',
  service_account_key: 'plainNamedCanary08',
  x509Cert: 'plainNamedCanary09',
  saml_x509_certs: 'plainNamedCanary10',
};
const HARMLESS_METADATA = { idp_id: 'idp_visible_01', key: 'visible-region-key', region: 'eu-west-1' };

/** WorkOS holds at most 10 metadata pairs per organization: the named secrets take two. */
const NAMED_FIRST = Object.fromEntries(Object.entries(NAMED_SECRETS).slice(0, 7));
const NAMED_SECOND = Object.fromEntries(Object.entries(NAMED_SECRETS).slice(7));

describe('named secret canaries', () => {
  let orgId: string;
  let secondId: string;
  const named: { tool: string; outcome: ToolOutcome }[] = [];

  beforeAll(async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({
      name: 'Named Canary Org',
      metadata: { ...NAMED_FIRST, ...HARMLESS_METADATA },
    });
    orgId = org.id;
    secondId = (
      await teamWorkOS(gh).organizations.createOrganization({
        name: 'Named Canary Org 2',
        metadata: NAMED_SECOND,
      })
    ).id;
    for (const [tool, args] of [
      ['get_organization_details', { organization_id: orgId }],
      ['get_organization_details', { organization_id: secondId }],
      ['list_workos_organizations', { limit: 100 }],
      // On the second: the first holds the 10 pairs WorkOS allows.
      ['update_organization', { organization_id: secondId, metadata: { canary_sweep: 'yes' } }],
      ['delete_organization', { organization_id: orgId }],
    ] as const)
      named.push({ tool, outcome: await call(client, tool, args) });
  });

  test('every probe answered', () => {
    expect(named.filter(({ outcome }) => outcome.isError).map(({ tool }) => tool)).toEqual([]);
  });

  test('no named secret appears in any answer, text or structuredContent', () => {
    const leaks = named.flatMap(({ tool, outcome }) =>
      Object.entries(NAMED_SECRETS)
        .filter(([, v]) => everything(outcome).includes(v))
        .map(([k]) => `${tool} leaks ${k}`),
    );
    expect(leaks).toEqual([]);
  });

  test('the marker stands at each named field; harmless fields pass through unchanged', () => {
    const [first, second] = named
      .filter(({ tool }) => tool === 'get_organization_details')
      .map(({ outcome }) => (outcome.structured!.organization as Row).metadata as Row);
    for (const k of Object.keys(NAMED_FIRST)) expect(first![k]).toBe(MARKER);
    for (const k of Object.keys(NAMED_SECOND)) expect(second![k]).toBe(MARKER);
    expect(Object.keys({ ...first, ...second }).filter((k) => k in NAMED_SECRETS)).toHaveLength(10);
    expect(first).toMatchObject(HARMLESS_METADATA);
  });

  test('the audit trail holds none of them either', () => {
    const dump = JSON.stringify(gh.ctx.db.select().from(schema.auditEntries).all());
    for (const v of Object.values(NAMED_SECRETS)) expect(dump).not.toContain(v);
  });
});
