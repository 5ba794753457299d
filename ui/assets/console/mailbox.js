// A mailbox's page: its quota bars (storage, messages, sending today and
// this month) and its usage history.
import * as api from "./api.js";
import { h, card, bar, loading } from "./dom.js";
import { timeChart, xs, colors } from "./charts.js";
import * as fmt from "./fmt.js";
import { params } from "./range.js";

function meter(name, used, limit, percent, status, unit, foot) {
  const human = unit === "bytes" ? fmt.bytes : fmt.count;
  const fig = limit ? human(used) + " of " + human(limit) + " · " + fmt.percent(percent) : human(used) + " · no limit";
  return h("div", { class: "meter", dataset: { meter: name } },
    h("div", { class: "meter-head" }, h("span", { class: "name" }, name), h("span", { class: "fig", title: fmt.raw(used) + (limit ? " of " + fmt.raw(limit) : "") }, fig)),
    bar(limit ? percent : 0, limit ? status : "none", fmt.raw(used)),
    foot ? h("div", { class: "foot" }, foot) : null);
}

function outbound(name, o) {
  const parts = [];
  if (o.limit_bytes) parts.push(fmt.bytes(o.used_bytes) + " of " + fmt.bytes(o.limit_bytes));
  else parts.push(fmt.bytes(o.used_bytes) + " sent");
  if (o.limit_recipients) parts.push(fmt.raw(o.used_recipients) + " of " + fmt.raw(o.limit_recipients) + " recipients");
  else parts.push(fmt.raw(o.used_recipients) + " recipients");
  const limited = !!(o.limit_bytes || o.limit_recipients);
  return h("div", { class: "meter", dataset: { meter: name } },
    h("div", { class: "meter-head" }, h("span", { class: "name" }, name), h("span", { class: "fig" }, limited ? fmt.percent(o.percent) : "no limit")),
    bar(limited ? o.percent : 0, limited ? o.status : "none", fmt.raw(o.used_bytes) + " bytes"),
    h("div", { class: "foot" }, parts.join(" · ") + " · resets " + fmt.dateTime(o.resets_at)));
}

export function quotaCard(q) {
  const s = q.storage, m = q.messages;
  return card("Quota", "Now, as the policy server decides on it (updated " + fmt.dateTime(q.updated_at) + ").",
    meter("Storage", s.used_bytes, s.limit_bytes, s.percent, s.status, "bytes", s.grace_until ? "Over the limit: mail is refused from " + fmt.dateTime(s.grace_until) : null),
    meter("Messages", m.used, m.limit, m.percent, m.status, "count"),
    outbound("Sending today", q.outbound),
    outbound("Sending this month", q.outbound_month));
}

// carry fills hours without a storage reading with the last one.
function carry(values) {
  let last = null;
  return values.map((v) => (v === undefined || v === null ? last : (last = v)));
}

export function mailboxPage(main, arg, ctx) {
  const addr = arg || ctx.claims.subject;
  const r = ctx.range;
  main.append(ctx.head(addr, "Mailbox · " + r.label + " · times in " + r.tz,
    { crumbs: ctx.claims.role === "admin" ? h("a", { href: "#/mailboxes" }, "Mailboxes")
      : ctx.claims.role === "customer" ? h("a", { href: "#/customer/" + encodeURIComponent(ctx.claims.subject) }, "Mailboxes") : null }));
  const top = h("div", { class: "grid two" });
  main.append(top);
  const quota = h("div", {}), storage = h("div", {}), traffic = h("div", {});
  top.append(quota, storage);
  main.append(traffic);
  const path = "/v1/mailboxes/" + encodeURIComponent(addr);
  loading(quota, api.get(path + "/quota"), (q) => quota.append(quotaCard(q)));
  const series = api.get(path + "/usage", params(r));
  loading(storage, series, (s) => {
    const x = xs(s.points), g = s.granularity;
    storage.append(card("Storage", "Mailbox size at the end of each " + g + ".", timeChart({ name: "storage", x, granularity: g, format: fmt.bytes,
      series: [{ label: "storage", values: carry(s.points.map((p) => p.gauges.storage_bytes)), color: colors.storage }] })));
  });
  loading(traffic, series, (s) => {
    const x = xs(s.points), g = s.granularity;
    const c = (m) => s.points.map((p) => p.counters[m] || 0);
    traffic.append(h("div", { class: "grid two" },
      card("Messages", "Received and sent per " + g + ".", timeChart({ name: "mailbox-messages", x, granularity: g,
        series: [{ label: "received", values: c("in_messages"), color: colors.in }, { label: "sent", values: c("out_messages"), color: colors.out }] })),
      card("Data", "Bytes received, and sent (size × recipients).", timeChart({ name: "mailbox-bytes", x, granularity: g, format: fmt.bytes,
        series: [{ label: "received", values: c("in_bytes"), color: colors.in }, { label: "sent", values: c("out_bytes"), color: colors.out }] }))));
  });
}
