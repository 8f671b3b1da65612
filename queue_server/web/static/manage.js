// The dashboard's live tab (and the 办件 tab's supervision board): everything comes from
// /api/v1/stats/live and /api/v1/cases/supervision (and the hall's layout from /api/v1/hall),
// refreshed on every event of the stream. New staff alerts beep. The other tabs: dashboard.js.
"use strict";
const STATE = { open: ["开放", "Open"], paused: ["暂停服务", "Paused"], closed: ["关闭", "Closed"] };
const ALERT_KIND = { help: ["群众求助", "Help requested"], printer: ["打印机故障", "Printer fault"],
  paper_low: ["打印纸将用完", "Paper running low"], device: ["设备异常", "Device problem"], other: ["提醒", "Alert"],
  case_due: ["办件即将到期", "Case due soon"], case_overdue: ["办件超期", "Case overdue"] };
const DEVICE_KIND = { kiosk: ["自助取号机", "kiosk"], display: ["大厅显示屏", "display"], keypad: ["叫号器", "keypad"],
  review: ["评价器", "review pad"] };
const PRINTER = { ok: ["正常", "OK"], near_end: ["纸将用完", "paper low"], out: ["缺纸", "out of paper"],
  cover_open: ["纸仓盖未关", "cover open"], offline: ["离线", "offline"], error: ["故障", "error"] };
const SOUND_KEY = "yimen.manage.sound";
let csrf = null, hall = null, seenAlerts = null, audio = null, generation = 0, matterNames = null;

