// The analyst's page: fetches each view as HTML from /web/... and writes facts through the
// JSON API, with the bearer token kept for this browser session (sessionStorage).
"use strict";

const TOKEN_KEY = "ripeness.token";
const state = { view: "verdict", session: "baseline", asOf: "", at: "", facts: "", cursor: "" };  // at: a timeline entry's exact time
const VIEWS = ["verdict", "facts", "timeline", "whatif", "brief"];
const $ = (selector, root = document) => root.querySelector(selector);
// the scenario's prefix: "" for the default scenario (the page at /), "/scenarios/ID" for the
// page at /scenarios/ID/ (every view and API call of the page then goes to that scenario)
const BASE = document.body.dataset.base || "";

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, Authorization: "Bearer " + token } : extra;
}

async function problemOf(reply) {
  try {
    return await reply.json();
  } catch {
    return { status: reply.status, title: reply.statusText, detail: "the server answered " + reply.status };
  }
}

// A problem's field errors beside their fields (by the last part of each JSON pointer);
// what concerns no field shown here goes to `general`.
function showProblem(problem, root, general) {
  root.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
  root.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const rest = [];
  for (const error of problem.errors || []) {
    const field = error.pointer.split("/").pop();
    const slot = [...root.querySelectorAll("[data-error-for]")].find((el) => el.dataset.errorFor.split(" ").includes(field));
    if (slot) {
      slot.textContent = error.detail;
      const input = root.querySelector(`[name="${CSS.escape(field)}"]`);
      if (input) input.setAttribute("aria-invalid", "true");
    } else {
      rest.push(error.detail);
    }
  }
  if (!problem.errors || rest.length) {
    general.textContent = [problem.title + ": " + problem.detail, ...rest].join(" — ");
    general.hidden = false;
  }
}

function clearProblem() {
  const general = $("#problem");
  general.hidden = true;
  general.textContent = "";
}

function askForToken(message) {
  $("#token-form").hidden = false;
  $("#token-error").textContent = message || "";
  $("#token").focus();
}

function showCaller(fragment) {
  const root = fragment.querySelector("[data-caller]");
  if (!root) return;
  $("#who").textContent = `${root.dataset.caller} · ${root.dataset.role}`;
  $("#forget-token").hidden = !sessionStorage.getItem(TOKEN_KEY);
  $("#token-form").hidden = true;
}

// Load a view's HTML into its section; a problem is shown beside the field it concerns.
async function load(view, query = "") {
  const section = $(`#view-${view}`);
  const content = $(".content", section);
  const params = new URLSearchParams(query);
  params.set("session", state.session);
  section.setAttribute("aria-busy", "true");
  const reply = await fetch(`${BASE}/web/${view}?${params}`, { headers: headers() });
  section.removeAttribute("aria-busy");
  if (reply.status === 401) {
    content.textContent = "";
    askForToken((await problemOf(reply)).detail);
    return;
  }
  if (!reply.ok) {
    showProblem(await problemOf(reply), section, $("#problem"));
    return;
  }
  clearProblem();
  section.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
  content.innerHTML = await reply.text();
  showCaller(content);
  section.dataset.loaded = "true";
  if (view === "verdict") drawGraphs(content);
  if (view === "facts") wireFacts(section);
  if (view === "timeline") wireTimeline(section);
  if (view === "whatif") wireWhatif(section);
  if (view === "brief") loadMarkdown(query);
}

function show(view) {
  state.view = VIEWS.includes(view) ? view : "verdict";
  document.querySelectorAll("main > section[data-view]").forEach((s) => { s.hidden = s.dataset.view !== state.view; });
  document.querySelectorAll("nav a[data-view]").forEach((a) => a.toggleAttribute("aria-current", a.dataset.view === state.view));
  const asOf = state.at || state.asOf;
  const query = ["verdict", "brief"].includes(state.view) && asOf ? `as_of=${encodeURIComponent(asOf)}` : state.view === "facts" ? state.facts : "";
  load(state.view, query);
}

