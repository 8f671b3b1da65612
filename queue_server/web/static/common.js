// Shared by the pages: language, formatting, the server's error codes in words, the estimate in
// words (docs/api.md "The estimate"), and a live event stream that reconnects until stopped.
"use strict";

// Every error code the server can answer with, in both languages (tests/test_page_texts.py checks
// the list against the server's source). A Chinese page never shows the server's English message.
const YM_ERRORS = {
  // sign-in and sessions
  bad_credentials: ["用户名或密码错误", "Wrong username or password"],
  too_many_attempts: ["登录失败次数过多，请 1 分钟后再试", "Too many failed sign-ins: wait a minute and try again"],
  sign_in_busy: ["登录的人太多，请稍候再试", "Too many sign-ins at once: try again in a moment"],
  unauthenticated: ["请先登录", "Please sign in"],
  forbidden: ["无权执行此操作", "Not allowed"],
  csrf: ["会话已失效，请刷新页面", "The session expired: reload the page"],
  use_https: ["请改用加密的安全地址登录和操作", "Sign in and act over the secure (https) address"],
  people_only: ["请以工作人员账号登录", "Sign in as a person"],
  managers_only: ["仅中心负责人可处理差评整改", "Only a manager works a follow-up"],
  bad_request: ["输入有误", "Invalid input"],
  storage_unavailable: ["系统忙，请稍后重试", "The hall's database is busy: try again"],
  too_many_streams: ["连接过多，请稍后再试", "Too many live connections: try again later"],
  not_found: ["没有找到", "Not found"],
  method_not_allowed: ["不支持的操作", "Not allowed"],
  hall_closed: ["现在不在办理时间", "The hall is not serving now"],
  internal_error: ["服务器内部出错，操作未执行", "Something went wrong inside the server; nothing was changed"],
  storage_full: ["存储空间已满，操作未保存，已通知管理人员", "The hall's storage is full; nothing was saved"],
  idempotency_key_reused: ["重复的请求编号，请重试", "This request key was used for another request"],
  // accounts
  wrong_password: ["当前密码错误", "The current password is wrong"],
  user_not_found: ["没有这个账号", "No such account"],
  account_refused: ["账号设置不符合要求", "The account change was refused"],
  admins_only: ["该账号只能由系统管理员管理", "Only an admin manages this account"],
  not_yourself: ["本人账号请在“修改密码”中修改", "Change your own account with the password form"],
  // windows
  window_not_found: ["没有这个窗口", "No such window"],
  bad_window: ["窗口号有误", "Invalid window number"],
  wrong_window: ["无权操作该窗口", "Not allowed for this window"],
  not_your_window: ["您未在本窗口签到，请先开启或接管窗口", "You are not signed in at this window: open or take it over first"],
  window_taken: ["该窗口已有其他工作人员签到，请用「接管窗口」", "A colleague is signed in at this window: take it over"],
  window_closed: ["窗口未开启，请先开启窗口", "The window is closed: open it first"],
  window_paused: ["窗口已暂停，请先恢复服务", "The window is paused: resume first"],
  already_open: ["窗口已开启", "The window is already open"],
  already_closed: ["窗口已关闭", "The window is already closed"],
  busy: ["窗口还有号未处理，请先办结、过号或挂起", "Finish, skip or hold the current ticket first"],
  reason_required: ["请填写暂停原因", "Give a reason for the pause"],
  not_paused: ["窗口未暂停", "The window is not paused"],
  // tickets and calling
  nothing_waiting: ["无人等待", "Nobody is waiting"],
  no_current_ticket: ["当前没有号", "No ticket at the window"],
  not_callable: ["该号不能呼叫（已办结、过号或取消）", "That ticket cannot be called"],
  held_elsewhere: ["该号被其他窗口挂起", "That ticket is held by another window"],
  not_served_here: ["本窗口不办理该类业务", "This window does not serve that category"],
  reserved: ["该号已转给其他窗口", "That ticket was transferred to another window"],
  already_current: ["该号已在本窗口，请用重呼", "Already at this window: use recall"],
  already_started: ["已开始办理", "Service has already started"],
  transfer_target: ["转移目标无效", "Invalid transfer target"],
  ticket_not_found: ["今天没有这个号", "No such ticket today"],
  not_active: ["该号已结束", "That ticket is finished"],
  not_cancellable: ["只有等待中或挂起的号可以取消", "Only waiting or held tickets can be cancelled"],
  not_no_show: ["该号不是过号，不能重新排队", "Only a missed ticket can rejoin"],
  rejoin_refused: ["本大厅过号需重新取号", "This hall does not let missed tickets rejoin"],
  rejoin_too_late: ["过号时间太久，请重新取号", "Missed too long ago: take a new ticket"],
  already_recorded: ["已记录过", "Recorded already"],
  abandoned: ["该取号请求已作废，请重新取号", "This request was abandoned: take a new ticket"],
  already_abandoned: ["该取号请求已作废", "This request was abandoned already"],
  already_has_ticket: ["此人已有该事项的号", "This person already has a ticket for this matter"],
  daily_cap_reached: ["该业务今日取号已达上限", "Today's numbers for this category are all given out"],
  cap_not_reached: ["该业务今日还有号，请直接取号", "This category still has numbers today: take a ticket"],
  not_a_free_slot: ["不是可预约的时段", "Not a bookable appointment slot"],
  slot_full: ["该时段已约满", "That appointment slot is full"],
  already_booked: ["此人已预约该业务", "This person already has an appointment for this category"],
  not_your_ticket: ["该号不是本机发出的", "That ticket was not issued by this device"],
  intake_exists: ["该号已有身份证信息", "This ticket has its ID-card draft already"],
  // categories, matters, priority
  unknown_category: ["没有这个业务类别", "Unknown category"],
  category_required: ["请选择业务类别或事项", "Choose a category or a matter"],
  category_mismatch: ["事项与业务类别不符", "The matter belongs to another category"],
  unknown_matter: ["没有这个事项", "Unknown matter"],
  matter_not_found: ["没有这个事项", "Unknown matter"],
  unknown_priority: ["本大厅没有这种优先类别", "That priority class is not used here"],
  not_elderly: ["未到老年人优先年龄", "Below the elderly priority age"],
  evidence_required: ["老年人优先需要身份证上的出生日期", "Elderly priority needs the birth date from the ID card"],
  staff_verifies_priority: ["该优先类别须由工作人员核实", "This priority is granted by a member of staff"],
  // appointments
  appointment_not_found: ["今天没有这个预约", "No such appointment today"],
  appointment_not_booked: ["今天没有这个预约", "No such appointment today"],
  already_checked_in: ["该预约已签到", "That appointment has checked in already"],
  bad_slot: ["预约时段有误", "Invalid appointment slot"],
  wrong_day: ["预约不是今天的", "The appointment is for another day"],
  too_early: ["还没到签到时间", "Too early to check in"],
  slot_in_past: ["预约日期已过", "That day has passed"],
  no_appointments: ["该事项不接受预约", "That matter cannot be booked"],
  duplicate_code: ["预约码已存在", "That appointment code exists already"],
  booking_not_found: ["没有找到预约：请核对预约码和预约时填写的手机号或身份证号", "No booking with this code and this number: check both"],
  booking_closed: ["该预约已签到、已取消或已过时段，不能再修改", "This booking has checked in, was cancelled or is over: it cannot be changed"],
  booking_blocked: ["您近期多次预约未到，暂时不能在线预约", "Bookings missed recently: online booking is paused for you"],
  too_many_requests: ["操作太频繁，请稍后再试", "Too many requests: try again later"],
  too_many_bookings: ["该号码预约、改约或取消次数过多，请稍后再试", "Too many bookings or changes for this number: try again later"],
  too_many_guesses: ["预约码或号码输错次数过多，请 15 分钟后再试", "Too many wrong codes or numbers: try again in 15 minutes"],
  // ratings and follow-up
  nothing_to_rate: ["没有待评价的服务", "No finished service waiting for a rating"],
  no_service: ["该号今天没有可评价的服务", "No finished service to rate"],
  other_window: ["该服务不是在本窗口办理的", "Served at another window"],
  already_rated: ["该服务已评价", "Rated already"],
  bad_level: ["评价等级有误", "Invalid rating level"],
  bad_channel: ["评价渠道有误", "Invalid rating channel"],
  unknown_reason: ["差评原因不在列表中", "Unknown reason"],
  reasons_for_bad_only: ["只有差评需要选择原因", "Reasons are only for bad reviews"],
  follow_up_not_found: ["没有这条差评整改", "No such follow-up"],
  unknown_step: ["整改步骤有误", "Unknown step"],
  out_of_order: ["请按顺序办理整改步骤", "Steps must be taken in order"],
  note_required: ["请填写处理说明", "Say what was done"],
  closed: ["该整改已办结", "That follow-up is closed"],
  appeal_used: ["已申诉过", "Appealed already"],
  not_your_review: ["只能对计入本人的差评提出申诉", "You may appeal only a review counted against you"],
  no_pending_appeal: ["没有待审的申诉", "No appeal to review"],
  appeal_pending: ["申诉待审，请先审核申诉", "The appeal must be reviewed first"],
  // alerts and devices
  alert_not_found: ["没有这条提醒", "No such alert"],
  bad_alert: ["提醒编号有误", "Invalid alert number"],
  already_acknowledged: ["该提醒已有人处理", "Someone has taken care of it already"],
  unknown_alert: ["提醒类型有误", "Unknown alert kind"],
  unknown_printer_state: ["打印机状态有误", "Unknown printer state"],
  no_intake: ["本号未使用身份证取号", "This ticket was taken without an ID card"],
  no_photo: ["没有照片", "No photo"],
  bad_since: ["参数有误", "Invalid parameter"],
  // case notices (受理/一次性告知/不予受理/办结)
  notice_not_available: ["此办件当前不能出具该通知书", "This case has no such notice now"],
  unknown_notice: ["没有这种通知书", "No such notice"],
  no_font: ["本机缺少中文字体，无法生成存档文件", "No Chinese font on this box: the PDF cannot be made"],
  notices_busy: ["正在生成其他通知书，请稍后再试", "Other notices are being made: try again in a moment"],
  // cases (办件)
  case_not_found: ["没有这个办件", "No such case"],
  case_not_ready: ["该办件当前状态不能执行此操作", "The case cannot take this step in its current state"],
  unknown_case_action: ["办件操作有误", "Unknown case action"],
  not_your_case: ["该办件不属于您或您的窗口", "This case belongs to another window or clerk"],
  ticket_not_served: ["该号不在窗口办理中，无法开办件", "That ticket is not being served at a window"],
  applicant_required: ["请填写申请人", "Give the applicant"],
  unknown_applicant: ["申请人须为个人或单位", "The applicant is a person or a company"],
  unknown_case_type: ["办件类型有误", "Unknown case type"],
  unknown_channel: ["收件渠道有误", "Unknown channel"],
  unknown_delivery: ["送达方式有误", "Unknown delivery"],
  unknown_material: ["材料不在该事项的清单中", "A material is not on the matter's checklist"],
  window_required: ["窗口收件须注明窗口号", "A case received at a window names the window"],
  ems_address_required: ["邮寄送达须填写邮寄地址", "An EMS delivery needs the address"],
  joint_needs_departments: ["联办件须填写至少两个部门和牵头窗口", "A joint case names at least two departments and the lead window"],
  missing_required: ["请勾选所有缺少的材料（一次性告知）", "Tick every missing material"],
  case_type_required: ["请选择补齐材料后的办件类型", "Choose the type the case continues as"],
  outcome_required: ["请选择准予或不予许可", "Choose approved or not approved"],
  waybill_required: ["邮寄送达须填写运单号", "An EMS hand-over needs the waybill number"],
  already_paused: ["该办件已暂停计时", "The case's clock is already stopped"],
  paused: ["该办件正在暂停计时，请先恢复计时", "The case's clock is stopped: resume it first"],
  region_required: ["跨域通办须填写负责办理的地区", "A cross-region case names the responsible region"],
  not_cross_region: ["该办件不是跨域通办件", "This is not a cross-region case"],
  not_in_the_mail: ["该办件没有待签收的邮件", "The result is not in the mail waiting to be signed for"],
  not_for_a_body: ["上级部门只能记录办理环节和决定", "A higher body records only steps and decisions"],
  nothing_ready: ["暂无可领取的办理结果", "No result is ready to collect yet"],
  result_not_ready: ["该办件结果尚未可领取", "The result of this case is not ready to collect"],
  not_a_pickup_category: ["领取结果须取领取类号票", "Results are collected with a pick-up ticket"],
  // the layout advisor (窗口布局)
  advisor_busy: ["布局分析正在进行，请等它完成", "The advisor is already running: wait for it to finish"],
  cannot_advise: ["无法分析：今天之前没有可用的取号记录", "Cannot analyse: no usable days recorded before today"],
  bad_layout: ["布局有误：须列出每个窗口，且每类业务都有窗口办理", "Invalid layout: list every window, and serve every category"],
  layout_unchanged: ["大厅已在使用此布局", "The hall already runs this layout"],
  advisor_failed: ["布局分析出错，请稍后再试", "The advisor failed: try again later"],
};

