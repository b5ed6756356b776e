import { execFile } from "node:child_process";
import { chmod, chown, copyFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { EmbeddedPostgresServer } from "@msgevents/devdb";
import pg from "pg";

const run = promisify(execFile);

export interface TestCertificateAuthority {
  /** PEM file of the throwaway CA: what NODE_EXTRA_CA_CERTS points at to trust the server. */
  caFile: string;
  /** Removes the CA's files. */
  close(): Promise<void>;
}

/**
 * Turns on TLS in an embedded PostgreSQL with a server certificate for 127.0.0.1/localhost signed by a throwaway CA
 * made here with the `openssl` CLI, then restarts the server so the setting holds. Clients that verify certificates
 * connect only when they trust `caFile`.
 */
export async function enableServerTls(server: EmbeddedPostgresServer): Promise<TestCertificateAuthority> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "msgevents-ca-"));
  const file = (name: string) => path.join(dir, name);
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run(
    "openssl",
    ["req", "-x509", ...ecKey, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "2"].concat([
      "-subj",
      "/CN=msgevents test CA",
    ]),
  );
  await run(
    "openssl",
    ["req", ...ecKey, "-keyout", file("server.key"), "-out", file("server.csr")].concat(["-subj", "/CN=127.0.0.1"]),
  );
  await writeFile(
    file("server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  await run(
    "openssl",
    ["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key")].concat([
      "-CAcreateserial",
      "-out",
      file("server.crt"),
      "-days",
      "2",
      "-extfile",
      file("server.ext"),
    ]),
  );

  // PostgreSQL refuses a key file that its own user does not own or that others can read.
  const owner = await stat(server.dataDir);
  for (const name of ["server.crt", "server.key"]) {
    const target = path.join(server.dataDir, name);
    await copyFile(file(name), target);
    await chmod(target, 0o600);
    await chown(target, owner.uid, owner.gid);
  }
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query("ALTER SYSTEM SET ssl = on");
    await admin.query("ALTER SYSTEM SET ssl_cert_file = 'server.crt'");
    await admin.query("ALTER SYSTEM SET ssl_key_file = 'server.key'");
  } finally {
    await admin.end();
  }
  await server.stop();
  await server.start();
  return { caFile: file("ca.pem"), close: () => rm(dir, { recursive: true, force: true }) };
}
