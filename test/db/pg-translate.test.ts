import { expect, test } from 'bun:test';
import { toPostgres } from '../../src/db/pg/translate.ts';

test('toPostgres — placeholders numbered in order, as SQLite numbers ?NNN and bare ?', () => {
  expect(toPostgres('select * from "t" where "a" = ? and "b" = ? limit ?')).toBe(
    'select * from "t" where "a" = $1 and "b" = $2 limit $3',
  );
  expect(toPostgres('select ?2, ?, ?1')).toBe('select $2, $3, $1');
});

test('toPostgres — quoted text, quoted names and comments are copied untouched', () => {
  expect(toPostgres(`select 'it''s ?' as x, "we?ird" from t -- what?\nwhere a = ? /* ? */`)).toBe(
    `select 'it''s ?' as x, "we?ird" from t -- what?\nwhere a = $1 /* ? */`,
  );
});

test('toPostgres — a mixed-case alias keeps its capitals (PostgreSQL folds unquoted names)', () => {
  expect(toPostgres('SELECT e.actor_email AS actorEmail, e.at AS at FROM e')).toBe(
    'SELECT e.actor_email AS "actorEmail", e.at AS at FROM e',
  );
});

test('toPostgres — keywords after AS are not aliases: CAST(… AS TEXT), CREATE … AS SELECT', () => {
  expect(toPostgres('CREATE TEMP TABLE t AS SELECT CAST(x AS TEXT) AS x FROM y')).toBe(
    'CREATE TEMP TABLE t AS SELECT CAST(x AS TEXT) AS x FROM y',
  );
});

test('toPostgres — an upsert names its conflict columns without their table', () => {
  expect(
    toPostgres(
      'insert into "m" ("a", "b") values (?, ?) on conflict ("m"."a", "m"."b") do update set "b" = ?',
    ),
  ).toBe('insert into "m" ("a", "b") values ($1, $2) on conflict ("a", "b") do update set "b" = $3');
});

test('toPostgres — backtick-quoted names (SQLite migrations) become double-quoted', () => {
  expect(toPostgres('UPDATE `cache_epoch` SET `n` = `n` + 1')).toBe('UPDATE "cache_epoch" SET "n" = "n" + 1');
});
