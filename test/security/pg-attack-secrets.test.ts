/**
 * Security review of the PostgreSQL mode (issue 15): DATABASE_URL's password never reaches a
 * message. libpq's URI form also carries it as a query parameter (`?password=…`); once observed,
 * a refused start printed that URL whole ("DATABASE_URL postgres://u@host/db?password=…: …").
 *
 * Needs no server (the URL is only parsed and shown); run on the PostgreSQL pass with the others.
 */
import { describe, expect, test } from 'bun:test';
import { databaseFrom, displayDatabaseUrl } from '../../src/config/database.ts';
import { onPostgres } from '../support/pg.ts';

const SECRET = 's3cr3t-pw-0123';

describe.skipIf(!onPostgres)('PostgreSQL attack — DATABASE_URL’s password in messages', () => {
  test.each([
    `postgres://gatehouse:${SECRET}@db:5432/gatehouse`,
    `postgres://gatehouse@db:5432/gatehouse?password=${SECRET}`,
    `postgresql://gatehouse@db/gatehouse?sslmode=require&sslpassword=${SECRET}`,
    `postgres://gatehouse@db/gatehouse?PASSWORD=${SECRET}&application_name=x`,
  ])('%s — shown with the password masked', (url) => {
    const shown = displayDatabaseUrl(url);
    expect(shown).not.toContain(SECRET);
    expect(shown).toContain('****');
    const problems: string[] = [];
    expect(databaseFrom(url, problems)?.display).toBe(shown);
  });

  test('a URL with no password is shown as it is', () => {
    expect(displayDatabaseUrl('postgres://gatehouse@db:5432/gatehouse?sslmode=require')).toBe(
      'postgres://gatehouse@db:5432/gatehouse?sslmode=require',
    );
  });
});
