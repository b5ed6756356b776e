import { errors, jwtVerify, SignJWT } from "jose";
import type { OAuthClient } from "./auth-config.ts";

const ISSUER = "msgevents";
const AUDIENCE = "msgevents:webhook";

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

/** A signed, expiring access token (HS256 JWT) for the configured client; verifiable without any stored state. */
export async function issueAccessToken(client: OAuthClient, now: Date): Promise<IssuedToken> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const accessToken = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(client.clientId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + client.tokenLifetimeSeconds)
    .sign(client.tokenSigningKey);
  return { accessToken, expiresIn: client.tokenLifetimeSeconds };
}

/** True for a token this deployment issued to the configured client that has not expired at `now`. */
export async function verifyAccessToken(token: string, client: OAuthClient, now: Date): Promise<boolean> {
  try {
    await jwtVerify(token, client.tokenSigningKey, {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: client.clientId,
      requiredClaims: ["exp", "iat"],
      currentDate: now,
    });
    return true;
  } catch (error) {
    // Every jose failure (bad signature, expired, malformed, wrong claims) means "not a valid token".
    if (error instanceof errors.JOSEError) return false;
    throw error;
  }
}
