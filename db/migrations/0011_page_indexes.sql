DROP INDEX `audit_entries_tool`;--> statement-breakpoint
CREATE INDEX `audit_entries_team_user_at` ON `audit_entries` (`team_id`,`user_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_team_email_at` ON `audit_entries` (`team_id`,lower("actor_email"),`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_team_client_at` ON `audit_entries` (`team_id`,`client_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_team_tool_at` ON `audit_entries` (`team_id`,`tool`,`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_team_outcome_at` ON `audit_entries` (`team_id`,`outcome`,`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_team_event_at` ON `audit_entries` (`team_id`,`event`,`at`);--> statement-breakpoint
CREATE INDEX `token_families_team_created` ON `token_families` (`team_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `token_families_team_used` ON `token_families` (`team_id`,`last_used_at`);