// A fact as the API takes it: the value typed by the subject's type where it reads as one
// (anything else goes as typed, and the API says what is wrong with it).
function factFrom(form) {
  const data = new FormData(form);
  const fact = {};
  for (const [name, raw] of data.entries()) {
    const value = String(raw).trim();
    if (value !== "") fact[name] = value;
  }
  const type = form.elements.subject.selectedOptions[0]?.dataset.type;
  if (fact.value !== undefined) {
    if (type === "number" && /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(fact.value)) fact.value = Number(fact.value);
    else if (type === "bool" && ["true", "false"].includes(fact.value)) fact.value = fact.value === "true";
  }
  return fact;
}

function newKey() {
  return window.crypto?.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function wireFacts(section) {
  const filter = $("#facts-filter", section);
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(filter).entries()) if (value) params.set(name, value);
    state.facts = params.toString();
    load("facts", state.facts);
  });
  $("#facts-more", section)?.addEventListener("click", (event) => {
    const params = new URLSearchParams(state.facts);
    params.set("after", event.target.dataset.after);
    load("facts", params.toString());
  });
  const form = $("#fact-form", section);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const general = $(".form-error", form), done = $(".form-done", form);
    general.hidden = done.hidden = true;
    const reply = await fetch(`${BASE}/sessions/${encodeURIComponent(form.dataset.session)}/facts`, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", "Idempotency-Key": newKey() }),
      body: JSON.stringify(factFrom(form)),
    });
    if (!reply.ok) {
      showProblem(await problemOf(reply), form, general);
      return;
    }
    const body = await reply.json();
    await load("facts", state.facts);
    const after = $("#fact-form .form-done", section);
    if (after) {
      const warnings = (body.warnings || []).map((w) => (typeof w === "string" ? w : w.detail || JSON.stringify(w)));
      after.textContent = ["Recorded " + (body.ids || []).join(", ") + ".", ...warnings].join(" ");
      after.hidden = false;
    }
    $("#view-verdict").dataset.loaded = "";
  });
}

// The blocking graph (cytoscape.js) from the JSON the verdict view carries; a click on a
// node or an edge fetches its evidence (/web/evidence, rendered by the server) and shows it.
const GRAPH_STYLE = [
  { selector: "node", style: { label: "data(label)", "text-wrap": "wrap", "text-valign": "center", "font-size": 10,
    shape: "round-rectangle", width: "label", height: "label", padding: 8, "background-color": "#fff",
    "border-width": 1, "border-color": "#8a939c", color: "#1d232a" } },
  { selector: "node.goal", style: { shape: "ellipse", "border-width": 2, "font-weight": "bold" } },
  { selector: "node.goal.main", style: { "border-width": 4 } },
  { selector: "node.status-deadlock", style: { "border-color": "#b3261e" } },
  { selector: "node.status-opening", style: { "border-color": "#b26b00" } },
  { selector: "node.status-progress", style: { "border-color": "#2e7d32" } },
  { selector: "node.stance-withheld, node.stance-offered", style: { "background-color": "#fff4e5" } },
  { selector: "node.stance-willing, node.stance-done, node.stance-free", style: { "background-color": "#e8f5e9" } },
  { selector: "node.stance-refused, node.dead-end", style: { "background-color": "#fdecea", "border-style": "double", "border-width": 4, "border-color": "#b3261e" } },
  { selector: "node.cycle", style: { "border-color": "#b3261e", "border-width": 3 } },
  { selector: "node.more", style: { shape: "round-tag", "background-color": "#eef0f3", "border-style": "dashed" } },
  { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle", width: 1.5, "line-color": "#8a939c",
    "target-arrow-color": "#8a939c", label: "data(label)", "font-size": 9, "text-rotation": "autorotate",
    "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 2,
    "control-point-step-size": 70 } },
  { selector: "edge.needs", style: { "line-style": "dotted", "target-arrow-shape": "vee", label: "" } },
  { selector: "edge.cycle", style: { "line-color": "#b3261e", "target-arrow-color": "#b3261e", width: 3 } },
  { selector: ".folded", style: { display: "none" } },
  { selector: ".lifted", style: { "line-color": "#2e7d32", "target-arrow-color": "#2e7d32", "line-style": "dashed", width: 4 } },
  { selector: ".breached", style: { "line-color": "#6a1b9a", "target-arrow-color": "#6a1b9a", width: 4 } },
  { selector: "edge.broken", style: { "line-color": "#2e7d32", "target-arrow-color": "#2e7d32", "line-style": "dashed", width: 4 } },
  { selector: "edge.added", style: { "line-color": "#6a1b9a", "target-arrow-color": "#6a1b9a", width: 4 } },
  { selector: "node.chosen", style: { "border-color": "#2e7d32", "border-width": 5 } },
  { selector: ":selected", style: { "overlay-color": "#1d232a", "overlay-opacity": 0.12 } },
];

