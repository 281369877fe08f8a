/**
 * Termination signals for a managed server: the first SIGTERM / SIGINT starts the graceful
 * exit; a second one means the operator will not wait, and forces exit code 1.
 */
export const TerminationSignals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/**
 * Installs the handlers; returns the function that removes them. `beforeForcedExit` runs on the
 * second signal before exit code 1 (e.g. one bounded deregister); it must settle quickly.
 */
export function onTerminationSignals(
  onFirst: (signal: NodeJS.Signals) => void,
  log: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
  beforeForcedExit: () => Promise<void> = async () => {},
): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) {
      onFirst(signal);
      return;
    }
    if (received > 2) return;
    log(`${signal} again during the graceful exit: forcing exit with code 1`);
    beforeForcedExit().finally(() => process.exit(1));
  };
  for (const signal of TerminationSignals) process.on(signal, handler);
  return () => {
    for (const signal of TerminationSignals) process.off(signal, handler);
  };
}

/** The process events of an error nothing caught. */
export const FatalEvents = ["uncaughtException", "unhandledRejection"] as const;

/**
 * Takes over `uncaughtException` / `unhandledRejection` (Node would print and exit at once, with
 * the instance still registered): `onFatal` gets each, with its origin. Returns the function that
 * removes the handlers.
 */
export function onFatalErrors(
  onFatal: (error: Error, origin: (typeof FatalEvents)[number]) => void,
): () => void {
  const handlers = FatalEvents.map((origin) => {
    const handler = (thrown: unknown) =>
      onFatal(thrown instanceof Error ? thrown : new Error(String(thrown)), origin);
    process.on(origin, handler);
    return () => process.off(origin, handler);
  });
  return () => {
    for (const remove of handlers) remove();
  };
}
