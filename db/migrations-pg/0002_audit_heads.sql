CREATE TABLE "audit_heads" (
	"id" bigint PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"at" bigint NOT NULL,
	"counter" bigint NOT NULL,
	"signature" text NOT NULL,
	CONSTRAINT "audit_heads_single_row" CHECK ("audit_heads"."id" = 1)
);
