/** Readiness by TCP: a server is ready when its port accepts a connection. */
import { type AddressInfo, connect, createServer } from "node:net";

const PROBE_INTERVAL_MS = 50;

function tryConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Resolves once `host:port` accepts a TCP connection; rejects with the signal's reason when aborted. */
export async function waitForPort(port: number, signal: AbortSignal, host = "127.0.0.1"): Promise<void> {
  while (!signal.aborted) {
    if (await tryConnect(port, host)) return;
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  throw signal.reason;
}

/** A loopback port free right now, so a registration can name it before its server listens. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
