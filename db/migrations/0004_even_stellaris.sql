CREATE TABLE `audit_records` (
	`entry_id` text NOT NULL,
	`field` text NOT NULL,
	`content` text NOT NULL,
	PRIMARY KEY(`entry_id`, `field`)
);
--> statement-breakpoint
ALTER TABLE `audit_entries` ADD `args_sha256` text;--> statement-breakpoint
ALTER TABLE `audit_entries` ADD `args_bytes` integer;--> statement-breakpoint
ALTER TABLE `audit_entries` ADD `details_sha256` text;--> statement-breakpoint
ALTER TABLE `audit_entries` ADD `details_bytes` integer;