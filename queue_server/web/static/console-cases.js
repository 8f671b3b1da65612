// The console's case panel (办件, docs/cases.md): open a case for the ticket being served (or one
// that came without a ticket), the clerk's case list with its supervision colours, and a case's
// detail with the steps it can take now. Shares console.js's state (S) and helpers (el, make, say,
// post); the server decides everything — the page offers the steps the case view lists as `actions`.
"use strict";

const CASE_TYPE = { immediate: ["即办件", "immediate"], committed: ["承诺件", "committed"],
  incomplete: ["补办件", "incomplete"], forwarded: ["上报件", "forwarded"], joint: ["联办件", "joint"],
  returned: ["退回件", "returned"] };
const CASE_STATUS = { received: ["已收件", "received"], accepted: ["已受理", "accepted"],
  awaiting_materials: ["待补正", "waiting for materials"], in_progress: ["办理中", "in progress"],
  decided: ["已决定", "decided"], result_ready: ["待领取", "result ready"], handed_over: ["已送达", "handed over"],
  archived: ["已归档", "archived"], returned: ["不予受理", "not accepted"], withdrawn: ["已撤回", "withdrawn"] };
const CASE_ACTION = { accept: ["受理", "Accept"], accept_incomplete: ["受理（缺材料，一次性告知）", "Accept, materials missing"],
  return: ["退回 / 不予受理", "Return (not accepted)"], materials_complete: ["材料已补齐", "Materials complete"],
  step: ["记录办理环节", "Record a step"], pause: ["暂停计时", "Pause the clock"], resume: ["恢复计时", "Resume the clock"],
  decide: ["作出决定", "Decide"], result_ready: ["结果已出", "Result ready"], hand_over: ["送达 / 领取", "Hand over"],
  delivered: ["邮件已签收", "Signed for (EMS)"], archive: ["归档", "Archive"], withdraw: ["申请人撤回", "Withdrawn by the applicant"],
  send_to_region: ["寄往办理地", "Mail to the region"], result_received: ["办理结果已寄回", "Result received back"] };
// What each step asks for before it is sent; a step with nothing to ask is sent at once.
const ASKS = { accept_incomplete: ["missing"], return: ["note"], materials_complete: ["case_type"], step: ["note"],
  pause: ["note"], decide: ["outcome", "note"], hand_over: ["delivery", "waybill"], withdraw: ["note"],
  send_to_region: ["waybill"], result_received: ["outcome", "waybill"] };
const NOTE_LABEL = { return: ["退回理由", "Reason for returning"], step: ["办理环节（如审查、现场核查、上报县级）", "The step (review, inspection, forwarded…)"],
  pause: ["暂停原因（如专家评审、现场核查）", "Why the clock stops (expert review, inspection…)"],
  decide: ["决定说明（不予许可时必填）", "Note (required when not approved)"], withdraw: ["撤回原因", "Why it is withdrawn"] };
const DELIVERY = { window: ["窗口领取", "at the window"], ems: ["EMS 邮寄", "EMS mail"], electronic: ["电子送达", "electronic"] };
const CHANNEL = { window: ["窗口收件", "at the window"], mail: ["邮寄收件", "by mail"], agent_point: ["村（社区）代办点", "village agent point"],
  help_desk: ["帮办代办台", "help desk"] };
const COLOUR = { green: ["正常", "on time"], yellow: ["即将到期", "due soon"], red: ["超期", "overdue"] };
const FORM = { "原件": "original", "复印件": "copy", "原件和复印件": "original", "电子材料": "electronic" };
const FORMS = { original: ["原件", "original"], copy: ["复印件", "copy"], electronic: ["电子材料", "electronic"] };
// The case service reuses two window codes with a case meaning.
const CASE_ERRORS = { not_paused: ["该办件未暂停计时", "The case's clock is running"],
  note_required: ["请填写原因或说明（将记入办件记录）", "Give the reason: it goes on the record"] };

const C = { matters: null, shown: null, action: null, gen: 0, draft: false };

