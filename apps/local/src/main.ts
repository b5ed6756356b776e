import { startBanner } from "./banner.ts";
import { loadLocalConfig } from "./env.ts";
import { createLogger } from "./logger.ts";
import { startLocalStack } from "./stack.ts";
import { StackRunningError } from "./stack-state.ts";

const logger = createLogger();

async function main(): Promise<void> {
  const config = loadLocalConfig();
  const stack = await startLocalStack(config, logger);
  process.stdout.write(`${startBanner(stack)}\n`);

  let signals = 0;
  const shutdown = async (signal: NodeJS.Signals) => {
    signals++;
    // One Ctrl-C can arrive twice (from the terminal, and relayed by npm or pnpm); a third one means "now".
    if (signals >= 3) {
      logger.warn("third signal: exiting without waiting", { signal });
      process.exit(130);
    }
    if (signals > 1) return;
    logger.info("shutting down: finishing in-flight requests and loads", { signal });
    await stack.stop();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", (signal) => void shutdown(signal));
  process.on("SIGTERM", (signal) => void shutdown(signal));
}

main().catch((error: Error) => {
  // Another stack has this data directory: say so plainly, it is no failure of this one.
  if (error instanceof StackRunningError) process.stderr.write(`msgevents: ${error.message}\n`);
  else process.stderr.write(`msgevents could not start: ${error.message}\n`);
  process.exit(1);
});
