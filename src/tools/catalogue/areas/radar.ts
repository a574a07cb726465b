/**
 * Radar (https://workos.com/docs/reference/radar): the detection an
 * `authentication.radar_risk_detected` event names as `radar_detection_id` — verdict, control,
 * evidence, address, location, user agent — and the allow and block lists
 * (https://workos.com/docs/reference/radar/lists; @workos-inc/node's `radar.addListEntry` /
 * `removeListEntry`, `RadarListType`, `RadarListAction`). WorkOS documents no way to read a list.
 */
import { RadarListAction, RadarListType } from '@workos-inc/node';
import { z } from 'zod';
import { CONTROL_CHARACTERS, id, withoutControlCharacters } from '../args.ts';
import { defineOperation } from '../types.ts';

const LISTS = 'https://workos.com/docs/reference/radar/lists';
const TYPES = Object.values(RadarListType) as [RadarListType, ...RadarListType[]];
const ACTIONS = Object.values(RadarListAction) as [RadarListAction, ...RadarListAction[]];

const listEntry = z.strictObject({
  type: z
    .enum(TYPES)
    .describe('Which attribute the list matches: ip_address, domain, email, country (ISO code), …'),
  action: z
    .enum(ACTIONS)
    .describe('block: Radar blocks attempts that match; allow: Radar lets them through.'),
  entry: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    // Quoted in what a human confirms (a sign-in change, a removal): no line breaks or other
    // control characters that could make Gatehouse's description say more than the entry.
    .refine(withoutControlCharacters, CONTROL_CHARACTERS)
    .describe(
      'The value, in the format of the type: an IP address, a domain, an email, a two-letter country code…',
    ),
});

/** What an entry on that list does to sign-ins, for the confirmation and the summary. */
const effect = (action: string) =>
  action === 'block'
    ? 'attempts matching it are no longer blocked by this list'
    : 'attempts matching it are checked by Radar again instead of being let through';

export const RADAR_OPERATIONS = [
  defineOperation({
    name: 'radar.get_detection',
    area: 'radar',
    summary:
      'Get a Radar detection (verdict, control, evidence, IP, location, user agent) by the radar_detection_id of an authentication.radar_risk_detected event (events.list).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/radar/detections/:id',
    params: z.strictObject({ id: id('detection_', 'Radar detection') }),
    docs: 'https://workos.com/docs/reference/radar/detections',
  }),
  defineOperation({
    name: 'radar.add_list_entry',
    area: 'radar',
    summary:
      'Add an entry (IP address, domain, email, country…) to Radar’s block or allow list: matching sign-in attempts are then blocked, or let through. Allowing changes sign-in: a team admin and a confirmation.',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/radar/lists/:type/:action',
    params: listEntry,
    docs: LISTS,
    // An allow-list entry lets matching sign-in attempts through Radar's protection (brute force,
    // bots, impossible travel) for every organization in the environment: a sign-in change, for a
    // team admin with a human's confirmation. A block entry only adds protection.
    changesSignIn: (p) =>
      p.action === 'allow'
        ? `let sign-in attempts from ${p.type} "${p.entry}" through Radar's protection (its allow list)`
        : undefined,
  }),
  defineOperation({
    name: 'radar.remove_list_entry',
    area: 'radar',
    summary:
      'Remove an entry from Radar’s block or allow list. Unblocking changes sign-in: a team admin and a confirmation.',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'DELETE',
    path: '/radar/lists/:type/:action',
    params: listEntry,
    // The documented request sends the entry in the DELETE's JSON body (removeListEntry).
    deleteBody: true,
    docs: LISTS,
    // Taking an entry off the block list lets those attempts sign in again: a sign-in change.
    changesSignIn: (p) =>
      p.action === 'block'
        ? `stop Radar blocking sign-in attempts from ${p.type} "${p.entry}" (its block list)`
        : undefined,
    // WorkOS documents no read of a list, so the description says what removing it would do
    // (WorkOS answers 404 if the entry is not there, and nothing changes).
    async describe(ctx, p) {
      return {
        summary: `Removing "${p.entry}" from Radar's ${p.action} list for ${p.type} in ${ctx.environment}: ${effect(p.action)}. If it is not on that list, WorkOS refuses and nothing changes.`,
        details: { type: p.type, action: p.action, entry: p.entry, effect: effect(p.action) },
      };
    },
  }),
];
