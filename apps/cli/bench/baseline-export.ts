// The baseline for `msgevents events --all`: what a shell loop around curl does, fetching each page and writing its
// raw bytes out, reading only `links.next` from it. Run as its own process, like the CLI, so each RSS is its own.
const [baseUrl, firstPath, apiKey] = process.argv.slice(2) as [string, string, string];
let path: string | undefined = firstPath;
while (path) {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: apiKey } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const text = await response.text();
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once("drain", resolve));
  path = /"next":"([^"]+)"/.exec(text)?.[1];
}
