"use strict";
const params = new URLSearchParams(location.search);
const next = params.get("next") || "/manage";
// Only a path of this same site: the browser's own URL parser decides (it reads "/\\evil.example"
// as "//evil.example", another site), and whatever it makes of `next` must keep our origin.
function sameSite(path) {
  try {
    const url = new URL(path, location.origin);
    return url.origin === location.origin && path.startsWith("/") ? url.pathname + url.search + url.hash : null;
  } catch (e) { return null; }
}
const safeNext = sameSite(next) || "/manage";
const langLink = document.getElementById("lang");
if (YM.lang === "en") { params.delete("lang"); langLink.href = "?" + params.toString(); langLink.textContent = "中文"; }
else { const p = new URLSearchParams(params); p.set("lang", "en"); langLink.href = "?" + p.toString(); }
const why = document.getElementById("why");
if (safeNext.startsWith("/manage")) { why.textContent = YM.t("管理看板仅限中心负责人（管理人员）账号登录。", "The dashboard is for managers: sign in with a manager's account."); why.hidden = false; }
else if (safeNext.startsWith("/console")) { why.textContent = YM.t("请登录后使用窗口工作台。", "Sign in to use the window console."); why.hidden = false; }

document.getElementById("form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = { username: document.getElementById("username").value, password: document.getElementById("password").value };
  let r;
  try {
    r = await fetch("/api/v1/session", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch (e) {
    YM.text("error", YM.explain({ error: "offline" })); return;
  }
  if (r.ok) { location.href = safeNext; return; }
  YM.text("error", YM.explain(await r.json().catch(() => ({ error: "" }))));
});
