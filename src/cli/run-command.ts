/**
 * `sidecar-lifecycle run -- <command>`: any process, in any language, bound to the agent by the
 * same lifecycle chart. This file only wires events: the port opening is SERVER_READY, a signal
 * is SHUTDOWN, the child ending on its own is SERVER_EXITED, and stopping the child is the
 * chart's stopServer step (after drain and the drain delay, before deregister).
 */
import { v1Registration, v2Registration } from "../agent/registration.ts";
import { createLifecycle, isServiceNode } from "../lifecycle.ts";
import { seconds, summaryMark } from "../ops/log.ts";
import { waitForPort } from "../port-probe.ts";
import { onFatalErrors } from "../signals.ts";
import { Child } from "./child.ts";
import { createCliLogger } from "./cli-logger.ts";
import { parseCommandArgs } from "./command.ts";
import { parseRunArgs, RUN_HELP, type RunConfig } from "./run-options.ts";
import { logTransitions } from "./transition-log.ts";

/** Each starts the way out. The child runs in its own process group, so a closed terminal reaches only us. */
const EXIT_SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

export async function main(argv: string[]): Promise<number> {
  // The parse is asynchronous (a v2 run reads its manifest); its outcome, value or UsageError,
  // then goes through the subcommands' one exit-code contract.
  const outcome = await parseRunArgs(argv).then(
    (parsed) => () => parsed,
    (error: unknown) => () => {
      throw error;
    },
  );
  const parsed = parseCommandArgs("run", RUN_HELP, outcome);
  return typeof parsed === "number" ? parsed : supervise(parsed);
}

function supervise(config: RunConfig): Promise<number> {
  const { request } = config;
  const v2 = isServiceNode(request);
  const { serviceName, instance, servicePort: port } = v2 ? v2Registration(request) : v1Registration(request);
  // Every line names the instance (v1 `api:8080`, v2 `10001/0193…`): several runs may share a log.
  const logger = createCliLogger({
    format: config.logFormat,
    prefix: `[sidecar-lifecycle ${instance}]`,
    level: config.quiet ? "warn" : "info",
  });
  const own = logger.child({ instance, agent: config.baseURL });
  const warn = (line: string) => own.warn({ event: "run" }, line);
  const say = (line: string) => own.info({ event: "run" }, line);
  const child = new Child(config.command, config.args);
  const label = `${config.command} (pid ${child.pid ?? "?"})`;
  const as = v2 ? `${serviceName} instance ${instance} (contract v2)` : `${instance} (contract v1)`;
  say(`started ${label}; it is registered as ${as} once port ${port} accepts connections`);

  let forward: NodeJS.Signals = "SIGTERM";
  // The chart's stopServer step: its signal aborts when the stop's window of the budget closes.
  const stopChild = async (abort: AbortSignal) => {
    if (child.hasExited) return;
    await Promise.resolve(); // the chart reports its move to stoppingServer first
    say(`forwarding ${forward} to ${label}`);
    child.signal(forward);
    if (!(await child.waitExit(undefined, abort))) {
      warn(`${label} still running when its stop window closed: SIGKILL, then deregister`);
      child.signal("SIGKILL");
      await child.exited;
    }
  };

  const lifecycle = createLifecycle(request, {
    baseURL: config.baseURL,
    gracePeriod: config.gracePeriod,
    shutdownTimeout: config.shutdownTimeout,
    requestTimeout: config.requestTimeout,
    ...(config.drainDelay === undefined ? {} : { drainDelay: config.drainDelay }),
    serverReady: false,
    stopServer: stopChild,
    log: (note) => say(`note: ${note}`),
    // An unreachable agent: one line when it goes, growing summaries, one when it is back.
    logger,
    // v2's managed_port: run serves /health /ready /info /metrics there for the command.
    ...(v2 && request.managedPort ? { managedPort: request.managedPort } : {}),
  });
  const stopLogging = config.quiet
    ? () => {}
    : logTransitions(lifecycle, (line, step) => own.info({ event: "transition", ...step }, line), {
        skipReconnectLoop: true,
      });

  const probe = new AbortController();
  lifecycle.start();
  const stopWaitNotes = noteClosedPort(port, say);
  waitForPort(port, probe.signal)
    .then(
      () => {
        say(`${label} accepts connections on port ${port}`);
        lifecycle.serverReady();
      },
      () => {},
    )
    .finally(stopWaitNotes);

  return new Promise<number>((resolve) => {
    let stopping = false;
    let fatal = false;
    const done = (code: number) => {
      for (const name of EXIT_SIGNALS) process.off(name, onSignal);
      stopFatal();
      stopLogging();
      resolve(fatal ? 1 : code);
    };
    const finish = async () => {
      probe.abort();
      try {
        await lifecycle.shutdown();
      } catch (error) {
        warn(`shutdown incomplete: ${error instanceof Error ? error.message : String(error)}`);
      }
      // Forced, or nothing reached the stop step: the child's time is over.
      if (!child.hasExited) child.signal("SIGKILL");
      const exit = await child.exited;
      say(`${label} ${exit.description}; exit code ${exit.code}`);
      done(exit.code);
    };
    function onSignal(signal: NodeJS.Signals) {
      if (stopping) {
        warn(`second ${signal}: forcing exit, killing ${label}; one quick deregister first`);
        child.signal("SIGKILL");
        // The chart sends one deregister bounded by forceTimeout, then finishes.
        lifecycle.actor.send({ type: "FORCE" });
        lifecycle.shutdown().then(
          () => done(1),
          (error: unknown) => {
            warn(`forced exit: ${error instanceof Error ? error.message : String(error)}`);
            done(1);
          },
        );
        return;
      }
      stopping = true;
      // A closed terminal (SIGHUP) means exit; to many daemons a forwarded SIGHUP means reload.
      forward = signal === "SIGHUP" ? "SIGTERM" : signal;
      say(`${signal}: draining before ${label} is stopped (a second signal forces exit)`);
      void finish();
    }
    for (const name of EXIT_SIGNALS) process.on(name, onSignal);
    // A fault of run's own: the command is still bound to the agent, so the way out first, then exit 1.
    const stopFatal = onFatalErrors((error, origin) => {
      own.error(
        { event: "fatal", origin, error: error.message, stack: error.stack },
        `${origin}: ${error.stack}`,
      );
      fatal = true;
      if (stopping) return;
      stopping = true;
      warn(`${origin}: draining before ${label} is stopped, then exit code 1`);
      void finish();
    });
    child.exited.then((exit) => {
      if (stopping) return;
      stopping = true;
      say(`${label} ${exit.description} on its own: deregistering`);
      lifecycle.actor.send({ type: "SERVER_EXITED" });
      void finish();
    });
  });
}

/** While the port stays closed: "port 8080 still closed after 10 s", then 30 s, 60 s, every 60 s. Returns the stop. */
function noteClosedPort(port: number, say: (line: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const schedule = (n: number, after: number) => {
    timer = setTimeout(() => {
      say(
        `port ${port} still closed after ${seconds(summaryMark(n))} s; registering once it accepts connections`,
      );
      schedule(n + 1, summaryMark(n + 1) - summaryMark(n));
    }, after);
    timer.unref();
  };
  schedule(0, summaryMark(0));
  return () => clearTimeout(timer);
}
