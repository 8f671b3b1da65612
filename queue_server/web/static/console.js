// The clerk console: one window's desk. Everything goes through the public API with the session
// cookie and the X-CSRF-Token header; the event stream keeps it live. Keyboard shortcuts mirror
// the buttons so a clerk can work without the mouse.
"use strict";

const params = new URLSearchParams(location.search);
const FIXED = /^\d+$/.test(params.get("window") || "") ? Number(params.get("window")) : null;
const STORE_KEY = "yimen.console.window";

const STATE = { open: ["开放", "Open"], paused: ["暂停服务", "Paused"], closed: ["关闭", "Closed"] };
const TICKET_STATE = { waiting: ["等待中", "Waiting"], called: ["已呼叫，等候到窗", "Called, not yet here"],
  serving: ["办理中", "Being served"], held: ["已挂起", "Held"], done: ["已结束", "Finished"] };
const DONE = { "call-next": ["已呼叫", "Called"], call: ["已呼叫", "Called"], recall: ["已重呼", "Recalled"],
  start: ["开始办理", "Service started"], complete: ["已办结", "Completed"], skip: ["已过号", "Marked no-show"],
  hold: ["已挂起", "Held"], transfer: ["已转移", "Transferred"], pause: ["已暂停", "Paused"],
  resume: ["已恢复服务", "Resumed"], open: ["窗口已开启，本人为该窗口工作人员", "Window open, with you as its clerk"],
  close: ["窗口已关闭", "Window closed"],
  "request-rating": ["已请求评价，请群众在评价器上评价", "Rating requested on the review pad"] };
const PAUSE_PRESETS = [["午休", "Lunch break"], ["临时离开", "Away briefly"], ["业务培训", "Training"],
  ["系统故障", "System failure"], ["会议", "Meeting"]];
const KEYS = { r: "recall", a: "start", c: "complete", s: "skip", h: "hold", t: "transfer", e: "request-rating",
  o: "open", x: "close" };

const S = { csrf: null, me: null, myName: null, hall: null, window: null, win: null, current: null, matterCode: null,
  offset: 0, busy: false, pauseReason: null, timer: null, checklistFor: undefined, gen: 0 };

