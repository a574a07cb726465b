DROP INDEX `audit_entries_team_outcome_at`;--> statement-breakpoint
DROP INDEX `audit_entries_team_event_at`;--> statement-breakpoint
CREATE INDEX `audit_entries_team_outcome_at` ON `audit_entries` (`team_id`,`outcome`,`at`) WHERE "audit_entries"."outcome" <> 'allowed';--> statement-breakpoint
CREATE INDEX `audit_entries_team_event_at` ON `audit_entries` (`team_id`,`event`,`at`) WHERE "audit_entries"."event" <> 'tool.call';