/**
 * The live inspector in a real browser: Debian's Chromium (`.ci/run` installs it in CI), driven
 * by playwright-core, against a real inspector server, a loopback agent and lifecycles that
 * stream to it with @statelyai/inspect's own WebSocket inspector.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createWebSocketInspector } from "@statelyai/inspect";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type InspectorServer, startInspectorServer } from "../src/inspector/server.ts";
import { createLifecycle, type Lifecycle } from "../src/lifecycle.ts";
import { TestAgent } from "./support/agent.ts";
import { chartLeafNames, quick, registration } from "./support/inspector.ts";

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const artifacts = new URL("./artifacts/", import.meta.url);

/** Every value the page gives the chart's `data-state` (the highlighted leaf), repeats dropped. */
async function recordHighlights(page: Page): Promise<void> {
  await page.evaluate(() => {
    const svg = document.querySelector("svg[data-chart]") as SVGSVGElement;
    const seen: string[] = [];
    (window as unknown as { highlights: string[] }).highlights = seen;
    const note = (state: string | null) => {
      if (state && seen.at(-1) !== state) seen.push(state);
    };
    // Records may arrive batched: each one's old value, then the value now, rebuild the sequence.
    new MutationObserver((records) => {
      for (const record of records) note(record.oldValue);
      note(svg.getAttribute("data-state"));
    }).observe(svg, { attributes: true, attributeFilter: ["data-state"], attributeOldValue: true });
  });
}

const highlights = (page: Page) =>
  page.evaluate(() => (window as unknown as { highlights: string[] }).highlights);

/** Boxes of everything a reader must be able to read: edge labels and the texts inside states. */
async function overlappingTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const boxes = [
      ...Array.from(document.querySelectorAll("g.edge-label")).map((label) => ({
        what: `label "${label.textContent}"`,
        box: (label.querySelector("rect") as SVGRectElement).getBBox(),
      })),
      ...Array.from(document.querySelectorAll("g.state text")).map((text) => ({
        what: `state text "${text.textContent}"`,
        box: (text as SVGTextElement).getBBox(),
      })),
    ];
    const clashes: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]?.box as DOMRect;
        const b = boxes[j]?.box as DOMRect;
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        if (!apart) clashes.push(`${boxes[i]?.what} overlaps ${boxes[j]?.what}`);
      }
    }
    return clashes;
  });
}

