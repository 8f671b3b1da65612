// The citizens' booking page (/book): choose a service, a day, a time with places left, give a
// mobile or ID number, get a booking code and its QR; find the booking again with the code and the
// same number to change or cancel it. Every write sends the page's token (X-Book-Token). Large,
// plain controls (radio buttons and buttons), so the page works on a cheap phone and by keyboard.
"use strict";
const TOKEN = document.querySelector("meta[name=book-token]").content;
const $ = (id) => document.getElementById(id);
const B = { options: null, matter: null, days: [], day: null, slot: null, changing: null, shown: null, contact: "" };
const WEEK = [["周日", "Sun"], ["周一", "Mon"], ["周二", "Tue"], ["周三", "Wed"], ["周四", "Thu"], ["周五", "Fri"], ["周六", "Sat"]];
const STATE = { booked: ["已预约", "Booked"], checked_in: ["已签到", "Checked in"], late: ["迟到签到", "Checked in late"],
  no_show: ["未按时签到", "Missed"], cancelled: ["已取消", "Cancelled"] };

if (YM.lang === "en") { const l = $("lang"); l.href = "?lang=zh"; l.textContent = "中文"; }
document.querySelectorAll("[data-en-placeholder]").forEach((el) => { if (YM.lang === "en") el.placeholder = el.dataset.enPlaceholder; });
document.querySelectorAll("[data-en-alt]").forEach((el) => { if (YM.lang === "en") el.alt = el.dataset.enAlt; });
document.querySelectorAll("[data-en-label]").forEach((el) => { if (YM.lang === "en") el.setAttribute("aria-label", el.dataset.enLabel); });

function dayText(iso) {
  const d = new Date(iso + "T00:00:00+08:00");
  const w = WEEK[new Date(iso + "T12:00:00Z").getUTCDay()];
  const [y, m, day] = iso.split("-").map(Number);
  if (YM.lang === "en") return `${w[1]} ${day} ${d.toLocaleString("en", { month: "short", timeZone: "Asia/Shanghai" })}`;
  return (y !== Number(B.options.today.slice(0, 4)) ? `${y}年` : "") + `${m}月${day}日 ${w[0]}`;
}
const timeText = (s, e) => `${YM.clock(s)}–${YM.clock(e)}`;
const left = (n) => (n > 0 ? YM.t(`余 ${n} 个`, `${n} left`) : YM.t("已约满", "full"));

// The server's refusal in words; some carry more (the block's end, when to try again).
function explain(err) {
  if (!err) return YM.t("操作未完成", "Failed");
  if (err.error === "booking_blocked") return YM.t(`您近期多次预约未到，${err.until} 起才能再次在线预约。如有疑问请拨打监督电话。`,
    `Bookings missed recently: you may book online again from ${err.until}.`);
  if (err.retry_after) return YM.explain(err) + YM.t(`（约 ${Math.ceil(err.retry_after / 60)} 分钟后再试）`, ` (try again in about ${Math.ceil(err.retry_after / 60)} min)`);
  return YM.explain(err);
}

async function send(url, body) {
  let r;
  try {
    r = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-Book-Token": TOKEN }, body: JSON.stringify(body) });
  } catch (e) { return { ok: false, error: { error: "offline" } }; }
  const data = await r.json().catch(() => ({}));
  return r.ok ? { ok: true, data } : { ok: false, status: r.status, error: data };
}

// A radio button as a big tappable card: the label holds the input (arrow keys move, space picks).
function choice(name, value, title, side, disabled, checked) {
  const label = document.createElement("label");
  label.className = "choice" + (disabled ? " off" : "");
  const input = document.createElement("input");
  input.type = "radio"; input.name = name; input.value = value; input.disabled = disabled; input.checked = !!checked;
  const t = document.createElement("span"); t.className = "c-title"; t.textContent = title;
  label.append(input, t);
  if (side) { const s = document.createElement("span"); s.className = "c-side"; s.textContent = side; label.append(s); }
  return label;
}