function caseError(err) {
  const mine = err && CASE_ERRORS[err.error];
  return mine ? tr(mine) : YM.explain(err);
}
function matterName(m) { return YM.lang === "en" && m.name_en ? m.name_en : m.name; }
function dueText(v) {
  if (!v.due) return "—";  // a stopped clock promises no date: its badge says so
  return v.due + (v.due_provisional ? YM.t("（预计）", " (provisional)") : "");
}
function badge(v) {
  if (v.paused && !v.due) return make("span", YM.t("暂停计时", "paused"), "badge paused");
  const s = v.supervision;
  if (!s) return null;
  const b = make("span", tr(COLOUR[s.colour]), "badge " + s.colour);
  if (s.colour === "red") b.textContent += YM.t(` ${s.overdue_days} 个工作日`, ` ${s.overdue_days} working day${s.overdue_days === 1 ? "" : "s"}`);
  return b;
}
async function matters() {
  if (!C.matters) C.matters = (await YM.getJSON("/api/v1/matters")).matters;
  return C.matters;
}

// ------------------------------------------------------------------ the list

async function refreshCases() {
  const gen = ++C.gen;
  const open = el("case-open"), note = el("case-open-note");
  const t = S.current;
  open.disabled = !(t && t.status === "serving");
  note.textContent = !t ? YM.t("办理中的号可开办件；邮寄、代办点、帮办的材料用「无号收件」。", "Open a case for the ticket being served; mail, agent points and help desks use \"Case without a ticket\".")
    : t.status !== "serving" ? YM.t("群众到窗后（到窗办理）即可开办件。", "Start service (A) to open a case for this ticket.")
      : YM.t(`为 ${t.number} 开办件：按 B 或点击「开办件」。`, `Open a case for ${t.number}: press B or click "Open case".`);
  const pickup = el("case-pickup"); pickup.replaceChildren();
  for (const number of (t && t.cases) || []) {  // a pick-up ticket (领取办理结果): the cases it collects
    const b = make("button", number, "small"); b.type = "button";
    b.addEventListener("click", () => showCase(number));
    pickup.append(b);
  }
  if (pickup.children.length) pickup.prepend(make("span", YM.t("本号领取结果，请核对原件后送达：", "This ticket collects results; check the originals and hand over: ")));
  pickup.hidden = !pickup.children.length;
  let list;
  try { list = (await YM.getJSON("/api/v1/cases" + (el("cases-all").checked ? "" : "?open=1"))).cases; }
  catch (e) { return; }  // the console's own refresh says when the server is away
  if (gen !== C.gen) return;
  const body = document.querySelector("#cases tbody"); body.innerHTML = "";
  for (const v of list.slice(0, 50)) {
    const r = body.insertRow(); r.dataset.number = v.number;
    const b = make("button", v.number, "link"); b.type = "button";
    b.addEventListener("click", () => showCase(v.number));
    r.insertCell().append(b);
    const m = r.insertCell(); m.textContent = v.matter_name; m.className = "wrap-ok";
    r.insertCell().textContent = v.applicant_name;
    r.insertCell().append(make("span", tr(CASE_STATUS[v.status]), "pill case " + v.status));
    const due = r.insertCell(); due.className = "due";
    due.append(make("span", dueText(v), "nowrap"));
    const mark = badge(v); if (mark) due.append(" ", mark);
  }
  el("cases-empty").hidden = list.length > 0;
  el("cases-count").textContent = YM.t(`（${list.length} 件）`, `(${list.length})`);
}

// ------------------------------------------------------------------ opening a case

function kind() { const c = document.querySelector('input[name="cf-kind"]:checked'); return c ? c.value : "person"; }
function delivery() { return document.querySelector('input[name="cf-delivery"]:checked').value; }

function renderKind() {
  const k = kind();
  el("cf-who").hidden = k === "draft";
  el("cf-name-label").textContent = k === "company" ? YM.t("单位名称", "Company name") : YM.t("姓名", "Name");
  el("cf-idno-label").textContent = k === "company" ? YM.t("统一社会信用代码", "Unified social credit code") : YM.t("公民身份号码", "ID number");
}

