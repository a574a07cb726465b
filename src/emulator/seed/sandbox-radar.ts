/**
 * Radar in the demo sandbox: suspicious sign-in attempts Radar caught, as WorkOS reports them —
 * an `authentication.radar_risk_detected` event per attempt (https://workos.com/docs/events/authentication:
 * data `auth_method`, `action` ("login" | "signup"), `control`, `blocklist_type`, `ip_address`,
 * `user_agent`, `user_id`, `email`, as @workos-inc/node's AuthenticationRadarRiskDetectedEventResponseData
 * types them) carrying `radar_detection_id`, and the Radar detection it names
 * (https://workos.com/docs/reference/radar/detections: "Authentication events such as
 * authentication.radar_risk_detected include the detection's ID as radar_detection_id"), with its
 * verdict, evidence, IP address, location and user agent. Addresses are documentation ranges
 * (RFC 5737).
 */
export interface SeedRadarDetection {
  minutesAgo: number;
  /** A sandbox user, by email (the event's `user_id`). */
  email: string;
  auth_method: string;
  action: 'login' | 'signup';
  /** Radar's control (https://workos.com/docs/reference/radar/detections, RadarStandaloneResponse). */
  control:
    | 'bot_detection'
    | 'brute_force_attack'
    | 'credential_stuffing'
    | 'impossible_travel'
    | 'unrecognized_device'
    | 'stale_account'
    | 'restriction';
  verdict: 'block' | 'challenge';
  challenge_type: string | null;
  blocklist_type: string | null;
  summary: string;
  details: Record<string, unknown>;
  ip_address: string;
  location: { city: string; country: string };
  user_agent: string;
}

const CURL = 'curl/8.5.0';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

export const SANDBOX_RADAR: SeedRadarDetection[] = [
  {
    minutesAgo: 40,
    email: 'tony@stark.test',
    auth_method: 'Password',
    action: 'login',
    control: 'impossible_travel',
    verdict: 'block',
    challenge_type: null,
    blocklist_type: null,
    summary: 'Sign-in from Hong Kong, HK 35 min after New York, US (8,543 km).',
    details: { distance_km: 8543, speed_km_per_s: 4.07 },
    ip_address: '192.0.2.44',
    location: { city: 'Hong Kong', country: 'HK' },
    user_agent: FIREFOX_LINUX,
  },
  {
    minutesAgo: 3 * 60,
    email: 'bob@acme.test',
    auth_method: 'Password',
    action: 'login',
    control: 'brute_force_attack',
    verdict: 'block',
    challenge_type: null,
    blocklist_type: null,
    summary: '42 sign-in attempts for this account in 10 minutes.',
    details: { attempts: 42, window_minutes: 10, matched_on: 'email' },
    ip_address: '203.0.113.66',
    location: { city: 'Bucharest', country: 'RO' },
    user_agent: CURL,
  },
  {
    minutesAgo: 26 * 60,
    email: 'alice@acme.test',
    auth_method: 'Password',
    action: 'login',
    control: 'unrecognized_device',
    verdict: 'challenge',
    challenge_type: 'email',
    blocklist_type: null,
    summary: 'Sign-in from a device not seen for this user before.',
    details: {},
    ip_address: '198.51.100.201',
    location: { city: 'Lisbon', country: 'PT' },
    user_agent: SAFARI_IOS,
  },
  {
    minutesAgo: 12 * 24 * 60,
    email: 'grace@globaltech.test',
    auth_method: 'Password',
    action: 'login',
    control: 'restriction',
    verdict: 'block',
    challenge_type: null,
    blocklist_type: 'ip_address',
    summary: 'The IP address is on the block list.',
    details: {},
    ip_address: '203.0.113.250',
    location: { city: 'Lagos', country: 'NG' },
    user_agent: CURL,
  },
];
