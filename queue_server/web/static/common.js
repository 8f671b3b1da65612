// Shared by the pages: language, formatting, and a live event stream that reconnects.
"use strict";
const YM = {
  lang: new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh",
  t(zh, en) { return this.lang === "en" ? en : zh; },
  minutes(s) { return s == null ? "—" : Math.round(s / 60) + this.t(" 分钟", " min"); },
  clock(epoch) {
    if (epoch == null) return "—";
    return new Date(epoch * 1000).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit" });
  },
  text(id, value) { const el = document.getElementById(id); if (el) el.textContent = value; },
  async getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (!r.ok) { const e = new Error("HTTP " + r.status); e.status = r.status; throw e; }
    return r.json();
  },
  // Calls onMessage for every message; onState(true/false) when the link comes and goes.
  stream(onMessage, onState) {
    let seq = null, delay = 1000;
    const connect = () => {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(proto + "//" + location.host + "/api/v1/events" + (seq != null ? "?since=" + seq : ""));
      ws.onopen = () => { delay = 1000; onState(true); };
      ws.onmessage = (m) => { const msg = JSON.parse(m.data); if (msg.seq != null) seq = msg.seq; onMessage(msg); };
      ws.onclose = () => { onState(false); setTimeout(connect, delay); delay = Math.min(delay * 2, 30000); };
    };
    connect();
  },
};
document.documentElement.lang = YM.lang === "en" ? "en" : "zh-CN";
document.querySelectorAll("[data-en]").forEach((el) => { if (YM.lang === "en") el.textContent = el.dataset.en; });