function renderFormMatter() {
  const m = C.matters.find((x) => x.code === el("cf-matter").value);
  if (!m) return;
  el("cf-type").value = m.case_type === "returned" ? "committed" : m.case_type;
  renderJoint();
  const ticks = S.matter && S.matter.code === m.code  // the ticks on the console's own checklist carry over
    ? [...document.querySelectorAll("#materials input[type=checkbox]")].map((b) => b.checked) : [];
  const list = el("cf-materials"); list.innerHTML = "";
  m.materials.forEach((mat, i) => {
    const li = make("li"); li.dataset.name = mat.name;
    const box = make("input"); box.type = "checkbox"; box.id = "cf-mat-" + i; box.checked = !!ticks[i];
    const label = make("label", null, "mat-label"); label.htmlFor = box.id;
    label.append(make("span", mat.name, "mat-name wrap-ok"),
      make("span", mat.required ? YM.t("必需", "required") : YM.t("视情况", "if applicable"), mat.required ? "tag req" : "tag opt"));
    const form = make("select"); form.id = "cf-form-" + i; form.setAttribute("aria-label", YM.t("原件或复印件：", "Original or copy: ") + mat.name);
    for (const [value, pair] of Object.entries(FORMS)) { const o = make("option", tr(pair)); o.value = value; form.append(o); }
    form.value = FORM[mat.form] || "original";
    const count = make("input"); count.type = "number"; count.min = "1"; count.max = "99"; count.value = String(mat.count || 1);
    count.id = "cf-count-" + i; count.className = "count-input"; count.setAttribute("aria-label", YM.t("份数：", "Count: ") + mat.name);
    li.append(box, label, form, count);
    list.append(li);
  });
}

function renderJoint() {
  el("cf-joint").hidden = el("cf-type").value !== "joint";
  el("cf-ems").hidden = delivery() !== "ems";
}

// withTicket: for the ticket being served; otherwise a case that came by mail, agent point or help desk.
async function openCaseForm(withTicket) {
  const t = S.current;
  if (withTicket && !(t && t.status === "serving")) {
    say(YM.t("现在不能执行：开办件（需有办理中的号）", "Not possible now: open a case (no ticket being served)"), "error");
    return;
  }
  try { await matters(); } catch (e) { say(YM.t("无法读取事项清单", "Cannot load the matters"), "error"); return; }
  C.withTicket = withTicket;
  el("cf-title").textContent = withTicket ? YM.t("开办件", "Open a case") : YM.t("无号收件", "Case without a ticket");
  el("cf-ticket").textContent = withTicket ? t.number : "";
  el("cf-channel").hidden = el("cf-channel-label").hidden = withTicket;
  const sel = el("cf-matter"); sel.innerHTML = "";
  for (const m of C.matters) { const o = make("option", `${m.code} ${matterName(m)}`); o.value = m.code; sel.append(o); }
  sel.value = withTicket && t.matter ? t.matter.code : (S.matter ? S.matter.code : C.matters[0].code);
  const type = el("cf-type"); type.innerHTML = "";
  for (const [code, pair] of Object.entries(CASE_TYPE)) {
    if (code === "returned") continue;
    const o = make("option", tr(pair)); o.value = code; type.append(o);
  }
  const lead = el("cf-lead"); lead.innerHTML = "";
  for (const w of S.hall.windows) { const o = make("option", YM.t(`${w.number} 号 ${w.name}`, `${w.number} ${w.name}`)); o.value = String(w.number); lead.append(o); }
  if (S.window != null) lead.value = String(S.window);
  const draft = withTicket && S.draft && S.draft.ticket === t.id ? S.draft : null;
  el("cf-draft-choice").hidden = !draft;
  el("cf-draft-name").textContent = draft ? draft.name.slice(0, 1) + "*" : "";
  document.querySelector(`input[name="cf-kind"][value="${draft ? "draft" : "person"}"]`).checked = true;
  for (const id of ["cf-name", "cf-idno", "cf-phone", "cf-agent", "cf-agent-id", "cf-address", "cf-departments", "cf-region"]) el(id).value = "";
  document.querySelector('input[name="cf-delivery"][value="window"]').checked = true;
  el("cf-error").textContent = "";
  renderKind();
  renderFormMatter();
  el("case-form-dialog").showModal();
  (withTicket ? sel : el("cf-channel")).focus();
}

