// Availability per service: from the SLA report (GET /v1/sla/report, with
// downtime intervals) where the server has it, else from the probes'
// figures (GET /v1/availability).
import * as api from "./api.js";
import { h, card, table, badge, empty } from "./dom.js";
import * as fmt from "./fmt.js";
import { params } from "./range.js";

// load returns {report} or {probes}: the SLA report of the range's month
// when the server answers it, else the probes' availability over the range.
export async function load(r, extra = {}) {
  const period = r.from.getFullYear() + "-" + String(r.from.getMonth() + 1).padStart(2, "0");
  const report = await api.optional("/v1/sla/report", { period, ...extra });
  if (report && Array.isArray(report.services)) return { report };
  const { from, to } = params(r);
  const av = await api.get("/v1/availability", { from, to });
  return { probes: av.probes || [], from: av.from, to: av.to };
}

function status(share) {
  if (share >= 0.999) return "ok";
  if (share >= 0.99) return "warning";
  return "over";
}

// timeline draws downtime (red) and maintenance (blue) over the period.
function timeline(from, to, downtime, maintenance) {
  const t0 = Date.parse(from), t1 = Date.parse(to), span = Math.max(t1 - t0, 1);
  const el = h("div", { class: "timeline", title: "Downtime (red) and maintenance (blue) over the period" });
  const add = (iv, cls) => {
    const s = Math.max(Date.parse(iv.start), t0), e = Math.min(Date.parse(iv.end), t1);
    if (!(e > s)) return;
    const span_ = h("span", { class: cls, title: fmt.dateTime(iv.start) + " – " + fmt.dateTime(iv.end) + (iv.cause ? " · " + iv.cause : "") });
    span_.style.left = ((s - t0) / span * 100) + "%";
    span_.style.width = ((e - s) / span * 100) + "%";
    el.append(span_);
  };
  (maintenance || []).forEach((iv) => add(iv, "maint"));
  (downtime || []).forEach((iv) => add(iv, ""));
  return el;
}

function periodBounds(report) {
  const p = report.period;
  if (p && typeof p === "object" && p.from && p.to) return [p.from, p.to];
  if (typeof p === "string" && /^\d{4}-\d{2}$/.test(p)) {
    const [y, m] = p.split("-").map(Number);
    return [new Date(y, m - 1, 1).toISOString(), new Date(y, m, 1).toISOString()];
  }
  return [report.from, report.to];
}

// availabilityCard renders what load returned.
export function availabilityCard(data) {
  if (data.report) return reportCard(data.report);
  const rows = data.probes;
  const body = rows.length ? table([
    { label: "Service (probe)", render: (p) => p.probe },
    { label: "Availability", render: (p) => h("span", { title: fmt.raw(p.successes) + " of " + fmt.raw(p.checks) + " checks" }, badge(fmt.share(p.availability, 3), status(p.availability))) },
    { label: "Checks", num: true, render: (p) => fmt.raw(p.checks) },
    { label: "Failed", num: true, render: (p) => fmt.raw(p.checks - p.successes) },
  ], rows) : empty("No probe has checked a service in this range.");
  return card("Availability per service", "Share of the probes' checks that succeeded in the range (whole hours).", body);
}

function reportCard(rep) {
  const [from, to] = periodBounds(rep);
  const services = rep.services.map((s) => {
    const up = s.uptime_percent;
    const intervals = (s.downtime || []).length ? table([
      { label: "Down from", render: (d) => fmt.dateTime(d.start) },
      { label: "until", render: (d) => fmt.dateTime(d.end) },
      { label: "Minutes", num: true, render: (d) => fmt.raw(d.minutes) },
      { label: "Cause", render: (d) => d.cause || "–" },
    ], s.downtime) : h("div", { class: "muted" }, "No downtime in the period.");
    return h("div", { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, s.service), badge(fmt.percent(up) + " up", status(up / 100))),
      h("p", { class: "hint" }, "Down " + fmt.minutes(s.downtime_minutes || 0) + (s.unknown_minutes ? " · not measured " + fmt.minutes(s.unknown_minutes) : "") +
        ((s.maintenance || []).length ? " · " + s.maintenance.length + " maintenance window(s)" : "")),
      timeline(from, to, s.downtime, s.maintenance), intervals);
  });
  const out = [h("div", { class: "grid" }, services.length ? services : [card("Availability", null, empty("No services in the report."))])];
  if (rep.latency && typeof rep.latency === "object") out.push(latencyFigures(rep.latency));
  return h("div", {}, out);
}

// latencyValue renders one latency figure in human units, by its key.
function latencyValue(k, v) {
  if (typeof v !== "number") return String(v);
  if (/_ms$/.test(k)) return fmt.ms(v);
  if (/_seconds$/.test(k)) return fmt.seconds(v);
  if (/share|within/.test(k) && v <= 1) return fmt.share(v);
  if (/deliveries|count/.test(k)) return fmt.count(v);
  return String(v);
}

// latencyFigures lists the report's latency figures, whatever their keys.
function latencyFigures(lat) {
  const rows = [];
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj)) {
      if (v && typeof v === "object") walk(v, prefix + k + " ");
      else rows.push([prefix + k.replace(/_seconds$/, "").replace(/_/g, " "), latencyValue(k, v), String(v)]);
    }
  };
  walk(lat, "");
  return card("Delivery latency", "As the SLA report measures it.", h("dl", { class: "kv" }, rows.map(([k, v, raw]) => [h("dt", {}, k), h("dd", { title: raw }, v)])));
}
