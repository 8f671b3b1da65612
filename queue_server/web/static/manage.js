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

async function init() {
  const hall = await YM.getJSON("/api/v1/hall");
  YM.text("hall", hall.hall.name);
  csrf = (await YM.getJSON("/api/v1/session")).csrf_token;
  await refresh();
  YM.stream((msg) => { if (msg.kind === "event") refresh(); },
    (up) => YM.text("live", up ? YM.t("● 实时", "● live") : YM.t("○ 重连中", "○ reconnecting")));
  setInterval(refresh, 15000);
}

document.getElementById("signout").addEventListener("click", async () => {
  await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
  location.href = "/login";
});
init();
