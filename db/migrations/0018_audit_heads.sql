CREATE TABLE `audit_heads` (
	`id` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`at` integer NOT NULL,
	`counter` integer NOT NULL,
	`signature` text NOT NULL,
	CONSTRAINT "audit_heads_single_row" CHECK("audit_heads"."id" = 1)
);
