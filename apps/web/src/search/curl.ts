/**
 * The search as a curl command. The key stays out of it (a copied command ends up in shell history and chat
 * messages): it reads `$MSGEVENTS_API_KEY` instead.
 */
export function curlCommand(origin: string, pathAndQuery: string): string {
  return `curl -sS -H "Authorization: $MSGEVENTS_API_KEY" '${`${origin}${pathAndQuery}`.replaceAll("'", "'\\''")}'`;
}