function formBody() {
  const body = { matter: el("cf-matter").value, case_type: el("cf-type").value, delivery: delivery() };
  if (C.withTicket) body.ticket = S.current.number;
  else { body.channel = el("cf-channel").value; if (S.window != null) body.window = S.window; }
  const k = kind(), name = el("cf-name").value.trim(), idno = el("cf-idno").value.trim().toUpperCase(), phone = el("cf-phone").value.trim();
  if (k !== "draft") {
    body.applicant = { kind: k, name };
    if (idno) body.applicant[k === "company" ? "credit_code" : "id_number"] = idno;
    if (phone) body.applicant.phone = phone;
  }
  const agent = el("cf-agent").value.trim(), agentId = el("cf-agent-id").value.trim().toUpperCase();
  if (agent) { body.agent = { name: agent }; if (agentId) body.agent.id_number = agentId; }
  body.materials = [...document.querySelectorAll("#cf-materials li")].filter((li) => li.querySelector("input[type=checkbox]").checked)
    .map((li) => ({ name: li.dataset.name, form: li.querySelector("select").value, count: Number(li.querySelector(".count-input").value) || 1 }));
  if (body.delivery === "ems") body.ems_address = el("cf-address").value.trim();
  if (el("cf-region").value.trim()) body.region = el("cf-region").value.trim();
  if (body.case_type === "joint") {
    body.departments = el("cf-departments").value.split(/[,，、;；\s]+/).filter(Boolean);
    body.lead_window = Number(el("cf-lead").value);
  }
  return body;
}

async function submitCaseForm(ev) {
  ev.preventDefault();
  if (kind() !== "draft" && !el("cf-name").value.trim()) { el("cf-error").textContent = caseError({ error: "applicant_required" }); el("cf-name").focus(); return; }
  if (delivery() === "ems" && !el("cf-address").value.trim()) { el("cf-error").textContent = caseError({ error: "ems_address_required" }); el("cf-address").focus(); return; }
  const res = await post("/api/v1/cases", formBody());
  if (!res.ok) { el("cf-error").textContent = caseError(res.error) + fieldOf(res.error); return; }
  el("case-form-dialog").close();
  say(YM.t(`已开办件 ${res.data.number}`, `Case ${res.data.number} opened`), "ok");
  refreshCases();
  showCase(res.data.number, res.data);
}

// A 400 names the field (e.g. applicant.id_number): say which one.
function fieldOf(err) {
  const names = { "applicant.id_number": ["公民身份号码", "ID number"], "applicant.credit_code": ["统一社会信用代码", "credit code"],
    "agent.id_number": ["代理人身份号码", "agent's ID number"], "applicant.phone": ["联系电话", "phone"] };
  const f = err && err.field && names[err.field];
  return f ? YM.t(`：${f[0]}`, `: ${f[1]}`) : "";
}

// ------------------------------------------------------------------ one case

async function showCase(number, view) {
  let v = view;
  if (!v) {
    const r = await fetch(`/api/v1/cases/${encodeURIComponent(number)}`, { credentials: "same-origin" });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) { say(caseError(data), "error"); return; }
    v = data;
  }
  C.shown = v; C.action = null;
  renderCase(v);
  el("cd-error").textContent = "";
  if (!el("case-dialog").open) el("case-dialog").showModal();
  const first = el("cd-actions").querySelector("button");
  (first || el("cd-close")).focus();
}

