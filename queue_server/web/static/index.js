"use strict";
async function refresh() {
  const q = await YM.getJSON("/api/v1/queue");
  YM.text("hall", q.hall.name);
  const body = document.querySelector("#queues tbody"); body.innerHTML = "";
  for (const c of q.queues) {
    const r = body.insertRow();
    r.insertCell().textContent = c.prefix + " " + (YM.lang === "en" && c.name_en ? c.name_en : c.name);
    const n = r.insertCell(); n.textContent = c.waiting; n.className = "num";
    const e = r.insertCell(); e.className = "num";
    e.textContent = c.estimate && c.estimate.low_min != null ? `${c.estimate.low_min}–${c.estimate.high_min}` + YM.t(" 分钟", " min") : "—";
  }
}
refresh();
YM.stream((msg) => { if (msg.kind === "event") refresh(); }, () => {});