function tr(pair) { return YM.t(pair[0], pair[1]); }
function el(id) { return document.getElementById(id); }
function make(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function catName(code) {
  const c = S.hall && S.hall.categories.find((x) => x.code === code);
  return c ? code + " " + (YM.lang === "en" && c.name_en ? c.name_en : c.name) : code;
}
function priorityName(code) {
  const p = S.hall && S.hall.priority.classes.find((x) => x.code === code);
  return p && YM.lang !== "en" ? p.name : code;
}
// The time in front tells two identical answers apart (「无人等待」 pressed twice).
function say(text, kind) { const m = el("msg"); m.textContent = YM.clock(nowServer()) + "  " + text; m.className = "msg " + (kind || "ok"); }
function nowServer() { return Date.now() / 1000 + S.offset; }
function duration(s) {
  if (s == null) return "—";
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return YM.t(`${m} 分 ${sec} 秒`, `${m} min ${sec} s`);
}
function signIn() { location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }

// ------------------------------------------------------------------ talking to the server

async function post(path, body) {
  const res = await YM.post(path, body, S.csrf);
  if (res.status === 401) signIn();
  return res;
}

// One action at a time: a key pressed while the previous one is in flight is refused out loud,
// never queued to run later by surprise.
async function act(action, body) {
  if (S.window == null) return;
  if (S.busy) { say(YM.t("上一个操作还在处理中，请稍候", "The previous action is still running; wait a moment"), "error"); return; }
  S.busy = true; document.body.classList.add("busy");
  try {
    const res = await post(`/api/v1/windows/${S.window}/${action}`, body);
    if (!res.ok) { say(YM.explain(res.error), "error"); return; }
    const d = res.data;
    if (action === "pause") S.pauseReason = body.reason;
    if (action === "resume") S.pauseReason = null;
    if (action === "open") {
      S.card = { ...(S.card || {}), clerk: { username: S.me, display_name: S.myName } };
      renderIntake(S.current);  // taking over the window makes its intake draft readable
    }
    let text = tr(DONE[action] || [action, action]);
    const number = d.ticket && d.ticket.number;
    if (number && action !== "request-rating") text += " " + number;
    if (action === "request-rating" && d.event && d.event.data.number) text += YM.t("（", " (") + d.event.data.number + YM.t("）", ")");
    if (action === "transfer") text += " → " + (body.window ? YM.t(`${body.window} 号窗口`, `window ${body.window}`) : catName(body.category));
    if (d.event && d.event.data && d.event.data.finished) text += YM.t(`；${d.event.data.finished.number} 已办结`, `; ${d.event.data.finished.number} completed`);
    if (action === "recall" && d.event && d.event.type === "ticket_no_show") text = YM.t(`超过重呼次数，${number} 已过号`, `Recall limit reached: ${number} is a no-show`);
    say(text, "ok");
    // The answer carries the window and the ticket: show them at once so the next key is judged
    // on the new state; the full refresh (list, figures, guide) follows.
    if (d.window) {
      S.win = d.window;
      S.current = d.ticket && d.window.current === d.ticket.number ? d.ticket : (d.window.current ? S.current : null);
      renderWindow();
    }
  } finally {
    S.busy = false; document.body.classList.remove("busy");
    refreshAll();  // after an error too: the page may have been showing a stale state
  }
}

// ------------------------------------------------------------------ rendering

function renderWindow() {
  const w = S.win;
  if (!w) return;
  const cfg = S.hall.windows.find((x) => x.number === S.window);
  el("win-title").textContent = YM.t(`· ${S.window} 号窗口 ${cfg.name}`, `· window ${S.window} ${cfg.name}`);
  const pill = el("win-state");
  pill.className = "pill " + w.status; pill.textContent = tr(STATE[w.status]);
  el("win-serves").textContent = YM.t("办理：", "Serves: ") + cfg.serves.map(catName).join(YM.t("、", ", "));
  el("pause-reason").textContent = w.status === "paused" && S.pauseReason ? YM.t("原因：", "Reason: ") + S.pauseReason : "";
  const cur = S.current;
  // A window opened from a keypad (or by a colleague) can be taken over: ratings then bind to me.
  const clerk = S.card && S.card.clerk;
  const mine = !!clerk && clerk.username === S.me;
  el("win-clerk").textContent = w.status === "closed" ? "" : YM.t("工作人员：", "Clerk: ") + (clerk ? clerk.display_name : YM.t("未签到", "nobody signed in"));
  const openButton = document.querySelector('#actions button[data-action="open"]');
  openButton.textContent = w.status === "closed" ? YM.t("开启窗口 (O)", "Open window (O)") : YM.t("接管窗口 (O)", "Take over (O)");
  const state = {
    open: w.status === "closed" || (w.status === "open" && !mine), close: w.status !== "closed" && !w.current,
    "call-next": w.status === "open", recall: w.status === "open" && cur && cur.status === "called",
    start: w.status === "open" && cur && cur.status === "called",
    complete: w.status === "open" && !!w.current, skip: w.status === "open" && cur && cur.status === "called",
    hold: w.status === "open" && !!w.current, transfer: w.status === "open" && !!w.current,
    "request-rating": w.status !== "closed", pause: w.status === "open" && !w.current, resume: w.status === "paused",
  };
  document.querySelectorAll("#actions button[data-action]").forEach((b) => {
    const on = !!state[b.dataset.action];
    b.disabled = !on; b.hidden = (b.dataset.action === "open" && !on) || (b.dataset.action === "resume" && !on)
      || (b.dataset.action === "pause" && w.status === "paused");
  });
  el("call-number").disabled = w.status !== "open";
}

function renderCurrent(t, matter) {
  el("cur-number").textContent = t ? t.number : "—";
  el("cur-number").classList.toggle("empty", !t);
  el("cur-status").textContent = t ? tr(TICKET_STATE[t.status] || [t.status, t.status]) : "—";
  el("cur-matter").textContent = t ? (matter ? (YM.lang === "en" && matter.name_en ? matter.name_en : matter.name) : YM.t("（未选事项）", "(no matter chosen)")) : "—";
  el("cur-category").textContent = t ? catName(t.category.code) : "—";
  el("cur-issued").textContent = t ? YM.clock(t.issued_at) : "—";
  el("cur-called").textContent = t ? YM.clock(t.called_at) + " / " + t.recalls : "—";
  const notes = [];
  if (t && t.priority_class) notes.push(YM.t("优先：", "Priority: ") + priorityName(t.priority_class));
  if (t && t.appointment) notes.push(YM.t("预约", "Appointment"));
  if (t && t.transfers) notes.push(YM.t(`转移 ${t.transfers} 次`, `transferred ${t.transfers}×`));
  el("cur-note").textContent = notes.join(YM.t("；", "; ")) || "—";
}

const INTAKE_FIELDS = [["name", "姓名", "Name"], ["sex", "性别", "Sex"], ["ethnicity", "民族", "Ethnicity"],
  ["birth_date", "出生", "Born"], ["id_number", "公民身份号码", "ID number"], ["address", "住址", "Address"],
  ["authority", "签发机关", "Issued by"], ["valid_to", "有效期至", "Valid to"]];

// The ID card's identity for the ticket at this window: only the clerk signed in here gets it.
async function renderIntake(t) {
  const dl = el("intake"), note = el("intake-note");
  dl.innerHTML = ""; dl.hidden = true; S.draft = null;
  if (!t) { note.textContent = YM.t("当前无办理中的号", "No ticket at the window"); return; }
  const r = await fetch(`/api/v1/windows/${S.window}/intake`, { credentials: "same-origin" });
  if (r.status === 404) { note.textContent = YM.t("本号未使用身份证取号", "This ticket was taken without an ID card"); return; }
  if (r.status === 403) { note.textContent = YM.t("仅本窗口签到的工作人员可查看（请先开窗/接管窗口）", "Only the clerk signed in at this window may see it (open or take over the window)"); return; }
  if (!r.ok) { note.textContent = YM.t("暂时无法读取", "Cannot load it now"); return; }
  const draft = (await r.json()).intake;
  S.draft = { ticket: t.id, name: draft.name };  // a case opened for this ticket carries it over (console-cases.js)
  note.textContent = YM.t("请核对原件；草稿在当日结束时删除。", "Check against the card; the draft is deleted when the day closes.");
  for (const [key, zh, en] of INTAKE_FIELDS) {
    if (!draft[key]) continue;
    dl.append(make("dt", YM.t(zh, en)), make("dd", draft[key]));
  }
  dl.hidden = false;
}

function renderMatter(matter) {
  const list = el("materials"); list.innerHTML = "";
  const guide = el("guide");
  if (!matter) {
    el("materials-note").hidden = false; guide.hidden = true;
    return;
  }
  el("materials-note").hidden = true;
  matter.materials.forEach((m, i) => {
    const li = make("li");
    const box = make("input"); box.type = "checkbox"; box.id = "mat-" + i;
    const label = make("label"); label.htmlFor = box.id;
    label.append(make("span", m.name, "mat-name wrap-ok"),
      make("span", ` ${m.form} × ${m.count}`, "mat-form"),
      make("span", m.required ? YM.t("必需", "required") : YM.t("视情况", "if applicable"), m.required ? "tag req" : "tag opt"));
    li.append(box, label);
    if (m.notes) li.append(make("div", m.notes, "mat-notes"));
    list.append(li);
  });
  const facts = el("guide-facts"); facts.innerHTML = "";
  const row = (k, v) => { facts.append(make("dt", k), make("dd", v)); };
  row(YM.t("事项编码", "Code"), matter.code);
  row(YM.t("承诺时限", "Committed limit"), matter.committed_limit_days ? matter.committed_limit_days + YM.t(" 个工作日", " working days") : YM.t("即办", "immediate"));
  row(YM.t("法定时限", "Legal limit"), matter.legal_limit_days ? matter.legal_limit_days + YM.t(" 个工作日", " working days") : YM.t("即办", "immediate"));
  row(YM.t("收费", "Fee"), matter.fee);
  row(YM.t("办理部门", "Department"), matter.department || "—");
  const steps = el("guide-steps"); steps.innerHTML = "";
  (matter.steps || []).forEach((s) => steps.append(make("li", s)));
  guide.hidden = false;
}

function renderWaiting(waiting, held) {
  const cfg = S.hall.windows.find((x) => x.number === S.window);
  const mine = waiting.filter((t) => cfg.serves.includes(t.category.code) && (t.target_window == null || t.target_window === S.window))
    .sort((a, b) => a.queued_at - b.queued_at);
  const body = document.querySelector("#waiting tbody"); body.innerHTML = "";
  const now = nowServer();
  for (const t of mine) {
    const r = body.insertRow(); r.dataset.number = t.number;
    const n = r.insertCell(); n.textContent = t.number;
    if (t.priority_class) n.append(make("span", YM.t("优先", "priority"), "tag pri"));
    if (t.target_window === S.window) n.append(make("span", YM.t("转入", "to me"), "tag opt"));
    const what = r.insertCell(); what.textContent = t.matter ? t.matter.name : catName(t.category.code);
    if (t.matter) what.className = "wrap-ok";  // a matter's name is a phrase, up to ~27 characters
    const waited = r.insertCell(); waited.className = "num"; waited.textContent = YM.minutes(Math.max(0, now - t.issued_at));
    const est = r.insertCell(); est.className = "num";
    est.textContent = t.estimate && t.estimate.low_min != null ? `${t.estimate.low_min}–${t.estimate.high_min}` + YM.t(" 分", " min") : "—";
    const b = make("button", YM.t("呼叫", "Call"), "small"); b.type = "button";
    b.addEventListener("click", () => act("call", { number: t.number }));
    r.insertCell().append(b);
  }
  el("waiting-count").textContent = YM.t(`（${mine.length} 人）`, `(${mine.length})`);
  el("waiting-empty").hidden = mine.length > 0;
  const heldList = el("held"); heldList.innerHTML = "";
  for (const t of held.filter((x) => x.window_number === S.window)) {
    const li = make("li", t.number + " ");
    const b = make("button", YM.t("叫回", "Call back"), "small"); b.type = "button";
    b.addEventListener("click", () => act("call", { number: t.number }));
    li.append(b); heldList.append(li);
  }
  if (!heldList.children.length) heldList.append(make("li", YM.t("无", "none"), "note left"));
}

function renderMe(m) {
  el("me-served").textContent = m.served;
  el("me-mean").textContent = duration(m.mean_service_s);
  el("me-rated").textContent = `${m.ratings.rated} / ${m.ratings.unrated}`;
  el("me-bad").textContent = (m.ratings.levels["1"] || 0) + (m.ratings.levels["2"] || 0);
  const names = { 5: ["非常满意", "very satisfied"], 4: ["满意", "satisfied"], 3: ["基本满意", "fairly satisfied"],
    2: ["不满意", "dissatisfied"], 1: ["非常不满意", "very dissatisfied"] };
  el("me-levels").textContent = [5, 4, 3, 2, 1].map((l) => tr(names[l]) + " " + (m.ratings.levels[String(l)] || 0)).join(" · ");
}

// ------------------------------------------------------------------ refreshing

// The refresh in flight, so that signing out waits for it: a request answered after the session
// ended would only be refused (401).
function refreshAll() {
  S.inflight = refreshOnce();
  return S.inflight;
}

async function refreshOnce() {
  if (S.window == null || S.leaving) return;
  const gen = ++S.gen;  // a slower, older refresh must not paint over a newer one
  try {
    const [health, queue, waiting, held, me, card] = await Promise.all([
      YM.getJSON("/api/v1/health"), YM.getJSON("/api/v1/queue"), YM.getJSON("/api/v1/tickets?status=waiting"),
      YM.getJSON("/api/v1/tickets?status=held"), YM.getJSON("/api/v1/me/today"),
      YM.getJSON(`/api/v1/windows/${S.window}/card`)]);
    const win = queue.windows.find((w) => w.number === S.window) || S.win;
    let cur = null, matter = null;
    if (win && win.current) {
      cur = await YM.getJSON("/api/v1/tickets/" + encodeURIComponent(win.current));
      const code = cur.matter ? cur.matter.code : null;
      if (code && code === S.matterCode && S.matter) matter = S.matter;
      else if (code) matter = await YM.getJSON("/api/v1/matters/" + encodeURIComponent(code));
    }
    if (gen !== S.gen) return;
    S.offset = health.time - Date.now() / 1000;
    S.win = win; S.card = card; S.pauseReason = card.pause_reason;
    S.current = cur; S.matter = matter; S.matterCode = matter ? matter.code : null;
    renderWindow();
    renderCurrent(cur, matter);
    const key = cur ? cur.id + "|" + (matter ? matter.code : "") : null;
    if (key !== S.checklistFor) { renderMatter(matter); S.checklistFor = key; renderIntake(cur); }  // keep the ticks while the same ticket stays
    renderWaiting(waiting.tickets, held.tickets);
    renderMe(me);
    if (typeof refreshCases === "function") refreshCases();
  } catch (e) {
    if (e.status === 401) signIn();
    else say(YM.t("刷新失败，稍后重试", "Refresh failed; retrying"), "error");
  }
}

function soon() { clearTimeout(S.timer); S.timer = setTimeout(refreshAll, 150); }

// ------------------------------------------------------------------ choosing the window

function showChooser() {
  el("desk").hidden = true; el("chooser").hidden = false;
  const list = el("chooser-list"); list.innerHTML = "";
  for (const w of S.hall.windows) {
    const b = make("button", `${w.number} · ${w.name}`); b.type = "button"; b.dataset.key = String(w.number);
    b.append(make("small", " " + w.serves.join(" ")));
    b.addEventListener("click", () => chooseWindow(w.number));
    list.append(b);
  }
  list.firstChild && list.firstChild.focus();
}

function chooseWindow(n) {
  S.window = n; S.current = null; S.matter = null; S.matterCode = null; S.pauseReason = null; S.checklistFor = null;
  if (FIXED == null) localStorage.setItem(STORE_KEY, String(n));
  el("chooser").hidden = true; el("desk").hidden = false;
  renderMatter(null);
  refreshAll();
}

// ------------------------------------------------------------------ dialogs

function openTransfer() {
  if (!S.current) { say(YM.explain({ error: "no_current_ticket" }), "error"); return; }
  el("transfer-number").textContent = S.current.number;
  const cats = el("transfer-categories"); cats.innerHTML = "";
  for (const c of S.hall.categories) {
    const b = make("button", catName(c.code)); b.type = "button"; b.dataset.key = c.code.toLowerCase();
    b.addEventListener("click", () => { el("transfer-dialog").close(); act("transfer", { category: c.code }); });
    cats.append(b);
  }
  const wins = el("transfer-windows"); wins.innerHTML = "";
  for (const w of S.hall.windows.filter((x) => x.number !== S.window)) {
    const b = make("button", YM.t(`${w.number} 号 ${w.name}`, `${w.number} ${w.name}`)); b.type = "button"; b.dataset.key = String(w.number);
    b.addEventListener("click", () => { el("transfer-dialog").close(); act("transfer", { window: w.number }); });
    wins.append(b);
  }
  el("transfer-dialog").showModal();
  el("transfer-cancel").focus();
}

function openPause() {
  const presets = el("pause-presets"); presets.innerHTML = "";
  for (const p of PAUSE_PRESETS) {
    const b = make("button", tr(p)); b.type = "button";
    b.addEventListener("click", () => { el("pause-reason-input").value = tr(p); el("pause-reason-input").focus(); });
    presets.append(b);
  }
  el("pause-reason-input").value = "";
  el("pause-dialog").showModal();
  el("pause-reason-input").focus();
}

function run(action) {
  if (action === "transfer") return openTransfer();
  if (action === "pause") return openPause();
  // 「接管窗口」 on a window already open is the explicit take-over the server asks for.
  if (action === "open" && S.win && S.win.status !== "closed") return act("open", { take_over: true });
  return act(action);
}

// ------------------------------------------------------------------ keyboard

function typing(target) {
  return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
}

function focusByKey(container, key) {
  const b = container.querySelector(`button[data-key="${CSS.escape(key)}"]`);
  if (b) { b.focus(); return true; }
  return false;
}

document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  if (el("transfer-dialog").open) {
    if (key.length === 1 && (focusByKey(el("transfer-categories"), key) || focusByKey(el("transfer-windows"), key))) ev.preventDefault();
    return;  // Enter on the focused button and Esc are the dialog's own
  }
  if (el("pause-dialog").open || el("case-form-dialog").open || el("case-dialog").open) return;
  if (!el("chooser").hidden) {
    if (key.length === 1 && focusByKey(el("chooser-list"), key)) { ev.preventDefault(); document.activeElement.click(); }
    return;
  }
  if (typing(ev.target)) {
    if (key === "Escape") ev.target.blur();
    if (key !== "F1") return;
  }
  if (key === "F1" || (key === "Enter" && (ev.target === document.body || ev.target === document.documentElement))) {
    ev.preventDefault(); act("call-next"); return;
  }
  if (key === "w" && FIXED == null) { ev.preventDefault(); showChooser(); return; }
  if (key === "b") { ev.preventDefault(); openCaseForm(true); return; }
  const refuse = (what) => say(YM.t("现在不能执行：", "Not possible now: ") + what, "error");
  if (key === "n") {
    ev.preventDefault();
    if (el("call-number").disabled) refuse(YM.t("指定叫号（窗口未开放）", "call a number (the window is not open)"));
    else el("call-number").focus();
    return;
  }
  const action = key === "p" ? (S.win && S.win.status === "paused" ? "resume" : "pause") : KEYS[key];
  if (!action) return;
  ev.preventDefault();
  const button = document.querySelector(`#actions button[data-action="${action}"]`);
  if (button && button.disabled) { refuse(button.textContent); return; }
  run(action);
});