function drawGraphs(root) {
  root.querySelectorAll(".graph-block").forEach(drawGraph);
}

function drawGraph(root) {
  const data = $(".graph-data", root), box = $(".graph", root);
  if (!data || !box || typeof cytoscape !== "function") return;
  const model = JSON.parse(data.textContent);
  const cy = cytoscape({ container: box, elements: { nodes: model.nodes, edges: model.edges }, style: GRAPH_STYLE,
    wheelSensitivity: 0.3, boxSelectionEnabled: false });
  // goals on top, the moves they need below, each move under the first that waits for it
  // a large graph is not shrunk past legibility: it opens on the first main goal, to pan from
  const layout = () => {
    cy.elements(":visible").layout({ name: "breadthfirst", directed: true, roots: cy.nodes(".goal:visible"),
      spacingFactor: 1.25, animate: false, fit: true, padding: 16 }).run();
    if (cy.zoom() < 0.6) {
      cy.zoom(0.6);
      const goal = cy.nodes(".goal.main:visible").first();
      const near = goal.outgoers().nodes();
      cy.center(goal.union(near).union(near.outgoers().nodes()));  // the goal, its needs, what they wait for
    }
  };
  layout();
  box.graph = cy;  // for the page's own checks in the browser tests
  box.dataset.drawn = "true";
  const detail = $(".graph-detail", root);
  // a node's or an edge's evidence is fetched when clicked, for the verdict this graph shows
  let asked = 0;
  const showDetail = async (key) => {
    const mine = ++asked;
    const params = new URLSearchParams({ session: root.dataset.session, as_of: root.dataset.asOf, key });
    detail.dataset.showing = key;
    detail.setAttribute("aria-busy", "true");
    const reply = await fetch(`${BASE}/web/evidence?${params}`, { headers: headers() });
    if (mine !== asked) return;  // another click came meanwhile
    detail.removeAttribute("aria-busy");
    if (!reply.ok) {
      const problem = await problemOf(reply);
      detail.textContent = `${problem.title}: ${problem.detail}`;
      return;
    }
    detail.innerHTML = await reply.text();
  };
  cy.on("tap", "node.move", (event) => showDetail("move:" + event.target.id()));
  cy.on("tap", "edge.waits", (event) => showDetail("position:" + event.target.data("position")));
  cy.on("tap", "node.goal", (event) => {
    asked++;
    detail.removeAttribute("aria-busy");
    const goal = (root.closest("article") || document).querySelector(`[data-goal="${CSS.escape(event.target.data("goal"))}"]`);
    detail.replaceChildren(goal ? goal.cloneNode(true) : "");
    detail.dataset.showing = "goal:" + event.target.data("goal");
  });
  cy.on("tap", "node.more", () => {
    cy.elements(".folded").removeClass("folded");
    cy.remove("node.more");
    layout();
  });
  const ways = new Map(model.ways.map((w) => [w.id, w]));
  root.querySelectorAll("button.way").forEach((button) => button.addEventListener("click", () => {
    const way = ways.get(button.dataset.way);
    const again = button.getAttribute("aria-pressed") === "true";
    root.querySelectorAll("button.way").forEach((b) => b.setAttribute("aria-pressed", "false"));
    cy.elements().removeClass("lifted breached chosen");
    if (again) return;
    button.setAttribute("aria-pressed", "true");
    const lifts = new Set(way.lifts), stances = new Set(way.lifts_stances || []), breaches = new Set(way.breaches);
    const hit = cy.edges(".waits").filter((e) => lifts.has(e.data("position")) || stances.has(e.data("stance")));
    hit.addClass("lifted");
    cy.edges(".waits").filter((e) => breaches.has(e.data("position"))).addClass("breached");
    if (way.move) cy.getElementById(way.move).addClass("chosen");
    const shown = hit.filter(".folded").connectedNodes().add(hit.filter(".folded"));
    shown.removeClass("folded");
    box.dataset.lifted = hit.map((e) => e.data("position")).join(" ");
  }));
}

