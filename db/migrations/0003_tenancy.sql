CREATE TABLE `team_environments` (
	`team_id` text NOT NULL,
	`environment` text NOT NULL,
	`key_sealed` text NOT NULL,
	`key_last4` text NOT NULL,
	`key_fingerprint` text NOT NULL,
	`key_kind` text NOT NULL,
	`shares_identity` integer DEFAULT false NOT NULL,
	`linked_at` integer NOT NULL,
	`linked_by` text,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `team_environments_pk` ON `team_environments` (`team_id`,`environment`);--> statement-breakpoint
CREATE INDEX `team_environments_fingerprint` ON `team_environments` (`key_fingerprint`);--> statement-breakpoint
ALTER TABLE `oauth_codes` ADD `impersonator` text;--> statement-breakpoint
ALTER TABLE `token_families` ADD `impersonator` text;--> statement-breakpoint
ALTER TABLE `browser_sessions` ADD `impersonator` text;--> statement-breakpoint
ALTER TABLE `teams` ADD `admitted_at` integer;--> statement-breakpoint
ALTER TABLE `teams` ADD `admitted_by` text;