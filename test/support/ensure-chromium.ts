/**
 * Runs before `npm test`: the inspector's browser test drives a real Chromium, and
 * playwright-core downloads none. On Debian as root (this project's machines, CI included) a
 * missing one is installed from Debian's packages; elsewhere it says what to do.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`ensure-chromium: \`${command} ${args.join(" ")}\` failed (exit ${result.status})`);
    process.exit(1);
  }
}

if (!existsSync(chromium)) {
  if (!process.env.CHROMIUM_PATH && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log(`ensure-chromium: ${chromium} is missing; installing Debian's chromium package`);
    run("apt-get", ["update"]);
    run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"]);
  } else {
    console.error(
      `ensure-chromium: ${chromium} is missing. The inspector's browser test needs Chromium: ` +
        "install it (Debian: apt-get install chromium) or point CHROMIUM_PATH at one.",
    );
    process.exit(1);
  }
}
