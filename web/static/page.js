// The analyst's page: fetches each view as HTML from /web/... and writes facts through the
// JSON API, with the bearer token kept for this browser session (sessionStorage).
"use strict";

const TOKEN_KEY = "ripeness.token";
const state = { view: "verdict", session: "baseline", asOf: "", facts: "" };
const $ = (selector, root = document) => root.querySelector(selector);

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
  const reply = await fetch(`/web/${view}?${params}`, { headers: headers() });
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
  if (view === "facts") wireFacts(section);
  if (view === "timeline") wireTimeline(section);
}

function show(view) {
  state.view = ["verdict", "facts", "timeline"].includes(view) ? view : "verdict";
  document.querySelectorAll("main > section[data-view]").forEach((s) => { s.hidden = s.dataset.view !== state.view; });
  document.querySelectorAll("nav a[data-view]").forEach((a) => a.toggleAttribute("aria-current", a.dataset.view === state.view));
  const query = state.view === "verdict" && state.asOf ? `as_of=${state.asOf}` : state.view === "facts" ? state.facts : "";
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
    const reply = await fetch(`/sessions/${encodeURIComponent(form.dataset.session)}/facts`, {
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

function wireTimeline(section) {
  section.querySelectorAll("button.show-date").forEach((button) => button.addEventListener("click", () => {
    state.asOf = button.dataset.date;
    $("#as-of").value = state.asOf;
    location.hash = "#verdict";
  }));
}

async function loadSessions() {
  const reply = await fetch("/sessions", { headers: headers() });
  if (!reply.ok) return;
  const select = $("#session");
  select.replaceChildren(...(await reply.json()).map((s) => new Option(s.name, s.name, false, s.name === state.session)));
}

function start() {
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
    $("#token").value = "";
    loadSessions();
    show(state.view);
  });
  $("#forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $("#who").textContent = "";
    document.querySelectorAll("main .content").forEach((c) => { c.textContent = ""; });
    askForToken("");
  });
  $("#session").addEventListener("change", (event) => {
    state.session = event.target.value;
    state.facts = "";
    show(state.view);
  });
  $("#as-of-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.asOf = $("#as-of").value;
    load("verdict", state.asOf ? `as_of=${state.asOf}` : "");
  });
  $("#as-of-now").addEventListener("click", () => {
    state.asOf = $("#as-of").value = "";
    load("verdict");
  });
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  loadSessions();
  show(location.hash.slice(1));
}

start();
