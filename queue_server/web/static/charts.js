// Small inline-SVG charts for the manager's dashboard: a heatmap, bars and lines. Offline (no
// library, no CDN), drawn at the box's real width so the text stays readable on a phone, in the
// page's fonts (Chinese glyphs come from the page's CSS). Every drawn mark has class "mark" and
// carries its data (data-key, data-value, data-series), so a test can check what was drawn.
// Colours are classes (dashboard.css), except the heatmap's shades, which are computed.
"use strict";

const YC = {
  NS: "http://www.w3.org/2000/svg",

  el(tag, attrs, text) {
    const e = document.createElementNS(this.NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  },

  // A mark with its value in data attributes and a tooltip.
  mark(tag, attrs, data, tip) {
    const e = this.el(tag, attrs);
    e.classList.add("mark");
    for (const [k, v] of Object.entries(data)) e.setAttribute("data-" + k, v == null ? "" : String(v));
    if (tip) e.append(this.el("title", {}, tip));
    return e;
  },

  svg(box, height, label) {
    box.innerHTML = "";
    const width = Math.max(260, Math.floor(box.clientWidth));
    const s = this.el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart-svg" });
    box.append(s);
    return { s, width, height };
  },

  empty(box, text) {
    box.innerHTML = "";
    const p = document.createElement("p");
    p.className = "chart-empty"; p.textContent = text;
    box.append(p);
  },

  legend(box, items) {
    const ul = document.createElement("ul"); ul.className = "legend";
    for (const [cls, name] of items) {
      const li = document.createElement("li");
      const sw = document.createElement("span"); sw.className = "swatch " + cls;
      li.append(sw, name); ul.append(li);
    }
    box.append(ul);
  },

  // Round steps for an axis from 0 to at least `max`: [ticks…], the last one ≥ max.
  ticks(max, count) {
    if (!(max > 0)) return [0, 1];
    const raw = max / (count || 4), mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const out = [];
    for (let v = 0; v < max + step * 0.999; v += step) out.push(Math.round(v * 1e6) / 1e6);
    return out;
  },

  // The y axis with its grid lines and labels; returns y(value).
  yAxis(s, ticks, left, top, plotW, plotH, format, title) {
    const top0 = ticks[ticks.length - 1] || 1;
    const y = (v) => top + plotH - (v / top0) * plotH;
    for (const t of ticks) {
      s.append(this.el("line", { x1: left, x2: left + plotW, y1: y(t), y2: y(t), class: t === 0 ? "axis" : "grid" }));
      s.append(this.el("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end", class: "tick" }, format(t)));
    }
    if (title) s.append(this.el("text", { x: 4, y: top - 10, class: "axis-title" }, title));
    return y;
  },

  // x labels under a band axis, thinned so they never overlap.
  xLabels(s, labels, xOf, y, plotW, minGap) {
    const widest = Math.max(...labels.map((l) => l.length), 1) * 8 + 8;
    const every = Math.max(1, Math.ceil(labels.length * Math.max(widest, minGap || 0) / plotW));
    labels.forEach((l, i) => {
      if (i % every === 0) s.append(this.el("text", { x: xOf(i), y, "text-anchor": "middle", class: "tick" }, l));
    });
  },

  /* Bars: {bars: [{key, label, value, tip}], format(v), yTitle, xTitle, cls, per, empty, label}; `per`
     divides the values for the axis, as for lines. */
  bars(box, o) {
    if (!o.bars.length || o.bars.every((b) => !b.value)) { this.empty(box, o.empty); return; }
    const { s, width } = this.svg(box, o.height || 260, o.label);
    const left = 52, right = 12, top = 28, bottom = o.xTitle ? 50 : 32, per = o.per || 1;
    const plotW = width - left - right, plotH = (o.height || 260) - top - bottom;
    const y0 = this.yAxis(s, this.ticks(Math.max(...o.bars.map((b) => b.value || 0)) / per), left, top, plotW, plotH, o.format, o.yTitle);
    const y = (v) => y0(v / per);
    const band = plotW / o.bars.length, barW = Math.max(3, Math.min(56, band * 0.7));
    const xOf = (i) => left + band * i + band / 2;
    o.bars.forEach((b, i) => {
      const v = b.value || 0;
      s.append(this.mark("rect", { x: xOf(i) - barW / 2, y: y(v), width: barW, height: Math.max(0, y(0) - y(v)), class: o.cls || "s1" },
        { key: b.key, value: b.value }, b.tip));
      if (band >= 30 && v) s.append(this.el("text", { x: xOf(i), y: y(v) - 4, "text-anchor": "middle", class: "bar-value" }, o.format(v / per)));
    });
    this.xLabels(s, o.bars.map((b) => b.label), xOf, top + plotH + 18, plotW);
    if (o.xTitle) s.append(this.el("text", { x: left + plotW / 2, y: top + plotH + 40, "text-anchor": "middle", class: "axis-title" }, o.xTitle));
  },

  /* Lines over a band of x values: {xs: [{key, label}], series: [{key, name, cls, values: [v|null]}],
     format(v), yMax, yTitle, empty, label}. A null value is a gap. `per` divides the values for the
     axis (seconds drawn as minutes: per 60); the marks keep the values as given. */
  lines(box, o) {
    if (!o.xs.length || o.series.every((se) => se.values.every((v) => v == null))) { this.empty(box, o.empty); return; }
    const height = o.height || 280;
    const { s, width } = this.svg(box, height, o.label);
    const left = 52, right = 16, top = 28, bottom = 34;
    const plotW = width - left - right, plotH = height - top - bottom;
    const per = o.per || 1;
    const max = o.yMax || Math.max(...o.series.flatMap((se) => se.values.filter((v) => v != null))) / per;
    const y0 = this.yAxis(s, this.ticks(max), left, top, plotW, plotH, o.format, o.yTitle);
    const y = (v) => y0(v / per);
    const band = plotW / o.xs.length, xOf = (i) => left + band * i + band / 2;
    const r = o.xs.length > 60 ? 2 : 3.5;
    for (const se of o.series) {
      let d = "", pen = false;
      se.values.forEach((v, i) => {
        if (v == null) { pen = false; return; }
        d += (pen ? "L" : "M") + xOf(i).toFixed(1) + " " + y(v).toFixed(1) + " "; pen = true;
      });
      s.append(this.el("path", { d: d.trim(), class: "line " + se.cls, fill: "none" }));
      se.values.forEach((v, i) => {
        if (v == null) return;
        s.append(this.mark("circle", { cx: xOf(i), cy: y(v), r, class: "dot " + se.cls },
          { series: se.key, key: o.xs[i].key, value: v }, `${o.xs[i].label} ${se.name}：${o.format(v / per)}`));
      });
    }
    this.xLabels(s, o.xs.map((x) => x.label), xOf, top + plotH + 20, plotW, 44);
    this.legend(box, o.series.map((se) => [se.cls, se.name]));
  },

  /* A heatmap: {rows: [{key, label}], cols: [{key, label}], cells: [{row, col, value, data, tip, text}],
     xTitle, legend: [low text, high text], empty, label}. Cells not given are drawn empty (no mark). */
  heatmap(box, o) {
    if (!o.cells.length) { this.empty(box, o.empty); return; }
    const left = 56, top = 26, right = 8;
    const width = Math.max(260, Math.floor(box.clientWidth));
    const cellW = (width - left - right) / o.cols.length, cellH = Math.max(30, Math.min(44, cellW * 0.8));
    const height = top + cellH * o.rows.length + 40;
    const { s } = this.svg(box, height, o.label);
    const max = Math.max(...o.cells.map((c) => c.value)) || 1;
    const colX = new Map(o.cols.map((c, i) => [c.key, left + i * cellW]));
    const rowY = new Map(o.rows.map((r, i) => [r.key, top + i * cellH]));
    o.cols.forEach((c, i) => s.append(this.el("text", { x: left + i * cellW + cellW / 2, y: top - 8, "text-anchor": "middle", class: "tick" }, c.label)));
    o.rows.forEach((r, i) => {
      s.append(this.el("text", { x: left - 8, y: top + i * cellH + cellH / 2 + 5, "text-anchor": "end", class: "tick" }, r.label));
      o.cols.forEach((c, j) => s.append(this.el("rect", { x: left + j * cellW + 1, y: top + i * cellH + 1, width: cellW - 2, height: cellH - 2, class: "cell-none" })));
    });
    for (const c of o.cells) {
      const x = colX.get(c.col), yy = rowY.get(c.row);
      if (x == null || yy == null) continue;
      const k = c.value / max;
      s.append(this.mark("rect", { x: x + 1, y: yy + 1, width: cellW - 2, height: cellH - 2, fill: this.shade(k) }, { value: c.value, ...c.data }, c.tip));
      if (cellW >= 30) s.append(this.el("text", { x: x + cellW / 2, y: yy + cellH / 2 + 5, "text-anchor": "middle", class: k > 0.6 ? "cell-text light" : "cell-text" }, c.text));
    }
    if (o.xTitle) s.append(this.el("text", { x: left + (width - left - right) / 2, y: height - 12, "text-anchor": "middle", class: "axis-title" }, o.xTitle));
    this.legend(box, [["shade-low", o.legend[0]], ["shade-high", o.legend[1]]]);
  },

  // Light blue (few) to dark blue (many). Dark text on shades up to 0.6 and white text above
  // both keep a contrast of at least 4.5:1: the shades between, where neither would, are skipped.
  shade(k) {
    const lo = [232, 241, 251], hi = [12, 60, 120];
    k = Math.min(1, Math.max(0, k));
    const t = k <= 0.6 ? k : 0.68 + (k - 0.6) * 0.8;
    const c = lo.map((v, i) => Math.round(v + (hi[i] - v) * t));
    return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  },
};
