// Time series charts with uPlot (vendor/uplot, loaded before this module).
import { h, empty } from "./dom.js";
import * as fmt from "./fmt.js";

export const colors = {
  in: "#2563eb", out: "#10b981", rejected: "#ef4444", tempfailed: "#f59e0b", bounced: "#8b5cf6",
  spam: "#ec4899", virus: "#7f1d1d", deferred: "#64748b", p50: "#10b981", p90: "#f59e0b", p99: "#ef4444",
  share: "#4f46e5", storage: "#0ea5e9", messages: "#a855f7",
};

// byteIncrs are tick steps for byte axes: 1, 2, 5 … of each binary unit.
const byteIncrs = [];
for (let k = 0; k < 6; k++) for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) byteIncrs.push(m * 1024 ** k);

function fade(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

// timeChart draws series over time: x in Unix seconds, each series
// {label, values, color, fill}. format gives human values (the legend shows
// the raw value beside it on hover). The container's data-points and
// data-nonzero say what it holds (tests read them).
export function timeChart(opts) {
  const { x, series, format = fmt.count, height = 220, granularity = "hour", yRange, log = false } = opts;
  const el = h("div", { class: "chart", dataset: { chart: opts.name || "" } });
  let nonzero = 0;
  for (const s of series) for (const v of s.values) if (v) nonzero++;
  el.dataset.points = String(x.length);
  el.dataset.nonzero = String(nonzero);
  if (!x.length) {
    el.append(empty("No data in this range."));
    return el;
  }
  if (typeof uPlot === "undefined") {
    el.append(empty("Charts could not load."));
    return el;
  }
  const dateFmt = granularity === "hour" ? "{MMM} {D} {HH}:{mm}" : granularity === "month" ? "{MMM} {YYYY}" : "{WWW} {MMM} {D}";
  const value = (u, v) => {
    if (v === null || v === undefined) return "–";
    const human = format(v);
    return human === fmt.raw(v) ? human : human + " (" + fmt.raw(v) + ")";
  };
  const conf = {
    width: 600,
    height,
    cursor: { points: { size: 6 }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: log ? { distr: 3, log: 10 } : yRange ? { range: yRange } : { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
    axes: [
      { stroke: "#667085", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#e3e6eb" } },
      { stroke: "#667085", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#e3e6eb" }, size: 84, values: (u, vals) => vals.map((v) => format(v)),
        incrs: format === fmt.bytes ? byteIncrs : undefined },
    ],
    series: [
      { label: "Time", value: (u, ts) => ts === null ? "–" : uPlot.fmtDate(dateFmt)(new Date(ts * 1000)) },
      ...series.map((s) => ({
        label: s.label, stroke: s.color, width: 2, fill: s.fill === false ? undefined : fade(s.color, 0.08),
        points: { show: x.length < 40 || s.values.filter((v) => v !== null && v !== undefined).length < 3 }, value, spanGaps: false,
      })),
    ],
  };
  const data = [x, ...series.map((s) => s.values)];
  requestAnimationFrame(() => {
    const plot = new uPlot({ ...conf, width: Math.max(el.clientWidth, 280) }, data, el);
    el.plot = plot;
    new ResizeObserver(() => {
      const w = Math.max(el.clientWidth, 280);
      if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height });
    }).observe(el);
  });
  return el;
}

// seconds converts RFC 3339 starts to Unix seconds.
export function xs(points) { return points.map((p) => Date.parse(p.start) / 1000); }