function tr(pair) { return pair ? YM.t(pair[0], pair[1]) : "—"; }
function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; }
function make(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function pct(x) { return x == null ? "—" : Math.round(x * 100) + "%"; }
function windowList(numbers) { return numbers.map((n) => n + YM.t("号", "")).join(YM.t("、", ", ")); }
// On a phone the tables stack: each cell carries its column's name.
function label(table) {
  const heads = [...document.querySelectorAll(`#${table} thead th`)].map((th) => th.textContent);
  document.querySelectorAll(`#${table} tbody tr`).forEach((r) => [...r.cells].forEach((td, i) => { td.dataset.label = heads[i] || ""; }));
}

// ------------------------------------------------------------------ sound

function soundWanted() { return localStorage.getItem(SOUND_KEY) !== "off"; }
function soundButton() {
  const b = document.getElementById("sound");
  const running = audio && audio.state === "running";
  b.textContent = !soundWanted() ? YM.t("提示音：关", "Sound: off") : running ? YM.t("提示音：开", "Sound: on") : YM.t("开启提示音", "Turn on alert sound");
  b.classList.toggle("attention", soundWanted() && !running);
}
// Browsers only start audio after a click on the page: until then the button asks for one.
function ensureAudio() {
  if (!audio && navigator.userActivation && navigator.userActivation.hasBeenActive) audio = new AudioContext();
  return audio && audio.state === "running" ? audio : null;
}
function beep() {
  const ctx = soundWanted() ? ensureAudio() : null;
  if (!ctx) { soundButton(); return; }
  for (const [start, freq] of [[0, 880], [0.25, 660]]) {
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = freq; gain.gain.value = 0.2;
    osc.connect(gain).connect(ctx.destination);
    osc.start(ctx.currentTime + start); osc.stop(ctx.currentTime + start + 0.18);
  }
}
document.getElementById("sound").addEventListener("click", async () => {
  const running = audio && audio.state === "running";
  if (soundWanted() && running) localStorage.setItem(SOUND_KEY, "off");
  else {
    localStorage.setItem(SOUND_KEY, "on");
    if (!audio) audio = new AudioContext();
    await audio.resume();
  }
  soundButton();
});

// ------------------------------------------------------------------ rendering

function renderWarnings(s) {
  const box = document.getElementById("warnings"); box.innerHTML = "";
  if (s.storage) {
    const p = make("p", YM.t(`数据存储出现故障（${YM.clock(s.storage.since)} 起）：新的取号和操作无法保存，请立即联系技术人员。`,
      `The hall's storage is failing (since ${YM.clock(s.storage.since)}): nothing new can be saved. Call the technician now.`), "warning");
    p.id = "storage-warning"; box.append(p);
  }
  for (const c of s.categories) {
    if (!c.waiting || c.windows_open.length) continue;
    const serving = hall.windows.filter((w) => w.serves.includes(c.code)).map((w) => w.number);
    let text = YM.t(`${c.code} ${c.name}：${c.waiting} 人等待，没有开放的窗口`, `${c.code} ${c.name}: ${c.waiting} waiting and no window open`);
    if (c.windows_paused.length) text += YM.t(`（${windowList(c.windows_paused)}窗口暂停中）`, ` (window ${windowList(c.windows_paused)} paused)`);
    else text += YM.t(`，可开启${windowList(serving)}窗口`, `; open window ${windowList(serving)}`);
    const p = make("p", text, "warning"); p.dataset.code = c.code; box.append(p);
  }
}

function renderAlerts(s) {
  const list = document.getElementById("alerts"); list.innerHTML = "";
  const ids = new Set(s.alerts.map((a) => a.id));
  const fresh = seenAlerts ? s.alerts.filter((a) => !seenAlerts.has(a.id)) : [];
  for (const a of s.alerts) {
    const li = make("li", null, "alert " + a.kind + (fresh.includes(a) ? " fresh" : "")); li.dataset.id = a.id;
    const what = make("div", null, "alert-what");
    // A case's alert (电子监察) names its case: a link to it in the console, where it can be acted on.
    const caseNo = a.source.startsWith("case:") ? a.source.slice(5) : null;
    let source = make("span", a.source, "alert-source");
    if (caseNo) { source = make("a", caseNo, "alert-source"); source.href = "/console?case=" + encodeURIComponent(caseNo) + (YM.lang === "en" ? "&lang=en" : ""); }
    what.append(make("b", tr(ALERT_KIND[a.kind] || ALERT_KIND.other)), make("span", YM.clock(a.at), "alert-at"), source);
    li.append(what);
    if (a.message) li.append(make("p", a.message, "alert-message wrap-ok"));
    const b = make("button", YM.t("我来处理", "I'll handle it")); b.type = "button";
    b.addEventListener("click", () => acknowledge(a.id));
    li.append(b); list.append(li);
  }
  document.getElementById("alerts-empty").hidden = s.alerts.length > 0;
  YM.text("alerts-count", s.alerts.length ? YM.t(`（${s.alerts.length}）`, `(${s.alerts.length})`) : "");
  document.title = (s.alerts.length ? YM.t(`【${s.alerts.length} 条提醒】`, `(${s.alerts.length}) `) : "") + YM.t("管理看板 · Yimen", "Dashboard · Yimen");
  if (fresh.length) beep();
  seenAlerts = ids;
}

async function acknowledge(id) {
  const res = await YM.post(`/api/v1/alerts/${id}/ack`, {}, csrf);
  YM.text("alerts-error", res.ok ? "" : YM.explain(res.error));
  await refresh();
}

function renderDevices(s) {
  const body = document.querySelector("#devices tbody"); body.innerHTML = "";
  for (const d of s.devices) {
    const printer = d.status && d.status.printer;
    const r = body.insertRow(); r.dataset.name = d.name;
    if (printer && printer !== "ok") r.className = "bad";
    cell(r, d.name); cell(r, tr(DEVICE_KIND[d.kind]) || d.kind); cell(r, printer ? tr(PRINTER[printer]) : "—");
    cell(r, YM.clock(d.since)); cell(r, (d.status && d.status.detail) || "", "wrap-ok wide");
  }
  label("devices");
  document.getElementById("devices-empty").hidden = s.devices.length > 0;
  YM.text("print-failures", s.print_failures.length
    ? YM.t(`今日打印失败 ${s.print_failures.length} 张（号票已在取号机屏幕显示）：`, `Slips not printed today (${s.print_failures.length}, shown on the kiosk's screen): `)
      + s.print_failures.join(YM.t("、", ", "))
    : YM.t("今日无打印失败。", "No failed prints today."));
}

async function refresh() {
  const mine = ++generation;  // an older answer arriving late must not paint over a newer one
  let s;
  try { s = await YM.getJSON("/api/v1/stats/live"); }
  catch (e) { if (e.status === 401 || e.status === 403) location.href = "/login?next=/manage"; return; }
  if (mine !== generation) return;
  YM.text("k-waiting", s.waiting);
  YM.text("k-longest", YM.minutes(s.longest_wait_s));
  YM.text("k-issued", s.issued_today);
  YM.text("k-served", s.served_today);
  YM.text("k-noshow", s.no_show_today);
  const wait = document.getElementById("k-wait"); wait.innerHTML = "";  // breaks only after the slash
  wait.append(make("span", YM.minutes(s.waits_today.median_s) + " /", "nowrap"), " ", make("span", YM.minutes(s.waits_today.p90_s), "nowrap"));
  YM.text("k-target", pct(s.within_target));
  YM.text("k-rated", `${s.ratings.rated} / ${s.ratings.unrated}`);
  YM.text("k-good", pct(s.ratings.good_share));
  YM.text("k-bad", s.ratings.bad.length);
  const cats = document.querySelector("#categories tbody"); cats.innerHTML = "";
  for (const c of s.categories) {
    const r = cats.insertRow(); r.dataset.code = c.code;
    if (c.waiting && !c.windows_open.length) r.className = "bad";
    const name = cell(r, c.code + " " + c.name);
    const cap = (s.caps || []).find((x) => x.code === c.code);  // 当日号源上限: numbers left today
    if (cap) name.append(" ", make("span", cap.remaining ? YM.t(`今日余 ${cap.remaining}/${cap.daily_cap} 号`, `${cap.remaining}/${cap.daily_cap} left today`)
      : YM.t(`今日 ${cap.daily_cap} 号已发完`, `All ${cap.daily_cap} numbers given out`), "pill cap " + (cap.remaining ? "open" : "paused")));
    cell(r, c.waiting, "num"); cell(r, YM.minutes(c.longest_wait_s), "num");
    cell(r, c.waits_today.n, "num"); cell(r, YM.minutes(c.waits_today.median_s), "num");
    cell(r, YM.minutes(c.waits_today.p90_s), "num"); cell(r, pct(c.within_target), "num");
  }
  label("categories");
  const wins = document.querySelector("#windows tbody"); wins.innerHTML = "";
  for (const w of s.windows) {
    const r = wins.insertRow(); r.dataset.number = w.number;
    cell(r, w.number + YM.t("号 ", " ") + w.name);
    const st = cell(r, "");
    st.append(make("span", tr(STATE[w.status]), "pill " + w.status));
    cell(r, w.current || "—"); cell(r, w.clerk_name || "—"); cell(r, w.pause_reason || "", "wrap-ok wide");
  }
  label("windows");
  renderWarnings(s);
  renderAlerts(s);
  renderDevices(s);
}

// 电子监察: running cases by colour, and the overdue ones with who answers for them; each links to
// the case in the console, where a manager may act on it.
async function refreshSupervision() {
  let b;
  try { b = await YM.getJSON("/api/v1/cases/supervision"); } catch (e) { return; }
  for (const colour of ["green", "yellow", "red"]) YM.text("sup-" + colour, b.counts[colour]);
  YM.text("sup-paused", b.paused);
  const badge = document.getElementById("cases-badge");  // the 办件 tab says how many are overdue
  badge.hidden = !b.counts.red; badge.textContent = b.counts.red || "";
  badge.title = YM.t(`${b.counts.red} 件超期`, `${b.counts.red} overdue`);
  const names = Object.fromEntries((matterNames || []).map((m) => [m.code, m.name]));
  const body = document.querySelector("#overdue tbody"); body.innerHTML = "";
  for (const c of b.overdue) {
    const r = body.insertRow(); r.dataset.number = c.number; r.className = "overdue";
    const a = make("a", c.number); a.href = "/console?case=" + encodeURIComponent(c.number) + (YM.lang === "en" ? "&lang=en" : "");
    r.insertCell().append(a);
    cell(r, names[c.matter] || c.matter, "wrap-ok wide"); cell(r, c.window ? c.window + YM.t("号", "") : "—"); cell(r, c.clerk);
    cell(r, c.due || "—"); cell(r, YM.t(`${c.overdue_days} 个工作日`, `${c.overdue_days} working day${c.overdue_days === 1 ? "" : "s"}`), "num");
  }
  label("overdue");
  document.getElementById("overdue-empty").hidden = b.overdue.length > 0;
}

const NEXT = { open: "verified", verified: "called_back", called_back: "rectified", rectified: "feedback", feedback: "closed" };
const STEP = { verified: ["核实", "Verify"], called_back: ["回访", "Call back"], rectified: ["整改", "Rectified"],
  feedback: ["反馈", "Feedback"], closed: ["办结", "Close"], appeal_upheld: ["申诉不成立", "Uphold"],
  appeal_overturned: ["申诉成立", "Overturn"] };
const LEVEL = { 1: ["非常不满意", "very dissatisfied"], 2: ["不满意", "dissatisfied"] };

async function advance(id, step) {
  const note = step === "closed" || step === "appeal_upheld" ? "" : window.prompt(YM.t("处理说明：", "What was done:"));
  if (note === null) return;
  const res = await YM.post(`/api/v1/follow-ups/${encodeURIComponent(id)}/step`, { step, note }, csrf);
  YM.text("followups-error", res.ok ? "" : YM.explain(res.error));
  await refreshFollowUps();
}

async function refreshFollowUps() {
  const items = (await YM.getJSON("/api/v1/follow-ups")).follow_ups;
  const body = document.querySelector("#followups tbody"); body.innerHTML = "";
  document.getElementById("followups-empty").hidden = items.length > 0;
  for (const f of items) {
    const r = body.insertRow(); r.dataset.id = f.id; if (f.overdue_days > 0) r.className = "overdue";
    cell(r, f.number); cell(r, f.window + YM.t("号", ""));
    cell(r, tr(LEVEL[f.level])); cell(r, f.reasons.join(YM.t("、", ", ")) + (f.text ? " — " + f.text : ""), "wrap-ok wide");
    cell(r, f.appeal === "pending" ? YM.t("申诉待审", "appeal pending") : f.state_label);
    cell(r, f.deadline + (f.deadline_provisional ? YM.t("（预计）", " (provisional)") : "")
      + (f.overdue_days > 0 ? YM.t(` 已超期${f.overdue_days}个工作日`, ` ${f.overdue_days} working days late`) : ""), "wide");
    const actions = cell(r, "");
    const steps = f.appeal === "pending" ? ["appeal_upheld", "appeal_overturned"] : [NEXT[f.state]];
    for (const step of steps) {
      const b = make("button", tr(STEP[step])); b.type = "button"; b.dataset.step = step;
      b.addEventListener("click", () => advance(f.id, step));
      actions.appendChild(b);
    }
  }
  label("followups");
}

async function init() {
  hall = await YM.getJSON("/api/v1/hall");
  YM.text("hall", YM.lang === "en" && hall.hall.name_en ? hall.hall.name_en : hall.hall.name);
  csrf = (await YM.getJSON("/api/v1/session")).csrf_token;
  soundButton();
  matterNames = (await YM.getJSON("/api/v1/matters")).matters;
  await refresh();
  await refreshFollowUps();
  await refreshSupervision();
  // The snapshot that opens each connection means "subscribed": refresh then, so nothing that
  // happened between the first load and the connection is missed.
  YM.stream((msg) => {
    if (msg.kind === "snapshot") { refresh(); refreshFollowUps(); refreshSupervision(); }
    if (msg.kind === "event") {
      refresh();
      if (msg.type === "rating_given" || msg.type === "follow_up_step") refreshFollowUps();
      if (msg.type === "case_opened" || msg.type === "case_step") refreshSupervision();
    }
  },
    (up) => { const l = document.getElementById("live"); l.textContent = up ? YM.t("● 实时", "● live") : YM.t("○ 重连中", "○ reconnecting"); l.className = up ? "live" : "live off"; });
  setInterval(refresh, 15000);
  setInterval(refreshSupervision, 60000);  // colours change with the day, not only with events
}

document.getElementById("signout").addEventListener("click", async () => {
  await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
  location.href = "/login";
});
init();
