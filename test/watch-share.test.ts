/**
 * One `/watch` stream per agent, shared by every lifecycle of the process (src/agent/watch-share.ts),
 * against a real loopback agent: real sockets, real SSE, real restarts. What is checked is what the
 * agent saw (watch requests, open streams, registers) and what each subscriber or lifecycle got;
 * nothing is timed for speed (that is the bench's). The one wait the sharing adds, for a first
 * `connected`, is checked by its lower bound; what must come at once is raced against one turn.
 */
import { setTimeout as sleep, setImmediate as turn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import type { ConnectionEvent } from "../machines/types.ts";
import type { OpenStream } from "../src/actors.ts";
import {
  SubscriberBacklogLimit,
  sharedWatch,
  sharedWatchStream,
  WatchSubscriberOverflowError,
} from "../src/agent/watch-share.ts";
import { ErrWatchStreamClosed, WatchEventParseError } from "../src/errors.ts";
import { type CreateLifecycleOptions, createLifecycle, type Lifecycle } from "../src/lifecycle.ts";
import { TestAgent } from "./support/agent.ts";
import { authRequest } from "./support/fixtures.ts";
import { heapAfterGC } from "./support/heap.ts";
import { advanceUntil, eventually, rejectionOf, waitForStatus, within } from "./support/lifecycle-harness.ts";

const connectedFrame = (id: number) =>
  `id: ${id}\nevent: connected\ndata: {"event":"connected","status":"ready"}\n\n`;
const heartbeatFrame = (id: number) =>
  `id: ${id}\nevent: heartbeat\ndata: {"event":"heartbeat","status":"ready","ready":true}\n\n`;

let agent: TestAgent;
const lifecycles: Lifecycle[] = [];
const controllers: AbortController[] = [];

beforeEach(async () => {
  agent = await TestAgent.start();
});
afterEach(async () => {
  for (const lifecycle of lifecycles.splice(0)) lifecycle.actor.stop();
  for (const controller of controllers.splice(0)) controller.abort();
  await agent.close();
});

/** `count` lifecycles on this test's agent (ports 9100 + index on), started. */
function startLifecycles(count: number, options: CreateLifecycleOptions = {}, firstPort = 9100): Lifecycle[] {
  return Array.from({ length: count }, (_, index) => {
    const lifecycle = createLifecycle(
      { ...authRequest(), port: firstPort + index },
      { baseURL: agent.url, ...options },
    );
    lifecycles.push(lifecycle);
    lifecycle.start();
    return lifecycle;
  });
}

function every(
  group: Lifecycle[],
  check: (status: ReturnType<Lifecycle["status"]>) => boolean,
  what: string,
): Promise<unknown> {
  return Promise.all(group.map((lifecycle) => waitForStatus(lifecycle, check, what, 10_000)));
}

/** Registers the agent received for `port`. */
const registersOf = (port: number) => agent.callsTo("/register").filter((call) => call.body.port === port);

/** One subscriber of the agent's shared stream, read by hand: `next()` pulls one event. */
function subscribe(open: OpenStream = sharedWatchStream(`${agent.url}/watch`)) {
  const controller = new AbortController();
  controllers.push(controller);
  let activity = 0;
  const iterator = open(controller.signal, () => {
    activity += 1;
  })[Symbol.asyncIterator]();
  return {
    controller,
    activity: () => activity,
    /** The next event (fails the test when the stream ended instead). */
    next: async (): Promise<ConnectionEvent> => {
      const result = await within(iterator.next(), "the next event");
      if (result.done) throw new Error("the subscription ended");
      return result.value;
    },
    /** How the subscription ends from here on: the error it throws. */
    failure: () => within(rejectionOf(iterator.next()), "the subscription to fail"),
  };
}

/** A subscriber that reads everything in the background, remembering the last event. */
function reader(open: OpenStream = sharedWatchStream(`${agent.url}/watch`)) {
  const controller = new AbortController();
  controllers.push(controller);
  const seen = { count: 0, connected: 0, last: undefined as ConnectionEvent | undefined };
  const ended = (async () => {
    try {
      for await (const event of open(controller.signal, () => {})) {
        seen.count += 1;
        if (event.type === "connected") seen.connected += 1;
        seen.last = event;
      }
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  return { controller, seen, ended };
}

describe("shared watch: lifecycles over one stream", () => {
  it("runs 20 lifecycles over one /watch request, all registered; a late joiner registers on it too", async () => {
    const group = startLifecycles(20);
    await every(group, (s) => s.state === "registered", "every lifecycle registered");
    expect(agent.watchRequests).toBe(1);
    expect(agent.openStreams).toBe(1);
    for (let index = 0; index < 20; index += 1) expect(registersOf(9100 + index)).toHaveLength(1);

    // It attaches after the stream's `connected`: the one it is given is the agent's, id and all.
    agent.send(connectedFrame(41));
    await every(group, (s) => s.lastEventId === "41" && s.registerReplayCount === 2, "the replay of id 41");
    const [late] = startLifecycles(1, {}, 9200) as [Lifecycle];
    await waitForStatus(late, (s) => s.state === "registered", "the late joiner registered");
    expect(late.status()).toMatchObject({ connected: true, lastEventId: "41", lastEventType: "connected" });
    expect(registersOf(9200)).toHaveLength(1);
    expect(agent.watchRequests).toBe(1);
    expect(agent.openStreams).toBe(1);
  });

  it("replays every lifecycle after an agent restart, over one fresh stream", async () => {
    const group = startLifecycles(20);
    await every(group, (s) => s.state === "registered", "every lifecycle registered");

    await agent.restart(50);
    await every(
      group,
      (s) => s.state === "registered" && s.registerReplayCount === 2,
      "every lifecycle replayed",
    );
    // Each disconnected at the EOF, then maybe again at a refused reconnect while the agent was down.
    for (const lifecycle of group) expect(lifecycle.status().disconnectCount).toBeGreaterThanOrEqual(1);
    for (let index = 0; index < 20; index += 1) expect(registersOf(9100 + index)).toHaveLength(2);
    // A refused reconnect reaches no server: the restarted agent saw one watch request.
    expect(agent.watchRequests).toBe(2);
    expect(agent.openStreams).toBe(1);
  });

  it("fails every lifecycle on a malformed frame; each reconnects and replays", async () => {
    const group = startLifecycles(10);
    await every(group, (s) => s.state === "registered", "every lifecycle registered");

    agent.send("id: 9\nevent: heartbeat\ndata: {not json\n\n");
    await every(
      group,
      (s) => s.state === "registered" && s.registerReplayCount === 2,
      "every lifecycle replayed",
    );
    for (const lifecycle of group) {
      expect(lifecycle.status()).toMatchObject({ disconnectCount: 1, lastErrorKind: "watch_event_parse" });
    }
    expect(agent.watchRequests).toBe(2);
    expect(agent.openStreams).toBe(1);
  });

  it("fails every lifecycle on EOF, as a private stream would", async () => {
    const group = startLifecycles(10);
    await every(group, (s) => s.state === "registered", "every lifecycle registered");

    agent.endStreams();
    await every(
      group,
      (s) => s.state === "registered" && s.registerReplayCount === 2,
      "every lifecycle replayed",
    );
    for (const lifecycle of group) {
      expect(lifecycle.status()).toMatchObject({ disconnectCount: 1, lastErrorKind: "watch_stream_closed" });
    }
    expect(agent.watchRequests).toBe(2);
  });

  it("leaves the others on the stream when one shuts down; the last one out closes it", async () => {
    const group = startLifecycles(5, { drainDelay: 0 });
    await every(group, (s) => s.state === "registered", "every lifecycle registered");
    const [leaving, ...staying] = group as [Lifecycle, ...Lifecycle[]];

    await leaving.shutdown();
    expect(leaving.state()).toBe("deregistered");
    agent.send(heartbeatFrame(5));
    await every(staying, (s) => s.lastEventId === "5", "the heartbeat after one left");
    for (const lifecycle of staying) {
      expect(lifecycle.status()).toMatchObject({ state: "registered", disconnectCount: 0 });
    }
    expect(agent.openStreams).toBe(1);

    await Promise.all(staying.slice(0, -1).map((lifecycle) => lifecycle.shutdown()));
    expect(agent.openStreams).toBe(1);
    await (staying.at(-1) as Lifecycle).shutdown();
    await agent.until(() => agent.openStreams === 0, "the shared stream to close with the last lifecycle");
    // The agent is told of a closed socket only by polling (its waits wake on requests and streams).
    await eventually(() => agent.openConnections === 0, "every connection to close");
    expect(agent.watchRequests).toBe(1);
  });

  it("gets a lifecycle that found the stream hung a new connection; one still on the old stream stays until its own timeout", async () => {
    // The agent sends `connected` on each new stream, then not one byte: every stream hangs.
    const clock = new SimulatedClock();
    const options = { clock, livenessTimeout: 1_000, reconnectInterval: 1_000 };
    const [first] = startLifecycles(1, options) as [Lifecycle];
    await waitForStatus(first, (s) => s.registered, "the first registered");
    clock.increment(500);
    const [second] = startLifecycles(1, options, 9200) as [Lifecycle];
    await waitForStatus(second, (s) => s.registered, "the second registered on the same stream");
    expect(agent.watchRequests).toBe(1);

    clock.increment(500); // the first's liveness: 1,000 ms since the `connected` it read
    expect(first.status()).toMatchObject({ connected: false, lastErrorKind: "watch_liveness" });
    expect(second.status()).toMatchObject({ connected: true, disconnectCount: 0 });
    await advanceUntil(clock, first, (s) => s.registerReplayCount === 2, "the first's replay");
    // Not back onto the stream it found hung: a new connection, as a private stream would open.
    expect(agent.watchRequests).toBe(2);
    expect(agent.openStreams).toBe(2);
    expect(second.status()).toMatchObject({ connected: true, disconnectCount: 0 });

    expect(clock.now()).toBeLessThan(1_500); // the first's retry came fast (within 100 ms)
    clock.increment(1_500 - clock.now()); // the second's liveness: 1,000 ms after its attach
    expect(second.status()).toMatchObject({ connected: false, lastErrorKind: "watch_liveness" });
    await advanceUntil(clock, second, (s) => s.registerReplayCount === 2, "the second's replay");
    // It attached to the first's new stream; the old one closed with its last subscriber.
    expect(agent.watchRequests).toBe(2);
    await agent.until(() => agent.openStreams === 1, "the hung stream to close");
  });
});

describe("shared watch: subscribers", () => {
  it("gives every subscriber every event and every activity call, and a late one the last connected with its id", async () => {
    agent.watch = { frames: [connectedFrame(7)] };
    const a = subscribe();
    expect(await a.next()).toMatchObject({ type: "connected", eventId: "7", status: "ready" });
    agent.send(heartbeatFrame(8));
    expect(await a.next()).toMatchObject({ type: "heartbeat", eventId: "8", ready: true });

    const b = subscribe();
    expect(await b.next()).toMatchObject({ type: "connected", eventId: "7" });
    expect(await b.next()).toMatchObject({ type: "heartbeat", eventId: "8", ready: true });
    expect(agent.watchRequests).toBe(1);

    // A second `connected` (a restarted agent's, maybe) reaches both, and the late ones after it.
    const activityBefore = [a.activity(), b.activity()];
    agent.send(connectedFrame(9));
    expect(await a.next()).toMatchObject({ type: "connected", eventId: "9" });
    expect(await b.next()).toMatchObject({ type: "connected", eventId: "9" });
    expect(a.activity()).toBeGreaterThan(activityBefore[0] as number);
    expect(b.activity()).toBeGreaterThan(activityBefore[1] as number);
    const c = subscribe();
    expect(await c.next()).toMatchObject({ type: "connected", eventId: "9" });
    agent.send(": comment\n\n");
    await eventually(() => c.activity() > 0, "a comment's activity for the late subscriber");
    expect(agent.watchRequests).toBe(1);
  });

  it("throws the same malformed-frame error to every subscriber; the next one opens a fresh stream", async () => {
    const a = subscribe();
    const b = subscribe();
    await a.next();
    await b.next();
    agent.send("id: 3\nevent: heartbeat\ndata: {not json\n\n");
    const [errorA, errorB] = await Promise.all([a.failure(), b.failure()]);
    expect(errorA).toBeInstanceOf(WatchEventParseError);
    expect(errorB).toBe(errorA);
    expect(errorA).toMatchObject({ eventId: "3" });
    await agent.until(() => agent.openStreams === 0, "the broken stream to close");

    const c = subscribe();
    expect(await c.next()).toMatchObject({ type: "connected" });
    expect(agent.watchRequests).toBe(2);
  });

  /** A first subscriber whose watch request the agent holds (the shared stream is opening), and its first read. */
  async function openingHeld(): Promise<{ aRead: Promise<ConnectionEvent> }> {
    agent.watch = "hold";
    const aRead = subscribe().next();
    await agent.until(() => agent.held("/watch") === 1, "the watch request to be held");
    return { aRead }; // wrapped: an async function returning the read itself would wait for it
  }

  /** `read`'s outcome if it comes before the next turn of the event loop. */
  const atOnce = (read: Promise<unknown>) => Promise.race([read, turn().then(() => "not at once")]);

  it("gives one that attached while the stream opened the first connected as late after its attach as the opening took, events in order", async () => {
    const { aRead } = await openingHeld();
    await sleep(100);
    const b = subscribe();
    const bAttachedAt = performance.now();
    const bRead = b.next();
    await sleep(100);
    agent.answerHeld("/watch", { frames: [connectedFrame(1), heartbeatFrame(2)] });

    expect(await aRead).toMatchObject({ type: "connected", eventId: "1" });
    const aHeardAt = performance.now();
    expect(await bRead).toMatchObject({ type: "connected", eventId: "1" });
    // b attached ≥ 100 ms into an opening of ≥ 200 ms: due ≥ 200 ms after its attach, about 100 after a.
    expect(performance.now() - bAttachedAt).toBeGreaterThanOrEqual(195);
    expect(performance.now() - aHeardAt).toBeGreaterThanOrEqual(50);
    expect(await b.next()).toMatchObject({ type: "heartbeat", eventId: "2" });
    expect(agent.watchRequests).toBe(1);

    // One attaching after the opening gets the connected at once: before the next turn of the loop.
    expect(await atOnce(subscribe().next())).toMatchObject({ type: "connected", eventId: "1" });
  });

  it("ends the wait for the first connected when the subscriber leaves", async () => {
    const { aRead } = await openingHeld();
    await sleep(1_000);
    const b = subscribe();
    const bRead = rejectionOf(b.next());
    agent.answerHeld("/watch", { frames: [connectedFrame(1)] });
    await aRead;
    // b is due about 1 s from now; leaving ends its wait at once: before the next turn of the loop.
    b.controller.abort();
    expect(await atOnce(bRead)).toMatchObject({ name: "AbortError" });
    expect(agent.openStreams).toBe(1);
  });

  it("detaches only the subscriber that aborts; the last abort closes the connection", async () => {
    const a = subscribe();
    const b = subscribe();
    await a.next();
    await b.next();
    const pending = rejectionOf(a.next());
    a.controller.abort();
    expect(await within(pending, "the aborted read")).toMatchObject({ name: "AbortError" });

    agent.send(heartbeatFrame(4));
    expect(await b.next()).toMatchObject({ eventId: "4" });
    expect(agent.openStreams).toBe(1);
    b.controller.abort();
    await agent.until(() => agent.openStreams === 0, "the stream to close with its last subscriber");
    await eventually(() => agent.openConnections === 0, "the connection to close");
  });

  it("a subscriber that stops reading holds one merged heartbeat through a flood, and the end still reaches it", async () => {
    const idle = subscribe();
    await idle.next(); // the `connected`; then it reads nothing more
    const busy = reader();
    await eventually(() => busy.seen.connected === 1, "the reader's connected");
    const before = heapAfterGC();

    const frames = 200_000;
    await agent.flood(heartbeatFrame, frames, 1_000);
    await eventually(
      () => busy.seen.last?.eventId === String(frames),
      "the reader to read the flood",
      60_000,
    );
    // An unread queue of 200,000 events would hold far more than this.
    expect((heapAfterGC() - before) / 2 ** 20).toBeLessThan(16);
    expect(busy.seen.count).toBeLessThanOrEqual(1 + frames);

    expect(await idle.next()).toMatchObject({ type: "heartbeat", eventId: String(frames), ready: true });
    await agent.restart();
    expect(await idle.failure()).toBeInstanceOf(ErrWatchStreamClosed);
    expect(await busy.ended).toBeInstanceOf(ErrWatchStreamClosed);
  });

  it("cuts loose a subscriber that lets connected frames pile up, after every one it holds; the others read on", async () => {
    const idle = subscribe();
    await idle.next();
    const busy = reader();
    await eventually(() => busy.seen.connected === 1, "the reader's connected");

    const frames = 2_000;
    await agent.flood(connectedFrame, frames, 100);
    await eventually(() => busy.seen.last?.eventId === String(frames), "the reader to read the flood");
    expect(busy.seen.connected).toBe(1 + frames);

    // Not one `connected` dropped or merged: the first SubscriberBacklogLimit, in order, then the error.
    for (let id = 1; id <= SubscriberBacklogLimit; id += 1) {
      expect(await idle.next()).toMatchObject({ type: "connected", eventId: String(id) });
    }
    expect(await idle.failure()).toBeInstanceOf(WatchSubscriberOverflowError);
    agent.send(heartbeatFrame(frames + 1));
    await eventually(() => busy.seen.last?.eventId === String(frames + 1), "the reader after the cut");
    expect(agent.openStreams).toBe(1);
    expect(agent.watchRequests).toBe(1);
  });

  it("shares by key: a different key opens a stream of its own", async () => {
    const url = `${agent.url}/watch`;
    const a = subscribe(sharedWatchStream(url, { maxFrameSize: 1_024 }));
    const b = subscribe(sharedWatchStream(url, { maxFrameSize: 2_048 }));
    const c = subscribe(sharedWatchStream(url, { maxFrameSize: 1_024 }));
    await Promise.all([a.next(), b.next(), c.next()]);
    expect(agent.watchRequests).toBe(2);
  });

  it("gives a subscriber that comes after the stream ended at once that stream's error, not a hang", async () => {
    const failure = new Error("refused at once");
    let opens = 0;
    const open: OpenStream = () => {
      opens += 1;
      throw failure;
    };
    const shared = sharedWatch("throws-at-once", open);
    expect(await subscribe(shared).failure()).toBe(failure);
    expect(await subscribe(shared).failure()).toBe(failure);
    expect(opens).toBe(2);
    await turn();
  });
});
