import { type FormEvent, useState } from "react";

/** Asks for the API key once per browser session; the key never leaves this origin. */
export function KeyPrompt({ onKey, refused }: { onKey(key: string): void; refused: boolean }) {
  const [key, setKey] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim() !== "") onKey(key.trim());
  };
  return (
    <main className="key-prompt">
      <h1>msgevents</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          aria-describedby="api-key-hint"
          aria-invalid={refused || undefined}
          onChange={(event) => setKey(event.target.value)}
        />
        <p id="api-key-hint" className="hint">
          {refused ? "That key was refused. " : ""}
          The deployment's API key (MSGEVENTS_API_KEY): for the local stack, <code>npx msgevents open</code> opens this
          page signed in, or <code>npx msgevents credentials api-key</code> prints the key; in AWS,{" "}
          <code>pulumi stack output apiKey --show-secrets</code>. Kept for this browser session only.
        </p>
        <button type="submit" className="primary">
          Continue
        </button>
      </form>
    </main>
  );
}
