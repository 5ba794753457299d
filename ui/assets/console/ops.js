// Operator (admin) pages: traffic, delivery and SLA, mailboxes, customers,
// collectors.
import * as api from "./api.js";
import { h, card, tile, table, num, badge, empty, loading } from "./dom.js";
import { timeChart, xs, colors } from "./charts.js";
import * as fmt from "./fmt.js";
import { params } from "./range.js";
import * as sla from "./sla.js";
import { quotaTable, fillCard } from "./quotas.js";

const sum = (pts, ...ms) => pts.reduce((a, p) => a + ms.reduce((b, m) => b + (p.counters[m] || 0), 0), 0);
const series = (pts, ...ms) => pts.map((p) => ms.reduce((b, m) => b + (p.counters[m] || 0), 0));

export function trafficPage(main, _, ctx) {
  const r = ctx.range;
  main.append(ctx.head("Traffic", "All mail the service handled, per " + r.granularity + " · " + r.label + " · times in " + r.tz));
  const body = h("div", {});
  main.append(body);
  loading(body, api.get("/v1/traffic", params(r)), (t) => {
    const p = t.points, x = xs(p), g = t.granularity;
    body.append(h("div", { class: "grid tiles" },
      tile("Messages in", fmt.count(sum(p, "in_messages")), { raw: sum(p, "in_messages") }),
      tile("Messages out", fmt.count(sum(p, "out_messages")), { raw: sum(p, "out_messages"), foot: fmt.count(sum(p, "out_recipients")) + " recipients" }),
      tile("Data in", fmt.bytes(sum(p, "in_bytes")), { raw: sum(p, "in_bytes") }),
      tile("Data out", fmt.bytes(sum(p, "out_bytes")), { raw: sum(p, "out_bytes") }),
      tile("Rejected (5xx)", fmt.count(sum(p, "rejected_in", "rejected_out")), { raw: sum(p, "rejected_in", "rejected_out") }),
      tile("Temp. failed (4xx)", fmt.count(sum(p, "tempfailed_in", "tempfailed_out")), { raw: sum(p, "tempfailed_in", "tempfailed_out") }),
      tile("Bounced", fmt.count(sum(p, "bounced")), { raw: sum(p, "bounced") }),
      tile("Spam / virus blocked", fmt.count(sum(p, "spam_blocked")) + " / " + fmt.count(sum(p, "virus_blocked")), { raw: sum(p, "spam_blocked", "virus_blocked") })));
    body.append(h("div", { class: "grid two" },
      card("Messages", "Delivered into mailboxes (in) and accepted from them (out).", timeChart({ name: "messages", x, granularity: g,
        series: [{ label: "in", values: series(p, "in_messages"), color: colors.in }, { label: "out", values: series(p, "out_messages"), color: colors.out }] })),
      card("Data", "Bytes delivered in, and sent out (size × recipients).", timeChart({ name: "bytes", x, granularity: g, format: fmt.bytes,
        series: [{ label: "in", values: series(p, "in_bytes"), color: colors.in }, { label: "out", values: series(p, "out_bytes"), color: colors.out }] })),
      card("Rejects and bounces", "Permanent (5xx) and temporary (4xx) SMTP rejects, bounced recipients, deferrals.", timeChart({ name: "rejects", x, granularity: g,
        series: [{ label: "rejected 5xx", values: series(p, "rejected_in", "rejected_out"), color: colors.rejected },
          { label: "temp. failed 4xx", values: series(p, "tempfailed_in", "tempfailed_out"), color: colors.tempfailed },
          { label: "bounced", values: series(p, "bounced"), color: colors.bounced },
          { label: "deferred", values: series(p, "deferred"), color: colors.deferred, fill: false }] })),
      card("Spam and viruses blocked", "Messages the content filters blocked.", timeChart({ name: "blocked", x, granularity: g,
        series: [{ label: "spam", values: series(p, "spam_blocked"), color: colors.spam }, { label: "virus", values: series(p, "virus_blocked"), color: colors.virus }] }))));
  });
}

function latencyTiles(lat) {
  const d = lat.directions || {};
  const tiles = [];
  for (const dir of ["inbound", "outbound"]) {
    const f = d[dir];
    if (!f) continue;
    tiles.push(tile(dir === "inbound" ? "Inbound p50 / p99" : "Outbound p50 / p99", fmt.ms(f.p50_ms) + " / " + fmt.ms(f.p99_ms), { foot: fmt.raw(f.count) + " deliveries" }));
    const lo = f.within_target, hi = f.within_target_max;
    tiles.push(tile((dir === "inbound" ? "Inbound" : "Outbound") + " within " + fmt.ms(lat.target_ms), lo === hi ? fmt.share(lo) : fmt.share(lo) + "–" + fmt.share(hi),
      { status: lo >= 0.9 ? "ok" : lo >= 0.8 ? "warning" : "over", raw: lo }));
  }
  return tiles.length ? h("div", { class: "grid tiles" }, tiles) : null;
}

