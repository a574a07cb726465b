/**
 * Radar's allow and block lists (https://workos.com/docs/reference/radar/lists): the embedded
 * WorkOS answers the documented calls as @workos-inc/node's `radar.addListEntry` /
 * `removeListEntry` expect them, refusals included (400 for an entry of the wrong format, 404 for
 * removing one that is not there), and a real MCP client adds (a write) and removes (destructive:
 * described, then confirmed) through the catalogue.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { BadRequestException, NotFoundException, type WorkOS } from '@workos-inc/node';
import { lastAuditEntry } from '../../support/audit.ts';
import { type AnyClient, call } from '../../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';
import { connectPeople } from './support.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let member: AnyClient;
let viewer: AnyClient;
let w: WorkOS;

type Row = Record<string, unknown>;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [member, viewer] = await connectPeople(gh, 'member', 'viewer');
  w = teamWorkOS(gh);
});
afterAll(async () => {
  await Promise.all([member?.close(), viewer?.close()]);
  await gh?.stop();
});

const mutate = (client: AnyClient, operation: string, params: Row, extra: Row = {}) =>
  call(client, 'mutate', { operation, params, ...extra });

const lastEntry = (tool: string) => lastAuditEntry(gh, tool)!;

describe('Radar lists — the fixture, as the SDK calls it', () => {
  test('addListEntry / removeListEntry — added, already present (the documented message), removed, then 404', async () => {
    const entry = { type: 'ip_address', action: 'block', entry: '198.51.100.42' } as const;
    expect((await w.radar.addListEntry(entry)).message).toBeUndefined();
    expect((await w.radar.addListEntry(entry)).message).toContain('already');
    await w.radar.removeListEntry(entry);
    await expect(w.radar.removeListEntry(entry)).rejects.toBeInstanceOf(NotFoundException);
  });

  test('addListEntry — an entry not in its list’s format is WorkOS’s 400', async () => {
    for (const bad of [
      { type: 'ip_address', entry: 'not-an-ip' },
      { type: 'email', entry: 'nobody' },
      { type: 'country', entry: 'Narnia' },
    ] as const) {
      await expect(w.radar.addListEntry({ ...bad, action: 'allow' })).rejects.toBeInstanceOf(
        BadRequestException,
      );
    }
  });
});

describe('Radar lists — through the catalogue', () => {
  test('radar.add_list_entry — a member’s agent adds an email to the block list; adding it again says it is there', async () => {
    const params = { type: 'email', action: 'block', entry: 'mallory@evil.test' };
    const first = await mutate(member, 'radar.add_list_entry', params);
    expect(first.isError).toBe(false);
    expect(first.structured).toMatchObject({ operation: 'radar.add_list_entry', status: 'done' });
    const again = await mutate(member, 'radar.add_list_entry', params);
    expect(again.isError).toBe(false);
    expect(String((again.structured?.result as Row | undefined)?.message)).toContain('already');
    expect(JSON.parse(lastEntry('mutate').args ?? '{}')).toMatchObject({ operation: 'radar.add_list_entry' });
  });

  test('radar.remove_list_entry — described first, nothing removed until the token confirms that exact call', async () => {
    const params = { type: 'domain', action: 'allow', entry: 'partner.test' };
    await w.radar.addListEntry({ type: 'domain', action: 'allow', entry: 'partner.test' });
    const first = await mutate(member, 'radar.remove_list_entry', params);
    expect(first.isError).toBe(false);
    expect(first.structured?.status).toBe('confirmation_required');
    expect(first.structured?.will_destroy).toMatchObject({
      operation: 'radar.remove_list_entry',
      type: 'domain',
      action: 'allow',
      entry: 'partner.test',
    });
    expect(first.text).toContain('Removing "partner.test" from Radar\'s allow list');
    // Still there: adding it again reports it present.
    expect(
      (await w.radar.addListEntry({ type: 'domain', action: 'allow', entry: 'partner.test' })).message,
    ).toContain('already');
    const done = await mutate(member, 'radar.remove_list_entry', params, {
      confirmation_token: String(first.structured?.confirmation_token),
    });
    expect(done.isError).toBe(false);
    expect(done.structured).toMatchObject({ operation: 'radar.remove_list_entry', status: 'deleted' });
    await expect(
      w.radar.removeListEntry({ type: 'domain', action: 'allow', entry: 'partner.test' }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  test('radar.remove_list_entry — an entry not on the list is WorkOS’s 404 once confirmed, told clearly', async () => {
    const params = { type: 'ip_address', action: 'allow', entry: '203.0.113.9' };
    const first = await mutate(member, 'radar.remove_list_entry', params);
    const r = await mutate(member, 'radar.remove_list_entry', params, {
      confirmation_token: String(first.structured?.confirmation_token),
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });

  test('radar.add_list_entry / remove_list_entry — refused to a viewer’s agent (workos:write); nothing is added', async () => {
    const params = { type: 'ip_address', action: 'block', entry: '192.0.2.200' };
    for (const op of ['radar.add_list_entry', 'radar.remove_list_entry']) {
      const r = await mutate(viewer, op, params);
      expect(r.isError).toBe(true);
      expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied' });
    }
    // Not on the list: WorkOS would refuse to remove it.
    await expect(
      w.radar.removeListEntry({ type: 'ip_address', action: 'block', entry: '192.0.2.200' }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  test('radar lists — bad input is a 4xx saying what is wrong: WorkOS’s 400 for the entry’s format, Gatehouse’s for the rest', async () => {
    const format = await mutate(member, 'radar.add_list_entry', {
      type: 'ip_address',
      action: 'block',
      entry: '999.1.1.1',
    });
    expect(format.isError).toBe(true);
    expect(format.text).toContain('WorkOS refused');
    expect(format.text).toContain('ip address');
    const type = await mutate(member, 'radar.add_list_entry', { type: 'phone', action: 'block', entry: 'x' });
    expect(type.isError).toBe(true);
    expect(type.text).toContain('type');
    const extra = await mutate(member, 'radar.add_list_entry', {
      type: 'email',
      action: 'block',
      entry: 'a@b.test',
      reason: 'spam',
    });
    expect(extra.isError).toBe(true);
    expect(extra.text).toContain('unknown field(s) reason');
  });

  test('list_operations — radar lists its detection read and both list operations with their kinds', async () => {
    const r = await call(member, 'list_operations', { area: 'radar' });
    const ops = ((r.structured?.operations ?? []) as Row[]).map((o) => [o.name, o.kind]);
    expect(ops).toEqual([
      ['radar.get_detection', 'read'],
      ['radar.add_list_entry', 'write'],
      ['radar.remove_list_entry', 'destructive'],
    ]);
  });
});
