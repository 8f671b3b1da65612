// The manager's dashboard (/manage): its tabs (实时, 报表, 图表, 人员考勤, 办件), the period picker, and
// the report tabs. Everything after the live tab comes from ONE GET /api/v1/reports for the chosen
// period (docs/manage.md), and the figures' names, units and formulas from
// GET /api/v1/reports/figures (queue_server/reports.py FIGURES), so the page and the exports
// say the same. The live tab is manage.js; the staff tab's table and print sheets are staff.js.
"use strict";

// Its own scope: manage.js (the live tab) has top-level helpers of the same names.
(() => {
const DASH = {
  tab: "live", today: null, figures: {}, caseTypes: {}, matters: {}, report: null, loaded: null,
  period: { kind: "month", date: null, last: null }, compare: true, dim: "window", generation: 0,
  groups: {}, onReport: [],  // other tabs (staff.js) render when a report arrives
};
window.DASH = DASH;
const TABS = ["live", "reports", "charts", "staff", "cases", "bookings", "layout"];
const LEVEL_NAMES = { 5: ["非常满意", "very satisfied"], 4: ["满意", "satisfied"], 3: ["基本满意", "neutral"],
  2: ["不满意", "dissatisfied"], 1: ["非常不满意", "very dissatisfied"] };
const FOLLOW_UP_STATES = { open: ["待核实", "to verify"], verified: ["已核实", "verified"], called_back: ["已回访", "called back"],
  rectified: ["已整改", "rectified"], feedback: ["已反馈", "feedback given"], closed: ["已办结", "closed"],
  appealed: ["申诉中", "appealed"] };
// The hall-wide figures in groups; a figure the server adds later lands in the last group.
const TOTAL_GROUPS = [
  ["tickets", ["取号与结果", "Tickets"], ["issued", "served", "no_show", "cancelled", "expired", "transferred"]],
  ["wait", ["等候时间", "Waiting"], ["wait_mean_s", "wait_median_s", "wait_p90_s", "wait_p95_s", "wait_max_s", "within_target"]],
  ["service", ["办理时长", "Service"], ["service_mean_s", "service_median_s", "service_p90_s", "service_p95_s", "service_max_s"]],
  ["ratings", ["评价", "Ratings"], ["rated", "active_rate", "good_rate", "bad", "unrated_rate", "defaulted"]],
];
const BREAKDOWN = ["issued", "served", "no_show", "wait_median_s", "wait_p90_s", "within_target", "service_mean_s",
  "service_p90_s", "good_rate", "bad"];
const DIMENSION_HEAD = { window: ["窗口", "Window"], category: ["业务类别", "Category"], matter: ["事项", "Matter"],
  clerk: ["工作人员", "Clerk"], hour: ["时段", "Hour"], weekday: ["星期", "Weekday"], day: ["日期", "Day"] };
const CASE_KEYS = ["opened", "accepted", "returned", "finished", "on_time_rate", "open_green", "open_yellow", "open_red"];
const NO_DATA = () => YM.t("本期没有数据", "No data in this period");

function el(id) { return document.getElementById(id); }
function make(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function pair(p) { return p ? YM.t(p[0], p[1]) : ""; }

// ------------------------------------------------------------------ numbers in words

// One decimal, rounded half up (tests/test_dashboard.py rounds the same way).
function oneDecimal(x) { return (Math.floor(x * 10 + 0.5) / 10).toFixed(1); }
const UNIT_WORDS = { s: [" 分钟", " min"], h: [" 小时", " h"] };
function fmt(v, unit) {
  if (v == null) return "—";
  if (unit === "s") return oneDecimal(v / 60) + pair(UNIT_WORDS.s);
  if (unit === "h") return oneDecimal(v) + pair(UNIT_WORDS.h);
  if (unit === "share") return oneDecimal(v * 100) + "%";
  return String(v);
}
function signed(text, x) { return (x > 0 ? "+" : x < 0 ? "-" : "") + text; }
// The change from the previous period: counts as a difference, times in minutes, shares in points.
function change(cur, prev, unit) {
  if (cur == null || prev == null) return { value: null, text: "—" };
  const d = cur - prev;
  if (unit === "share") return { value: d, text: signed(oneDecimal(Math.abs(d) * 100), d) + YM.t(" 个百分点", " pp") };
  if (unit === "s") return { value: d, text: signed(oneDecimal(Math.abs(d) / 60), d) + pair(UNIT_WORDS.s) };
  if (unit === "h") return { value: d, text: signed(oneDecimal(Math.abs(d)), d) + pair(UNIT_WORDS.h) };
  return { value: d, text: signed(String(Math.abs(d)), d) };
}
function figure(key) { return DASH.figures[key] || { key, zh: key, en: key, unit: "count", formula: "", excludes: "" }; }
function label(key) { const f = figure(key); return YM.t(f.zh, f.en); }
const UNIT_NAMES = { count: ["个数", "count"], s: ["秒，显示为分钟", "seconds, shown in minutes"], share: ["比例", "share"], h: ["小时", "hours"] };
// What a figure means (its tooltip): the formula and what it leaves out, from reports.py.
function tip(key) {
  const f = figure(key);
  if (!f.formula) return "";
  const zh = f.formula_zh || f.formula, zhExcludes = f.excludes_zh || f.excludes;
  return YM.t(`${f.zh}（${pair(UNIT_NAMES[f.unit])}）：${zh}` + (zhExcludes ? `；不含：${zhExcludes}` : ""),
    `${f.en} (${pair(UNIT_NAMES[f.unit])}): ${f.formula}` + (f.excludes ? `; leaves out: ${f.excludes}` : ""));
}
function figureHead(key, tag) {
  const h = make(tag || "th");
  label(key).split(" ").forEach((word, i) => h.append(i ? " " : "", make("span", word, "nowrap")));  // wraps between words only
  h.title = tip(key); h.dataset.key = key;
  if (h.title) h.classList.add("defined");
  return h;
}
function valueCell(row, v, unit, cls) {
  const td = row.insertCell(); td.textContent = fmt(v, unit); td.className = "num" + (cls ? " " + cls : "");
  td.dataset.value = v == null ? "" : String(v);
  return td;
}
// On a phone the tables stack: each cell carries its column's name.
function stackLabels(table) {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  table.querySelectorAll("tbody tr").forEach((r) => [...r.cells].forEach((td, i) => { td.dataset.label = heads[i] || ""; }));
}
function headRow(table, cells) {
  const head = table.tHead || table.createTHead(); head.innerHTML = "";
  const r = head.insertRow();
  for (const c of cells) r.append(c instanceof Node ? c : make("th", c));
  return r;
}
function body(table) { const b = table.tBodies[0] || table.createTBody(); b.innerHTML = ""; return b; }

// ------------------------------------------------------------------ dates and periods

function iso(d) { return d.toISOString().slice(0, 10); }
function day(s) { return new Date(s + "T00:00:00Z"); }
function addDays(s, n) { const d = day(s); d.setUTCDate(d.getUTCDate() + n); return iso(d); }
function addMonths(s, n) { const d = day(s); d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() + n); return iso(d); }

function shift(p, step) {
  const q = { ...p };
  if (p.kind === "day") q.date = addDays(p.date, step);
  else if (p.kind === "week") q.date = addDays(p.date, 7 * step);
  else if (p.kind === "month") q.date = addMonths(p.date, step);
  else if (p.kind === "quarter") q.date = addMonths(p.date, 3 * step);
  else if (p.kind === "year") q.date = addMonths(p.date, 12 * step);
  else {
    const days = (day(p.last) - day(p.date)) / 86400000 + 1;
    q.date = addDays(p.date, days * step); q.last = addDays(p.last, days * step);
  }
  return q;
}

function periodWords(period) {
  const { kind, first, last } = period;
  const [y, m] = first.split("-");
  const range = YM.t(`${first} 至 ${last}`, `${first} to ${last}`);
  if (kind === "day") return first;
  if (kind === "month") return YM.t(`${y}年${Number(m)}月`, `${y}-${m}`) + YM.t(`（${range}）`, ` (${range})`);
  if (kind === "quarter") return YM.t(`${y}年第${Math.floor((Number(m) - 1) / 3) + 1}季度`, `Q${Math.floor((Number(m) - 1) / 3) + 1} ${y}`) + YM.t(`（${range}）`, ` (${range})`);
  if (kind === "year") return YM.t(`${y}年`, y);
  if (kind === "week") return YM.t(`${period.label.replace("-W", " 年第 ")} 周（${range}）`, `week ${period.label} (${range})`);
  return range;
}

function query(extra) {
  const p = DASH.period, q = new URLSearchParams({ period: p.kind, date: p.date });
  if (p.kind === "custom") q.set("last", p.last);
  if (!DASH.compare) q.set("compare", "0");
  if (YM.lang === "en") q.set("lang", "en");
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

// The page's address keeps the tab, period and breakdown, so a view can be reloaded or shared.
function remember() {
  const q = new URLSearchParams();
  if (YM.lang === "en") q.set("lang", "en");
  if (DASH.tab !== "live") {
    q.set("tab", DASH.tab); q.set("period", DASH.period.kind); q.set("date", DASH.period.date);
    if (DASH.period.kind === "custom") q.set("last", DASH.period.last);
    if (!DASH.compare) q.set("compare", "0");
    if (DASH.tab === "reports") q.set("dim", DASH.dim);
  }
  history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : ""));
  const other = new URLSearchParams(q);
  if (YM.lang === "en") other.delete("lang"); else other.set("lang", "en");
  el("lang").href = "?" + other.toString();
  el("lang").textContent = YM.lang === "en" ? "中文" : "English";
}

// ------------------------------------------------------------------ tabs

function showTab(name, focus) {
  if (!TABS.includes(name)) name = "live";
  DASH.tab = name;
  for (const t of document.querySelectorAll("[role=tab]")) {
    const on = t.dataset.tab === name;
    t.setAttribute("aria-selected", on ? "true" : "false");
    t.tabIndex = on ? 0 : -1;
    if (on && focus) t.focus();
  }
  for (const p of document.querySelectorAll("[role=tabpanel]")) p.hidden = p.id !== "panel-" + name;
  document.body.dataset.tab = name;
  el("period-bar").hidden = name === "live" || name === "layout" || name === "bookings";
  remember();
  if (name === "layout") { if (window.ADVISE) window.ADVISE.show(); } else if (name === "bookings") {
    if (window.BOOKINGS) window.BOOKINGS.show();  // the day's appointments: bookings.js
  } else if (name !== "live") load();
  if (name === "charts" && DASH.report) drawCharts(DASH.report);
}

// Arrow keys move between tabs (and show them), Home and End go to the first and last.
el("tab-live").parentElement.addEventListener("keydown", (e) => {
  const i = TABS.indexOf(DASH.tab);
  const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[e.key];
  if (to == null) return;
  e.preventDefault();
  showTab(TABS[(to + TABS.length) % TABS.length], true);
});
for (const t of document.querySelectorAll("[role=tab]")) t.addEventListener("click", () => showTab(t.dataset.tab));

// ------------------------------------------------------------------ the period picker

function pickerFromState() {
  const p = DASH.period;
  el("p-kind").value = p.kind;
  el("p-date").value = p.date;
  el("p-last").value = p.last || p.date;
  el("p-last-wrap").hidden = p.kind !== "custom";
  el("p-date-label").textContent = p.kind === "custom" ? YM.t("从", "From") : YM.t("包含日期", "A day in it");
  el("p-compare").checked = DASH.compare;
}

function pickerChanged() {
  const kind = el("p-kind").value, date = el("p-date").value, last = el("p-last").value;
  if (!date) return;
  DASH.period = { kind, date, last: kind === "custom" ? (last && last >= date ? last : date) : null };
  DASH.compare = el("p-compare").checked;
  pickerFromState();
  remember();
  load();
}
for (const id of ["p-kind", "p-date", "p-last", "p-compare"]) el(id).addEventListener("change", pickerChanged);
el("p-prev").addEventListener("click", () => { DASH.period = shift(DASH.period, -1); pickerFromState(); remember(); load(); });
el("p-next").addEventListener("click", () => { DASH.period = shift(DASH.period, 1); pickerFromState(); remember(); load(); });

// ------------------------------------------------------------------ loading

async function load() {
  const q = query();
  if (DASH.loaded === q) return;
  const mine = ++DASH.generation;  // an older answer arriving late must not paint over a newer one
  YM.text("p-status", YM.t("正在统计…", "Counting…"));
  YM.text("p-error", "");
  let res, r;
  try {
    res = await fetch("/api/v1/reports?" + q, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    r = await res.json();
  } catch (e) { res = null; }
  if (mine !== DASH.generation) return;
  if (!res || !res.ok) {
    if (res && (res.status === 401 || res.status === 403)) { location.href = "/login?next=/manage"; return; }
    YM.text("p-status", "");
    YM.text("p-error", res && res.status === 400  // the server names the field it could not read
      ? YM.t("统计周期有误：自定义范围的结束日不能早于开始日，且最长三年。", "The period cannot be read: a custom range ends on or after its first day and spans at most three years.")
      : res && r && r.error ? YM.explain(r) : YM.t("报表暂时无法生成，请稍后再试。", "The report cannot be made now; try again later."));
    return;
  }
  DASH.report = r; DASH.loaded = q;
  YM.text("p-status", "");
  const words = periodWords(r.period), cut = words.search(/[（(]/);  // the range never breaks inside
  el("p-label").replaceChildren(...(cut > 0 ? [make("span", words.slice(0, cut), "nowrap"), make("span", words.slice(cut), "nowrap")] : [words]));
  renderReport(r);
  renderCases(r);
  if (DASH.tab === "charts") drawCharts(r);
  for (const f of DASH.onReport) f(r);
  document.body.dataset.loaded = q;  // tests wait for this
}

// ------------------------------------------------------------------ 报表

function renderReport(r) {
  const box = el("totals"); box.innerHTML = "";
  const compared = r.previous ? r.previous.totals : null;
  const grouped = new Set(TOTAL_GROUPS.flatMap((g) => g[2]));
  const known = (DASH.groups.tickets || []).filter((k) => k in r.totals);
  const groups = TOTAL_GROUPS.map(([key, name, keys]) => [key, name, keys.filter((k) => k in r.totals)]);
  const extra = known.filter((k) => !grouped.has(k));
  if (extra.length) groups.push(["other", ["其他", "Other"], extra]);
  if (compared) box.append(make("p", YM.t(`上期：${periodWords(r.previous.period)}`, `Previous period: ${periodWords(r.previous.period)}`), "note left compare-note"));
  for (const [key, name, keys] of groups) {
    const card = make("div", null, "card"); card.dataset.group = key;
    card.append(make("h3", pair(name)));
    const t = make("table", null, "figs stack"); t.id = "totals-" + key;
    const heads = [make("th", YM.t("指标", "Figure")), make("th", YM.t("本期", "This period"), "num")];
    if (compared) heads.push(make("th", YM.t("上期", "Previous"), "num"), make("th", YM.t("变化", "Change"), "num"));
    headRow(t, heads);
    const b = body(t);
    for (const k of keys) {
      const f = figure(k), row = b.insertRow(); row.dataset.key = k;
      const th = figureHead(k); row.append(th);
      if (k === "within_target") th.append(" ", make("span", YM.t(`（目标 ${r.target_wait_min} 分钟）`, `(target ${r.target_wait_min} min)`), "target"));
      valueCell(row, r.totals[k], f.unit, "cur");
      if (compared) {
        valueCell(row, compared[k], f.unit, "prev");
        const c = change(r.totals[k], compared[k], f.unit);
        const td = row.insertCell(); td.className = "num change"; td.textContent = c.text; td.dataset.value = c.value == null ? "" : String(c.value);
      }
    }
    stackLabels(t);
    card.append(t);
    if (key === "wait") card.append(make("p", YM.t(`按 ${r.totals.wait_n} 个被叫号的号计算`, `over ${r.totals.wait_n} tickets called`), "note left"));
    if (key === "service") card.append(make("p", YM.t(`按 ${r.totals.service_n} 个办结的号计算`, `over ${r.totals.service_n} tickets served`), "note left"));
    if (key === "ratings" && r.totals.levels) {
      const p = make("p", null, "note left levels"); p.id = "levels";
      p.textContent = YM.t("评价分布：", "Ratings: ") + [5, 4, 3, 2, 1].map((l) => `${pair(LEVEL_NAMES[l])} ${r.totals.levels[l]}`).join(YM.t("，", ", "));
      card.append(p);
    }
    box.append(card);
  }
  smallTable("windows-time", [["open_h", r.windows_time.open_h, "h"], ["pause_h", r.windows_time.pause_h, "h"],
    ["idle_queue_h", r.windows_time.idle_queue_h, "h"],
    ...Object.entries(r.windows_time.pauses_h).map(([why, h]) => [YM.t("暂停：", "Paused: ") + why, h, "h", "pause:" + why])]);
  smallTable("appointments", ["booked", "kept", "late", "missed"].map((k) => [k, r.appointments[k], "count"]));
  const fu = r.follow_ups;
  smallTable("follow-ups", [["bad_items", fu.bad_items, "count"], ["rectified_on_time", fu.rectified_on_time, "share"],
    ...Object.entries(fu.states).map(([state, n]) => [YM.t("状态：", "State: ") + (pair(FOLLOW_UP_STATES[state]) || state), n, "count", "state:" + state])]);
  renderBadItems(fu.items || []);
  renderBreakdown(r);
  renderExports(r);
}

// Each 差评 of the period with its follow-up: who, what, and whether it was put right in time.
function renderBadItems(items) {
  const t = el("bad-items");
  YM.text("bad-items-count", YM.t(`（${items.length} 条）`, `(${items.length})`));
  headRow(t, [YM.t("日期", "Day"), YM.t("号票", "Ticket"), YM.t("窗口", "Window"), YM.t("工作人员", "Clerk"), YM.t("事项", "Matter"),
    YM.t("评价", "Rating"), YM.t("状态", "State"), YM.t("整改期限", "Rectify by"), YM.t("整改日期", "Rectified"), YM.t("按时", "On time")].map((h) => make("th", h)));
  const b = body(t);
  for (const it of items) {
    const tr = b.insertRow(); tr.dataset.number = it.number; tr.dataset.day = it.day;
    const appeal = it.appeal === "pending" ? YM.t("（申诉待审）", " (appeal pending)") : "";
    const cellsOf = [it.day, it.number, YM.t(`${it.window}号`, `No. ${it.window}`), it.clerk_name || it.clerk || "—",
      it.matter ? DASH.matters[it.matter] || it.matter : "—", pair(LEVEL_NAMES[it.level]),
      (pair(FOLLOW_UP_STATES[it.state]) || it.state) + appeal, it.deadline || "—", it.rectified_day || "—",
      it.on_time == null ? "—" : it.on_time ? YM.t("是", "yes") : YM.t("否", "no")];
    cellsOf.forEach((text, i) => { const td = tr.insertCell(); td.textContent = text; td.className = i === 4 ? "wrap-ok wide" : "name"; });
    if (it.on_time === false) tr.className = "overdue";
  }
  stackLabels(t);
}

// Rows of [figure key or a label, value, unit, data-key for a label].
function smallTable(id, rows) {
  const t = el(id); t.innerHTML = "";
  headRow(t, [make("th", YM.t("指标", "Figure")), make("th", YM.t("本期", "This period"), "num")]);
  const b = body(t);
  for (const [key, v, unit, dataKey] of rows) {
    const row = b.insertRow(); row.dataset.key = dataKey || key;
    row.append(dataKey ? make("th", key) : figureHead(key));
    valueCell(row, v, unit);
  }
  stackLabels(t);
}

function renderBreakdown(r) {
  const dim = DASH.dim, rows = r.by[dim] || [];
  el("dimension").value = dim;
  const keys = [...BREAKDOWN, ...(dim === "window" ? ["open_h", "pause_h", "idle_queue_h"] : [])];
  const t = el("breakdown"); t.dataset.dimension = dim;
  const heads = [make("th", pair(DIMENSION_HEAD[dim])), ...keys.map((k) => { const h = figureHead(k); h.classList.add("num"); return h; })];
  if (dim === "window") heads.push(make("th", YM.t("暂停（按原因）", "Pauses by reason")));
  headRow(t, heads);
  const b = body(t);
  for (const row of rows) {
    const tr = b.insertRow(); tr.dataset.key = String(row.key);
    const name = tr.insertCell(); name.textContent = row.label;
    name.className = dim === "matter" || dim === "category" ? "wrap-ok" : "name";  // a matter's name is a phrase
    for (const k of keys) { const td = valueCell(tr, row[k], figure(k).unit); td.dataset.key = k; }
    if (dim === "window") {
      const reasons = Object.entries(row.pauses_h || {});
      const td = tr.insertCell(); td.className = "wrap-ok wide";
      td.textContent = reasons.length ? reasons.map(([why, h]) => `${why} ${fmt(h, "h")}`).join(YM.t("，", ", ")) : "—";
    }
  }
  stackLabels(t);
  el("breakdown-empty").hidden = rows.length > 0;
  el("breakdown-empty").textContent = NO_DATA();
}
el("dimension").addEventListener("change", () => {
  DASH.dim = el("dimension").value; remember();
  if (DASH.report) { renderBreakdown(DASH.report); renderExports(DASH.report); }
});

// Downloads of what the tab shows, for the chosen period (GET /api/v1/reports/export, docs/reports.md):
// the hall-wide figures, the breakdown on screen, every table in one workbook, and the 台账 of the
// period's (first) month.
function exportLink(text, table, format) {
  const a = make("a", text, "button-link"); a.dataset.table = table; a.dataset.format = format;
  a.href = "/api/v1/reports/export?" + query({ table, format });
  a.setAttribute("download", "");
  return a;
}
function renderExports(r) {
  const box = el("exports"); box.innerHTML = "";
  const row = (name, ...links) => { const p = make("p", null, "downloads"); p.append(make("span", name), ...links); box.append(p); };
  row(YM.t("全厅指标", "Hall-wide figures"), exportLink("CSV", "totals", "csv"), exportLink("Excel", "totals", "xlsx"));
  row(YM.t(`分项统计（按${pair(DIMENSION_HEAD[DASH.dim])}）`, `Breakdown by ${pair(DIMENSION_HEAD[DASH.dim]).toLowerCase()}`),
    exportLink("CSV", DASH.dim, "csv"), exportLink("Excel", DASH.dim, "xlsx"));
  row(YM.t("全部表格", "Every table"), exportLink(YM.t("Excel（每表一页，附指标说明）", "Excel (a sheet per table, with the definitions)"), "all", "xlsx"));
  const month = r.period.first.slice(0, 7), ledger = make("a", YM.t(`${month} 月度台账`, `Ledger of ${month}`), "button-link");
  ledger.href = `/manage/ledger?month=${month}` + (YM.lang === "en" ? "&lang=en" : ""); ledger.id = "ledger-link";
  row(YM.t("月度台账（打印、PDF）", "Monthly ledger (print, PDF)"), ledger);
  const staff = el("staff-downloads"); staff.innerHTML = "";
  staff.append(exportLink(YM.t("考勤 Excel", "Attendance (Excel)"), "attendance", "xlsx"),
    exportLink(YM.t("考勤明细 Excel", "Days (Excel)"), "attendance_daily", "xlsx"));
}

// ------------------------------------------------------------------ 图表

function drawCharts(r) {
  const empty = NO_DATA();
  const hm = r.charts.heatmap, weekdayNames = Object.fromEntries(r.by.weekday.map((w) => [w.key, w.label]));
  YC.heatmap(el("chart-heatmap"), {
    label: YM.t("到号分布热力图", "Arrivals heatmap"), empty,
    rows: hm.weekdays.map((w) => ({ key: w, label: weekdayNames[w] || String(w) })),
    cols: hm.hours.map((h) => ({ key: h, label: YM.t(`${h}时`, `${h}h`) })),
    cells: hm.cells.map((c) => ({ row: c.weekday, col: c.hour, value: c.per_day,
      data: { weekday: c.weekday, hour: c.hour, tickets: c.tickets },
      text: c.per_day >= 10 ? String(Math.round(c.per_day)) : String(c.per_day),
      tip: YM.t(`${weekdayNames[c.weekday]} ${c.hour}时：平均每天 ${c.per_day} 个号（共 ${c.tickets} 个）`,
        `${weekdayNames[c.weekday]} ${c.hour}h: ${c.per_day} tickets a day (${c.tickets} in all)`) })),
    xTitle: YM.t("取号时段", "Hour the ticket was taken"),
    legend: [YM.t("颜色浅：取号少", "light: few tickets"), YM.t("颜色深：取号多", "dark: many tickets")],
  });
  const days = r.charts.days, xs = days.map((d) => ({ key: d.day, label: d.day.slice(5) }));
  YC.lines(el("chart-waits"), {
    label: YM.t("每日等候时间", "Waits by day"), empty, xs, per: 60, yTitle: YM.t("分钟", "min"),
    format: (m) => String(Math.round(m * 10) / 10),
    series: [{ key: "wait_median_s", name: YM.t("中位数", "median"), cls: "s1", values: days.map((d) => d.wait_median_s) },
      { key: "wait_p90_s", name: "P90", cls: "s2", values: days.map((d) => d.wait_p90_s) }],
  });
  const bars = r.charts.wait_histogram;
  YC.bars(el("chart-histogram"), {
    label: YM.t("等候时间分布", "Wait distribution"), empty, format: String, yTitle: YM.t("人次", "tickets"),
    xTitle: YM.t("等候时间（分钟）", "Wait (minutes)"),
    bars: bars.map((b) => ({ key: b.from_min, value: b.count, label: b.to_min == null ? `${b.from_min}+` : `${b.from_min}–${b.to_min}`,
      tip: YM.t(`等候 ${b.from_min}${b.to_min == null ? " 分钟以上" : "–" + b.to_min + " 分钟"}：${b.count} 人次`,
        `wait ${b.from_min}${b.to_min == null ? "+ min" : "–" + b.to_min + " min"}: ${b.count}`) })),
  });
  const windows = r.by.window, short = (w) => YM.t(`${w.key}号`, `No. ${w.key}`);
  YC.bars(el("chart-served"), {
    label: YM.t("各窗口办结数", "Served per window"), empty, format: String, yTitle: YM.t("办结数", "served"),
    bars: windows.map((w) => ({ key: w.key, value: w.served, label: short(w), tip: `${w.label}：${w.served}` })),
  });
  const inMinutes = Math.max(0, ...windows.map((w) => w.idle_queue_h || 0)) < 2;  // a little idle time reads better in minutes
  YC.bars(el("chart-idle"), {
    label: YM.t("各窗口空闲待叫时长", "Idle while people waited"), empty, cls: "s2", per: inMinutes ? 1 / 60 : 1,
    yTitle: inMinutes ? YM.t("分钟", "min") : YM.t("小时", "hours"), format: (v) => String(Math.round(v * 10) / 10),
    bars: windows.map((w) => ({ key: w.key, value: w.idle_queue_h, label: short(w), tip: `${w.label}：${fmt(w.idle_queue_h, "h")}` })),
  });
  const percent = (v) => Math.round(v * 100) + "%";
  YC.lines(el("chart-satisfaction"), {
    label: YM.t("每日满意度", "Satisfaction by day"), empty, xs, format: percent, yMax: 1,
    series: [{ key: "good_rate", name: label("good_rate"), cls: "s1", values: days.map((d) => d.good_rate) },
      { key: "active_rate", name: label("active_rate"), cls: "s2", values: days.map((d) => d.active_rate) }],
  });
}
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { if (DASH.tab === "charts" && DASH.report) drawCharts(DASH.report); }, 150);
});

