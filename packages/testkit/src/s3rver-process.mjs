// Runs s3rver in its own process for startS3Server() (see s3.ts). It is a plain .mjs file because it must start
// under bare node with --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
// OpenSSL 3 only offers through the legacy provider, and that flag cannot be switched on inside a running process.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const S3rver = require("s3rver");

const { directory, bucket } = JSON.parse(process.argv[2] ?? "{}");
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
// s3rver emits an S3 event notification (ObjectCreated:Put, ...) for every object write; forward them to the parent.
server.on("event", (event) => process.send?.({ type: "event", event }));

const address = await server.run();
process.send?.({ type: "ready", port: address.port });

const stop = async () => {
  await server.close().catch(() => {});
  process.exit(0);
};
process.on("message", (message) => {
  if (message === "close") void stop();
});
// The parent went away without closing us (crashed test worker): do not linger.
process.on("disconnect", () => void stop());
