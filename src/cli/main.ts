#!/usr/bin/env node
/** `sidecar-lifecycle <command>`: the dispatcher. Each subcommand lives in its own module. */
import { createRequire } from "node:module";
import type { CommandModule } from "./command.ts";

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

const COMMANDS: Record<string, CommandEntry> = {
  agent: {
    summary: "run the dev sidecar agent (in memory) on 127.0.0.1:15010",
    load: () => import("./agent-command.ts"),
  },
  run: {
    summary: "run a command bound to the agent: register, replay, drain, deregister",
    load: () => import("./run-command.ts"),
  },
  inspect: {
    summary: "serve the live inspector: the chart and running services, on 127.0.0.1:15020",
    load: () => import("../inspector/command.ts"),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    "Usage: sidecar-lifecycle <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `sidecar-lifecycle <command> --help` for a command's options;",
    "`sidecar-lifecycle --version` prints the package's version.",
  ].join("\n");
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    // The package's own manifest, found by its name from wherever it runs (src/ or dist/).
    const { version } = createRequire(import.meta.url)("sidecar-lifecycle/package.json") as {
      version: string;
    };
    process.stdout.write(`sidecar-lifecycle ${version}\n`);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${help()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`sidecar-lifecycle: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  return (await entry.load()).main(rest);
}

dispatch(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sidecar-lifecycle: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
