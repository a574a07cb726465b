-- The authority epoch on PostgreSQL (db/schema/cache.ts): what db/migrations/0010_cache_epoch_triggers.sql
-- and db/migrations/0016_team_members_epoch.sql do on SQLite. Every write to data that authorizes a
-- call moves the counter and is announced on the channel `gatehouse` (src/db/pg/protocol.ts), so
-- every replica drops what it cached. One trigger per table and statement (SQLite's fire per row);
-- TRUNCATE moves it too.
INSERT INTO "cache_epoch" ("id", "n") VALUES (1, 0);
--> statement-breakpoint
CREATE FUNCTION "gatehouse_cache_epoch_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "cache_epoch" SET "n" = "n" + 1 WHERE "id" = 1;
  PERFORM pg_notify('gatehouse', json_build_object('kind', 'epoch', 'table', TG_TABLE_NAME)::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "epoch_teams" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "teams" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
CREATE TRIGGER "epoch_team_settings" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "team_settings" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
CREATE TRIGGER "epoch_users" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
CREATE TRIGGER "epoch_oauth_clients" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "oauth_clients" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
CREATE TRIGGER "epoch_tokens" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "tokens" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
CREATE TRIGGER "epoch_grants" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "grants" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
CREATE TRIGGER "epoch_team_environments" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "team_environments" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
-- Usage counters (last_used_at, request_count) are written in batches and authorize nothing.
CREATE TRIGGER "epoch_token_families" AFTER INSERT OR UPDATE OF "id", "kind", "client_id", "user_id", "team_id", "name", "scopes", "resource", "expires_at", "revoked_at", "revoked_reason", "impersonator" OR DELETE OR TRUNCATE ON "token_families" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
--> statement-breakpoint
CREATE TRIGGER "epoch_team_members" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "team_members" FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_cache_epoch_bump"();