// The timeline's band chart: an SVG as wide as the page, redrawn for the window shown
// (zoom from the whole history down to days; no sideways scroll).
const SVG = "http://www.w3.org/2000/svg";
const DAY = 86_400_000;
const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

function svg(name, attrs, parent) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  if (parent) parent.appendChild(el);
  return el;
}

function ticks(lo, hi) {
  const span = hi - lo, out = [];
  const start = new Date(lo);
  if (span > 6 * 365 * DAY) {
    const step = Math.ceil(span / (12 * 365 * DAY));
    for (let y = start.getUTCFullYear(); ; y += step) {
      const t = Date.UTC(y, 0, 1);
      if (t > hi) break;
      if (t >= lo) out.push([t, String(y)]);
    }
  } else if (span > 90 * DAY) {
    const step = Math.max(1, Math.ceil(span / (12 * 30 * DAY)));
    for (let m = start.getUTCFullYear() * 12 + start.getUTCMonth(); ; m += step) {
      const t = Date.UTC(Math.floor(m / 12), m % 12, 1);
      if (t > hi) break;
      if (t >= lo) out.push([t, isoDay(t).slice(0, 7)]);
    }
  } else {
    const step = Math.max(1, Math.ceil(span / (12 * DAY)));
    for (let t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()); t <= hi; t += step * DAY) {
      if (t >= lo) out.push([t, isoDay(t)]);
    }
  }
  return out;
}

