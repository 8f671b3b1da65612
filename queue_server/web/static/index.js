// The hall's public board: windows with their state and current number, people waiting and what
// a ticket taken now would be told per category, recent calls, the notice — live from the same
// event stream as the hall display. Numbers and windows only: no names on a public page.
"use strict";
const STATE = { open: ["等候叫号", "Waiting"], paused: ["暂停服务", "Paused"], closed: ["未开放", "Closed"] };
const RECENT = 8;
const B = { windows: [], queues: [], calls: [], offset: 0, lastAt: null };
const langLink = document.getElementById("lang");
if (YM.lang === "en") { langLink.href = "?"; langLink.textContent = "中文"; }

function make(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function name(x) { return YM.lang === "en" && x.name_en ? x.name_en : x.name; }

function renderWindows() {
  const list = document.getElementById("windows"); list.innerHTML = "";
  for (const w of B.windows) {
    const serving = w.status === "open" && w.current;
    const li = make("li", null, "tile " + (serving ? "serving" : w.status)); li.dataset.number = w.number;
    li.append(make("span", YM.t(`${w.number}号窗口`, `Window ${w.number}`), "tile-no"),
      make("span", w.name, "tile-name"),
      make("b", serving ? w.current : YM.t(...STATE[w.status] || ["—", "—"]), "tile-now"));
    list.append(li);
  }
}

function renderQueues() {
  const body = document.querySelector("#queues tbody"); body.innerHTML = "";
  for (const q of B.queues) {
    const r = body.insertRow(); r.dataset.code = q.code;
    const c = r.insertCell(); c.append(make("span", q.prefix, "prefix"), make("span", name(q), "cat-name"));
    const n = r.insertCell(); n.className = "num"; n.textContent = YM.t(`${q.waiting} 人`, `${q.waiting} waiting`);
    const est = YM.estimate(q.estimate);
    const e = r.insertCell(); e.className = "num est";
    e.append(make("span", est.text, q.estimate && !q.estimate.open_now ? "est-closed" : ""));
    if (est.warn) e.append(make("span", YM.t("今日可能办不完", "may not be served today"), "tag warn"));
  }
}

function renderCalls() {
  const list = document.getElementById("calls"); list.innerHTML = "";
  for (const c of B.calls.slice(0, RECENT)) {
    const li = make("li"); li.dataset.number = c.number;
    li.append(make("b", c.number, "call-no"), make("span", YM.t(`${c.window}号窗口`, `window ${c.window}`), "call-win"),
      make("span", (c.recall ? YM.t("重呼 ", "recall ") : "") + YM.clock(c.at), "call-at"));
    list.append(li);
  }
  document.getElementById("calls-empty").hidden = B.calls.length > 0;
}

function renderNotice(text) {
  const n = document.getElementById("notice"); n.textContent = text || ""; n.hidden = !text;
}

// "Updated at" is the hall's time of the newest message (the server's clock, not the phone's).
function touched(at) {
  B.lastAt = at != null ? at : Date.now() / 1000 + B.offset;
  YM.text("updated", YM.t("更新于 ", "Updated ") + YM.clock(B.lastAt, true));
}

async function syncClock() {
  try { const h = await YM.getJSON("/api/v1/health"); B.offset = h.time - Date.now() / 1000; touched(h.time); } catch (e) { /* the stream still updates */ }
}

function onMessage(msg) {
  if (msg.kind === "snapshot") {
    YM.text("hall", name(msg.hall)); document.title = name(msg.hall) + YM.t(" · 排队情况", " · Queue");
    B.windows = msg.windows; B.queues = msg.queues; B.calls = msg.recent_calls || [];
    renderWindows(); renderQueues(); renderCalls(); renderNotice(msg.notice);
    syncClock();
    return;
  }
  if (msg.kind === "queues") { B.queues = msg.queues; renderQueues(); touched(); return; }
  if (msg.kind === "heartbeat") { touched(msg.at); return; }
  if (msg.kind !== "event" || msg.replayed) return;  // the snapshot already holds replayed events
  if (msg.windows) { B.windows = msg.windows; renderWindows(); }
  const d = msg.data || {};
  if ((msg.type === "ticket_called" || msg.type === "ticket_recalled") && d.number) {
    B.calls = [{ number: d.number, window: d.window, at: msg.at, recall: msg.type === "ticket_recalled" }, ...B.calls];
    renderCalls();
  }
  if (msg.type === "notice_set") renderNotice(d.text);
  touched(msg.at);
}

YM.stream(onMessage, (up) => {
  const l = document.getElementById("live");
  l.textContent = up ? YM.t("● 实时", "● live") : YM.t("○ 连接中断，正在重连…", "○ offline, reconnecting…");
  l.className = up ? "live" : "live off";
});
