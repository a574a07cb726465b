CREATE TABLE `grants` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`team_id` text NOT NULL,
	`user_id` text NOT NULL,
	`client_id` text,
	`family_id` text NOT NULL,
	`mcp_session_id` text,
	`providers` text NOT NULL,
	`level` text,
	`method` text,
	`url` text,
	`body_hash` text,
	`body` text,
	`reason` text NOT NULL,
	`approval_token_hash` text NOT NULL,
	`approver_user_id` text,
	`notes` text,
	`deny_reason` text,
	`created_at` integer NOT NULL,
	`request_expires_at` integer NOT NULL,
	`decided_at` integer,
	`expires_at` integer,
	`consumed_at` integer,
	`revoked_at` integer,
	`revoked_by` text,
	`superseded_by` text,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `grants_team_status` ON `grants` (`team_id`,`status`);--> statement-breakpoint
CREATE INDEX `grants_family` ON `grants` (`family_id`);--> statement-breakpoint
CREATE TABLE `audit_entries` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
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
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`signature` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_entries_id` ON `audit_entries` (`id`);--> statement-breakpoint
CREATE INDEX `audit_entries_team_at` ON `audit_entries` (`team_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_tool` ON `audit_entries` (`tool`);--> statement-breakpoint
CREATE TABLE `metric_rollups` (
	`bucket` integer NOT NULL,
	`team_id` text NOT NULL,
	`tool` text NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`denials` integer DEFAULT 0 NOT NULL,
	`latency_sum_ms` integer DEFAULT 0 NOT NULL,
	`histogram` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `metric_rollups_pk` ON `metric_rollups` (`bucket`,`team_id`,`tool`);--> statement-breakpoint
CREATE TABLE `confirmations` (
	`hash` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`user_id` text NOT NULL,
	`team_id` text NOT NULL,
	`tool` text NOT NULL,
	`args_hash` text NOT NULL,
	`environment` text NOT NULL,
	`summary` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	FOREIGN KEY (`family_id`) REFERENCES `token_families`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mcp_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`user_id` text NOT NULL,
	`team_id` text NOT NULL,
	`environment` text DEFAULT 'sandbox' NOT NULL,
	`protocol_version` text,
	`client_info` text,
	`capabilities` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`closed_at` integer,
	`closed_reason` text,
	FOREIGN KEY (`family_id`) REFERENCES `token_families`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mcp_sessions_team` ON `mcp_sessions` (`team_id`);--> statement-breakpoint
CREATE INDEX `mcp_sessions_family` ON `mcp_sessions` (`family_id`);--> statement-breakpoint
CREATE TABLE `oauth_clients` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`client_name` text NOT NULL,
	`redirect_uris` text NOT NULL,
	`token_endpoint_auth_method` text NOT NULL,
	`client_secret_hash` text,
	`grant_types` text NOT NULL,
	`response_types` text NOT NULL,
	`application_type` text NOT NULL,
	`scope` text,
	`client_uri` text,
	`logo_uri` text,
	`software_id` text,
	`software_version` text,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL,
	`fetched_at` integer,
	`cache_until` integer
);
--> statement-breakpoint
CREATE TABLE `oauth_codes` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`user_id` text NOT NULL,
	`team_id` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`code_challenge` text NOT NULL,
	`scopes` text NOT NULL,
	`resource` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`family_id` text,
	FOREIGN KEY (`client_id`) REFERENCES `oauth_clients`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `oauth_consents` (
	`user_id` text NOT NULL,
	`team_id` text NOT NULL,
	`client_id` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_id`) REFERENCES `oauth_clients`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_consents_pk` ON `oauth_consents` (`user_id`,`team_id`,`client_id`);--> statement-breakpoint
CREATE TABLE `token_families` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`client_id` text,
	`user_id` text NOT NULL,
	`team_id` text NOT NULL,
	`name` text,
	`scopes` text NOT NULL,
	`resource` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`request_count` integer DEFAULT 0 NOT NULL,
	`revoked_at` integer,
	`revoked_reason` text,
	FOREIGN KEY (`client_id`) REFERENCES `oauth_clients`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `token_families_team` ON `token_families` (`team_id`);--> statement-breakpoint
CREATE INDEX `token_families_user` ON `token_families` (`user_id`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`family_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`family_id`) REFERENCES `token_families`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tokens_family` ON `tokens` (`family_id`);--> statement-breakpoint
CREATE TABLE `browser_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`team_id` text,
	`role` text,
	`permissions` text,
	`authkit_session_id` text,
	`refresh_token_sealed` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`ended_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `browser_sessions_user` ON `browser_sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `login_flows` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`code_verifier_sealed` text NOT NULL,
	`return_to` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer
);
--> statement-breakpoint
CREATE TABLE `team_members` (
	`team_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `team_members_pk` ON `team_members` (`team_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `team_members_user` ON `team_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `team_settings` (
	`team_id` text PRIMARY KEY NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`allow_production` integer DEFAULT true NOT NULL,
	`allow_write` integer DEFAULT true NOT NULL,
	`require_different_approver` integer DEFAULT false NOT NULL,
	`authority_ttl_ms` integer DEFAULT 300000 NOT NULL,
	`pii_redaction` integer DEFAULT false NOT NULL,
	`session_idle_ttl_ms` integer DEFAULT 1800000 NOT NULL,
	`killed_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`seed_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_organization_id` ON `teams` (`organization_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `teams_seed_key` ON `teams` (`seed_key`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`workos_user_id` text NOT NULL,
	`email` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`seed_key` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_workos_user_id` ON `users` (`workos_user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_seed_key` ON `users` (`seed_key`);