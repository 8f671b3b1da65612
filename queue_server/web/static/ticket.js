// The citizen's ticket page: status, people ahead and the estimate, live while anything can still
// change; a finished or unknown ticket says so and the page stops listening.
"use strict";
const token = location.pathname.split("/").pop();
const langLink = document.getElementById("lang");
if (YM.lang === "en") { langLink.href = "?lang=zh"; langLink.textContent = "中文"; }

const OUTCOME = { served: ["已办结", "Done"], no_show: ["已过号", "Missed"], cancelled: ["已取消", "Cancelled"],
  transferred: ["已转办", "Transferred"], expired: ["已过期", "Expired"] };
// What the page says under a finished ticket; a missed ticket gets the hall's own rule instead.
const FINISHED = { served: ["本号已办理完毕，感谢您的耐心等候。", "This ticket has been served. Thank you for waiting."],
  cancelled: ["本号已取消。如需办理，请重新取号。", "This ticket was cancelled. Take a new ticket if you still need the service."],
  expired: ["本号当天未办理，已过期。如需办理，请重新取号。", "This ticket was not served on its day and has expired. Please take a new ticket."],
  transferred: ["本号已转办。", "This ticket was transferred."] };
let live = null, timer = null;

function describe(t) {
  if (t.status === "waiting") return [YM.t("等待叫号", "Waiting"), ""];
  if (t.status === "called") return [YM.t(`请到 ${t.window.number} 号窗口办理`, `Please go to window ${t.window.number}`), "called"];
  if (t.status === "serving") return [YM.t(`正在 ${t.window.number} 号窗口办理`, `Being served at window ${t.window.number}`), "called"];
  if (t.status === "held") return [YM.t("已挂起，请留意窗口呼叫", "On hold: the window will call you again"), ""];
  const o = OUTCOME[t.outcome];
  return [o ? YM.t(o[0], o[1]) : YM.t("已结束", "Finished"), "done"];
}

// Nothing more can happen to this ticket (a missed one may still rejoin, so it stays live).
function stopLive(text) {
  if (live) live.stop();
  live = null; clearInterval(timer);
  const el = document.getElementById("live");
  el.textContent = text; el.className = "live";
}

function show(t) {
  YM.text("hall", t.hall);
  YM.text("number", t.number);
  const [text, cls] = describe(t);
  const status = document.getElementById("status");
  status.textContent = text; status.className = "status " + cls;
  const waiting = t.status === "waiting";
  document.getElementById("row-ahead").hidden = !waiting;
  document.getElementById("row-estimate").hidden = !waiting;
  document.getElementById("advice").hidden = !waiting;
  const est = YM.estimate(t.estimate);
  YM.text("ahead", t.estimate ? t.estimate.ahead + YM.t(" 人", "") : "—");
  YM.text("estimate", est.text);
  const warning = document.getElementById("warning");
  warning.textContent = waiting ? est.warn : ""; warning.hidden = !(waiting && est.warn);
  YM.text("category", t.matter ? t.matter.name : t.category.name);
  document.getElementById("category").className = t.matter ? "wrap-ok" : "";  // a matter's name is a phrase
  YM.text("windows", t.serving_windows.map((n) => n + YM.t("号", "")).join(YM.t("、", ", ")));
  YM.text("issued", YM.clock(t.issued_at));
  YM.text("phone", t.supervision_phone);
  const missed = YM.lang === "en" ? t.note_en : t.note;
  const finished = FINISHED[t.outcome];
  YM.text("rule", t.status !== "done" || t.outcome === "no_show" ? missed : YM.t(finished[0], finished[1]));
  document.title = t.number + " · " + t.hall;
  if (t.status === "done" && t.outcome !== "no_show") stopLive(YM.t("本号已结束，页面不再更新", "Finished: this page no longer updates"));
}

function unknown() {
  YM.text("number", "—");
  const status = document.getElementById("status");
  status.textContent = YM.t("没有找到这张号", "Ticket not found"); status.className = "status done";
  for (const id of ["row-ahead", "row-estimate", "advice", "warning"]) document.getElementById(id).hidden = true;
  YM.text("rule", YM.t("号票仅在取号当天有效。如需办理，请到大厅重新取号。",
    "Tickets are valid on the day they are taken. Please take a new ticket in the hall."));
  stopLive(YM.t("页面不再更新", "This page no longer updates"));
}

async function refresh() {
  try {
    show(await YM.getJSON("/api/v1/status/" + encodeURIComponent(token)));
  } catch (e) {
    if (e.status === 404) unknown();
    else YM.text("status", YM.t("暂时无法连接，稍后自动重试", "Cannot reach the hall; retrying"));
  }
}

refresh();
// An event changes the ticket's state at once; its estimate changes when the server's replay that
// follows is done, which a `queues` message announces.
live = YM.stream((msg) => { if (msg.kind === "event" || msg.kind === "queues") refresh(); },
  (up) => { const el = document.getElementById("live"); el.textContent = up ? YM.t("● 实时更新", "● live") : YM.t("○ 正在重新连接…", "○ reconnecting…"); el.className = up ? "live" : "live off"; if (up) refresh(); });
timer = setInterval(refresh, 30000);
