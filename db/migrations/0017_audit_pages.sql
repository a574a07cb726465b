CREATE TABLE `audit_pages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`team_id` text,
	`at` integer NOT NULL,
	`user_id` text,
	`actor_email` text,
	`client_id` text,
	`tool` text,
	`outcome` text NOT NULL,
	`event` text NOT NULL
);
--> statement-breakpoint
-- Every entry already in the trail gets its page row (before the indexes: one sort each, not one insert each).
INSERT INTO `audit_pages` (`seq`, `team_id`, `at`, `user_id`, `actor_email`, `client_id`, `tool`, `outcome`, `event`)
SELECT `seq`, `team_id`, `at`, `user_id`, lower(`actor_email`), `client_id`, `tool`, `outcome`, `event` FROM `audit_entries`;
--> statement-breakpoint
CREATE INDEX `audit_pages_team_at` ON `audit_pages` (`team_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_pages_team_user_at` ON `audit_pages` (`team_id`,`user_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_pages_team_email_at` ON `audit_pages` (`team_id`,`actor_email`,`at`);--> statement-breakpoint
CREATE INDEX `audit_pages_team_client_at` ON `audit_pages` (`team_id`,`client_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_pages_team_tool_at` ON `audit_pages` (`team_id`,`tool`,`at`);--> statement-breakpoint
CREATE INDEX `audit_pages_team_outcome_at` ON `audit_pages` (`team_id`,`outcome`,`at`) WHERE "audit_pages"."outcome" <> 'allowed';--> statement-breakpoint
CREATE INDEX `audit_pages_team_event_at` ON `audit_pages` (`team_id`,`event`,`at`) WHERE "audit_pages"."event" <> 'tool.call';--> statement-breakpoint
DROP INDEX `audit_entries_team_at`;--> statement-breakpoint
DROP INDEX `audit_entries_team_user_at`;--> statement-breakpoint
DROP INDEX `audit_entries_team_email_at`;--> statement-breakpoint
DROP INDEX `audit_entries_team_client_at`;--> statement-breakpoint
DROP INDEX `audit_entries_team_tool_at`;--> statement-breakpoint
DROP INDEX `audit_entries_team_outcome_at`;--> statement-breakpoint
DROP INDEX `audit_entries_team_event_at`;