import { type LocalConnection, LocalStackNotFoundError, localConnection } from "@msgevents/local/connection";

/** The local stack's URL and credentials from its data directory; undefined when no stack has run there. */
export async function findLocalStack(dataDir: string, env: NodeJS.ProcessEnv): Promise<LocalConnection | undefined> {
  try {
    return await localConnection(dataDir, env);
  } catch (error) {
    if (error instanceof LocalStackNotFoundError) return undefined;
    throw error;
  }
}
