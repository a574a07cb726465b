-- The authority epoch (db/schema/cache.ts): every write to data that authorizes a call moves it.
INSERT INTO `cache_epoch` (`id`, `n`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `epoch_teams_insert` AFTER INSERT ON `teams` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_teams_update` AFTER UPDATE ON `teams` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_teams_delete` AFTER DELETE ON `teams` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_settings_insert` AFTER INSERT ON `team_settings` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_settings_update` AFTER UPDATE ON `team_settings` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_settings_delete` AFTER DELETE ON `team_settings` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_users_insert` AFTER INSERT ON `users` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_users_update` AFTER UPDATE ON `users` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_users_delete` AFTER DELETE ON `users` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_oauth_clients_insert` AFTER INSERT ON `oauth_clients` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_oauth_clients_update` AFTER UPDATE ON `oauth_clients` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_oauth_clients_delete` AFTER DELETE ON `oauth_clients` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_tokens_insert` AFTER INSERT ON `tokens` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_tokens_update` AFTER UPDATE ON `tokens` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_tokens_delete` AFTER DELETE ON `tokens` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_grants_insert` AFTER INSERT ON `grants` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_grants_update` AFTER UPDATE ON `grants` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_grants_delete` AFTER DELETE ON `grants` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_environments_insert` AFTER INSERT ON `team_environments` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_environments_update` AFTER UPDATE ON `team_environments` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_environments_delete` AFTER DELETE ON `team_environments` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_token_families_insert` AFTER INSERT ON `token_families` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_token_families_delete` AFTER DELETE ON `token_families` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
-- Usage counters (last_used_at, request_count) are written in batches and authorize nothing.
CREATE TRIGGER `epoch_token_families_update` AFTER UPDATE OF `id`, `kind`, `client_id`, `user_id`, `team_id`, `name`, `scopes`, `resource`, `expires_at`, `revoked_at`, `revoked_reason`, `impersonator` ON `token_families` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
