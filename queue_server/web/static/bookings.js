// The day's appointments for staff: a card in the clerk console and the 预约 tab of /manage. Each
// booking with its time, matter, the contact masked (138****8000), its code and state; filtered by
// day and category; cancelled on a citizen's behalf with a reason (recorded in the audit log).
// Managers also see the no-shows counted and how many people are blocked from booking.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  if (!$("bk-table")) return;
  const BK = { csrf: null, today: null, categories: [], items: [], cancelling: null, timer: null };
  const STATE = { booked: ["待签到", "Booked"], checked_in: ["已签到", "Checked in"], late: ["迟到签到", "Late"],
    no_show: ["未到", "No-show"], cancelled: ["已取消", "Cancelled"] };
  const VIA = { web: ["手机", "phone"], desk: ["窗口/自助机", "desk/kiosk"] };

  function cell(tr, text, cls) { const td = tr.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; }

  async function load() {
    $("bk-error").textContent = "";
    const day = $("bk-day").value, cat = $("bk-category").value;
    const q = new URLSearchParams(); if (day) q.set("day", day); if (cat) q.set("category", cat);
    let r;
    try { r = await YM.getJSON("/api/v1/bookings?" + q); } catch (e) { $("bk-error").textContent = YM.t("无法读取预约", "Cannot read the bookings"); return; }
    BK.today = r.today; if (!$("bk-day").value) $("bk-day").value = r.day;
    BK.items = r.items;
    const body = $("bk-table").tBodies[0]; body.innerHTML = "";
    const heads = [...$("bk-table").querySelectorAll("thead th")].map((th) => th.textContent);
    for (const b of r.items) {
      const tr = body.insertRow(); tr.dataset.code = b.code; tr.className = "bk-" + b.state;
      cell(tr, `${YM.clock(b.slot_start)}–${YM.clock(b.slot_end)}`, "nowrap");
      cell(tr, YM.t(b.matter_name || b.category, b.matter_name_en || b.category), "wrap-ok");
      cell(tr, b.contact || "—", "nowrap");
      cell(tr, b.code, "nowrap");
      const st = STATE[b.state] || [b.state, b.state];
      const s = cell(tr, "");
      const pill = document.createElement("span"); pill.className = "pill bk-" + b.state; pill.textContent = YM.t(st[0], st[1]);
      s.append(pill);
      if (b.ticket) s.append(" " + b.ticket);
      const v = VIA[b.via] || [b.via, b.via];
      cell(tr, YM.t(v[0], v[1]), "nowrap");
      const act = tr.insertCell();
      if (b.state === "booked") {  // the server refuses once the slot is over (booking_closed)
        const btn = document.createElement("button"); btn.type = "button"; btn.textContent = YM.t("代为取消", "Cancel for them");
        btn.addEventListener("click", () => askCancel(b)); act.append(btn);
      }
      [...tr.cells].forEach((td, i) => { td.dataset.label = heads[i] || ""; });
    }
    $("bk-empty").hidden = r.items.length > 0;
    const c = r.counts;
    $("bk-counts").textContent = YM.t(`共 ${r.items.length} 个：待签到 ${c.booked}，已签到 ${c.checked_in + c.late}，未到 ${c.no_show}，已取消 ${c.cancelled}`,
      `${r.items.length} in all: booked ${c.booked}, checked in ${c.checked_in + c.late}, no-show ${c.no_show}, cancelled ${c.cancelled}`);
    $("bk-count").textContent = String(c.booked);
    if ($("bk-noshows")) noShows();
  }

  async function noShows() {
    let r;
    try { r = await YM.getJSON("/api/v1/bookings/no-shows?days=30"); } catch (e) { return; }
    $("bk-noshows").textContent = YM.t(`近 30 天：预约 ${r.booked} 个，爽约 ${r.missed} 个；目前有 ${r.blocked_people} 人因多次爽约暂停在线预约。`,
      `Last 30 days: ${r.booked} bookings, ${r.missed} missed; ${r.blocked_people} people are blocked from booking online now.`);
  }

  function askCancel(b) {
    BK.cancelling = b;
    $("bk-cancel-what").textContent = YM.t(`取消 ${b.code}（${YM.clock(b.slot_start)}，${b.contact}）`, `Cancel ${b.code} (${YM.clock(b.slot_start)}, ${b.contact})`);
    $("bk-cancel").hidden = false; $("bk-reason").value = ""; $("bk-reason").focus();
  }

  async function doCancel(ev) {
    ev.preventDefault();
    const b = BK.cancelling, reason = $("bk-reason").value.trim();
    if (!reason) { $("bk-error").textContent = YM.t("请填写取消原因", "Give the reason"); $("bk-reason").focus(); return; }
    if (!BK.csrf) BK.csrf = (await YM.getJSON("/api/v1/session")).csrf_token;
    const res = await YM.post(`/api/v1/bookings/${encodeURIComponent(b.code)}/cancel`, { day: b.day, reason }, BK.csrf);
    if (!res.ok) { $("bk-error").textContent = YM.explain(res.error); return; }
    $("bk-cancel").hidden = true; BK.cancelling = null;
    $("bk-status").textContent = YM.t(`已取消预约 ${b.code}`, `Booking ${b.code} cancelled`);
    await load();
    $("bk-day").focus();
  }

  async function categories() {
    try {
      const q = await YM.getJSON("/api/v1/queue");
      for (const c of q.queues) {
        const o = document.createElement("option"); o.value = c.code; o.textContent = `${c.code} ${YM.t(c.name, c.name_en || c.name)}`;
        $("bk-category").append(o);
      }
    } catch (e) { /* the list stays "all" */ }
  }

  $("bk-day").addEventListener("change", load);
  $("bk-category").addEventListener("change", load);
  $("bk-cancel").addEventListener("submit", doCancel);
  $("bk-cancel-no").addEventListener("click", () => { $("bk-cancel").hidden = true; BK.cancelling = null; });
  let started = false;
  window.BOOKINGS = {
    show() {
      if (!started) { started = true; categories(); BK.timer = setInterval(load, 30000); }
      load();
    },
  };
  if (!$("bk-table").closest("[role=tabpanel]")) window.BOOKINGS.show();  // the console: always shown
})();
