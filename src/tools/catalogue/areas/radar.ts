/**
 * Radar, read only (https://workos.com/docs/reference/radar/detections): the detection an
 * `authentication.radar_risk_detected` event names as `radar_detection_id` — verdict, control,
 * evidence, address, location, user agent. Radar's block and allow lists are not offered: the
 * embedded WorkOS does not answer them as documented (see src/tools/catalogue/README.md).
 */
import { z } from 'zod';
import { id } from '../args.ts';
import { defineOperation } from '../types.ts';

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
];
