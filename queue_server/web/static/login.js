"use strict";
document.getElementById("form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = { username: document.getElementById("username").value, password: document.getElementById("password").value };
  const r = await fetch("/api/v1/session", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (r.ok) {
    const next = new URLSearchParams(location.search).get("next") || "/manage";
    location.href = next.startsWith("/") && !next.startsWith("//") ? next : "/manage";
  } else {
    const e = await r.json().catch(() => ({}));
    YM.text("error", r.status === 401 ? YM.t("用户名或密码错误", "Wrong username or password") : (e.message || ("HTTP " + r.status)));
  }
});
