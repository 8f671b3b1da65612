// The citizen's case page (/c/<token>, the notices' QR code): where the case stands, what comes
// next, the promised date (预计 while the year's holidays are not published) — only what the
// public case-status API gives, which carries no personal data beyond the masked name.
"use strict";
const token = location.pathname.split("/").pop();
const langLink = document.getElementById("lang");
if (YM.lang === "en") { langLink.href = "?lang=zh"; langLink.textContent = "中文"; }

const DELIVERY = { window: ["到受理窗口领取", "Collect at the window"], ems: ["EMS 邮寄送达", "Mailed by EMS"],
  electronic: ["电子送达", "Delivered electronically"] };
const TYPE_EN = { "即办件": "immediate", "承诺件": "committed", "补办件": "incomplete (materials missing)",
  "退回件": "returned", "上报件": "forwarded to a higher level", "联办件": "joint (several departments)" };
const OUTCOME = { approved: ["准予许可", "approved"], not_approved: ["不予许可", "not approved"] };
const DONE = new Set(["handed_over", "archived", "returned", "withdrawn"]);

function cap(text) { return text.charAt(0).toUpperCase() + text.slice(1); }  // the API's English is lower case

function day(iso) {
  if (!iso) return "—";
  const [y, m, d] = iso.split("-").map(Number);
  return YM.t(`${y}年${m}月${d}日`, iso);
}

function show(c) {
  YM.text("hall", c.hall);
  document.title = YM.t("我的办件", "My case") + " · " + c.hall;
  YM.text("matter", c.matter_name);
  const status = document.getElementById("status");
  status.textContent = YM.t(c.status_label, cap(c.status_en));
  status.className = "status" + (DONE.has(c.status) ? " done" : c.status === "result_ready" ? " called" : "");
  let next = YM.t(c.next_step, cap(c.next_step_en));
  if (c.outcome) next += YM.t("（", " (") + YM.t(...OUTCOME[c.outcome]) + YM.t("）", ")");
  YM.text("next-step", next);
  const waiting = c.status === "awaiting_materials";  // the missing list says why the clock waits
  document.getElementById("paused").hidden = !c.paused || waiting;
  const running = !DONE.has(c.status) && c.status !== "received";
  document.getElementById("row-due").hidden = !running || (!c.due && !c.paused);
  YM.text("due", c.due ? day(c.due) + (c.due_provisional ? YM.t("（预计）", " (provisional)") : "")
    : waiting ? YM.t("材料补齐后开始计算", "set once the materials are complete") : YM.t("暂停计时中", "clock stopped"));
  YM.text("number", c.number);
  YM.text("type", YM.t(c.case_type_label, cap(TYPE_EN[c.case_type_label] || c.case_type_label)));
  YM.text("applicant", c.applicant_name);
  const d = DELIVERY[c.delivery];
  YM.text("delivery", d ? YM.t(d[0], d[1]) : c.delivery);
  const list = document.getElementById("missing"); list.replaceChildren();
  for (const m of c.missing) { const li = document.createElement("li"); li.textContent = m; li.className = "wrap-ok"; list.append(li); }
  document.getElementById("missing-card").hidden = c.missing.length === 0;
  const pickup = document.getElementById("pickup");
  pickup.hidden = c.status !== "result_ready";
  pickup.textContent = c.delivery === "window"
    ? YM.t("领取时请携带受理通知书和申请人身份证原件；代领请另带代领人身份证和授权委托书。",
      "To collect, bring the acceptance notice and the applicant's ID card; someone collecting for them also brings their own ID card and a power of attorney.")
    : YM.t("结果将按上述方式送达，请留意。", "The result will be delivered as shown above.");
  YM.text("phone", c.supervision_phone);
}

async function refresh() {
  try {
    show(await YM.getJSON("/api/v1/case-status/" + encodeURIComponent(token)));
  } catch (e) {
    const status = document.getElementById("status");
    status.textContent = e.status === 404 ? YM.t("没有找到这个办件", "Case not found") : YM.t("暂时无法连接，稍后自动重试", "Cannot reach the hall; retrying");
    status.className = "status done";
  }
}

refresh();
setInterval(refresh, 60000);  // a case moves over days: a minute is live enough