describe("inspector page in Chromium", () => {
  let browser: Browser;
  let server: InspectorServer;
  let agent: TestAgent;
  let page: Page;
  const lifecycles: Lifecycle[] = [];
  const inspectors: { stop(): void }[] = [];

  function service(name: string, port: number): Lifecycle {
    const inspector = createWebSocketInspector({ url: server.wsURL });
    inspectors.push(inspector);
    const lifecycle = createLifecycle(registration(name, port), {
      ...quick,
      baseURL: agent.url,
      inspect: inspector.inspect,
    });
    lifecycles.push(lifecycle);
    return lifecycle;
  }

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `${chromiumPath} is missing: apt-get install -y chromium (npm test's pretest does it as root on Debian)`,
      );
    }
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    server = await startInspectorServer({ port: 0 });
    agent = await TestAgent.start();
    page = await browser.newPage({ viewport: { width: 2100, height: 1700 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(server.url);
    await page.waitForSelector("svg[data-chart] g.state");
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await Promise.allSettled(lifecycles.map((lifecycle) => lifecycle.shutdown()));
    for (const inspector of inspectors) inspector.stop();
    await browser?.close();
    await agent?.close();
    await server?.close();
  });

  it("draws every leaf state of the chart, with no text over another", async () => {
    const drawn = await page.$$eval("g.state.leaf", (nodes) =>
      nodes.map((node) => node.getAttribute("data-name")),
    );
    expect(drawn.sort()).toEqual(chartLeafNames().sort());
    for (const name of chartLeafNames()) {
      expect(await page.locator(`g.state[data-name="${name}"]`).first().isVisible(), name).toBe(true);
    }
    // Every transition between two states is drawn with its label, once.
    const [served, drawnLabels] = await page.evaluate(async () => [
      ((await (await fetch("/chart.json")).json()) as { edges: { label: string }[] }).edges.map(
        (e) => e.label,
      ),
      Array.from(document.querySelectorAll("g.edge-label")).map((label) => label.textContent ?? ""),
    ]);
    expect(served.length).toBeGreaterThan(30);
    expect(drawnLabels.sort()).toEqual(served.sort());
    expect(await page.locator("g.edge-label", { hasText: "after reconnectDelay" }).count()).toBe(1);
    expect(await overlappingTexts(page)).toEqual([]);
  });

  it("highlights connecting → connected → registered, disconnected on an agent restart, then registered", async () => {
    await recordHighlights(page);
    const auth = service("auth", 9090);
    auth.start();
    await page.waitForSelector('svg[data-state="registered"] g.state.current[data-name="registered"]');

    await agent.restart(50);
    await page.waitForFunction(() => {
      const seen = (window as unknown as { highlights: string[] }).highlights;
      return seen.includes("disconnected") && seen.at(-1) === "registered";
    });
    const seen = await highlights(page);
    expect(seen.slice(0, 5)).toEqual(["idle", "connecting", "connected", "registered", "disconnected"]);
    expect(seen.at(-1)).toBe("registered");
    expect(
      seen
        .slice(4)
        .every((state) => ["disconnected", "connecting", "connected", "registered"].includes(state)),
    ).toBe(true);

    // The transition log and the status snapshot say the same.
    const log = await page.$$eval("#log tbody tr", (rows) =>
      rows.map((row) =>
        Array.from(row.querySelectorAll("td"))
          .slice(1)
          .map((cell) => cell.textContent)
          .join(" | "),
      ),
    );
    expect(log.slice(0, 5)).toEqual([
      "— | start | idle",
      "idle | START | connecting",
      "connecting | WATCH.CONNECTED | connected",
      "connected | done: register | registered",
      "registered | WATCH.FAILED | disconnected",
    ]);
    expect(log.at(-1)).toBe("connected | done: register | registered");
    const status = await page.$$eval("#status tr", (rows) =>
      Object.fromEntries(
        rows.map((row) => Array.from(row.querySelectorAll("td")).map((cell) => cell.textContent)),
      ),
    );
    expect(status).toMatchObject({ registered: "true", connected: "true", lastServiceName: "auth" });
    expect(Number(status.disconnectCount)).toBeGreaterThanOrEqual(1);
  });

  it("lists several services in the picker and follows the one picked", async () => {
    const billing = service("billing", 7070);
    billing.start();
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll("#service-picker option")).some((option) =>
        option.textContent?.startsWith("billing:7070 — registered"),
      ),
    );
    const names = await page.$$eval("#service-picker option", (options) => options.map((o) => o.textContent));
    expect(names).toEqual(["auth:9090 — registered", "billing:7070 — registered"]);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: new URL("inspector.png", artifacts).pathname });

    const billingId = await page.$eval(
      "#service-picker",
      (picker) => (picker as HTMLSelectElement).options[1]?.value,
    );
    await page.selectOption("#service-picker", billingId ?? "");
    await page.waitForFunction(
      () => document.querySelector("#current-state")?.textContent === "billing:7070: registered",
    );
    await billing.shutdown();
    await page.waitForSelector('svg[data-state="deregistered"] g.state.current[data-name="deregistered"]');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll("#service-picker option")).some(
        (o) => o.textContent === "billing:7070 — deregistered",
      ),
    );
  });

  it("puts a service's strings on the page as text, never as markup", async () => {
    const markup = '<img src="x" onerror="window.injected = true">';
    const context = { request: { name: markup, port: 1 }, status: { lastError: markup } };
    const snapshot = (value: string, event: string) =>
      JSON.stringify({
        type: "@xstate.snapshot",
        sessionId: "xss",
        event: { type: event },
        snapshot: { value, context },
      });
    const socket = new WebSocket(server.wsURL);
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(snapshot("idle", "xstate.init"));
    socket.send(snapshot(markup, markup));
    await page.waitForFunction((text) => {
      const picker = document.querySelector("#service-picker") as HTMLSelectElement;
      return Array.from(picker.options).some((option) => option.textContent?.startsWith(`${text}:1`));
    }, markup);
    await page.selectOption("#service-picker", "xss");
    await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 2);

    const shown = await page.evaluate(() => ({
      badge: document.querySelector("#current-state")?.textContent,
      lastRow: Array.from(document.querySelectorAll("#log tbody tr:last-child td")).map(
        (td) => td.textContent,
      ),
      status: document.querySelector("#status")?.textContent,
      images: document.querySelectorAll("img").length,
      injected: (window as unknown as { injected?: boolean }).injected,
    }));
    expect(shown.badge).toBe(`${markup}:1: ${markup}`);
    expect(shown.lastRow.slice(1)).toEqual(["idle", markup, markup]);
    expect(shown.status).toContain(markup);
    expect(shown.images).toBe(0);
    expect(shown.injected).toBeUndefined();

    // Its socket closing marks it gone, in the picker and the badge.
    socket.close();
    await page.waitForSelector("#current-state.badge.gone");
    const option = await page.$eval(
      "#service-picker",
      (picker) => (picker as HTMLSelectElement).selectedOptions[0]?.textContent,
    );
    expect(option).toBe(`${markup}:1 — ${markup} (gone)`);
  });
});
