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