function latencyCharts(s) {
  const x = xs(s.points), g = s.granularity;
  const pick = (dir, key, scale = 1) => s.points.map((p) => p.directions[dir] ? p.directions[dir][key] * scale : null);
  const charts = ["inbound", "outbound"].map((dir) => card((dir === "inbound" ? "Inbound" : "Outbound") + " delivery time",
    dir === "inbound" ? "From arrival to delivery into the mailbox." : "From acceptance to delivery at the remote server.",
    timeChart({ name: "latency-" + dir, x, granularity: g, format: fmt.ms, log: true, series: [
      { label: "p50", values: pick(dir, "p50_ms"), color: colors.p50, fill: false },
      { label: "p90", values: pick(dir, "p90_ms"), color: colors.p90, fill: false },
      { label: "p99", values: pick(dir, "p99_ms"), color: colors.p99, fill: false }] })));
  const within = card("Delivered within " + fmt.ms(s.target_ms), "Share of deliveries certainly within the target, per " + g + ".",
    timeChart({ name: "within", x, granularity: g, yRange: [0, 100], format: (v) => fmt.percent(v), series: [
      { label: "inbound", values: pick("inbound", "within_target", 100), color: colors.in, fill: false },
      { label: "outbound", values: pick("outbound", "within_target", 100), color: colors.out, fill: false }] }));
  return [h("div", { class: "grid two" }, charts), within];
}

export function deliveryPage(main, _, ctx) {
  const r = ctx.range;
  main.append(ctx.head("Delivery & SLA", "Delivery latency and service availability · " + r.label + " · times in " + r.tz));
  const lat = h("div", {}), within = h("div", {}), av = h("div", {});
  main.append(lat, h("div", { class: "grid two" }, within, av));
  const p = params(r);
  loading(lat, Promise.all([api.get("/v1/latency", { from: p.from, to: p.to }), api.get("/v1/latency/series", p)]), ([total, s]) => {
    const [charts, share] = latencyCharts(s);
    lat.append(latencyTiles(total) || card("Delivery latency", null, empty("No deliveries in this range.")), charts);
    within.append(share);
  });
  loading(av, sla.load(r), (data) => av.append(sla.availabilityCard(data)));
}

function topCard(title, metric, r) {
  const body = h("div", {});
  const { from, to } = params(r);
  loading(body, api.get("/v1/usage/top", { metric, from, to, limit: 10 }), (t) => {
    body.append(t.mailboxes.length ? table([
      { label: "Mailbox", render: (m) => h("a", { href: "#/mailbox/" + encodeURIComponent(m.mailbox) }, m.mailbox) },
      { label: metric === "out_bytes" ? "Sent" : "Received", num: true, render: (m) => num(m.values[metric], fmt.bytes) },
      { label: "Messages", num: true, render: (m) => num(m.values[metric === "out_bytes" ? "out_messages" : "in_messages"]) },
    ], t.mailboxes) : empty("Nothing in this range."));
  });
  return card(title, r.label, body);
}

export function mailboxesPage(main, _, ctx) {
  const r = ctx.range;
  main.append(ctx.head("Mailboxes", "Every customer's mailboxes, their quota fill and the heaviest users"));
  const tiles = h("div", {}), fill = h("div", {});
  main.append(tiles, fill, h("div", { class: "grid two" }, topCard("Top senders", "out_bytes", r), topCard("Top receivers", "in_bytes", r)));
  main.append(quotaTable(r, { sort: "storage_percent", desc: true, title: "All mailboxes", onLoad: (t) => {
    const f = t.fill;
    tiles.append(h("div", { class: "grid tiles" },
      tile("Mailboxes", fmt.count(f.mailboxes), { raw: f.mailboxes }),
      tile("With a storage limit", fmt.count(f.limited), { raw: f.limited }),
      tile("At 80 % or more", fmt.count(f.over_80), { raw: f.over_80, status: f.over_80 ? "warning" : "ok" }),
      tile("At 90 % or more", fmt.count(f.over_90), { raw: f.over_90, status: f.over_90 ? "warning" : "ok" }),
      tile("Full (100 %)", fmt.count(f.over_100), { raw: f.over_100, status: f.over_100 ? "over" : "ok" })));
    fill.append(fillCard(f));
  } }));
}

