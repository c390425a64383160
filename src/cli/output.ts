/** Exit codes: 0 done, 1 the work failed, 2 the command line or configuration is wrong. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints a result: JSON on one line for --json, else the human text. */
export function printResult(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

/** Prints an error the way the caller asked for, and returns the exit code to use. */
export function printError(json: boolean, error: unknown, exitCode = EXIT_FAILURE): number {
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.stderr.write(`retouch: ${message}\n`);
  return exitCode;
}