// ------------------------------------------------------------------ 办件 (the period's figures; the board is manage.js)

function renderCases(r) {
  const c = r.cases, box = el("case-totals"); box.innerHTML = "";
  const kpis = make("div", null, "kpis case-kpis");
  for (const k of CASE_KEYS) {
    const d = make("div", null, "kpi case " + k); d.dataset.key = k; d.dataset.value = c.totals[k] == null ? "" : String(c.totals[k]);
    const name = make("span", label(k)); name.title = tip(k);
    d.append(name, make("b", fmt(c.totals[k], figure(k).unit)));
    kpis.append(d);
  }
  box.append(kpis);
  caseTable("cases-by-type", YM.t("办件类型", "Type"), c.by_type, (k) => pair(DASH.caseTypes[k]) || k);
  caseTable("cases-by-matter", YM.t("事项", "Matter"), c.by_matter, (k) => DASH.matters[k] || k);
}

function caseTable(id, head, groups, name) {
  const t = el(id);
  headRow(t, [make("th", head), ...CASE_KEYS.map((k) => { const h = figureHead(k); h.classList.add("num"); return h; })]);
  const b = body(t);
  const keys = Object.keys(groups).sort((a, b2) => groups[b2].opened - groups[a].opened || a.localeCompare(b2));
  for (const k of keys) {
    const tr = b.insertRow(); tr.dataset.key = k;
    const td = tr.insertCell(); td.textContent = name(k); td.className = "wrap-ok";
    for (const f of CASE_KEYS) { const v = valueCell(tr, groups[k][f], figure(f).unit); v.dataset.key = f; }
  }
  if (!keys.length) { const tr = b.insertRow(); const td = tr.insertCell(); td.colSpan = CASE_KEYS.length + 1; td.textContent = NO_DATA(); td.className = "none"; }
  stackLabels(t);
}

