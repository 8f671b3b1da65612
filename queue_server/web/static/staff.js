// The dashboard's 人员考勤 tab (考勤与考核): per clerk for the chosen period, attendance from the
// report's `attendance` and the work from its `by.clerk` rows; a clerk's days on a click; and one
// printable sheet per clerk (dashboard.css prints only these sheets from this tab).
"use strict";

(() => {
const D = window.DASH;
const COLUMNS = [["days", "count"], ["late_days", "count"], ["early_days", "count"], ["signed_in_h", "h"],
  ["served", "count"], ["service_mean_s", "s"], ["service_p90_s", "s"], ["rated", "count"], ["good_rate", "share"],
  ["bad", "count"], ["pause_h", "h"]];
let shown = null;  // the clerk whose days are open

// Every clerk who signed in or served in the period: attendance first (by username), then the rest.
function clerks(r) {
  const work = Object.fromEntries(r.by.clerk.map((row) => [row.key, row]));
  const out = r.attendance.map((a) => ({ clerk: a.clerk, name: a.name, att: a, work: work[a.clerk] || null }));
  const seen = new Set(out.map((c) => c.clerk));
  for (const row of r.by.clerk) if (!seen.has(row.key)) out.push({ clerk: row.key, name: row.label, att: null, work: row });
  return out;
}

function value(c, key) {
  if (["days", "late_days", "early_days", "signed_in_h", "pause_h"].includes(key)) return c.att ? c.att[key] : 0;
  if (["served", "rated", "bad"].includes(key)) return c.work ? c.work[key] : 0;
  return c.work ? c.work[key] : null;
}

function pauses(c) {
  const reasons = Object.entries((c.att && c.att.pauses_h) || {});
  return reasons.length ? reasons.map(([why, h]) => `${why} ${D.fmt(h, "h")}`).join(YM.t("，", ", ")) : "—";
}

function render(r) {
  const t = D.el("staff"), list = clerks(r);
  D.headRow(t, [D.make("th", YM.t("姓名", "Name")), ...COLUMNS.map(([k]) => { const h = D.figureHead(k); h.classList.add("num"); return h; }),
    D.make("th", YM.t("暂停（按原因）", "Pauses by reason"))]);
  const b = D.body(t);
  for (const c of list) {
    const tr = b.insertRow(); tr.dataset.clerk = c.clerk;
    const button = D.make("button", c.name, "link"); button.type = "button";
    button.setAttribute("aria-expanded", "false"); button.setAttribute("aria-controls", "staff-detail");
    button.addEventListener("click", () => {
      showDays(c.clerk === shown ? null : c, r);
      if (shown) D.el("staff-detail").scrollIntoView({ block: "nearest" });  // on a phone it is below the list
    });
    tr.insertCell().append(button);
    for (const [k, unit] of COLUMNS) { const td = D.valueCell(tr, value(c, k), unit); td.dataset.key = k; }
    const td = tr.insertCell(); td.textContent = pauses(c); td.className = "wrap-ok wide";
  }
  D.stackLabels(t);
  D.el("staff-empty").hidden = list.length > 0;
  D.el("staff-empty").textContent = D.noData();
  const again = list.find((c) => c.clerk === shown);
  showDays(again || null, r);
  sheets(r, list);
}

function dailyTable(c, stack) {
  const t = D.make("table", null, (stack ? "stack " : "") + "report daily");
  D.headRow(t, [YM.t("日期", "Day"), YM.t("首次签到", "First sign-in"), YM.t("最后签退", "Last sign-out"),
    YM.t("迟到（分钟）", "Late (min)"), YM.t("早退（分钟）", "Early (min)"), D.label("signed_in_h")].map((h, i) => D.make("th", h, i > 2 ? "num" : null)));
  const b = D.body(t);
  for (const d of (c.att && c.att.daily) || []) {
    const tr = b.insertRow(); tr.dataset.day = d.day;
    for (const text of [d.day, d.first_in, d.last_out]) tr.insertCell().textContent = text;
    for (const [k, v] of [["late_min", d.late_min], ["early_min", d.early_min]]) {
      const td = D.valueCell(tr, v, "count"); td.dataset.key = k; if (v > 0) td.classList.add("late");
    }
    D.valueCell(tr, d.signed_in_h, "h").dataset.key = "signed_in_h";
  }
  D.stackLabels(t);
  return t;
}

function showDays(c, r) {
  shown = c ? c.clerk : null;
  const box = D.el("staff-detail"); box.innerHTML = "";
  for (const b of D.el("staff").querySelectorAll("button[aria-controls]")) {
    b.setAttribute("aria-expanded", b.closest("tr").dataset.clerk === shown ? "true" : "false");
  }
  box.hidden = !c;
  if (!c) return;
  box.dataset.clerk = c.clerk;
  box.append(D.make("h3", YM.t(`${c.name} · 每日考勤（${D.periodWords(r.period)}）`, `${c.name} · days (${D.periodWords(r.period)})`)));
  if (!(c.att && c.att.daily.length)) box.append(D.make("p", YM.t("本期没有签到记录。", "No sign-in in this period."), "note left"));
  else box.append(dailyTable(c, true));
}

// One sheet per clerk for printing: hall, period, the clerk, the figures, the days, signatures.
function sheets(r, list) {
  const box = D.el("print-sheets"); box.innerHTML = "";
  for (const c of list) {
    const s = D.make("section", null, "sheet"); s.dataset.clerk = c.clerk;
    s.append(D.make("p", r.hall, "sheet-hall"), D.make("h2", YM.t("工作人员考勤与考核表", "Staff attendance and appraisal")));
    const who = D.make("p", null, "sheet-who");
    who.append(D.make("span", YM.t(`统计周期：${D.periodWords(r.period)}`, `Period: ${D.periodWords(r.period)}`)),
      D.make("span", YM.t(`姓名：${c.name}`, `Name: ${c.name}`)), D.make("span", YM.t(`账号：${c.clerk}`, `Account: ${c.clerk}`)));
    s.append(who);
    const figs = D.make("table", null, "sheet-figures"), fb = D.body(figs);
    const cells = [...COLUMNS.map(([k, unit]) => [D.label(k), D.fmt(value(c, k), unit)]), [YM.t("暂停（按原因）", "Pauses by reason"), pauses(c)]];
    for (let i = 0; i < cells.length; i += 3) {
      const tr = fb.insertRow();
      for (const [name, v] of cells.slice(i, i + 3)) { tr.append(D.make("th", name)); tr.insertCell().textContent = v; }
    }
    s.append(figs, dailyTable(c, false));
    const sign = D.make("div", null, "signatures");
    sign.append(D.make("span", YM.t("本人签字：", "Signed (clerk): ")), D.make("span", YM.t("负责人签字：", "Signed (manager): ")),
      D.make("span", YM.t("日期：", "Date: ")));
    s.append(sign);
    box.append(s);
  }
}

D.el("print-staff").addEventListener("click", () => window.print());
D.onReport.push(render);
})();
