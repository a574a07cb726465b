/**
 * The provider accounts of local mode's demo people, as the Pipes fixture names them
 * (`account_display_name` of a connected account) and as each demo provider knows them. One list
 * for both sides, so a vended token always belongs to a person the fake provider has.
 */

/** The demo Snowflake account (`<orgname>-<account_name>`, https://docs.snowflake.com/en/user-guide/admin-account-identifier). */
export const DEMO_SNOWFLAKE_ACCOUNT = 'gatehouse-demo';
/** Its SQL API host: `<account>.snowflakecomputing.com`, as the real service names it. */
export const DEMO_SNOWFLAKE_HOST = `${DEMO_SNOWFLAKE_ACCOUNT}.snowflakecomputing.com`;

/** Ada Admin's accounts: every provider connected. */
export const ADA = {
  name: 'Ada Admin',
  email: 'admin@demo.test',
  linear: 'ada@demo-linear',
  linearLabs: 'ada@labs-linear',
  notion: 'Ada Admin (Notion)',
  github: 'ada-admin',
  slack: 'ada.admin',
  snowflake: 'ADA_ADMIN',
} as const;

/** Max Member's accounts (Linear connected, Notion needing re-authorization). */
export const MAX = {
  name: 'Max Member',
  email: 'member@demo.test',
  linear: 'max@demo-linear',
  notion: 'Max Member (Notion)',
} as const;

/** Vic Viewer's GitHub account, disconnected. */
export const VIC = { name: 'Vic Viewer', email: 'viewer@demo.test', github: 'vic-viewer' } as const;
