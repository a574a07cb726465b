/**
 * "Show me recent suspicious sign-in attempts and where they came from" (seeds/000), through a
 * real MCP client: Radar's authentication.radar_risk_detected events with the detection each names
 * (https://workos.com/docs/reference/radar/detections), and failed sign-ins
 * (https://workos.com/docs/events/authentication), from the seeded demo sandbox.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';
import { type AnyClient, call, connectV1, connectV2, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

type Row = Record<string, unknown>;

describe('embedded WorkOS — Radar risk events and detections as documented', () => {
  let t: TestWorkOS;
  beforeAll(async () => {
    t = await startTestWorkOS('sandbox');
  });
  afterAll(() => t.close());

  test('authentication.radar_risk_detected — the SDK parses it; the raw event names its detection, which GET /radar/detections/:id answers; an unknown id is a 404', async () => {
    const parsed = await t.workos.events.listEvents({ events: ['authentication.radar_risk_detected'] });
    expect(parsed.data.length).toBe(4);
    const first = parsed.data.find((e) => e.event === 'authentication.radar_risk_detected')!;
    expect(first.data).toMatchObject({ action: 'login', authMethod: 'Password' });
    expect(typeof (first.data as { userId?: unknown }).userId).toBe('string');

    const raw = (await t.workos.get('/events', { query: { events: ['authentication.radar_risk_detected'] } }))
      .data as { data: { data: Row }[] };
    const data = raw.data[0]!.data;
    expect(Object.keys(data).sort()).toEqual(
      [
        'action',
        'auth_method',
        'blocklist_type',
        'control',
        'email',
        'ip_address',
        'radar_detection_id',
        'user_agent',
        'user_id',
      ].sort(),
    );
    const detection = (await t.workos.get(`/radar/detections/${data.radar_detection_id}`)).data as Row;
    expect(detection).toMatchObject({
      object: 'radar_detection',
      id: data.radar_detection_id,
      control: data.control,
      ip_address: data.ip_address,
      user_agent: data.user_agent,
      email: data.email,
    });
    expect(detection.location).toEqual({ city: expect.any(String), country: expect.any(String) });
    expect((detection.evidence as Row).summary).toEqual(expect.any(String));
    expect((await t.request('/radar/detections/detection_01NOSUCH')).status).toBe(404);
  });
});

describe('list_suspicious_sign_ins through a real MCP client', () => {
  let gh: TestGatehouse;
  let viewer: AnyClient;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    // Reading needs only workos:read: a viewer's agent may ask.
    viewer = await connectV1(gh.url, (await tokensFor(gh.url, 'viewer@demo.test')).access_token);
  });
  afterAll(async () => {
    await viewer?.close();
    await gh?.stop();
  });

  test('the last 7 days — Radar detections with their location, failed sign-ins, and where they came from', async () => {
    const r = await call(viewer, 'list_suspicious_sign_ins', {});
    expect(r.isError).toBe(false);
    const s = r.structured!;
    // Seeded: 3 detections in the last 7 days (a 4th is 12 days old); 7 failed SSO and 1 failed password.
    expect(s.counts).toEqual({ radar_detections: 3, failed_sign_ins: 8 });
    const attempts = s.attempts as Row[];
    const travel = attempts.find((a) => a.control === 'impossible_travel')!;
    expect(travel).toMatchObject({
      kind: 'radar_detection',
      event: 'authentication.radar_risk_detected',
      email: 'tony@stark.test',
      verdict: 'block',
      ip_address: '192.0.2.44',
      location: { city: 'Hong Kong', country: 'HK' },
      reason: 'Sign-in from Hong Kong, HK 35 min after New York, US (8,543 km).',
    });
    expect(travel.user_agent).toContain('Firefox');
    const failed = attempts.find(
      (a) => a.kind === 'failed_sign_in' && a.event === 'authentication.password_failed',
    )!;
    expect(failed).toMatchObject({
      email: 'viewer@demo.test',
      location: null,
      reason: 'Invalid credentials.',
    });
    // Newest first.
    const times = attempts.map((a) => Date.parse(a.at as string));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const sources = s.sources as Row[];
    expect(sources[0]).toMatchObject({ radar_detections: 1, attempts: 1 });
    expect(sources.find((x) => x.ip_address === '203.0.113.10')).toMatchObject({
      attempts: 2,
      emails: ['tony@stark.test'],
      location: null,
    });
    expect(r.text).toContain('3 Radar detections and 8 failed sign-ins in the last 168 hours');
    expect(r.text).toContain('192.0.2.44 (Hong Kong, HK)');
    expect(s.notes as string[]).toContain(
      'Failed sign-ins carry an IP address and user agent but no location: WorkOS locates only Radar detections.',
    );
  });

  test('Radar only, over 30 days, over the 2026-07-28 client — the older block-list detection too', async () => {
    const token = (await tokensFor(gh.url, 'viewer@demo.test')).access_token;
    const v2 = await connectV2(gh.url, token, 'auto');
    try {
      const r = await call(v2, 'list_suspicious_sign_ins', {
        since_hours: 720,
        include_failed_sign_ins: false,
        environment: 'sandbox',
      });
      expect(r.isError).toBe(false);
      expect(r.structured!.counts).toEqual({ radar_detections: 4, failed_sign_ins: 0 });
      expect((r.structured!.attempts as Row[]).map((a) => a.control)).toEqual([
        'impossible_travel',
        'brute_force_attack',
        'unrecognized_device',
        'restriction',
      ]);
    } finally {
      await v2.close();
    }
  });

  test('refusals — a window past what WorkOS keeps, an unknown field; the description names authentication.radar_risk_detected', async () => {
    const far = await call(viewer, 'list_suspicious_sign_ins', { since_hours: 24 * 31 });
    expect(far.isError).toBe(true);
    expect(far.text).toContain('since_hours');
    const extra = await call(viewer, 'list_suspicious_sign_ins', { country: 'HK' });
    expect(extra.isError).toBe(true);
    expect(extra.text).toContain('country');
    const described = (await (viewer as { listTools(): Promise<{ tools: Row[] }> }).listTools()).tools.find(
      (t) => t.name === 'list_suspicious_sign_ins',
    );
    expect(described?.description).toContain('authentication.radar_risk_detected');
  });
});
