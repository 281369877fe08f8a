/**
 * Many lifecycles in one process, from the compiled main entry, driven over IPC by
 * bench/storm-figures.ts: `create` makes and starts them, `settled` waits until every one is
 * registered; each answer carries this process's CPU time so far (µs), and on Linux the main
 * thread's share of it (from /proc: the rest is V8's compiler and GC threads, libuv's pool).
 * Run: node storm.mjs <agent url> <compiled src/index.js> (with an IPC channel).
 */
import { readFileSync } from "node:fs";

const [url, entry] = process.argv.slice(2);
const { createLifecycle } = await import(entry);
const lifecycles = [];

function request(port) {
  return {
    appId: "10001",
    appName: "storm",
    name: "storm",
    namespace: "default",
    port,
    dns: "storm.default.svc.cluster.local",
    env: "prod",
    weight: 100,
    protocol: "grpc",
    kernel: { language: "Node.js", version: process.version },
    methods: ["/acme.storm.v1.Storm/Ping"],
    version: "v1.0.0",
  };
}

function settled() {
  return Promise.all(
    lifecycles.map(
      (lifecycle) =>
        new Promise((resolve) => {
          if (lifecycle.state() === "registered") return resolve();
          const subscription = lifecycle.actor.subscribe(() => {
            if (lifecycle.state() !== "registered") return;
            subscription.unsubscribe();
            resolve();
          });
        }),
    ),
  );
}

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** The main thread's user + system time (µs), from /proc/self/task/<pid>/stat; undefined off Linux. */
function mainThreadCPU() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime (fields 14 and 15 of stat(5)), in clock ticks: 100 a second on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

const answer = () => process.send({ cpu: cpu(), mainThread: mainThreadCPU() });

process.on("message", async (message) => {
  if (message.op === "create") {
    for (let index = 0; index < message.count; index += 1) {
      const lifecycle = createLifecycle(request(message.firstPort + index), { baseURL: url });
      lifecycles.push(lifecycle);
      lifecycle.start();
    }
  }
  await settled();
  answer();
});
answer();