function showMode(mine) {
  $("mode-new").setAttribute("aria-pressed", String(!mine));
  $("mode-mine").setAttribute("aria-pressed", String(mine));
  $("book-form").hidden = mine; $("find-form").hidden = !mine; $("result").hidden = true;
  if (!mine) resetBooking();
}

function resetBooking() {
  B.changing = null; B.day = null; B.slot = null;
  $("step-matter").hidden = false; foldMatters(false);
  $("contact").hidden = false; $("contact").previousElementSibling.hidden = false; $("contact-help").hidden = false;
  $("book-submit").textContent = YM.t("提交预约", "Book");
  $("book-error").textContent = ""; $("alternatives").hidden = true;
}

// The services by category: each category a fold that opens on a tap (a phone shows the seven
// categories, not forty services); while searching, the matching services in one list.
function renderMatters() {
  const q = $("matter-filter").value.trim().toLowerCase();
  const box = $("matters"); box.innerHTML = "";
  let group = null, into = box;
  for (const m of B.options.matters) {
    const name = YM.t(m.name, m.name_en);
    if (q && !(m.name + " " + m.name_en + " " + m.category_name).toLowerCase().includes(q)) continue;
    const cat = YM.t(m.category_name, m.category_name_en);
    if (cat !== group) {
      group = cat;
      if (q) { const h = document.createElement("p"); h.className = "group"; h.textContent = cat; box.append(h); } else {
        into = document.createElement("details"); into.className = "mgroup"; into.dataset.category = m.category;
        const sum = document.createElement("summary"); sum.textContent = cat; into.append(sum); box.append(into);
      }
    }
    const picked = B.matter && B.matter.code === m.code;
    (q ? box : into).append(choice("matter", m.code, name, "", false, picked));
    if (picked && !q) into.open = true;
  }
  $("matters-empty").hidden = B.options.matters.length > 0;
}

// Once chosen, the list folds to the one service (a phone's screen is short); 更换事项 opens it again.
function foldMatters(folded) {
  $("step-matter").classList.toggle("folded", folded);
  $("matter-again").hidden = !folded;
}

async function pickMatter(code) {
  B.matter = B.options.matters.find((m) => m.code === code);
  foldMatters(true);
  B.day = null; B.slot = null;
  $("step-slot").disabled = true; $("step-contact").disabled = true; $("slots").innerHTML = "";
  await loadDays();
  $("step-day").disabled = false;
}

async function loadDays() {
  $("days").innerHTML = ""; $("status").textContent = YM.t("正在查询可预约日期…", "Finding free days…");
  try {
    const r = await YM.getJSON("/api/v1/book/slots?matter=" + encodeURIComponent(B.matter.code));
    B.days = r.days;
  } catch (e) { $("status").textContent = ""; $("load-error").textContent = YM.t("无法连接服务器，请稍后再试", "Cannot reach the server; try again later"); return; }
  $("status").textContent = "";
  for (const d of B.days) {
    const side = (d.day === B.options.today ? YM.t("今天 · ", "today · ") : "") + (d.provisional ? YM.t("预计 · ", "provisional · ") : "") + left(d.free);
    $("days").append(choice("day", d.day, dayText(d.day), side, d.free <= 0, B.day === d.day));
  }
  $("days-empty").hidden = B.days.some((d) => d.free > 0);
}

function renderSlots(day) {
  const d = B.days.find((x) => x.day === day);
  $("slots").innerHTML = "";
  if (!d) return;
  for (const s of d.slots) $("slots").append(choice("slot", String(s.start), timeText(s.start, s.end), left(s.free), s.free <= 0, B.slot === s.start));
  $("step-slot").disabled = false;
}

function pickDay(day) {
  B.day = day; B.slot = null;
  renderSlots(day);
  $("step-contact").disabled = true;
}

function pickSlot(start) {
  B.slot = Number(start);
  $("step-contact").disabled = false;
}