function renderCase(v) {
  el("cd-number").textContent = v.number;
  const st = el("cd-status"); st.textContent = tr(CASE_STATUS[v.status]); st.className = "pill case " + v.status;
  const b = el("cd-badge"); b.replaceChildren(); const mark = badge(v); if (mark) b.append(mark);
  const facts = el("cd-facts"); facts.innerHTML = "";
  const row = (k, value, cls) => { const dd = make("dd", value); if (cls) dd.className = cls; facts.append(make("dt", k), dd); };
  row(YM.t("事项", "Matter"), `${v.matter} ${v.matter_name}`, "wrap-ok");
  row(YM.t("类型", "Type"), tr(CASE_TYPE[v.case_type]));
  const who = v.applicant_name + (v.applicant && v.applicant.id_number ? "  " + v.applicant.id_number : "")
    + (v.applicant && v.applicant.credit_code ? "  " + v.applicant.credit_code : "");
  row(YM.t("申请人", "Applicant"), who + (v.agent_name ? YM.t(`（代理人 ${v.agent_name}）`, ` (agent ${v.agent_name})`) : ""));
  row(YM.t("收件", "Received"), tr(CHANNEL[v.channel]) + (v.window ? YM.t(` · ${v.window} 号窗口`, ` · window ${v.window}`) : "")
    + (v.ticket ? " · " + v.ticket : "") + " · " + v.clerk);
  if (v.departments.length) row(YM.t("联办部门", "Departments"), v.departments.join(YM.t("、", ", ")) + YM.t(`（牵头 ${v.lead_window} 号窗口）`, ` (lead: window ${v.lead_window})`), "wrap-ok");
  if (v.region) {
    const mail = (v.mail || []).map((m) => (m.direction === "out" ? YM.t(`${m.on} 寄出`, `${m.on} sent`) : YM.t(`${m.on} 寄回`, `${m.on} back`)) + " " + m.waybill);
    row(YM.t("跨域通办", "Cross-region"), v.region + (mail.length ? YM.t("：", ": ") + mail.join(YM.t("；", "; ")) : ""), "wrap-ok");
  }
  row(YM.t("受理日期", "Accepted on"), v.accepted_on || "—");
  row(YM.t("承诺办结", "Committed date"), dueText(v) + (v.committed_limit_days ? YM.t(`（${v.committed_limit_days} 个工作日）`, ` (${v.committed_limit_days} working days)`) : ""));
  row(YM.t("法定期限", "Legal date"), (v.legal_due || "—") + (v.legal_limit_days ? YM.t(`（${v.legal_limit_days} 个工作日）`, ` (${v.legal_limit_days} working days)`) : ""));
  const open = v.pauses.find((p) => !p.end);
  if (open) row(YM.t("暂停计时", "Clock stopped"), YM.t(`${open.start} 起：${open.reason}`, `since ${open.start}: ${open.reason}`), "wrap-ok");
  row(YM.t("已收材料", "Materials received"), v.materials.length
    ? v.materials.map((m) => m.name + YM.t("（", " (") + `${tr(FORMS[m.form] || FORMS.original)} × ${m.count || 1}` + YM.t("）", ")"))
      .join(YM.t("；", "; ")) : "—", "wrap-ok");
  if (v.missing.length) row(YM.t("缺少材料", "Missing"), v.missing.join(YM.t("；", "; ")), "wrap-ok");
  row(YM.t("送达方式", "Delivery"), tr(DELIVERY[v.delivery]) + (v.waybill ? YM.t(` 运单号 ${v.waybill}`, ` waybill ${v.waybill}`) : "")
    + (v.delivered_on ? YM.t(` · ${v.delivered_on} 签收`, ` · signed for on ${v.delivered_on}`) : ""));
  if (v.outcome) row(YM.t("决定", "Decision"), v.outcome === "approved" ? YM.t("准予许可", "approved") : YM.t("不予许可", "not approved"));
  const acts = el("cd-actions"); acts.innerHTML = "";
  for (const a of v.actions) {
    const btn = make("button", tr(CASE_ACTION[a])); btn.type = "button"; btn.dataset.caseAction = a;
    if (a === "accept") btn.className = "primary";
    btn.addEventListener("click", () => chooseAction(a));
    acts.append(btn);
  }
  if (!v.actions.length) acts.append(make("p", YM.t("该办件已结束，无可执行的操作。", "The case is finished: nothing more to do."), "note left"));
  const hist = el("cd-history"); hist.innerHTML = "";
  for (const h of v.history) {
    const text = `${h.day} ${YM.clock(h.at)} ${tr(CASE_ACTION[h.action] || [h.action, h.action])} · ${h.by}` + (h.note ? " — " + h.note : "");
    hist.append(make("li", text, "wrap-ok"));
  }
  if (!v.history.length) hist.append(make("li", YM.t("已收件，待受理", "Received, not yet accepted"), "note left"));
  el("cd-public").href = "/c/" + encodeURIComponent(v.token) + (YM.lang === "en" ? "?lang=en" : "");
  el("cd-form").hidden = true;
  renderNotices(v.number);
}

