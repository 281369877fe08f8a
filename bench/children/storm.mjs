/**
 * Many lifecycles in one process, from the compiled main entry, driven over IPC by
 * bench/storm-figures.ts: `create` makes and starts them, `settled` waits until every one is
 * registered; each answer carries this process's CPU time so far (µs).
 * Run: node storm.mjs <agent url> <compiled src/index.js> (with an IPC channel).
 */
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

process.on("message", async (message) => {
  if (message.op === "create") {
    for (let index = 0; index < message.count; index += 1) {
      const lifecycle = createLifecycle(request(message.firstPort + index), { baseURL: url });
      lifecycles.push(lifecycle);
      lifecycle.start();
    }
  }
  await settled();
  process.send({ cpu: cpu() });
});
process.send({ ready: true, cpu: cpu() });
