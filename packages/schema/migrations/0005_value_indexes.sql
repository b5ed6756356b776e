CREATE TABLE "search_values" (
	"field" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "search_values_pkey" PRIMARY KEY("field","value")
);
--> statement-breakpoint
CREATE INDEX "search_values_keywords_idx" ON "search_values" USING gin (msgevents_keyword_hashes('', "value", false));--> statement-breakpoint
CREATE INDEX "events_campaign_id_idx" ON "events" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "events_template_id_idx" ON "events" USING btree ("template_id");