/** Exit codes, documented in README.md: scripts may rely on them. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  config: 3,
  refused: 4,
  unavailable: 5,
  partial: 6,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the user can act on: printed as one line, then the process exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const configError = (message: string) => new CliError(message, EXIT.config);
export const usageError = (message: string) => new CliError(message, EXIT.usage);
