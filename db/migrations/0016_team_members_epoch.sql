-- The membership snapshot (team_members: role and permissions Gatehouse last saw) authorizes a
-- call too: its writes move the authority epoch (db/schema/cache.ts) so it can be cached exactly.
CREATE TRIGGER `epoch_team_members_insert` AFTER INSERT ON `team_members` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_members_update` AFTER UPDATE ON `team_members` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `epoch_team_members_delete` AFTER DELETE ON `team_members` BEGIN UPDATE `cache_epoch` SET `n` = `n` + 1 WHERE `id` = 1; END;
