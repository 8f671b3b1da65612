// The dashboard's 窗口布局 tab (/manage?tab=layout): the layout advisor and the layouts accepted.
// POST /api/v1/advise starts a run on the hall's recent days (a job: the page polls
// GET /api/v1/advise for its progress and result); POST /api/v1/layout accepts a layout (the
// advisor's, an earlier one again, or the hall file's); GET /api/v1/layout says what the hall runs
// and lists every accepted layout. docs/manage.md describes the tab, docs/dispatch.md §8 the advisor.
"use strict";

(() => {
const A = { csrf: null, layout: null, job: null, timer: null, shown: false, busy: false };
window.ADVISE = A;
const SOURCES = { advisor: ["采用分析建议", "advisor's proposal"], manager: ["重新采用", "accepted again"],
  file: ["恢复配置文件", "back to the hall file"] };
const POLL_MS = 1000;

function el(id) { return document.getElementById(id); }
function make(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function pair(p) { return YM.t(p[0], p[1]); }
function minutes(s) { return s == null ? "—" : (Math.floor(s / 6 + 0.5) / 10).toFixed(1); }
function catName(code) {
  const c = A.layout && A.layout.categories.find((x) => x.code === code);
  return c ? (YM.lang === "en" && c.name_en ? c.name_en : c.name) : code;
}
function windowName(w) {
  const found = A.layout && A.layout.windows.find((x) => x.number === Number(w));
  return YM.t(`${w} 号窗口`, `Window ${w}`) + (found ? ` · ${found.name}` : "");
}
function when(epoch) {
  const d = new Date(epoch * 1000);
  return d.toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" }) + " " + YM.clock(epoch);
}
// Category chips in preference order; `mark` the codes to highlight (added here).
function chips(codes, mark) {
  const span = make("span", null, "chips");
  for (const c of codes || []) {
    const chip = make("span", c, "chip" + (mark && mark.has(c) ? " added" : ""));
    chip.title = catName(c);
    if (mark && mark.has(c)) chip.setAttribute("aria-label", c + YM.t("（新增）", " (added)"));
    span.append(chip);
  }
  return span;
}
// Narrow screens stack a table's cells, each under its column's name (yimen.css, dashboard.js).
function labels(table) { if (window.DASH && window.DASH.stackLabels) window.DASH.stackLabels(table); }
function same(a, b) { return JSON.stringify(a || []) === JSON.stringify(b || []); }
function sameLayout(a, b) { return Object.keys(a).every((w) => same(a[w], b[w])) && Object.keys(a).length === Object.keys(b).length; }

// ------------------------------------------------------------------ the form

function checks(box, items, checked, name) {
  box.textContent = "";
  for (const it of items) {
    const label = make("label", null, "check");
    const input = make("input"); input.type = "checkbox"; input.value = it.value; input.checked = checked(it); input.name = name;
    label.append(input, " " + it.code + " ", make("span", it.name));
    box.append(label);
  }
}

function fillForm() {
  const L = A.layout;
  checks(el("a-dedicated"), L.windows.map((w) => ({ value: w.number, code: String(w.number), name: w.name })),
    (it) => L.windows.find((w) => w.number === it.value).dedicated, "dedicated");
  checks(el("a-exclusive"), L.categories.map((c) => ({ value: c.code, code: c.code, name: catName(c.code) })), () => false, "exclusive");
  el("a-k").max = String(L.categories.length);
  el("a-legend").textContent = YM.t("类别：", "Categories: ") + L.categories.map((c) => `${c.code} ${catName(c.code)}`).join(YM.t("；", "; "));
}

function request() {
  const num = (id) => Number(el(id).value);
  for (const id of ["a-days", "a-holdout", "a-k", "a-budget"]) {
    const input = el(id);
    if (!input.checkValidity() || input.value === "") { input.focus(); return null; }
  }
  return {
    days: num("a-days"), holdout: num("a-holdout"), max_categories: num("a-k"), budget: num("a-budget"),
    dedicated: [...el("a-dedicated").querySelectorAll("input:checked")].map((i) => Number(i.value)),
    exclusive: [...el("a-exclusive").querySelectorAll("input:checked")].map((i) => i.value),
    peak: el("a-peak").checked,
  };
}

async function start(e) {
  e.preventDefault();
  el("a-error").textContent = "";
  const body = request();
  if (!body) { el("a-error").textContent = YM.t("请填写有效的数字", "Enter valid numbers"); return; }
  const res = await YM.post("/api/v1/advise", body, A.csrf);
  if (!res.ok) { el("a-error").textContent = YM.explain(res.error); return; }
  A.job = res.data.job;
  showJob();
  poll();
}

function poll() {
  clearTimeout(A.timer);
  if (!A.job || A.job.state !== "running") return;
  A.timer = setTimeout(async () => {
    try { A.job = (await YM.getJSON("/api/v1/advise")).job; } catch (err) { /* try again */ }
    showJob();
    poll();
  }, POLL_MS);
}

function showJob() {
  const job = A.job, bar = el("a-progress"), run = el("a-run");
  const running = job && job.state === "running";
  run.disabled = running;
  bar.hidden = !running;
  if (!job) { el("a-status").textContent = ""; return; }
  if (running) {
    bar.max = job.progress.budget; bar.value = job.progress.evaluated;
    el("a-status").textContent = YM.t(`正在分析（${job.by}）：已模拟 ${job.progress.evaluated} / ${job.progress.budget} 个方案…`,
      `Analysing (${job.by}): ${job.progress.evaluated} of at most ${job.progress.budget} layouts replayed…`);
  } else if (job.state === "failed") {
    el("a-status").textContent = "";
    // In Chinese from the code (the server's message is English); in English the server's own words.
    el("a-error").textContent = YM.lang === "en" ? "The analysis failed: " + (job.error || "")
      : YM.explain({ error: job.error_code || "cannot_advise" });
  } else {
    el("a-status").textContent = YM.t(`分析完成：模拟了 ${job.result.evaluations} 个方案。`, `Done: ${job.result.evaluations} layouts replayed.`);
  }
  showProposal(job.state === "done" ? job.result : null);
}

// ------------------------------------------------------------------ the proposal

function showProposal(r) {
  el("proposal").hidden = !r;
  if (!r) return;
  const days = r.days.map((d) => d.day).join(YM.t("、", ", "));
  const held = r.held_days.map((d) => d.day).join(YM.t("、", ", "));
  el("proposal-days").textContent = YM.t(`依据 ${days}（${r.days.reduce((n, d) => n + d.tickets, 0)} 张号）`,
    `Fitted on ${days} (${r.days.reduce((n, d) => n + d.tickets, 0)} tickets)`) +
    (held ? YM.t(`；检验日 ${held}（未参与拟合）`, `; checked on ${held} (not fitted on)`) : YM.t("；未留检验日", "; no days held out"));
  const tbody = el("proposal-table").tBodies[0];
  tbody.textContent = "";
  const changed = new Set(r.changes.map((c) => String(c.window)));
  for (const w of Object.keys(r.proposed)) {
    const tr = tbody.insertRow();
    const before = r.hall[w], after = r.proposed[w];
    if (changed.has(w)) tr.className = "changed";
    const th = make("th", windowName(w)); th.scope = "row"; tr.append(th);
    const was = tr.insertCell(); was.className = "wide"; was.append(chips(before));
    const will = tr.insertCell(); will.className = "wide"; will.append(chips(after, new Set(after.filter((c) => !before.includes(c)))));
    const note = tr.insertCell(); note.className = "wide";
    if (r.dedicated.includes(Number(w))) note.append(make("span", YM.t("专用窗口，不变", "dedicated, kept"), "tag"));
    else if (!changed.has(w)) note.textContent = YM.t("不变", "no change");
    else {
      const added = after.filter((c) => !before.includes(c)), dropped = before.filter((c) => !after.includes(c));
      const parts = [];
      if (added.length) parts.push(YM.t("新增 ", "adds ") + added.join(" "));
      if (dropped.length) parts.push(YM.t("不再办理 ", "drops ") + dropped.join(" "));
      if (!parts.length) parts.push(YM.t("调整顺序", "new order"));
      note.append(make("b", parts.join(YM.t("；", "; ")), "change-mark"));
    }
  }
  if (!r.changes.length) {
    const tr = tbody.insertRow(); const td = tr.insertCell(); td.colSpan = 4; td.className = "none";
    td.textContent = YM.t("没有找到能缩短平均等候的调整：现在的布局已是所试方案中最好的。", "No change found that shortens the mean wait: the hall's layout is the best of those tried.");
  }
  labels(el("proposal-table"));
  const box = el("proposal-figures");
  box.textContent = "";
  box.append(figures(r.fitted, YM.t("拟合日（模拟）", "Fitted days (simulated)")));
  if (r.held_out) box.append(figures(r.held_out, YM.t("检验日（模拟，未参与拟合）", "Held-out days (simulated, not fitted on)")));
  showPeak(r.peak);
  el("a-accept").hidden = !r.changes.length;
  const current = A.layout && A.layout.current;
  el("a-accept").disabled = !!current && sameLayout(current, r.proposed);
  el("a-accept-status").textContent = el("a-accept").disabled ? YM.t("大厅已在使用此布局。", "The hall runs this layout.") : "";
}

function figures(f, title) {
  const card = make("div", null, "card figures-card");
  card.append(make("h3", title));
  const t = make("table", null, "stack report figs-table");
  const head = t.createTHead().insertRow();
  for (const [zh, en, num] of [["业务", "Tickets", false], ["现布局 平均", "Now: mean", true], ["现布局 P95", "Now: P95", true],
    ["建议 平均", "Proposed: mean", true], ["建议 P95", "Proposed: P95", true], ["平均变化", "Mean change", true]]) {
    const th = make("th", YM.t(zh, en)); if (num) th.className = "num"; head.append(th);
  }
  const body = t.createTBody();
  const rows = [[YM.t("全部", "All"), f.hall.mean_wait_s, f.hall.p95_wait_s, f.proposed.mean_wait_s, f.proposed.p95_wait_s]];
  for (const c of Object.keys(f.hall.per_category)) {
    const h = f.hall.per_category[c], p = f.proposed.per_category[c];
    rows.push([`${c} ${catName(c)}`, h.mean, h.p95, p.mean, p.p95]);
  }
  for (const [name, hm, hp, pm, pp] of rows) {
    const tr = body.insertRow();
    const th = make("th", name); th.scope = "row"; tr.append(th);
    for (const v of [hm, hp, pm, pp]) { const td = tr.insertCell(); td.className = "num"; td.textContent = minutes(v); }
    const td = tr.insertCell(); td.className = "num";
    if (hm > 0) {
      const d = (pm - hm) / hm;
      td.textContent = (d > 0 ? "+" : "") + Math.round(d * 100) + "%";
      td.classList.add(d < -0.005 ? "better" : d > 0.005 ? "worse" : "same");
    } else td.textContent = "—";
  }
  labels(t);
  const note = make("p", YM.t(`单位：分钟；共 ${f.hall.tickets} 张号。“P95”：95% 的人等候不超过此时长。`,
    `Minutes; ${f.hall.tickets} tickets. P95: 95 % of people waited no longer.`), "note left");
  card.append(t, note);
  return card;
}

// The spare window at the busiest hours: simulated on top of the proposed layout, shown apart (it
// needs a clerk at that window, not a new layout, so it is not part of what 采用 accepts).
function showPeak(p) {
  const box = el("peak");
  box.hidden = !p;
  if (!p) return;
  box.textContent = "";
  box.append(make("h3", YM.t(`高峰时段 ${p.from}–${p.to} 加开窗口`, `A window opened at the busiest hours, ${p.from}–${p.to}`)));
  if (p.window == null) {
    box.append(make("p", YM.t("这段时间所有窗口都在开放，没有空闲窗口可加开。", "Every window is open then: there is no spare window to open."), "note left"));
    return;
  }
  box.append(make("p", YM.t(`建议：${p.from}–${p.to} 开放 ${windowName(p.window)}，办理 `, `Open ${windowName(p.window)} from ${p.from} to ${p.to}, serving `)
    + p.serves.map((c) => `${c} ${catName(c)}`).join(YM.t("、", ", ")) + YM.t("。", "."), "peak-what"));
  const t = make("table", null, "stack report figs-table");
  const head = t.createTHead().insertRow();
  for (const [zh, en] of [["", ""], ["建议布局 平均", "Proposed: mean"], ["建议布局 P95", "Proposed: P95"], ["加开后 平均", "With the window: mean"], ["加开后 P95", "With the window: P95"]]) {
    const th = make("th", YM.t(zh, en)); if (zh) th.className = "num"; head.append(th);
  }
  const body = t.createTBody();
  for (const [key, zh, en] of [["fitted", "拟合日", "Fitted days"], ["held_out", "检验日", "Held-out days"]]) {
    if (!p[key]) continue;
    const tr = body.insertRow();
    const th = make("th", YM.t(zh, en)); th.scope = "row"; tr.append(th);
    for (const v of [p[key].proposed.mean_wait_s, p[key].proposed.p95_wait_s, p[key].peak.mean_wait_s, p[key].peak.p95_wait_s]) {
      const td = tr.insertCell(); td.className = "num"; td.textContent = minutes(v);
    }
  }
  labels(t);
  box.append(t, make("p", YM.t("单位：分钟，全部号票。只需在这段时间安排一名工作人员，不改变窗口布局。",
    "Minutes, all tickets. It needs a clerk at that window for those hours; the layout stays as proposed."), "note left"));
}

async function accept(source, serves, figures, statusId, errorId, button) {
  el(errorId).textContent = ""; el(statusId).textContent = "";
  const body = { source };
  if (serves) body.serves = serves;
  if (figures) body.figures = figures;
  button.disabled = true;
  const res = await YM.post("/api/v1/layout", body, A.csrf);
  button.disabled = false;
  if (!res.ok) { el(errorId).textContent = YM.explain(res.error); return false; }
  await loadLayout();
  el(statusId).textContent = YM.t("已采用，窗口、取号机和大屏即刻按新布局运行。", "Accepted: windows, kiosk and display follow the new layout now.");
  return true;
}

function acceptProposal() {
  const r = A.job && A.job.result;
  if (!r) return;
  const lines = r.changes.map((c) => `${windowName(c.window)}: ${c.before.join(" ")} → ${c.after.join(" ")}`).join("\n");
  if (!window.confirm(YM.t("采用此布局？\n", "Accept this layout?\n") + lines)) return;
  const figures = { fitted: r.fitted, held_out: r.held_out, days: r.days, held_days: r.held_days };
  accept("advisor", r.proposed, figures, "a-accept-status", "a-accept-error", el("a-accept"));
}

// ------------------------------------------------------------------ what the hall runs, and the record

async function loadLayout() {
  A.layout = await YM.getJSON("/api/v1/layout");
  const L = A.layout;
  const tbody = el("current-table").tBodies[0];
  tbody.textContent = "";
  for (const w of L.windows) {
    const tr = tbody.insertRow();
    const th = make("th", windowName(w.number)); th.scope = "row"; tr.append(th);
    const now = L.current[w.number], file = L.file[w.number];
    const cell = tr.insertCell(); cell.className = "wide"; cell.append(chips(now, new Set(now.filter((c) => !file.includes(c)))));
    if (w.dedicated) cell.append(make("span", YM.t("专用", "dedicated"), "tag"));
    const fileCell = tr.insertCell(); fileCell.className = "wide";
    fileCell.textContent = same(now, file) ? YM.t("相同", "same") : file.join(" ");
    if (!same(now, file)) tr.className = "changed";
  }
  labels(el("current-table"));
  const atFile = sameLayout(L.current, L.file);
  el("a-revert").disabled = atFile;
  const hb = el("history-table").tBodies[0];
  hb.textContent = "";
  el("history-empty").hidden = L.history.length > 0;
  el("history-table").hidden = !L.history.length;
  L.history.forEach((h, i) => {
    const tr = hb.insertRow();
    tr.insertCell().textContent = when(h.at);
    tr.insertCell().textContent = h.by;
    tr.insertCell().textContent = pair(SOURCES[h.source] || [h.source, h.source]);
    const ch = tr.insertCell(); ch.className = "wrap-ok wide";
    ch.textContent = h.changed.map((w) => `${w}: ${(h.before[w] || []).join(" ")} → ${h.serves[w].join(" ")}`).join(YM.t("；", "; ")) || "—";
    const fig = tr.insertCell(); fig.className = "num";
    const f = h.figures && h.figures.fitted;
    fig.textContent = f ? `${minutes(f.hall.mean_wait_s)} → ${minutes(f.proposed.mean_wait_s)}` + YM.t(" 分钟", " min") : "—";
    const act = tr.insertCell();
    if (i === 0 && sameLayout(L.current, h.serves)) act.append(make("span", YM.t("当前布局", "in force"), "tag"));
    else if (!sameLayout(L.current, h.serves)) {
      const b = make("button", YM.t("重新采用", "Accept again")); b.type = "button";
      b.setAttribute("aria-label", YM.t(`重新采用 ${when(h.at)} 的布局`, `Accept the layout of ${when(h.at)} again`));
      b.addEventListener("click", () => {
        if (window.confirm(YM.t("重新采用这个布局？", "Accept this layout again?"))) accept("manager", h.serves, null, "a-revert-status", "a-revert-error", b);
      });
      act.append(b);
    }
  });
  labels(el("history-table"));
  if (A.job && A.job.result) showProposal(A.job.result);
}

async function revert() {
  if (!window.confirm(YM.t("恢复为配置文件中的窗口布局？", "Go back to the hall file's layout?"))) return;
  await accept("file", null, null, "a-revert-status", "a-revert-error", el("a-revert"));
}

A.show = async function show() {
  if (A.shown) { await loadLayout(); return; }
  A.shown = true;
  el("advise-form").addEventListener("submit", start);
  el("a-accept").addEventListener("click", acceptProposal);
  el("a-revert").addEventListener("click", revert);
  A.csrf = (await YM.getJSON("/api/v1/session")).csrf_token;
  await loadLayout();
  fillForm();
  A.job = (await YM.getJSON("/api/v1/advise")).job;
  showJob();
  poll();
};
})();