// ------------------------------------------------------------------ wiring

// A mouse click leaves no focus behind, so the next Enter means "call next", not "press that
// button again"; a button pressed from the keyboard (detail 0) keeps its focus for Tab users.
document.querySelectorAll("#actions button[data-action]").forEach((b) => b.addEventListener("click", (ev) => {
  if (ev.detail > 0) b.blur();
  run(b.dataset.action);
}));
el("call-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = el("call-number");
  const number = input.value.trim().toUpperCase();
  if (!number) return;
  act("call", { number }).then(() => { input.value = ""; input.blur(); });
});
el("pause-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const reason = el("pause-reason-input").value.trim();
  if (!reason) return;
  el("pause-dialog").close();
  act("pause", { reason });
});
el("pause-cancel").addEventListener("click", () => el("pause-dialog").close());
el("transfer-cancel").addEventListener("click", () => el("transfer-dialog").close());
el("change-window").addEventListener("click", showChooser);
el("signout").addEventListener("click", async () => {
  S.leaving = true;  // no new refresh starts; the one in flight is let finish
  try { await S.inflight; } catch (e) { /* it failed: nothing to wait for */ }
  await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": S.csrf } });
  location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
});
if (YM.lang === "en") { el("lang").href = "?" + new URLSearchParams([...params].filter(([k]) => k !== "lang")).toString(); el("lang").textContent = "中文"; }
else { const p = new URLSearchParams(params); p.set("lang", "en"); el("lang").href = "?" + p.toString(); }