// The notices this case has now: print (the A4 print view, in a new tab) and archive (PDF).
async function renderNotices(number) {
  const list = el("cd-notices"); list.replaceChildren();
  const lang = YM.lang === "en" ? "?lang=en" : "";
  const r = await fetch(`/api/v1/cases/${encodeURIComponent(number)}/notices${lang}`, { credentials: "same-origin" });
  const data = await r.json().catch(() => ({}));
  if (!r.ok || !C.shown || C.shown.number !== number) return;
  const ready = data.notices.filter((n) => n.available);
  for (const n of ready) {
    const li = make("li", n.title + " ");
    const print = make("a", YM.t("打印", "Print"), "button-link"); print.href = n.print_url + lang;
    print.target = "_blank"; print.rel = "noopener";
    const pdf = make("a", YM.t("下载存档", "PDF to archive"), "button-link"); pdf.href = n.pdf_url + lang;
    li.append(print, " ", pdf);
    list.append(li);
  }
  if (!ready.length) list.append(make("li", YM.t("此时没有可出具的通知书", "No notice for this case now"), "note left"));
}

function field(labelText, input) {
  const label = make("label", labelText); label.htmlFor = input.id;
  const wrap = make("div", null, "form-grid"); wrap.append(label, input);
  return wrap;
}

async function chooseAction(action) {
  const asks = ASKS[action];
  el("cd-error").textContent = "";
  if (!asks) { await sendStep(action, {}); return; }
  C.action = action;
  el("cd-form-h").textContent = tr(CASE_ACTION[action]);
  const box = el("cd-fields"); box.innerHTML = "";
  let first = null;
  if (asks.includes("missing")) {
    const m = (await matters()).find((x) => x.code === C.shown.matter);
    const got = new Set(C.shown.materials.map((x) => x.name));
    const list = make("ul", null, "checklist"); list.id = "cd-missing";
    m.materials.forEach((mat, i) => {
      const li = make("li");
      const cb = make("input"); cb.type = "checkbox"; cb.id = "cd-miss-" + i; cb.value = mat.name; cb.checked = mat.required && !got.has(mat.name);
      const label = make("label", null); label.htmlFor = cb.id; label.append(make("span", mat.name, "mat-name wrap-ok"));
      li.append(cb, label); list.append(li);
    });
    box.append(make("p", YM.t("勾选缺少的全部材料（一次性告知）：", "Tick every missing material (all of them, at once):"), "note left"), list);
    first = list.querySelector("input");
  }
  if (asks.includes("case_type")) {
    const s = make("select"); s.id = "cd-type";
    for (const code of ["immediate", "committed", "forwarded", "joint"]) { const o = make("option", tr(CASE_TYPE[code])); o.value = code; s.append(o); }
    s.value = "committed";
    box.append(field(YM.t("补齐后按以下类型继续办理", "It continues as"), s)); first = first || s;
  }
  if (asks.includes("outcome")) {
    const s = make("select"); s.id = "cd-outcome";
    for (const [value, pair] of [["approved", ["准予许可", "approved"]], ["not_approved", ["不予许可", "not approved"]]]) {
      const o = make("option", tr(pair)); o.value = value; s.append(o);
    }
    box.append(field(YM.t("决定", "Decision"), s)); first = first || s;
  }
  if (asks.includes("delivery")) {
    const s = make("select"); s.id = "cd-delivery";
    for (const [value, pair] of Object.entries(DELIVERY)) { const o = make("option", tr(pair)); o.value = value; s.append(o); }
    s.value = C.shown.delivery;
    box.append(field(YM.t("送达方式", "Delivery"), s));
    first = first || (C.shown.delivery === "ems" ? null : s);
  }
  if (asks.includes("waybill")) {
    const w = make("input"); w.id = "cd-waybill"; w.maxLength = 30; w.autocomplete = "off"; w.spellcheck = false;
    const label = action === "hand_over" ? YM.t("EMS 运单号（邮寄时必填，可扫码）", "EMS waybill (for mail; scan or type)")
      : YM.t("运单号（可扫码）", "Waybill number (scan or type)");
    box.append(field(label, w)); first = first || w;
  }
  if (asks.includes("note")) {
    const n = make("input"); n.id = "cd-note"; n.maxLength = 500; n.autocomplete = "off";
    box.append(field(tr(NOTE_LABEL[action]), n)); first = first || n;
  }
  el("cd-form").hidden = false;
  first.focus();
}

