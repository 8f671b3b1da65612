// The manager's live page: everything comes from /api/v1/stats/live.
"use strict";
const STATE = { open: ["开放", "Open"], paused: ["暂停服务", "Paused"], closed: ["关闭", "Closed"] };
let csrf = null;

function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; }
function pct(x) { return x == null ? "—" : Math.round(x * 100) + "%"; }

async function refresh() {
  let s;
  try { s = await YM.getJSON("/api/v1/stats/live"); }
  catch (e) { if (e.status === 401 || e.status === 403) location.href = "/login?next=/manage"; return; }
  YM.text("k-waiting", s.waiting);
  YM.text("k-longest", YM.minutes(s.longest_wait_s));
  YM.text("k-issued", s.issued_today);
  YM.text("k-served", s.served_today);
  YM.text("k-wait", YM.minutes(s.waits_today.median_s) + " / " + YM.minutes(s.waits_today.p90_s));
  YM.text("k-target", pct(s.within_target));
  const cats = document.querySelector("#categories tbody"); cats.innerHTML = "";
  for (const c of s.categories) {
    const r = cats.insertRow(); r.dataset.code = c.code;
    cell(r, c.code + " " + c.name); cell(r, c.waiting, "num"); cell(r, YM.minutes(c.longest_wait_s), "num");
    cell(r, c.waits_today.n, "num"); cell(r, YM.minutes(c.waits_today.median_s), "num");
    cell(r, YM.minutes(c.waits_today.p90_s), "num"); cell(r, pct(c.within_target), "num");
  }
  const wins = document.querySelector("#windows tbody"); wins.innerHTML = "";
  for (const w of s.windows) {
    const r = wins.insertRow(); r.dataset.number = w.number;
    cell(r, w.number + YM.t("号 ", " ") + w.name);
    const st = cell(r, ""); const pill = document.createElement("span");
    pill.className = "pill " + w.status; pill.textContent = YM.t(...STATE[w.status]); st.appendChild(pill);
    cell(r, w.current || "—"); cell(r, w.clerk || "—"); cell(r, w.pause_reason || "");
  }
}

const NEXT = { open: "verified", verified: "called_back", called_back: "rectified", rectified: "feedback", feedback: "closed" };
const STEP = { verified: ["核实", "Verify"], called_back: ["回访", "Call back"], rectified: ["整改", "Rectified"],
  feedback: ["反馈", "Feedback"], closed: ["办结", "Close"], appeal_upheld: ["申诉不成立", "Uphold"],
  appeal_overturned: ["申诉成立", "Overturn"] };
const LEVEL = { 1: ["非常不满意", "very dissatisfied"], 2: ["不满意", "dissatisfied"] };

async function advance(id, step) {
  const note = step === "closed" || step === "appeal_upheld" ? "" : window.prompt(YM.t("处理说明：", "What was done:"));
  if (note === null) return;
  const r = await fetch(`/api/v1/follow-ups/${encodeURIComponent(id)}/step`, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify({ step, note }) });
  YM.text("followups-error", r.ok ? "" : (await r.json()).message);
  await refreshFollowUps();
}

async function refreshFollowUps() {
  const items = (await YM.getJSON("/api/v1/follow-ups")).follow_ups;
  const body = document.querySelector("#followups tbody"); body.innerHTML = "";
  document.getElementById("followups-empty").hidden = items.length > 0;
  for (const f of items) {
    const r = body.insertRow(); r.dataset.id = f.id; if (f.overdue_days > 0) r.className = "overdue";
    cell(r, f.number); cell(r, f.window + YM.t("号", ""));
    cell(r, YM.t(...LEVEL[f.level])); cell(r, f.reasons.join(YM.t("、", ", ")) + (f.text ? " — " + f.text : ""));
    cell(r, f.appeal === "pending" ? YM.t("申诉待审", "appeal pending") : f.state_label);
    cell(r, f.deadline + (f.deadline_provisional ? YM.t("（预计）", " (provisional)") : "")
      + (f.overdue_days > 0 ? YM.t(` 已超期${f.overdue_days}个工作日`, ` ${f.overdue_days} working days late`) : ""));
    const actions = cell(r, "");
    const steps = f.appeal === "pending" ? ["appeal_upheld", "appeal_overturned"] : [NEXT[f.state]];
    for (const step of steps) {
      const b = document.createElement("button"); b.type = "button"; b.dataset.step = step;
      b.textContent = YM.t(...STEP[step]); b.addEventListener("click", () => advance(f.id, step));
      actions.appendChild(b);
    }
  }
}

async function init() {
  const hall = await YM.getJSON("/api/v1/hall");
  YM.text("hall", hall.hall.name);
  csrf = (await YM.getJSON("/api/v1/session")).csrf_token;
  await refresh();
  await refreshFollowUps();
  YM.stream((msg) => { if (msg.kind === "event") { refresh(); if (msg.type === "rating_given" || msg.type === "follow_up_step") refreshFollowUps(); } },
    (up) => YM.text("live", up ? YM.t("● 实时", "● live") : YM.t("○ 重连中", "○ reconnecting")));
  setInterval(refresh, 15000);
}

document.getElementById("signout").addEventListener("click", async () => {
  await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
  location.href = "/login";
});
init();
