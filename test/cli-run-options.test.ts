import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/command.ts";
import { parseRunArgs } from "../src/cli/run-options.ts";

const noFile = () => {
  throw new Error("no file in this test");
};

async function problemsOf(flags: string[], readFile: (path: string) => string = noFile): Promise<string[]> {
  try {
    await parseRunArgs([...flags, "--", "node", "server.js"], readFile);
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
}

const base = ["--name", "api", "--port", "8080", "--method", "/a"];

describe("sidecar-lifecycle run: flag checks", () => {
  it("takes the defaults a newcomer expects", async () => {
    expect(await parseRunArgs([...base, "--", "node", "server.js"], noFile)).toMatchObject({
      command: "node",
      args: ["server.js"],
      baseURL: "http://127.0.0.1:15010",
      gracePeriod: "20s",
      shutdownTimeout: 30_000,
      request: { name: "api", port: 8080, dns: "api.default.svc.cluster.local", weight: 100 },
    });
  });

  it("integer flags are decimal digits only: no hex, exponent or spaces", async () => {
    expect(
      await problemsOf(["--name", "api", "--port", "0x50", "--method", "/a", "--weight", "1e2"]),
    ).toEqual([
      '--port must be an integer in 1..65535, got "0x50"',
      '--weight must be an integer >= 1, got "1e2"',
    ]);
    expect(await problemsOf([...base, "--shutdown-timeout", " 900"])).toEqual([
      '--shutdown-timeout must be an integer >= 1, got " 900"',
    ]);
  });

  it("a drain delay that does not fit in the drain step of the shutdown budget is refused", async () => {
    expect(await problemsOf([...base, "--drain-delay", "2501", "--shutdown-timeout", "5000"])).toEqual([
      "--drain-delay: drainDelay (2501) does not fit: with shutdownTimeout 5000 the drain step must end by 2500 ms, leaving the rest to the server stop and the deregister",
    ]);
    expect(await problemsOf([...base, "--drain-delay", "2500", "--shutdown-timeout", "5000"])).toEqual([]);
  });

  it("--agent is a plain http:// base URL the admin paths are appended to", async () => {
    expect(await problemsOf([...base, "--agent", "http://127.0.0.1:15010/?x=1"])).toEqual([
      '--agent must not carry a query or fragment, got "http://127.0.0.1:15010/?x=1"',
    ]);
    expect(await problemsOf([...base, "--agent", "https://agent:15010"])).toEqual([
      '--agent must be an http:// URL, got "https://agent:15010"',
    ]);
    expect(await problemsOf([...base, "--agent", "http://127.0.0.1:15011"])).toEqual([]);
  });
});

const FIXTURES = join(import.meta.dirname, "fixtures/v2");
const MANIFEST = join(FIXTURES, "gateway.manifest.json");
const OPTIONS_FILE = join(FIXTURES, "service-options.json");
/** Reads the real fixture files; any other path is refused as missing. */
const fixtureFiles = (path: string) => readFileSync(path, "utf8");
/** A readFile that serves one options file, `svc.json`, with `text`. */
const optionsText = (text: string) => (path: string) => {
  if (path !== "svc.json") throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return text;
};
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const v2Base = ["--manifest", MANIFEST, "--app-id", "10001", "--name", "auth", "--port", "9090"];

async function nodeOf(flags: string[], readFile = fixtureFiles) {
  const parsed = await parseRunArgs([...flags, "--", "./auth-server", "--listen"], readFile);
  if (parsed.help) throw new Error("expected a run, got --help");
  return parsed.request;
}

describe("sidecar-lifecycle run: contract v2 flags", () => {
  it("--manifest makes the run v2: a ServiceNode with the CLI's defaults, the manifest's methods and routes, a UUIDv7 instance", async () => {
    const node = await nodeOf(v2Base);
    expect(node).toEqual({
      app: {
        id: "10001",
        env: "dev",
        name: "auth",
        secret: "",
        version: "v0.0.0",
        instanceId: expect.stringMatching(UUID_V7),
      },
      kernel: { language: "auth-server", version: "unknown" },
      service: {
        name: "auth",
        type: "svc",
        namespace: "default",
        clusterDomain: "cluster.local",
        port: 9090,
        weight: 100,
      },
      protocol: "http",
      serverPort: 9090,
      managedPort: 0,
      dns: "auth.default.svc.cluster.local",
      runDate: expect.any(String),
      protoCount: 1,
      methods: ["/acme.auth.v1.AuthService/Login", "/acme.auth.v1.AuthService/Logout"],
      httpRoutes: [{ httpMethod: "POST", path: "/v1/login", fullMethod: "/acme.auth.v1.AuthService/Login" }],
    });
  });

  it("every v2 flag sets its field; the dns follows the service type, namespace and cluster domain", async () => {
    const node = await nodeOf([
      ...v2Base,
      ...["--app-name", "auth-app", "--env", "prod", "--version", "v1.2.3", "--instance-id", "i-1"],
      ...["--kernel-language", "Go", "--kernel-version", "go1.23", "--protocol", "grpc"],
      ...["--namespace", "edge", "--service-type", "pod", "--cluster-domain", "corp.local"],
      ...["--service-port", "7070", "--weight", "5", "--managed-port", "9091"],
    ]);
    expect(node).toMatchObject({
      app: { id: "10001", env: "prod", name: "auth-app", version: "v1.2.3", instanceId: "i-1" },
      kernel: { language: "Go", version: "go1.23" },
      service: {
        name: "auth",
        type: "pod",
        namespace: "edge",
        clusterDomain: "corp.local",
        port: 7070,
        weight: 5,
      },
      protocol: "grpc",
      serverPort: 9090,
      managedPort: 9091,
      dns: "auth.edge.pod.corp.local",
    });
  });

  it("--service-options reads protocol.md's options (secret never kept); flags override it field by field", async () => {
    const fromFile = await nodeOf(["--manifest", MANIFEST, "--service-options", OPTIONS_FILE]);
    expect(fromFile).toMatchObject({
      app: {
        id: "10001",
        env: "prod",
        name: "auth",
        secret: "",
        version: "v1.0.0",
        instanceId: "0193a5c2-7d4e-7f3a-9b1c-5e6f7a8b9c0d",
      },
      kernel: { language: "Node.js", version: "v22.11.0" },
      service: { name: "auth", port: 9090 },
      protocol: "grpc",
      serverPort: 9090,
    });
    const overridden = await nodeOf([
      ...["--manifest", MANIFEST, "--service-options", OPTIONS_FILE],
      ...["--port", "8081", "--env", "staging", "--kernel-version", "v20.0.0"],
    ]);
    expect(overridden).toMatchObject({
      app: { env: "staging", instanceId: "0193a5c2-7d4e-7f3a-9b1c-5e6f7a8b9c0d" },
      kernel: { language: "Node.js", version: "v20.0.0" },
      serverPort: 8081,
    });
  });

  it("a field the options file leaves out gets the CLI's default, one it sets blank is refused with its flag", async () => {
    const partial = JSON.stringify({ app: { id: "10001" }, service: { name: "auth" }, server_port: 9090 });
    expect(
      await nodeOf(["--manifest", MANIFEST, "--service-options", "svc.json"], optionsText(partial)),
    ).toMatchObject({
      app: { env: "dev", name: "auth", version: "v0.0.0" },
      protocol: "http",
    });
    const blank = JSON.stringify({
      app: { id: " ", env: "", name: "auth", version: "v1" },
      service: { name: "auth" },
      server_port: 0,
    });
    expect(
      await problemsOf(["--manifest", MANIFEST, "--service-options", "svc.json"], optionsText(blank)),
    ).toEqual([
      "app.id is required (--app-id)",
      "app.env is required (--env)",
      "server_port is invalid: 0 (--port)",
    ]);
  });

  it("the options file's problems name the flag, the file and the field", async () => {
    const flags = [
      "--manifest",
      MANIFEST,
      "--service-options",
      "svc.json",
      "--name",
      "auth",
      "--port",
      "9090",
    ];
    expect(await problemsOf(flags, optionsText('{"app": {"id": "10001", "secrets": "x"}}'))).toEqual([
      '--service-options svc.json: unknown field "app.secrets"',
    ]);
    expect(await problemsOf(flags, optionsText('{"server_port": "9090"}'))).toEqual([
      '--service-options svc.json: field "server_port" must be a number, got string',
    ]);
    expect(await problemsOf(flags, optionsText("{app:"))).toEqual([
      expect.stringMatching(/^--service-options svc\.json: not valid JSON: /),
    ]);
    const missing = [
      "--manifest",
      MANIFEST,
      "--service-options",
      "absent.json",
      "--name",
      "a",
      "--port",
      "1",
    ];
    expect(await problemsOf(missing, optionsText("{}"))).toEqual([
      "--service-options absent.json: cannot read it: ENOENT: no such file or directory, open 'absent.json'",
    ]);
  });

  it("without a name or a port: each root problem once, not again for the fields defaulted from it", async () => {
    expect(await problemsOf(["--manifest", MANIFEST])).toEqual([
      "--port is required: the port the command listens on",
      "service.name is required (--name)",
    ]);
  });

  it("integer flags are checked, and a refused one is not reported a second time by the node check", async () => {
    expect(
      await problemsOf([
        ...["--manifest", MANIFEST, "--name", "auth", "--port", "0x50"],
        ...["--service-port", "0", "--managed-port", "70000", "--weight=-1"],
      ]),
    ).toEqual([
      '--port must be an integer in 1..65535, got "0x50"',
      '--service-port must be an integer in 1..65535, got "0"',
      '--managed-port must be an integer in 0..65535, got "70000"',
      '--weight must be an integer >= 1, got "-1"',
    ]);
  });

  it("a flag of the other contract is refused, both ways, and says what to do instead", async () => {
    expect(await problemsOf([...v2Base, "--method", "/a", "--dns", "x", "--registration", "r.json"])).toEqual(
      [
        "--registration is a contract v1 flag; with --manifest (contract v2) give the service's options with --service-options",
        "--method is a contract v1 flag; with --manifest (contract v2) the methods come from the manifest",
        "--dns is a contract v1 flag; with --manifest (contract v2) the dns is composed as <name>.<namespace>.<service type>.<cluster domain>",
      ],
    );
    expect(await problemsOf([...base, "--instance-id", "i-1", "--service-port", "9090"])).toEqual([
      "--instance-id is a contract v2 flag, and without --manifest this run speaks contract v1: add --manifest <gateway.manifest.json>, or leave --instance-id out",
      "--service-port is a contract v2 flag, and without --manifest this run speaks contract v1: add --manifest <gateway.manifest.json>, or leave --service-port out",
    ]);
  });

  it("every problem of the manifest is listed with its file, and the methods it could not give are not blamed on the node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sidecar-run-options-"));
    const bad = join(dir, "gateway.manifest.json");
    writeFileSync(
      bad,
      JSON.stringify({
        schema: "v0",
        services: [{ name: "acme.A", methods: ["/acme.B/Call", "Call"] }],
        routes: [{ http_method: "", path: "/v1/a", full_method: "/acme.A/Missing" }],
      }),
    );
    const at = `validate gateway manifest ${JSON.stringify(bad)}: `;
    expect(await problemsOf(["--manifest", bad, "--name", "auth", "--port", "9090"])).toEqual([
      `${at}gateway manifest schema must be "firefly.gateway.manifest.v1"`,
      `${at}gateway manifest method /acme.B/Call does not belong to service acme.A`,
      `${at}gateway manifest method must start with /: Call`,
      `${at}gateway manifest routes[0].http_method is required`,
      `${at}gateway manifest routes[0].full_method is not declared in services: /acme.A/Missing`,
    ]);
    expect(
      await problemsOf(["--manifest", join(dir, "absent.json"), "--name", "auth", "--port", "9090"]),
    ).toEqual([expect.stringMatching(/^read gateway manifest ".*absent\.json": ENOENT/)]);
  });
});
