/**
 * The live inspector in a real browser: Debian's Chromium (`npm test`'s pretest installs it),
 * driven by playwright-core at 1280×800, against a real inspector server, a loopback agent, a
 * lifecycle in this process (streaming with @statelyai/inspect's own WebSocket inspector) and
 * service processes of their own (streaming through SIDECAR_LIFECYCLE_INSPECT). Every wait is
 * on a condition the page shows; screenshots go to test/artifacts/.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createWebSocketInspector } from "@statelyai/inspect";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type InspectorServer, startInspectorServer } from "../src/inspector/server.ts";
import { createLifecycle, type Lifecycle } from "../src/lifecycle.ts";
import { TestAgent } from "./support/agent.ts";
import { chartLeafNames, quick, registration, startServiceProcess } from "./support/inspector.ts";

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const artifacts = new URL("./artifacts/", import.meta.url);
/** Generous: the machine may be busy, and every wait ends as soon as its condition holds. */
const waitMs = 30_000;
/** Per test: longer than any wait above, and than a service process takes to start. */
const slowTest = 90_000;

async function screenshot(page: Page, name: string) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: new URL(name, artifacts).pathname });
}

/** Every value `read` gives, repeats dropped, recorded on the page from now on (`window[key]`). */
async function record(page: Page, key: string, selector: string, attribute: string): Promise<void> {
  await page.evaluate(
    ([key, selector, attribute]) => {
      const target = document.querySelector(selector) as Element;
      const seen: string[] = [];
      (window as unknown as Record<string, string[]>)[key] = seen;
      const note = (value: string | null) => {
        if (value && seen.at(-1) !== value) seen.push(value);
      };
      note(target.getAttribute(attribute));
      // Records may arrive batched: each one's old value, then the value now, rebuild the sequence.
      new MutationObserver((records) => {
        for (const change of records) note(change.oldValue);
        note(target.getAttribute(attribute));
      }).observe(target, { attributes: true, attributeFilter: [attribute], attributeOldValue: true });
    },
    [key, selector, attribute] as const,
  );
}

const recorded = (page: Page, key: string) =>
  page.evaluate((key) => (window as unknown as Record<string, string[]>)[key] ?? [], key);

const pickerTexts = (page: Page) =>
  page.$$eval("#service-picker option", (options) => options.map((option) => option.textContent ?? ""));

async function waitForOption(page: Page, text: string) {
  await page.waitForFunction(
    (text) =>
      Array.from(document.querySelectorAll("#service-picker option")).some((o) => o.textContent === text),
    text,
    { timeout: waitMs },
  );
}

async function pick(page: Page, text: string) {
  const value = await page.$$eval(
    "#service-picker option",
    (options, text) => options.find((option) => option.textContent === text)?.getAttribute("value"),
    text,
  );
  if (!value) throw new Error(`no picker entry "${text}": ${(await pickerTexts(page)).join(" | ")}`);
  await page.selectOption("#service-picker", value);
}

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

/** The leaf states (by name) whose boxes are not wholly inside the chart pane, on screen. */
function leavesOutOfView(page: Page, names?: string[]): Promise<string[]> {
  return page.evaluate((names) => {
    const pane = (document.querySelector("#viewport") as HTMLElement).getBoundingClientRect();
    const out: string[] = [];
    for (const leaf of Array.from(document.querySelectorAll("g.state.leaf"))) {
      const name = leaf.getAttribute("data-name") ?? "";
      if (names && !names.includes(name)) continue;
      const box = (leaf.querySelector("rect") as SVGRectElement).getBoundingClientRect();
      const inside =
        box.left >= pane.left - 0.5 &&
        box.top >= pane.top - 0.5 &&
        box.right <= pane.right + 0.5 &&
        box.bottom <= pane.bottom + 0.5;
      if (!inside) out.push(name);
    }
    return out;
  }, names);
}

const scale = (page: Page) =>
  page.$eval("svg[data-chart]", (svg) => Number((svg as SVGElement).dataset.scale));