async function submitAction(ev) {
  ev.preventDefault();
  const body = {};
  const v = (id) => { const e = el(id); return e ? e.value.trim() : ""; };
  if (el("cd-note") && v("cd-note")) body.note = v("cd-note");
  if (el("cd-missing")) body.missing = [...el("cd-missing").querySelectorAll("input:checked")].map((b) => b.value);
  if (el("cd-type")) body.case_type = v("cd-type");
  if (el("cd-outcome")) body.outcome = v("cd-outcome");
  if (el("cd-delivery")) body.delivery = v("cd-delivery");
  if (el("cd-waybill") && v("cd-waybill")) body.waybill = v("cd-waybill");
  await sendStep(C.action, body);
}

async function sendStep(action, body) {
  const number = C.shown.number;
  const res = await post(`/api/v1/cases/${number}/${action}`, body);
  if (!res.ok) {
    el("cd-error").textContent = caseError(res.error);
    const again = el("cd-form").hidden ? el("cd-actions").querySelector(`button[data-case-action="${action}"]`) : el("cd-form").querySelector("input, select");
    if (again) again.focus();
    return;
  }
  say(YM.t(`${number}：${tr(CASE_ACTION[action])}`, `${number}: ${tr(CASE_ACTION[action])}`), "ok");
  C.shown = res.data; C.action = null;
  renderCase(res.data);
  const first = el("cd-actions").querySelector("button");
  (first || el("cd-close")).focus();
  refreshCases();
}

// ------------------------------------------------------------------ wiring

el("case-open").addEventListener("click", () => openCaseForm(true));
el("case-open-free").addEventListener("click", () => openCaseForm(false));
el("cases-all").addEventListener("change", refreshCases);
el("case-form").addEventListener("submit", submitCaseForm);
el("cf-cancel").addEventListener("click", () => el("case-form-dialog").close());
el("cf-matter").addEventListener("change", renderFormMatter);
el("cf-type").addEventListener("change", renderJoint);
document.querySelectorAll('input[name="cf-kind"]').forEach((r) => r.addEventListener("change", renderKind));
document.querySelectorAll('input[name="cf-delivery"]').forEach((r) => r.addEventListener("change", renderJoint));
el("cd-form").addEventListener("submit", submitAction);
el("cd-form-cancel").addEventListener("click", () => { el("cd-form").hidden = true; C.action = null; const b = el("cd-actions").querySelector("button"); if (b) b.focus(); });
el("cd-close").addEventListener("click", () => el("case-dialog").close());
// Enter on a check box, radio button or list of the dialogs submits the form, as it does in a text field.
for (const form of [el("case-form"), el("cd-form")]) {
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.target.type === "checkbox" || ev.target.type === "radio" || ev.target.tagName === "SELECT")) { ev.preventDefault(); form.requestSubmit(); }
  });
}

// After sign-in (console.js init): a link from the manager's board opens its case (/console?case=…).
function casesReady() {
  const wanted = new URLSearchParams(location.search).get("case");
  if (wanted && /^\d+$/.test(wanted)) showCase(wanted);
  refreshCases();
}