export function customersPage(main, _, ctx) {
  main.append(ctx.head("Customers", "Customers and their invoice of the month so far (an estimate, stored nowhere)", { range: false }));
  const body = h("div", {});
  main.append(body);
  loading(body, Promise.all([api.all("/v1/customers"), api.get("/v1/estimates")]), ([cs, est]) => {
    const byID = Object.fromEntries(est.estimates.map((e) => [e.customer, e]));
    const failed = Object.fromEntries(est.failures.map((f) => [f.customer, f]));
    const totals = {};
    const exps = {};
    for (const e of est.estimates) if (!e.skipped) { totals[e.currency] = (totals[e.currency] || 0) + e.total; exps[e.currency] = e.exponent; }
    body.append(h("div", { class: "grid tiles" }, tile("Customers", fmt.count(cs.length), { raw: cs.length }),
      Object.entries(totals).map(([cur, v]) => tile("Month to date (" + cur + ")", fmt.money(v, cur, exps[cur]), { raw: v }))));
    body.append(card("All customers", null, table([
      { label: "Customer", render: (c) => h("a", { href: "#/customer/" + encodeURIComponent(c.id) }, c.name + " ", h("span", { class: "muted" }, "(" + c.id + ")")) },
      { label: "Plan", render: (c) => c.plan || h("span", { class: "muted" }, "none") },
      { label: "Time zone", render: (c) => c.timezone },
      { label: "Month to date", num: true, render: (c) => {
        const e = byID[c.id];
        if (failed[c.id]) return badge("cannot bill: " + (failed[c.id].field || "error"), "bad");
        if (!e || e.skipped) return h("span", { class: "muted" }, e ? e.skipped : "–");
        return h("span", { title: e.total + " minor units, net " + fmt.money(e.net, e.currency, e.exponent) }, fmt.money(e.total, e.currency, e.exponent));
      } },
      { label: "Since", render: (c) => fmt.date(c.created_at) },
    ], cs)));
  });
}

export function collectorsPage(main, _, ctx) {
  main.append(ctx.head("Collectors", "The metering sources: how far behind they are and what they did not understand", { range: false }));
  const body = h("div", {});
  main.append(body);
  loading(body, Promise.all([api.get("/v1/collectors"), api.readiness()]), ([c, ready]) => {
    const s = c.sources;
    const live = s.filter((x) => x.live);
    const maxLag = Math.max(-1, ...live.map((x) => x.lag_seconds));
    const oldest = Math.max(0, ...s.map((x) => x.checkpoint_age_seconds));
    const unknown = s.reduce((a, x) => a + x.unknown_lines, 0);
    body.append(h("div", { class: "grid tiles" },
      tile("Sources", fmt.count(s.length), { foot: live.length + " read by this server" }),
      tile("Largest lag", fmt.seconds(maxLag), { status: maxLag > 300 ? "over" : maxLag > 60 ? "warning" : "ok", raw: maxLag }),
      tile("Oldest checkpoint", fmt.seconds(oldest), { raw: oldest }),
      tile("Unknown lines", fmt.count(unknown), { raw: unknown, status: unknown ? "warning" : "ok" }),
      tile("Dead letters", fmt.count(ready.deadLetters), { raw: ready.deadLetters, status: ready.deadLetters ? "over" : "ok", foot: "service " + ready.status })));
    body.append(card("Sources", "Checkpoints in the database (any process) and the log sources this server reads (live).", s.length ? table([
      { label: "Source", render: (x) => h("span", { class: "mono", title: x.path || "" }, x.source) },
      { label: "", render: (x) => x.live ? badge("live", "info") : badge("stored") },
      { label: "Lag", num: true, render: (x) => x.live ? h("span", { title: fmt.raw(x.lag_bytes) + " bytes" }, fmt.seconds(x.lag_seconds) + " · " + fmt.bytes(x.lag_bytes)) : "–" },
      { label: "Checkpoint age", num: true, render: (x) => x.checkpoint_at ? h("span", { title: fmt.dateTime(x.checkpoint_at) }, fmt.seconds(x.checkpoint_age_seconds)) : "–" },
      { label: "Lines read", num: true, render: (x) => x.live ? num(x.lines) : "–" },
      { label: "Unknown", num: true, render: (x) => h("span", { title: Object.entries(x.unknown).map(([k, v]) => k + ": " + v).join("\n") }, fmt.count(x.unknown_lines)) },
      { label: "Open msgs", num: true, render: (x) => x.live ? fmt.raw(x.open_messages) : "–" },
      { label: "Commits", num: true, render: (x) => fmt.raw(x.live ? x.commits : x.seq) + (x.commit_errors ? " (" + x.commit_errors + " failed)" : "") },
      { label: "Gaps", num: true, render: (x) => x.gaps ? badge(String(x.gaps), "bad") : "0" },
    ], s) : empty("No source has committed yet.")));
    const reasons = {};
    for (const x of s) for (const [k, v] of Object.entries(x.unknown)) reasons[k] = (reasons[k] || 0) + v;
    const rr = Object.entries(reasons).sort((a, b) => b[1] - a[1]);
    if (rr.length) body.append(card("Lines not understood, by reason", "Counted, never fatal; samples are in /metrics and the logs.",
      table([{ label: "Reason", render: ([k]) => h("span", { class: "mono" }, k) }, { label: "Lines", num: true, render: ([, v]) => fmt.raw(v) }], rr)));
    if (ready.detail) body.prepend(h("div", { class: "note" }, ready.detail));
  });
}
