// The citizen's ticket page: status, people ahead and the estimate, live.
"use strict";
const token = location.pathname.split("/").pop();
if (YM.lang === "en") document.getElementById("lang").href = "?lang=zh";
if (YM.lang === "en") document.getElementById("lang").textContent = "中文";

function describe(t) {
  if (t.status === "waiting") return [YM.t("等待叫号", "Waiting"), ""];
  if (t.status === "called") return [YM.t(`请到 ${t.window.number} 号窗口办理`, `Please go to window ${t.window.number}`), "called"];
  if (t.status === "serving") return [YM.t(`正在 ${t.window.number} 号窗口办理`, `Being served at window ${t.window.number}`), "called"];
  if (t.status === "held") return [YM.t("已挂起，请留意窗口呼叫", "On hold: the window will call you again"), ""];
  const outcome = { served: YM.t("已办结", "Done"), no_show: YM.t("已过号，请重新取号", "Missed: please take a new ticket"),
    cancelled: YM.t("已取消", "Cancelled"), expired: YM.t("已过期", "Expired") };
  return [outcome[t.outcome] || t.outcome, "done"];
}

async function refresh() {
  try {
    const t = await YM.getJSON("/api/v1/status/" + encodeURIComponent(token));
    YM.text("hall", t.hall);
    YM.text("number", t.number);
    const [text, cls] = describe(t);
    const el = document.getElementById("status");
    el.textContent = text; el.className = "status " + cls;
    YM.text("ahead", t.estimate ? t.estimate.ahead + YM.t(" 人", "") : "—");
    YM.text("estimate", t.estimate && t.estimate.low_min != null
      ? `${t.estimate.low_min}–${t.estimate.high_min}` + YM.t(" 分钟", " min") : "—");
    YM.text("category", t.matter ? t.matter.name : t.category.name);
    YM.text("windows", t.serving_windows.map((n) => n + YM.t("号", "")).join(YM.t("、", ", ")));
    YM.text("issued", YM.clock(t.issued_at));
    YM.text("phone", t.supervision_phone);
    document.title = t.number + " · " + t.hall;
  } catch (e) {
    YM.text("status", e.status === 404 ? YM.t("没有找到这张号（号票当天有效）", "Ticket not found (valid on the day it was taken)")
                                       : YM.t("暂时无法连接，稍后自动重试", "Cannot reach the hall; retrying"));
  }
}

refresh();
YM.stream((msg) => { if (msg.kind === "event") refresh(); },
  (up) => { const el = document.getElementById("live"); el.textContent = up ? YM.t("● 实时更新", "● live") : YM.t("○ 正在重新连接…", "○ reconnecting…"); el.className = up ? "live" : "live off"; if (up) refresh(); });
setInterval(refresh, 30000);