// What this window serves (and the others, for transfers) after a manager accepted a new layout.
async function reloadHall() {
  try { S.hall = await YM.getJSON("/api/v1/hall"); renderWindow(); } catch (e) { /* the next event tries again */ }
}

async function init() {
  try {
    const session = await YM.getJSON("/api/v1/session");
    if (session.kind !== "user") { signIn(); return; }
    S.csrf = session.csrf_token; S.me = session.name; S.myName = session.display_name || session.name;
  } catch (e) { signIn(); return; }
  S.hall = await YM.getJSON("/api/v1/hall");
  YM.text("hall", YM.lang === "en" && S.hall.hall.name_en ? S.hall.hall.name_en : S.hall.hall.name);
  YM.text("clerk", S.myName);
  el("change-window").hidden = FIXED != null;
  const remembered = Number(localStorage.getItem(STORE_KEY));
  const start = FIXED != null ? FIXED : remembered;
  if (start && S.hall.windows.some((w) => w.number === start)) chooseWindow(start);
  else {
    if (FIXED != null) say(YM.t(`没有 ${FIXED} 号窗口`, `There is no window ${FIXED}`), "error");
    showChooser();
  }
  YM.stream((msg) => {
    if (msg.kind === "event" && msg.type === "layout_set") reloadHall();  // a manager accepted a window layout
    if (msg.kind === "event" || msg.kind === "snapshot" || msg.kind === "queues") soon();
  },
    (up) => { const l = el("live"); l.textContent = up ? YM.t("● 实时", "● live") : YM.t("○ 重连中", "○ reconnecting"); l.className = up ? "live" : "live off"; });
  setInterval(refreshAll, 30000);  // waits keep growing between events
  if (typeof casesReady === "function") casesReady();
}

init();
