ALTER TABLE `confirmations` ADD `via` text DEFAULT 'token' NOT NULL;--> statement-breakpoint
ALTER TABLE `confirmations` ADD `decision` text;--> statement-breakpoint
ALTER TABLE `confirmations` ADD `decided_at` integer;--> statement-breakpoint
ALTER TABLE `confirmations` ADD `decided_by` text;--> statement-breakpoint
CREATE INDEX `confirmations_family_call` ON `confirmations` (`family_id`,`tool`,`args_hash`);--> statement-breakpoint
CREATE INDEX `confirmations_team_user` ON `confirmations` (`team_id`,`user_id`);