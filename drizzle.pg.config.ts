import { defineConfig } from 'drizzle-kit';

// The PostgreSQL migrations, generated from db/schema-pg (derived from db/schema) and committed
// beside the SQLite ones (docs/postgresql.md, "Schema: one description, two dialects").
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema-pg/index.ts',
  out: './db/migrations-pg',
});
