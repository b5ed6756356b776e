/** Domain of an address such as `user@Example.com` or `"Name" <user@example.com>`, lower-cased. */
export function domainOf(address: string): string | null {
  const bracketed = /<([^<>]*)>\s*$/.exec(address);
  const bare = (bracketed?.[1] ?? address).trim();
  const at = bare.lastIndexOf("@");
  if (at === -1 || at === bare.length - 1) return null;
  const domain = bare.slice(at + 1).toLowerCase();
  return /^[^\s@<>"]+$/.test(domain) ? domain : null;
}