function drawBands(section) {
  const data = $("#bands-data", section), box = $("#bands", section);
  if (!data || !box) return;
  const chart = JSON.parse(data.textContent);
  const margin = Math.max(DAY, (chart.end - chart.start) * 0.02);
  const all = [chart.start - margin, chart.end + margin];
  let [lo, hi] = all;
  const hover = $("#bands-hover", section), from = $("#bands-from", section), to = $("#bands-to", section);
  const rows = { status: [16, 34], escalation: [64, 16], ripeness: [94, 16], markers: [114, 26] };
  const height = 164;

  function why(item) {
    const lines = [...(item.changes || []), ...(item.causes || []).map((c) => "fact " + c), ...(item.statements || [])];
    return lines.length ? lines.join("\n") : "no change recorded";
  }

  function draw() {
    const width = Math.max(320, box.clientWidth);
    const x = (t) => ((t - lo) / (hi - lo)) * width;
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "bands-svg" });
    for (const [t, label] of ticks(lo, hi)) {
      svg("line", { x1: x(t), x2: x(t), y1: 12, y2: height - 14, class: "tick" }, root);
      svg("text", { x: x(t) + 2, y: height - 2, class: "tick-label" }, root).textContent = label;
    }
    svg("text", { x: 2, y: 12, class: "row-label" }, root).textContent = "status";
    svg("text", { x: 2, y: rows.escalation[0] - 2, class: "row-label" }, root).textContent = "escalation";
    svg("text", { x: 2, y: rows.ripeness[0] - 2, class: "row-label" }, root).textContent = "ripeness";
    const band = (item, [y, h], cls) => {
      if (item.to < lo || item.from > hi) return;
      const left = Math.max(0, x(item.from)), right = Math.min(width, x(item.to));
      const rect = svg("rect", { x: left, y, width: Math.max(1, right - left), height: h, class: cls,
        "data-from": isoDay(item.from), "data-status": item.status || "escalation" }, root);
      const text = `${item.date}: ${item.status || "escalation"}\n${why(item)}`;
      svg("title", {}, rect).textContent = text;
      rect.addEventListener("mouseenter", () => { hover.textContent = text; hover.dataset.date = item.date; });
    };
    chart.bands.forEach((b) => band(b, rows.status, `band band-${b.status}`));
    chart.escalation.forEach((b) => band(b, rows.escalation, "band band-escalation"));
    (chart.ripeness || []).forEach((b) => band(b, rows.ripeness, `band band-${b.status}`));
    for (const m of chart.markers) {
      if (m.at < lo || m.at > hi) continue;
      const mx = x(m.at), [y, h] = rows.markers;
      const mark = m.kind === "fact"
        ? svg("line", { x1: mx, x2: mx, y1: y, y2: y + h / 2, class: "marker marker-fact" }, root)
        : svg("path", { d: m.kind === "in" ? `M${mx - 5},${y + h} L${mx + 5},${y + h} L${mx},${y + h / 2} Z`
          : `M${mx - 5},${y + h / 2} L${mx + 5},${y + h / 2} L${mx},${y + h} Z`, class: `marker marker-${m.kind}` }, root);
      svg("title", {}, mark).textContent = m.label;
      mark.addEventListener("mouseenter", () => { hover.textContent = m.label; });
    }
    const cursor = svg("line", { x1: -10, x2: -10, y1: 12, y2: height - 14, class: "cursor" }, root);
    root.addEventListener("mousemove", (event) => {
      const at = lo + (event.offsetX / width) * (hi - lo);
      cursor.setAttribute("x1", event.offsetX);
      cursor.setAttribute("x2", event.offsetX);
      box.dataset.cursor = state.cursor = isoDay(at);
    });
    box.replaceChildren(root);
    from.value = isoDay(lo);
    to.value = isoDay(hi);
    box.dataset.from = isoDay(lo);
    box.dataset.to = isoDay(hi);
  }

  const zoomTo = (a, b) => {
    if (b - a < DAY) { const mid = (a + b) / 2; a = mid - DAY / 2; b = mid + DAY / 2; }
    [lo, hi] = [a, b];
    draw();
  };
  section.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => {
    if (button.dataset.zoom === "all") return zoomTo(...all);
    const mid = (lo + hi) / 2, half = (Number(button.dataset.zoom) * DAY) / 2;
    zoomTo(mid - half, mid + half);
  }));
  const typed = () => {
    const a = Date.parse(from.value), b = Date.parse(to.value);
    if (!Number.isNaN(a) && !Number.isNaN(b) && b > a) zoomTo(a, b + DAY);
  };
  from.addEventListener("change", typed);
  to.addEventListener("change", typed);
  box.addEventListener("wheel", (event) => {
    event.preventDefault();
    const at = lo + (event.offsetX / box.clientWidth) * (hi - lo);
    const factor = event.deltaY > 0 ? 1.25 : 0.8;
    zoomTo(at - (at - lo) * factor, at + (hi - at) * factor);
  }, { passive: false });
  let dragged = null;
  box.addEventListener("mousedown", (event) => { dragged = { x: event.clientX, lo, hi, moved: false }; });
  box.addEventListener("mousemove", (event) => {
    if (!dragged || !(event.buttons & 1)) return;
    const shift = ((event.clientX - dragged.x) / box.clientWidth) * (dragged.hi - dragged.lo);
    if (Math.abs(event.clientX - dragged.x) > 3) dragged.moved = true;
    if (dragged.moved) zoomTo(dragged.lo - shift, dragged.hi - shift);
  });
  box.addEventListener("mouseup", (event) => {
    const was = dragged;
    dragged = null;
    if (!was || was.moved) return;
    const at = lo + (event.offsetX / box.clientWidth) * (hi - lo);
    showVerdictOf(isoDay(at));
  });
  draw();
  window.addEventListener("resize", () => { if (box.isConnected) draw(); });
}

// The verdict of a date; ``at``: a timeline entry's exact time (an entry cites its verdict
// by it: the verdict as of that time, which a date alone, 00:00 UTC, may come before).
function showVerdictOf(date, at = "") {
  state.asOf = date;
  state.at = at;
  $("#as-of").value = date;
  if (location.hash === "#verdict") load("verdict", `as_of=${encodeURIComponent(at || date)}`);
  else location.hash = "#verdict";
}