// ------------------------------------------------------------------ start

async function startDashboard() {
  const q = new URLSearchParams(location.search);
  const nav = document.querySelector("[role=tablist]");
  if (YM.lang === "en") nav.setAttribute("aria-label", nav.dataset.enLabel);
  const [live, defs, matters] = await Promise.all([YM.getJSON("/api/v1/stats/live"), YM.getJSON("/api/v1/reports/figures"),
    YM.getJSON("/api/v1/matters")]);
  DASH.today = live.day;
  for (const [group, items] of Object.entries(defs.figures)) {
    DASH.groups[group] = items.map((f) => f.key);
    for (const f of items) DASH.figures[f.key] = f;
  }
  DASH.caseTypes = defs.case_types;
  DASH.matters = Object.fromEntries(matters.matters.map((m) => [m.code, YM.lang === "en" && m.name_en ? m.name_en : m.name]));
  const kind = q.get("period");
  const valid = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || "");
  DASH.period = { kind: ["day", "week", "month", "quarter", "year", "custom"].includes(kind) ? kind : "month",
    date: valid(q.get("date")) ? q.get("date") : DASH.today, last: null };
  if (DASH.period.kind === "custom") DASH.period.last = valid(q.get("last")) && q.get("last") >= DASH.period.date ? q.get("last") : DASH.period.date;
  DASH.compare = q.get("compare") !== "0";
  if (DIMENSION_HEAD[q.get("dim")]) DASH.dim = q.get("dim");
  pickerFromState();
  showTab(q.get("tab") || "live");
}
// What staff.js uses.
Object.assign(DASH, { el, make, pair, fmt, label, tip, figureHead, valueCell, headRow, body, stackLabels, periodWords, noData: NO_DATA });
startDashboard().catch((e) => { if (e.status === 401 || e.status === 403) location.href = "/login?next=/manage"; else throw e; });
})();
