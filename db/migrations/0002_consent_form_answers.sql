ALTER TABLE `oauth_consent_forms` ADD `session_hash` text;--> statement-breakpoint
ALTER TABLE `oauth_consent_forms` ADD `answer` text;