function wireTimeline(section) {
  drawBands(section);
  section.querySelectorAll("button.show-date").forEach((button) => button.addEventListener("click", () => showVerdictOf(button.dataset.date, button.dataset.at)));
}

// What-if: fork the session shown (as of the verdict's date, else the date last under the
// timeline's cursor, else now), add hypothetical facts or switch on a variant, and see it
// side by side with its parent.  All through the JSON API (POST /sessions, POST .../facts).
async function postJson(url, body, form, general) {
  general.hidden = true;
  const reply = await fetch(url, {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", "Idempotency-Key": newKey() }),
    body: JSON.stringify(body),
  });
  if (!reply.ok) {
    showProblem(await problemOf(reply), form, general);
    return null;
  }
  return reply.json();
}

async function useSession(name) {
  state.session = name;
  state.facts = "";
  await loadSessions();
  $("#session").value = name;
  document.querySelectorAll("main > section[data-view]").forEach((s) => { s.dataset.loaded = ""; });
  show("whatif");
}

function wireWhatif(section) {
  const fork = $("#fork-form", section);
  if (fork) {
    fork.elements.as_of.value = state.asOf || state.cursor || "";
    fork.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { parent: fork.dataset.parent };
      for (const [name, raw] of new FormData(fork).entries()) if (String(raw).trim()) body[name] = String(raw).trim();
      const made = await postJson(`${BASE}/sessions`, body, fork, $(".form-error", fork));
      if (made) await useSession(made.name);
    });
  }
  const fact = $("#whatif-fact", section);
  fact?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const done = await postJson(`${BASE}/sessions/${encodeURIComponent(fact.dataset.session)}/facts`, factFrom(fact), fact, $(".form-error", fact));
    if (done) load("whatif");
  });
  section.querySelectorAll("button.switch-on").forEach((button) => button.addEventListener("click", async () => {
    const at = state.asOf || state.cursor || new Date().toISOString().slice(0, 10);
    const facts = JSON.parse(button.dataset.facts).map((f) => ({ at, ...f, note: "hypothetical: " + button.dataset.variant }));
    const box = button.closest(".switches");
    const done = await postJson(`${BASE}/sessions/${encodeURIComponent(state.session)}/facts`, facts, box, $(".switch-error", box));
    if (done) load("whatif");
  }));
  wireStatements(section);
  section.querySelectorAll("button.open-session").forEach((button) => button.addEventListener("click", () => useSession(button.dataset.session)));
  const comparison = $(".comparison", section);
  if (comparison) loadComparison(comparison);
}

// Statements in a what-if (rules/README.md §6.1), through POST .../facts like any fact: an
// offer stated (a new one, or one of the rule files not in force stated again, restating
// it), or a position or offer ended.  Each error goes beside its field (the last part of
// its JSON pointer: /states/offer/quote beside Quote).
function fieldsOf(form) {
  const out = {};
  for (const [name, raw] of new FormData(form).entries()) {
    const value = String(raw).trim();
    if (value !== "") out[name] = value;
  }
  return out;
}

function wireStatements(section) {
  const url = `${BASE}/sessions/${encodeURIComponent(state.session)}/facts`;
  const post = async (form, body) => {
    if (await postJson(url, body, form, $(".form-error", form))) load("whatif");
  };
  const offer = $("#offer-form", section);
  offer?.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = fieldsOf(offer);
    const stated = { id: data.id, actor: offer.elements.offers.selectedOptions[0]?.dataset.actor, offers: data.offers,
      quote: data.quote, source: data.source, said_by: data.said_by };
    if (data.if) stated.if = { condition: data.if };
    if (data.simultaneous) stated.simultaneous = true;
    Object.keys(stated).forEach((key) => stated[key] === undefined && delete stated[key]);
    post(offer, { at: data.at, states: { offer: stated }, source: data.source, note: "hypothetical" });
  });
  offer?.querySelectorAll("button.state-again").forEach((button) => button.addEventListener("click", () => {
    const { said_on: _, ...declaration } = JSON.parse(button.dataset.declaration);  // said now, in the what-if
    const stated = { ...declaration, id: `${declaration.id}_again`, restates: declaration.restates || declaration.id };
    post(offer, { at: fieldsOf(offer).at, states: { offer: stated }, source: declaration.source,
      note: `hypothetical: ${declaration.id} stated again` });
  }));
  const end = $("#end-form", section);
  end?.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = fieldsOf(end);
    const ended = data.whole_stance  // the whole stance: named by its first statement (rules/README.md §6.1)
      ? { ends_stance: JSON.parse(end.dataset.stances)[data.ends] || data.ends } : { ends: data.ends };
    post(end, { at: data.at, ...ended, quote: data.quote, source: data.source, note: "hypothetical" });
  });
}

