/**
 * The live inspector page: draws the chart (`/chart.json`, laid out by elkjs in the browser so
 * labels are measured in the font they are drawn in), fitted to its pane, with zoom and pan
 * (wheel, drag, buttons), then follows the services the server reports on `/events`: highlights
 * the picked one's active states (keeping its current state in view), lists its status snapshot
 * and appends its transitions to a scrolling log. Plain ES module: no build step.
 */
const SVG = "http://www.w3.org/2000/svg";
const nameFont = 'bold 13px "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const detailFont = '11px "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const lineHeight = 15;
const padX = 10;
const padY = 7;
const maxLogRows = 500;

const services = new Map();
let selected = "";
let chartReady;
let view;

const $ = (selector) => document.querySelector(selector);

const measureContext = document.createElement("canvas").getContext("2d");
function textWidth(text, font) {
  measureContext.font = font;
  return Math.ceil(measureContext.measureText(text).width);
}

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Lines under a state's name: what it invokes and the transitions that stay inside it. */
function detailLines(node) {
  return [...node.invokes.map((actor) => `invoke ${actor}`), ...node.internal];
}

function headerHeight(node) {
  return padY * 2 + lineHeight + detailLines(node).length * lineHeight;
}

function headerWidth(node) {
  const widths = [
    textWidth(node.label, nameFont),
    ...detailLines(node).map((line) => textWidth(line, detailFont)),
  ];
  return Math.max(...widths) + padX * 2;
}

function ancestors(byId, id) {
  const chain = [];
  for (let current = byId.get(id); current; current = byId.get(current.parent)) chain.push(current.id);
  return chain;
}

/** ELK wants each edge in the lowest node that contains both ends (the root when none does). */
function container(byId, source, target) {
  const targetChain = new Set(ancestors(byId, target));
  for (const id of ancestors(byId, source)) {
    if (targetChain.has(id)) return id;
  }
  return null;
}

function elkGraph(chart) {
  const byId = new Map(chart.nodes.map((node) => [node.id, node]));
  const elkNodes = new Map();
  const root = {
    id: "__root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "36",
      "elk.layered.spacing.edgeNodeBetweenLayers": "16",
      "elk.layered.spacing.edgeEdgeBetweenLayers": "12",
      "elk.spacing.nodeNode": "28",
      "elk.spacing.edgeNode": "14",
      "elk.spacing.edgeEdge": "10",
      "elk.spacing.edgeLabel": "4",
      // Balanced Brandes-Köpf without model order centres each state over its neighbours: idle
      // sits above running and deregistered below the flow (network simplex pushed idle to the
      // far corner, straightening its long SHUTDOWN edge).
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.layered.nodePlacement.bk.fixedAlignment": "BALANCED",
      "elk.padding": "[top=12,left=12,bottom=12,right=12]",
    },
    children: [],
    edges: [],
  };
  const childrenOf = (parent) => (parent === null ? root : elkNodes.get(parent));

  for (const node of chart.nodes) {
    const hasChildren = chart.nodes.some((other) => other.parent === node.id);
    const elkNode = hasChildren
      ? {
          id: node.id,
          layoutOptions: {
            "elk.padding": `[top=${headerHeight(node) + 6},left=14,bottom=14,right=14]`,
            "elk.nodeSize.constraints": "MINIMUM_SIZE",
            "elk.nodeSize.minimum": `(${headerWidth(node)},${headerHeight(node)})`,
          },
          children: [],
          edges: [],
        }
      : { id: node.id, width: headerWidth(node), height: headerHeight(node) };
    elkNodes.set(node.id, elkNode);
    childrenOf(node.parent).children.push(elkNode);
    // The filled dot of the chart's notation: the initial child of a compound state.
    if (node.initial && byId.get(node.parent)?.type !== "parallel") {
      const dot = `${node.id}::initial`;
      childrenOf(node.parent).children.push({ id: dot, width: 10, height: 10 });
      childrenOf(node.parent).edges.push({ id: `${dot}::edge`, sources: [dot], targets: [node.id] });
    }
  }
  for (const edge of chart.edges) {
    const label = {
      text: edge.label,
      width: textWidth(edge.label, detailFont) + 6,
      height: lineHeight,
      // At the edge's start, beside its line: "from here on EVENT". Centred labels floated
      // half-way along long edges, far from both states. (A label option: ELK reads it per label.)
      layoutOptions: { "elk.edgeLabels.placement": "TAIL" },
    };
    childrenOf(container(byId, edge.source, edge.target)).edges.push({
      id: edge.id,
      sources: [edge.source],
      targets: [edge.target],
      labels: [label],
    });
  }
  return { root, byId };
}

