import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: ["./src/db/tables.ts", "./src/db/erasure-tables.ts", "./src/db/alert-tables.ts"],
  out: "./migrations",
});
