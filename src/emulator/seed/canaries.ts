/**
 * Secret canaries planted in the seed where tools will read them (organization and user
 * metadata, directory user attributes, directory group attributes, audit log metadata) and as
 * the provider tokens Pipes vends. Each is a recognisable string that must never appear in
 * anything an agent receives: tests assert that against every tool answer.
 */

/** A live-looking WorkOS/Stripe-style secret key. */
export const CANARY_API_KEY = 'sk_live_CANARY7f3b9c2e4d1a6085gatehouse';

/** The distinctive first line of the canary private key's body. */
export const CANARY_PEM_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcCANARYgatehousePEMq1w2e3r4t5y6u7i8o9p0';

/** A PKCS#8 PEM block: a private key pasted into a free-text attribute. */
export const CANARY_PRIVATE_KEY = [
  '-----BEGIN PRIVATE KEY-----',
  CANARY_PEM_BODY,
  'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1HgCANARYsecondline0AbCdEfGhIjKlMnOpQrStUv',
  '-----END PRIVATE KEY-----',
].join('\n');

/** A JWT-shaped bearer token (header.payload.signature, base64url). */
export const CANARY_JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJDQU5BUlktZ2F0ZWhvdXNlIiwiYWRtaW4iOnRydWUsImlhdCI6MTcwMDAwMDAwMH0.Q0FOQVJZLXNpZ25hdHVyZS1nYXRlaG91c2UtOWQ4YzdiNmE';

/**
 * The value of a field named `client_secret`. Deliberately shapeless (no known prefix), so only
 * a filter that strips by field name catches it.
 */
export const CANARY_CLIENT_SECRET = 'Wq4CANARYfieldNamedClientSecret8Zt';

/** Provider tokens vended by the Pipes fixture (Gatehouse injects them; agents never see them). */
export const CANARY_LINEAR_TOKEN = 'lin_oauth_CANARY3c8f1e7a9b2d4f60linear';
export const CANARY_NOTION_TOKEN = 'ntn_CANARY5e2a9c7f1b3d8e46notion';
export const CANARY_GITHUB_TOKEN = 'gho_CANARY9a1c3e5f7b2d4f6a8c0githubtok';
/** The admin's own connections (every provider), and her Linear connection scoped to Gatehouse Labs. */
export const CANARY_LINEAR_ADMIN_TOKEN = 'lin_oauth_CANARY7d2e9a4c1b8f3e50adminlin';
export const CANARY_LINEAR_LABS_TOKEN = 'lin_oauth_CANARY2b6f8d1e4a9c7e35labslin';
export const CANARY_NOTION_ADMIN_TOKEN = 'ntn_CANARY8c4e1a7d3f9b2e60adminntn';
export const CANARY_SLACK_TOKEN = 'xoxp-CANARY-4e8a1c7f3b9d-2e6a0c5slack';
export const CANARY_SNOWFLAKE_TOKEN = 'ver:1-hint:CANARY-ETMsDgAAAsnowflake9f3c1e7a5b2d8';

/** Every provider token the Pipes fixture can vend. */
export const PIPES_TOKEN_CANARIES: readonly string[] = [
  CANARY_LINEAR_TOKEN,
  CANARY_NOTION_TOKEN,
  CANARY_GITHUB_TOKEN,
  CANARY_LINEAR_ADMIN_TOKEN,
  CANARY_LINEAR_LABS_TOKEN,
  CANARY_NOTION_ADMIN_TOKEN,
  CANARY_SLACK_TOKEN,
  CANARY_SNOWFLAKE_TOKEN,
];

/** Every canary value; a tool answer containing any of them leaked a secret. */
export const SECRET_CANARIES: readonly string[] = [
  CANARY_API_KEY,
  CANARY_PEM_BODY,
  CANARY_JWT,
  CANARY_CLIENT_SECRET,
  ...PIPES_TOKEN_CANARIES,
];