// Checked here as on the server: 11-digit mobile, or 18 characters with the right check character.
function contactProblem(text) {
  const raw = text.replace(/[\s-]/g, "").toUpperCase().replace(/^\+86/, "");
  if (/^1[3-9]\d{9}$/.test(raw)) return "";
  if (/^\d{17}[\dX]$/.test(raw)) {
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = [...raw.slice(0, 17)].reduce((a, c, i) => a + Number(c) * w[i], 0);
    if ("10X98765432"[sum % 11] === raw[17]) return "";
    return YM.t("身份证号校验位不对，请核对", "The ID number's last character does not match: check it");
  }
  return YM.t("请填写11位手机号或18位身份证号", "Give an 11-digit mobile number or an 18-character ID number");
}

async function submitBooking(ev) {
  ev.preventDefault();
  $("book-error").textContent = ""; $("alternatives").hidden = true;
  if (B.slot == null) { $("book-error").textContent = YM.t("请先选择日期和时段", "Choose a day and a time first"); return; }
  let r;
  if (B.changing) {
    r = await send("/api/v1/book/change", { code: B.changing.code, contact: B.contact, slot_start: B.slot });
  } else {
    const problem = contactProblem($("contact").value);
    $("contact-error").textContent = problem;
    $("contact").setAttribute("aria-invalid", problem ? "true" : "false");
    if (problem) { $("contact").focus(); return; }
    B.contact = $("contact").value;
    r = await send("/api/v1/book", { matter: B.matter.code, slot_start: B.slot, contact: B.contact });
  }
  if (!r.ok) return refused(r.error);
  showResult(r.data, B.changing ? YM.t("改约成功，请使用新的预约码", "Changed: use the NEW booking code") : YM.t("预约成功", "Booked"));
}

// A full slot offers the next free ones: picking one selects it in the lists above.
function refused(err) {
  $("book-error").textContent = explain(err);
  const alt = $("alternatives"); alt.innerHTML = "";
  if (err && err.error === "slot_full" && err.alternatives && err.alternatives.length) {
    const p = document.createElement("p"); p.className = "group"; p.textContent = YM.t("可改选以下时段：", "Free slots instead:"); alt.append(p);
    for (const s of err.alternatives) alt.append(choice("alt", JSON.stringify([s.day, s.start]), dayText(s.day) + " " + timeText(s.start, s.end), left(s.free), false));
    alt.hidden = false;
  }
  if (err && err.error === "contact") $("contact").focus();
  B.slot = null;
  loadDays().then(() => { if (B.day) renderSlots(B.day); });
}

function showResult(b, title) {
  B.shown = b;
  $("book-form").hidden = true; $("find-form").hidden = true;
  const box = $("result"); box.hidden = false;
  $("result-title").textContent = title;
  $("r-code").textContent = b.code;
  $("r-qr").src = b.qr;
  const hall = B.options.hall;
  $("r-hall").textContent = YM.t(hall.name, hall.name_en);
  $("r-address").textContent = hall.address; $("r-address-row").hidden = !hall.address;
  $("r-day").textContent = YM.t(`${b.day.slice(0, 4)}年`, "") + dayText(b.day).replace(/^\d+年/, "") + YM.t("", ` ${b.day.slice(0, 4)}`);
  $("r-time").textContent = timeText(b.slot_start, b.slot_end);
  $("r-matter").textContent = YM.t(b.matter_name, b.matter_name_en);
  $("r-contact").textContent = b.contact;
  const st = STATE[b.state] || [b.state, b.state];
  $("r-state").textContent = YM.t(st[0], st[1]);
  const open = b.state === "booked";
  $("r-checkin").hidden = !open;
  $("r-checkin").textContent = YM.t(`请在 ${YM.clock(b.slot_start - B.options.early_min * 60)} 至 ${YM.clock(b.slot_end + B.options.late_min * 60)} 之间到厅签到；迟到需按普通取号排队。`,
    `Check in between ${YM.clock(b.slot_start - B.options.early_min * 60)} and ${YM.clock(b.slot_end + B.options.late_min * 60)}; later you queue as a walk-in.`);
  const bring = $("r-bring"); bring.innerHTML = "";
  for (const m of b.bring) {
    const li = document.createElement("li");
    li.textContent = `${m.name}（${m.form}${m.count > 1 ? " × " + m.count : ""}）` + (m.required ? "" : YM.t("（如有）", " (if any)")) + (m.notes ? " — " + m.notes : "");
    bring.append(li);
  }
  $("r-bring-none").hidden = b.bring.length > 0;
  $("r-actions").hidden = !open; $("confirm-cancel").hidden = true; $("result-error").textContent = "";
  $("r-phone").textContent = hall.supervision_phone;
  box.focus();
}

