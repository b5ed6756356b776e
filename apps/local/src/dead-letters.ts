/**
 * `pnpm --filter @msgevents/local dead-letters [--replay]`: lists the batches the local queue parked after their
 * last failed attempt, and with --replay hands them back to the queue (a running stack picks them up within
 * seconds; a stopped one at its next start).
 */
import path from "node:path";
import { deadDirOf, listDeadLetters, requestReplay } from "./dead-letter-files.ts";
import { loadLocalConfig } from "./env.ts";

async function main(): Promise<void> {
  const replay = process.argv.includes("--replay");
  const queueDir = path.join(loadLocalConfig().dataDir, "queue");
  const letters = await listDeadLetters(queueDir);
  if (letters.length === 0) {
    process.stdout.write(`no dead letters in ${deadDirOf(queueDir)}\n`);
    return;
  }
  for (const letter of letters) {
    process.stdout.write(`${letter.deadAt}  ${letter.key}  after ${letter.attempts} attempt(s): ${letter.error}\n`);
  }
  if (!replay) {
    process.stdout.write(`${letters.length} dead letter(s); run again with --replay to load them again\n`);
    return;
  }
  process.stdout.write(`${await requestReplay(queueDir)} dead letter(s) handed back to the queue\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
