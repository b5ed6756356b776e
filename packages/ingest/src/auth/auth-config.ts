/** Webhook credentials SparkPost sends as `Authorization: Basic base64(username:password)`. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** The OAuth2 client SparkPost authenticates as at POST /oauth/token (client credentials grant). */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** HS256 key for the access tokens we issue; derived from the client secret (see env.ts). */
  tokenSigningKey: Uint8Array;
  tokenLifetimeSeconds: number;
}

/**
 * How webhook posts authenticate. `none` exists only when configured explicitly; otherwise at least one of Basic
 * and OAuth2 is set, and a request must pass one of the configured ones.
 */
export type AuthConfig =
  | { mode: "none" }
  | { mode: "required"; basic: BasicCredentials | undefined; oauth2: OAuthClient | undefined };