function draw(chart, laidOut, byId) {
  const edgesById = new Map(chart.edges.map((edge) => [edge.id, edge]));
  const svg = el("svg", {
    "data-chart": chart.id,
    "data-width": laidOut.width,
    "data-height": laidOut.height,
  });
  const defs = el("defs");
  const marker = el("marker", {
    id: "arrow",
    viewBox: "0 0 10 10",
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#7b8794" }));
  defs.append(marker);
  const statesLayer = el("g");
  const edgesLayer = el("g");
  // Above every line: a label's backdrop hides the edges that cross it, so it stays readable.
  const labelsLayer = el("g");
  svg.append(defs, statesLayer, edgesLayer, labelsLayer);
  const offsets = new Map([["__root", { x: 0, y: 0 }]]);

  const placeNode = (elkNode, offset) => {
    const x = offset.x + elkNode.x;
    const y = offset.y + elkNode.y;
    offsets.set(elkNode.id, { x, y });
    const node = byId.get(elkNode.id);
    if (!node) {
      statesLayer.append(el("circle", { class: "initial", cx: x + 5, cy: y + 5, r: 5 }));
    } else {
      const region = byId.get(node.parent)?.type === "parallel";
      const kind = (elkNode.children ?? []).length > 0 ? node.type : "leaf";
      const g = el("g", {
        class: `state ${kind} ${node.type}${region ? " region" : ""}`,
        "data-id": node.id,
        "data-name": node.label,
      });
      g.append(el("rect", { x, y, width: elkNode.width, height: elkNode.height, rx: 8 }));
      g.append(el("text", { class: "name", x: x + padX, y: y + padY + 12 }, node.label));
      detailLines(node).forEach((line, index) => {
        g.append(
          el("text", { class: "detail", x: x + padX, y: y + padY + 12 + (index + 1) * lineHeight }, line),
        );
      });
      statesLayer.append(g);
    }
    for (const child of elkNode.children ?? []) placeNode(child, { x, y });
  };
  for (const child of laidOut.children) placeNode(child, { x: 0, y: 0 });

  const placeEdges = (elkNode) => {
    for (const edge of elkNode.edges ?? []) {
      const offset = offsets.get(edge.container ?? elkNode.id) ?? offsets.get(elkNode.id);
      const meta = edgesById.get(edge.id);
      const g = el("g", { class: `edge ${meta?.kind ?? "initial-edge"}`, "data-id": edge.id });
      for (const section of edge.sections ?? []) {
        const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
        const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x + offset.x},${p.y + offset.y}`).join(" ");
        g.append(el("path", { d, "marker-end": "url(#arrow)" }));
      }
      for (const label of edge.labels ?? []) {
        const box = el("g", { class: `edge-label ${meta?.kind ?? ""}`, "data-edge": edge.id });
        const x = offset.x + label.x;
        const y = offset.y + label.y;
        box.append(el("rect", { x, y, width: label.width, height: label.height, rx: 3 }));
        box.append(el("text", { x: x + 3, y: y + 11 }, label.text));
        labelsLayer.append(box);
      }
      edgesLayer.append(g);
    }
    for (const child of elkNode.children ?? []) placeEdges(child);
  };
  placeEdges(laidOut);
  return svg;
}

async function drawChart() {
  const chart = await (await fetch("/chart.json")).json();
  const { root, byId } = elkGraph(chart);
  const laidOut = await new window.ELK().layout(root);
  const svg = draw(chart, laidOut, byId);
  $("#viewport").replaceChildren(svg);
  view = createView(svg, $("#viewport"), { width: laidOut.width, height: laidOut.height });
  return svg;
}

const minScale = 0.1;
const maxScale = 4;

/**
 * Zoom and pan through the SVG's viewBox: `x`, `y` is the chart point at the pane's top left,
 * `scale` screen pixels per chart unit. Until the reader zooms or pans, the chart is fitted
 * (again on every resize); "fit" goes back to that.
 */
function createView(svg, pane, size) {
  let x = 0;
  let y = 0;
  let scale = 1;
  let fitted = true;

  const apply = () => {
    const width = pane.clientWidth / scale;
    const height = pane.clientHeight / scale;
    svg.setAttribute("viewBox", `${x} ${y} ${width} ${height}`);
    svg.dataset.scale = scale.toFixed(3);
    $("#zoom-level").textContent = `${Math.round(scale * 100)}%`;
  };
  const fitToPane = () => {
    fitted = true;
    scale = Math.min(pane.clientWidth / size.width, pane.clientHeight / size.height, 1.5);
    x = (size.width - pane.clientWidth / scale) / 2;
    y = (size.height - pane.clientHeight / scale) / 2;
    apply();
  };
  /** Zooms by `factor` keeping the chart point under (px, py) of the pane where it is. */
  const zoom = (factor, px = pane.clientWidth / 2, py = pane.clientHeight / 2) => {
    const next = Math.min(maxScale, Math.max(minScale, scale * factor));
    x += px / scale - px / next;
    y += py / scale - py / next;
    scale = next;
    fitted = false;
    apply();
  };

  pane.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const box = pane.getBoundingClientRect();
      zoom(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
    },
    { passive: false },
  );
  let drag;
  pane.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { id: event.pointerId, x: event.clientX, y: event.clientY };
    pane.setPointerCapture(event.pointerId);
    pane.classList.add("dragging");
  });
  pane.addEventListener("pointermove", (event) => {
    if (drag?.id !== event.pointerId) return;
    x -= (event.clientX - drag.x) / scale;
    y -= (event.clientY - drag.y) / scale;
    drag.x = event.clientX;
    drag.y = event.clientY;
    fitted = false;
    apply();
  });
  const endDrag = (event) => {
    if (drag?.id !== event.pointerId) return;
    drag = undefined;
    pane.classList.remove("dragging");
  };
  pane.addEventListener("pointerup", endDrag);
  pane.addEventListener("pointercancel", endDrag);
  new ResizeObserver(() => (fitted ? fitToPane() : apply())).observe(pane);
  $("#zoom-in").addEventListener("click", () => zoom(1.25));
  $("#zoom-out").addEventListener("click", () => zoom(0.8));
  $("#zoom-fit").addEventListener("click", fitToPane);
  fitToPane();

  return {
    /** Pans (scale kept) so the chart box is in view when it is not. */
    show(box) {
      const width = pane.clientWidth / scale;
      const height = pane.clientHeight / scale;
      const inside =
        box.x >= x && box.y >= y && box.x + box.width <= x + width && box.y + box.height <= y + height;
      if (inside) return;
      x = box.x + box.width / 2 - width / 2;
      y = box.y + box.height / 2 - height / 2;
      apply();
    },
  };
}

function clock(time) {
  const at = new Date(time);
  const pad = (value, width = 2) => String(value).padStart(width, "0");
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

function logRow(entry) {
  const row = document.createElement("tr");
  for (const text of [clock(entry.time), entry.from ?? "—", entry.event, entry.to]) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  return row;
}

/** `svcA:9093 · pid 4242`: the process, when it said which it is. */
function serviceLabel(service) {
  return service.pid ? `${service.name} · pid ${service.pid}` : service.name;
}

/** By name, then in the order their connections opened: a restarted process sits next to its old entry. */
function byName(a, b) {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.connection - b.connection;
}

function renderPicker() {
  const picker = $("#service-picker");
  const options = [...services.values()].sort(byName).map((service) => {
    const option = document.createElement("option");
    option.value = service.id;
    option.textContent = `${serviceLabel(service)} — ${service.state ?? "?"}${service.connected ? "" : " (gone)"}`;
    option.selected = service.id === selected;
    return option;
  });
  picker.disabled = options.length === 0;
  if (options.length === 0) {
    const none = document.createElement("option");
    none.textContent = "waiting for services…";
    options.push(none);
  }
  picker.replaceChildren(...options);
}

function renderStatus(service) {
  const rows = Object.entries(service?.status ?? {}).map(([key, value]) => {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    const shown = document.createElement("td");
    name.textContent = key;
    shown.textContent = typeof value === "string" ? value : JSON.stringify(value);
    row.append(name, shown);
    return row;
  });
  $("#status tbody").replaceChildren(...rows);
}

async function highlight(service) {
  const svg = await chartReady;
  const active = new Set(service?.active ?? []);
  for (const g of svg.querySelectorAll("g.state")) {
    const on = active.has(g.dataset.id);
    g.classList.toggle("active", on);
    g.classList.toggle("current", on && g.classList.contains("leaf") && g.dataset.name === service?.state);
  }
  svg.dataset.state = service?.state ?? "";
  svg.dataset.health = service?.health ?? "off";
  const current = svg.querySelector("g.state.current > rect");
  if (current) view.show(current.getBBox());
  // Coloured by how the lifecycle stands with its agent; a closed socket only adds "(gone)".
  const badge = $("#current-state");
  badge.textContent = service
    ? `${service.name}: ${service.state ?? "?"}${service.connected ? "" : " (gone)"}`
    : "no service";
  badge.className = `badge health-${service?.health ?? "off"}${service && !service.connected ? " gone" : ""}`;
  badge.title = service ? `${serviceLabel(service)}, health ${service.health}` : "";
}

function renderSelected() {
  const service = services.get(selected);
  renderPicker();
  renderStatus(service);
  $("#log tbody").replaceChildren(...(service?.log ?? []).map(logRow));
  $("#log-scroll").scrollTop = $("#log-scroll").scrollHeight;
  return highlight(service);
}

function appendLog(entry) {
  const scroller = $("#log-scroll");
  const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
  const body = $("#log tbody");
  body.append(logRow(entry));
  while (body.rows.length > maxLogRows) body.deleteRow(0);
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

/** Updates arrive one by one and must be applied in order, highlight included. */
let applying = Promise.resolve();
function apply(update) {
  applying = applying.then(async () => {
    const { service, entry } = update;
    const known = services.get(service.id);
    const log = known?.log ?? [];
    if (entry) {
      log.push(entry);
      if (log.length > maxLogRows) log.shift();
    }
    services.set(service.id, { ...service, log });
    if (!selected) {
      selected = service.id;
      await renderSelected();
      return;
    }
    renderPicker();
    if (service.id !== selected) return;
    renderStatus(service);
    if (entry) appendLog(entry);
    await highlight(services.get(selected));
  });
}

/** The server forgot a service (it keeps a bounded number): so does the page. */
function forget(id) {
  applying = applying.then(() => {
    services.delete(id);
    if (id !== selected) return renderPicker();
    selected = services.keys().next().value ?? "";
    return renderSelected();
  });
}

function follow() {
  const feed = $("#feed");
  const source = new EventSource("/events");
  source.addEventListener("open", () => {
    feed.textContent = "live";
  });
  source.addEventListener("error", () => {
    feed.textContent = "inspector unreachable, retrying…";
  });
  source.addEventListener("services", (message) => {
    applying = applying.then(() => {
      services.clear();
      for (const service of JSON.parse(message.data)) services.set(service.id, service);
      if (!services.has(selected)) selected = services.keys().next().value ?? "";
      return renderSelected();
    });
  });
  source.addEventListener("service", (message) => apply(JSON.parse(message.data)));
  source.addEventListener("removed", (message) => forget(JSON.parse(message.data).id));
}

$("#service-picker").addEventListener("change", (event) => {
  selected = event.target.value;
  applying = applying.then(renderSelected);
});

chartReady = drawChart().catch((error) => {
  $("#viewport").textContent = `chart failed to draw: ${error.message}`;
  throw error;
});
follow();