async function loadComparison(box) {
  const params = new URLSearchParams({ a: box.dataset.a, b: box.dataset.b });
  const reply = await fetch(`${BASE}/web/compare?${params}`, { headers: headers() });
  if (!reply.ok) {
    const problem = await problemOf(reply);
    box.textContent = `${problem.title}: ${problem.detail}`;
    return;
  }
  box.innerHTML = await reply.text();
  drawGraphs(box);
  box.dataset.loaded = "true";
}

// The brief as Markdown (GET /web/brief.md), shown and ready to copy.
async function loadMarkdown(query) {
  const params = new URLSearchParams(query);
  params.set("session", state.session);
  const reply = await fetch(`${BASE}/web/brief.md?${params}`, { headers: headers() });
  $("#brief-md").value = reply.ok ? await reply.text() : "";
}

async function copyMarkdown() {
  const text = $("#brief-md").value, said = $("#brief-copied");
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = $("#brief-md");
    area.closest("details").open = true;
    area.select();
    document.execCommand("copy");
  }
  said.textContent = "Copied the brief as Markdown.";
}

// The scenarios this caller has a role in (GET /scenarios): choosing one opens its page
// (/scenarios/ID/, or / for the default one) on the same view.  A page of a scenario the
// caller has no role in goes to the first one it has.
async function loadScenarios() {
  const reply = await fetch("/scenarios", { headers: headers() });
  if (!reply.ok) return;
  const here = document.body.dataset.scenario, served = await reply.json();
  const select = $("#scenario");
  select.replaceChildren(...served.map((s) => {
    const option = new Option(s.id, s.id, false, s.id === here);
    option.title = s.title;
    option.dataset.url = s.default ? "/" : `/scenarios/${encodeURIComponent(s.id)}/`;
    return option;
  }));
  select.closest("label").hidden = served.length < 2 && served.some((s) => s.id === here);
  if (served.length && !served.some((s) => s.id === here)) openScenario(served[0].id);
}

function openScenario(id) {
  const option = [...$("#scenario").options].find((o) => o.value === id);
  if (option) location.assign(option.dataset.url + "#" + state.view);
}

async function loadSessions() {
  const reply = await fetch(`${BASE}/sessions`, { headers: headers() });
  if (!reply.ok) return;
  const select = $("#session");
  select.replaceChildren(...(await reply.json()).map((s) => new Option(s.name, s.name, false, s.name === state.session)));
}

function start() {
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
    $("#token").value = "";
    loadScenarios();
    loadSessions();
    show(state.view);
  });
  $("#forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $("#who").textContent = "";
    document.querySelectorAll("main .content").forEach((c) => { c.textContent = ""; });
    askForToken("");
  });
  $("#scenario").addEventListener("change", (event) => openScenario(event.target.value));
  $("#session").addEventListener("change", (event) => {
    state.session = event.target.value;
    state.facts = "";
    show(state.view);
  });
  $("#as-of-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.asOf = $("#as-of").value;
    state.at = "";
    load("verdict", state.asOf ? `as_of=${state.asOf}` : "");
  });
  $("#as-of-now").addEventListener("click", () => {
    state.asOf = $("#as-of").value = state.at = "";
    load("verdict");
  });
  $("#brief-print").addEventListener("click", () => window.print());
  $("#brief-copy").addEventListener("click", copyMarkdown);
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  loadScenarios();
  loadSessions();
  show(location.hash.slice(1));
}

start();