const YM = {
  lang: new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh",
  t(zh, en) { return this.lang === "en" ? en : zh; },
  minutes(s) { return s == null ? "—" : Math.round(s / 60) + this.t(" 分钟", " min"); },
  clock(epoch, seconds) {
    if (epoch == null) return "—";
    const opts = { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (seconds) opts.second = "2-digit";
    return new Date(epoch * 1000).toLocaleTimeString("zh-CN", opts);
  },
  text(id, value) { const el = document.getElementById(id); if (el) el.textContent = value; },
  // An error answer ({error, message}) in the page's language, from its code: a Chinese page never
  // shows the server's (English) message.
  explain(err) {
    const code = (err && err.error) || "";
    if (code === "offline") return this.t("无法连接服务器，操作未执行", "Cannot reach the server: nothing was done");
    const mapped = YM_ERRORS[code];
    if (mapped) return this.t(mapped[0], mapped[1]);
    return this.t("操作未完成", (err && err.message) || "Failed") + (code ? this.t(`（${code}）`, ` (${code})`) : "");
  },
  async getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (!r.ok) { const e = new Error("HTTP " + r.status); e.status = r.status; throw e; }
    return r.json();
  },
  // POST with the session's CSRF token: {ok, status, data} or {ok: false, status, error}.
  async post(url, body, csrf) {
    let r;
    try {
      r = await fetch(url, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf || "" },
        body: JSON.stringify(body || {}) });
    } catch (e) {
      return { ok: false, status: 0, error: { error: "offline", message: String(e) } };
    }
    const data = await r.json().catch(() => ({}));
    return r.ok ? { ok: true, status: r.status, data } : { ok: false, status: r.status, error: data };
  },
  // The estimate (docs/api.md) in words: {text, warn}. Never a time promise when no window that
  // serves the category is open: then the expected opening, or 暂无窗口办理.
  estimate(e) {
    if (!e) return { text: "—", warn: "" };
    const range = e.low_min != null && e.high_min != null
      ? this.t(`约 ${e.low_min}–${e.high_min} 分钟`, `about ${e.low_min}–${e.high_min} min`) : "";
    let text;
    if (e.open_now) text = range || this.t("暂无法估计", "cannot be estimated");
    else if (e.opens_at != null) text = this.t(`预计 ${this.clock(e.opens_at)} 开始办理`, `serving expected from ${this.clock(e.opens_at)}`);
    else if (e.beyond_closing) text = e.closes_at == null ? this.t("今日不办公", "closed today") : this.t("今日已停止办理", "no more serving today");
    else text = this.t("暂无窗口办理", "no window serving now");
    let warn = "";
    if (e.beyond_closing && (e.open_now || e.opens_at != null)) {
      warn = e.closes_at == null ? this.t("今日不办公", "Closed today")
        : this.t(`今天 ${this.clock(e.closes_at)} 停止办理，按目前进度可能轮不到`,
                 `Serving stops at ${this.clock(e.closes_at)} today; at the current pace your turn may not come`);
    }
    return { text, warn, range };
  },
  // Calls onMessage for every message; onState(true/false) when the link comes and goes.
  // Returns {stop()}: a page with nothing more to show stops reconnecting.
  stream(onMessage, onState) {
    let seq = null, delay = 1000, ws = null, stopped = false, timer = null;
    const connect = () => {
      if (stopped) return;
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      ws = new WebSocket(proto + "//" + location.host + "/api/v1/events" + (seq != null ? "?since=" + seq : ""));
      ws.onopen = () => { if (stopped) return; delay = 1000; onState(true); };
      ws.onmessage = (m) => { const msg = JSON.parse(m.data); if (msg.seq != null) seq = msg.seq; if (!stopped) onMessage(msg); };
      ws.onclose = () => {
        if (stopped) return;
        onState(false); timer = setTimeout(connect, delay); delay = Math.min(delay * 2, 30000);
      };
    };
    connect();
    return { stop() { stopped = true; clearTimeout(timer); if (ws) ws.close(); } };
  },
};
document.documentElement.lang = YM.lang === "en" ? "en" : "zh-CN";
document.querySelectorAll("[data-en]").forEach((el) => { if (YM.lang === "en") el.textContent = el.dataset.en; });
// Links and images that lead a citizen on (the booking page, its QR) keep an English page English.
if (YM.lang === "en") {
  document.querySelectorAll("a[data-keep-lang]").forEach((a) => { a.href += (a.href.includes("?") ? "&" : "?") + "lang=en"; });
  document.querySelectorAll("img[data-keep-lang]").forEach((img) => { img.src += (img.src.includes("?") ? "&" : "?") + "lang=en"; });
}
