/**
 * Errors a user can fix (bad config, bad arguments, missing interpreter). The CLI prints the message alone, with
 * no stack trace, and exits with `exitCode` (2 unless said otherwise). Anything else that is thrown is a bug.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** For exhaustive switches over unions: the compiler proves this is never reached. */
export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

/** The message of anything thrown, for one-line diagnostics. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