async function find(ev) {
  ev.preventDefault();
  $("find-error").textContent = "";
  const code = $("find-code").value.trim();
  if (!/^\d{6}$/.test(code)) { $("find-error").textContent = YM.t("预约码是6位数字", "The booking code is 6 digits"); $("find-code").focus(); return; }
  const problem = contactProblem($("find-contact").value);
  if (problem) { $("find-error").textContent = problem; $("find-contact").focus(); return; }
  const r = await send("/api/v1/book/find", { code, contact: $("find-contact").value });
  if (!r.ok) { $("find-error").textContent = explain(r.error); return; }
  B.contact = $("find-contact").value;
  showResult(r.data, YM.t("我的预约", "My booking"));
}

async function cancel() {
  const b = B.shown;
  const r = await send("/api/v1/book/cancel", { code: b.code, contact: B.contact });
  if (!r.ok) { $("result-error").textContent = explain(r.error); return; }
  showResult(r.data, YM.t("预约已取消", "Booking cancelled"));
}

async function startChange() {
  const b = B.shown;
  B.changing = { code: b.code };
  $("result").hidden = true; $("book-form").hidden = false;
  $("step-matter").hidden = true;
  $("contact").hidden = true; $("contact").previousElementSibling.hidden = true; $("contact-help").hidden = true;
  $("book-submit").textContent = YM.t("确认改约", "Confirm the new time");
  B.matter = B.options.matters.find((m) => m.code === b.matter) || { code: b.matter };
  await loadDays();
  $("step-day").disabled = false;
  const first = $("days").querySelector("input:not(:disabled)");
  if (first) first.focus();
}

$("mode-new").addEventListener("click", () => showMode(false));
$("mode-mine").addEventListener("click", () => { showMode(true); $("find-code").focus(); });
$("matter-filter").addEventListener("input", renderMatters);
$("matter-again").addEventListener("click", () => { foldMatters(false); $("matter-filter").focus(); });
$("matters").addEventListener("change", (e) => pickMatter(e.target.value));
$("days").addEventListener("change", (e) => pickDay(e.target.value));
$("slots").addEventListener("change", (e) => pickSlot(e.target.value));
$("alternatives").addEventListener("change", (e) => {
  const [day, start] = JSON.parse(e.target.value);
  B.day = day; B.slot = Number(start);
  const days = $("days").querySelector(`input[value="${day}"]`); if (days) days.checked = true;
  renderSlots(day);
  $("book-error").textContent = YM.t("已选择新的时段，请再次提交", "New time chosen: submit again");
});
$("book-form").addEventListener("submit", submitBooking);
$("find-form").addEventListener("submit", find);
$("r-cancel").addEventListener("click", () => { $("confirm-cancel").hidden = false; $("cancel-no").focus(); });
$("cancel-no").addEventListener("click", () => { $("confirm-cancel").hidden = true; $("r-cancel").focus(); });
$("cancel-yes").addEventListener("click", cancel);
$("r-change").addEventListener("click", startChange);

(async () => {
  try {
    B.options = await YM.getJSON("/api/v1/book/options");
  } catch (e) {
    $("load-error").textContent = YM.t("无法连接服务器，请稍后再试", "Cannot reach the server; try again later");
    return;
  }
  const hall = B.options.hall;
  $("hall").textContent = YM.t(hall.name, hall.name_en);
  document.title = YM.t("预约办事 · ", "Book a visit · ") + YM.t(hall.name, hall.name_en);
  renderMatters();
  if (new URLSearchParams(location.search).get("mode") === "mine") showMode(true);
})();
