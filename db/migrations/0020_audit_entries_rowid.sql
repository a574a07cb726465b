PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_audit_entries` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`at` integer NOT NULL,
	`event` text NOT NULL,
	`team_id` text,
	`user_id` text,
	`actor_email` text,
	`client_id` text,
	`family_id` text,
	`session_id` text,
	`tool` text,
	`environment` text,
	`outcome` text NOT NULL,
	`reason` text,
	`args` text,
	`latency_ms` integer,
	`details` text,
	`args_sha256` text,
	`args_bytes` integer,
	`details_sha256` text,
	`details_bytes` integer,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`signature` text
);
--> statement-breakpoint
INSERT INTO `__new_audit_entries`("seq", "id", "at", "event", "team_id", "user_id", "actor_email", "client_id", "family_id", "session_id", "tool", "environment", "outcome", "reason", "args", "latency_ms", "details", "args_sha256", "args_bytes", "details_sha256", "details_bytes", "prev_hash", "hash", "signature") SELECT "seq", "id", "at", "event", "team_id", "user_id", "actor_email", "client_id", "family_id", "session_id", "tool", "environment", "outcome", "reason", "args", "latency_ms", "details", "args_sha256", "args_bytes", "details_sha256", "details_bytes", "prev_hash", "hash", "signature" FROM `audit_entries`;--> statement-breakpoint
DROP TABLE `audit_entries`;--> statement-breakpoint
ALTER TABLE `__new_audit_entries` RENAME TO `audit_entries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;