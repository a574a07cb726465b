/** The demo Snowflake: DEMO_DB.PUBLIC.ORDERS, a small table of visibly demo orders. */
import type { Table } from './snowflake-sql.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** [customer, region, amount, status, days ago]. */
const ORDERS: [string, string, string, string, number][] = [
  ['Demo Acme Corp', 'EMEA', '1200.00', 'SHIPPED', 30],
  ['Demo Globex', 'AMER', '540.50', 'SHIPPED', 25],
  ['Demo Initech', 'AMER', '99.99', 'CANCELLED', 21],
  ['Demo Umbrella Health', 'APAC', '4300.00', 'PENDING', 14],
  ['Demo Stark Industries', 'AMER', '15000.00', 'SHIPPED', 10],
  ['Demo Wayne Enterprises', 'EMEA', '780.25', 'PENDING', 6],
  ['Demo Acme Corp', 'EMEA', '310.00', 'PENDING', 2],
  ['Demo Pied Piper', 'AMER', '42.00', 'SHIPPED', 1],
];

export function seedSnowflake(now: number = Date.now()): Table[] {
  const days = (ago: number) => String(Math.floor((now - ago * DAY_MS) / DAY_MS));
  return [
    {
      database: 'DEMO_DB',
      schema: 'PUBLIC',
      name: 'ORDERS',
      columns: [
        { name: 'ORDER_ID', type: 'fixed', scale: 0 },
        { name: 'CUSTOMER', type: 'text' },
        { name: 'REGION', type: 'text' },
        { name: 'AMOUNT_USD', type: 'fixed', scale: 2 },
        { name: 'STATUS', type: 'text' },
        { name: 'ORDERED_AT', type: 'date' },
      ],
      rows: ORDERS.map(([customer, region, amount, status, ago], i) => [
        String(1001 + i),
        customer,
        region,
        amount,
        status,
        days(ago),
      ]),
    },
  ];
}