describe("inspector page in Chromium at 1280×800", { timeout: slowTest }, () => {
  let browser: Browser;
  let server: InspectorServer;
  let agent: TestAgent;
  let page: Page;
  const problems: string[] = [];
  const lifecycles: Lifecycle[] = [];
  const inspectors: { stop(): void }[] = [];

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
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(waitMs);
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(server.url);
    await page.waitForSelector("svg[data-chart] g.state");
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(lifecycles.map((lifecycle) => lifecycle.shutdown()));
    for (const inspector of inspectors) inspector.stop();
    await browser?.close();
    await agent?.close();
    await server?.close();
  });

  it("draws every leaf state and every transition label of the chart, once, with no text over another", async () => {
    const drawn = await page.$$eval("g.state.leaf", (nodes) =>
      nodes.map((node) => node.getAttribute("data-name")),
    );
    expect(drawn.sort()).toEqual(chartLeafNames().sort());
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
    expect(problems).toEqual([]);
  });

  it("fits the whole chart in its pane on load: every leaf state in view, none under the side panel, no scrollbar", async () => {
    expect(await leavesOutOfView(page)).toEqual([]);
    const layout = await page.evaluate(() => ({
      pane: (document.querySelector("#viewport") as HTMLElement).getBoundingClientRect().right,
      aside: (document.querySelector("aside") as HTMLElement).getBoundingClientRect().left,
      scrollWidth: document.documentElement.scrollWidth,
      scrollHeight: document.documentElement.scrollHeight,
    }));
    expect(layout.pane).toBeLessThanOrEqual(layout.aside);
    expect(layout.scrollWidth).toBeLessThanOrEqual(1280);
    expect(layout.scrollHeight).toBeLessThanOrEqual(800);
    await screenshot(page, "inspector-fit.png");
  });

  it("zooms with the buttons and the wheel, pans with a drag, and fit brings the whole chart back", async () => {
    const fitted = await scale(page);
    await page.click("#zoom-in");
    expect(await scale(page)).toBeGreaterThan(fitted);
    expect(await page.textContent("#zoom-level")).toBe(`${Math.round((await scale(page)) * 100)}%`);
    await page.click("#zoom-out");
    await page.click("#zoom-out");
    expect(await scale(page)).toBeLessThan(fitted);

    const pane = await page.locator("#viewport").boundingBox();
    if (!pane) throw new Error("no chart pane");
    const centre = { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 };
    await page.mouse.move(centre.x, centre.y);
    const before = await scale(page);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction(
      (before) => Number(document.querySelector("svg")?.dataset.scale) > before,
      before,
    );

    const viewBox = () => page.$eval("svg[data-chart]", (svg) => svg.getAttribute("viewBox") ?? "");
    const start = (await viewBox()).split(" ").map(Number);
    await page.mouse.down();
    await page.mouse.move(centre.x + 120, centre.y + 80, { steps: 4 });
    await page.mouse.up();
    const moved = (await viewBox()).split(" ").map(Number);
    expect(moved[0]).toBeLessThan(start[0] as number);
    expect(moved[1]).toBeLessThan(start[1] as number);
    expect(await leavesOutOfView(page)).not.toEqual([]);

    await page.click("#zoom-fit");
    expect(await scale(page)).toBeCloseTo(fitted, 3);
    expect(await leavesOutOfView(page)).toEqual([]);
  });

  it("highlights connecting → connected → registered, disconnected on an agent restart, then registered", async () => {
    await record(page, "highlights", "svg[data-chart]", "data-state");
    await record(page, "badges", "#current-state", "class");
    const inspector = createWebSocketInspector({ url: server.wsURL });
    inspectors.push(inspector);
    const auth = createLifecycle(registration("auth", 9090), {
      ...quick,
      baseURL: agent.url,
      inspect: inspector.inspect,
    });
    lifecycles.push(auth);
    auth.start();
    await page.waitForSelector('svg[data-state="registered"] g.state.current[data-name="registered"]');
    // Registered is green (the lifecycle's health, not the socket's).
    await page.waitForFunction(() => {
      const badge = document.querySelector("#current-state.health-ok");
      return badge !== null && getComputedStyle(badge).backgroundColor === "rgb(47, 133, 90)";
    });

    // Down long enough to be seen red, then back.
    const restarting = agent.restart(1_500);
    // Red while disconnected, the badge and the current state alike (it flips with each reconnect
    // attempt, so both are read at one instant).
    await page.waitForFunction(() => {
      const badge = document.querySelector("#current-state.health-down");
      const current = document.querySelector("svg[data-state=disconnected] g.state.current > rect");
      const red = "rgb(197, 48, 48)";
      return (
        badge !== null &&
        current !== null &&
        getComputedStyle(badge).backgroundColor === red &&
        getComputedStyle(current).fill === red
      );
    });
    await screenshot(page, "inspector-disconnected.png");
    await restarting;
    await page.waitForFunction(() => {
      const seen = (window as unknown as { highlights: string[] }).highlights;
      return seen.includes("disconnected") && seen.at(-1) === "registered";
    });
    const seen = await recorded(page, "highlights");
    expect(seen.slice(0, 5)).toEqual(["idle", "connecting", "connected", "registered", "disconnected"]);
    expect(seen.at(-1)).toBe("registered");
    expect(
      seen
        .slice(4)
        .every((state) => ["disconnected", "connecting", "connected", "registered"].includes(state)),
    ).toBe(true);
    // The badge followed the lifecycle's health: amber on the way, green, red through the outage, green again.
    await page.waitForSelector("#current-state.health-ok");
    const badges = (await recorded(page, "badges")).map((name) => name.replace("badge ", ""));
    expect(badges.slice(0, 3)).toEqual(["health-off", "health-pending", "health-ok"]);
    expect(badges.slice(3)).toContain("health-down");
    expect(badges.at(-1)).toBe("health-ok");

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

  it("keeps the current state in view as it moves, when zoomed in", async () => {
    // Zoomed in on the way out (bottom right), far from `registered` (top).
    const pane = await page.locator("#viewport").boundingBox();
    if (!pane) throw new Error("no chart pane");
    await page.mouse.move(pane.x + pane.width * 0.8, pane.y + pane.height * 0.95);
    await page.mouse.wheel(0, -900);
    await page.waitForFunction(() => Number(document.querySelector("svg")?.dataset.scale) > 1);
    const zoomed = await scale(page);
    expect(await leavesOutOfView(page, ["registered"])).toEqual(["registered"]);
    const before = (await recorded(page, "highlights")).length;
    await agent.restart(50);
    await page.waitForFunction((before) => {
      const seen = (window as unknown as { highlights: string[] }).highlights;
      return seen.length > before + 1 && seen.at(-1) === "registered";
    }, before);
    expect(await leavesOutOfView(page, ["registered"])).toEqual([]);
    expect(await scale(page)).toBe(zoomed);
    await screenshot(page, "inspector-zoomed.png");
    await page.click("#zoom-fit");
  });

  it("shows two service processes as two entries, a restarted one as a new entry beside the old, gone, deregistered", async () => {
    const a = startServiceProcess("svcA", 9093, agent.url, server.wsURL);
    const b = startServiceProcess("svcB", 9094, agent.url, server.wsURL);
    await waitForOption(page, `svcA:9093 · pid ${a.pid} — registered`);
    await waitForOption(page, `svcB:9094 · pid ${b.pid} — registered`);
    expect(await pickerTexts(page)).toEqual([
      "auth:9090 — registered",
      `svcA:9093 · pid ${a.pid} — registered`,
      `svcB:9094 · pid ${b.pid} — registered`,
    ]);
    await pick(page, `svcB:9094 · pid ${b.pid} — registered`);
    await page.waitForFunction(
      () => document.querySelector("#current-state")?.textContent === "svcB:9094: registered",
    );
    // What a person sees with two services running.
    await screenshot(page, "inspector-two-services.png");

    // README's usage: process.exit(0) the moment shutdown() resolves. Its last state still arrives.
    await pick(page, `svcA:9093 · pid ${a.pid} — registered`);
    expect(await a.stop()).toBe(0);
    await waitForOption(page, `svcA:9093 · pid ${a.pid} — deregistered (gone)`);
    await page.waitForSelector('svg[data-state="deregistered"] g.state.current[data-name="deregistered"]');
    expect(await page.textContent("#current-state")).toBe("svcA:9093: deregistered (gone)");
    const status = await page.$$eval("#status tr", (rows) =>
      Object.fromEntries(
        rows.map((row) => Array.from(row.querySelectorAll("td")).map((cell) => cell.textContent)),
      ),
    );
    expect(status).toMatchObject({ registered: "false", connected: "false" });
    expect(await page.$$eval("#log tbody tr td:last-child", (cells) => cells.at(-1)?.textContent)).toBe(
      "deregistered",
    );

    const again = startServiceProcess("svcA", 9093, agent.url, server.wsURL);
    await waitForOption(page, `svcA:9093 · pid ${again.pid} — registered`);
    expect(await pickerTexts(page)).toEqual([
      "auth:9090 — registered",
      `svcA:9093 · pid ${a.pid} — deregistered (gone)`,
      `svcA:9093 · pid ${again.pid} — registered`,
      `svcB:9094 · pid ${b.pid} — registered`,
    ]);
    // The new process has its own log, from its own start.
    await pick(page, `svcA:9093 · pid ${again.pid} — registered`);
    await page.waitForFunction(
      () => document.querySelector("#current-state")?.textContent === "svcA:9093: registered",
    );
    const log = await page.$$eval("#log tbody tr td:last-child", (cells) =>
      cells.map((cell) => cell.textContent),
    );
    expect(log).toEqual(["idle", "connecting", "connected", "registered"]);
    await screenshot(page, "inspector-restarted.png");
    expect(problems).toEqual([]);
  });

  it("wraps a long error text between words and puts a service's strings on the page as text, never as markup", async () => {
    const markup = '<img src="x" onerror="window.injected = true">';
    const error =
      "watch stream closed: connect ECONNREFUSED 127.0.0.1:15010 while the sidecar agent restarted its listener";
    const context = {
      request: { name: markup, port: 1 },
      status: { lastError: error, lastErrorKind: markup },
    };
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
    await waitForOption(page, `${markup}:1 — ${markup}`);
    await pick(page, `${markup}:1 — ${markup}`);
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

    // The error spans lines, and no word narrower than its cell is cut across two.
    const wrapping = await page.evaluate((error) => {
      const cell = Array.from(document.querySelectorAll("#status td")).find((td) => td.textContent === error);
      const text = cell?.firstChild as Text;
      const range = document.createRange();
      range.selectNodeContents(text);
      const lines = new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top))).size;
      const cut: string[] = [];
      let at = 0;
      for (const word of error.split(" ")) {
        range.setStart(text, at);
        range.setEnd(text, at + word.length);
        const width = range.getBoundingClientRect().width;
        const tops = new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top)));
        if (tops.size > 1 && width < (cell as HTMLElement).clientWidth) cut.push(word);
        at += word.length + 1;
      }
      return { lines, cut };
    }, error);
    expect(wrapping.lines).toBeGreaterThan(1);
    expect(wrapping.cut).toEqual([]);

    // Its socket closing marks it gone, in the picker and the badge.
    socket.close();
    await page.waitForSelector("#current-state.badge.gone");
    const option = await page.$eval(
      "#service-picker",
      (picker) => (picker as HTMLSelectElement).selectedOptions[0]?.textContent,
    );
    expect(option).toBe(`${markup}:1 — ${markup} (gone)`);
    expect(problems).toEqual([]);
  });
});
