// Customer pages: domains and mailboxes, invoices, the SLA report. An admin
// sees them for any customer; a customer for itself (the API answers 404
// for anybody else's).
import * as api from "./api.js";
import { h, card, tile, table, badge, empty, loading, errorBox } from "./dom.js";
import * as fmt from "./fmt.js";
import { params } from "./range.js";
import * as sla from "./sla.js";
import { quotaTable } from "./quotas.js";

// customerOf is the customer a page shows: the one in the route, else a
// customer caller's own. Another customer's answers 404 from the API.
function customerOf(ctx, arg) { return arg || (ctx.claims.role === "customer" ? ctx.claims.subject : ""); }

export function customerPage(main, arg, ctx) {
  const id = customerOf(ctx, arg);
  const r = ctx.range;
  const head = h("div", {});
  const body = h("div", {});
  main.append(head, body);
  loading(body, Promise.all([api.get("/v1/customers/" + encodeURIComponent(id)), api.all("/v1/domains", { customer: id })]), ([c, domains]) => {
    head.append(ctx.head(c.name, "Customer " + c.id + (c.plan ? " · plan " + c.plan : "") + " · " + c.timezone,
      { crumbs: ctx.claims.role === "admin" ? h("a", { href: "#/customers" }, "Customers") : null }));
    const tiles = h("div", { class: "grid tiles" }, tile("Domains", fmt.count(domains.length), { raw: domains.length }));
    // The estimate prices every mailbox of the month: it comes when ready.
    api.get("/v1/estimates", { customer: id }).then((est) => {
      const e = est.estimates[0];
      if (e && !e.skipped) tiles.append(tile("Month to date", fmt.money(e.total, e.currency, e.exponent), { raw: e.total, foot: "estimate for " + fmt.period(e.period_from, e.period_to) }));
    }, () => { /* the page works without it */ });
    body.append(tiles);
    const table_ = quotaTable(r, { customer: id, title: "Mailboxes", onLoad: (t) => {
      tiles.prepend(tile("Mailboxes", fmt.count(t.total), { raw: t.total }));
      tiles.append(tile("Near full (≥ 90 %)", fmt.count(t.fill.over_90), { raw: t.fill.over_90, status: t.fill.over_90 ? "warning" : "ok" }));
    } });
    const domainSel = h("select", { "aria-label": "Domain", onchange: (ev) => table_.setDomain(ev.target.value) },
      h("option", { value: "" }, "All domains"), domains.map((d) => h("option", { value: d.domain }, d.domain)));
    table_.querySelector(".table-tools").prepend(domainSel);
    body.append(table_, card("Domains", null, domains.length ? table([
      { label: "Domain", render: (d) => d.domain },
      { label: "Since", render: (d) => fmt.date(d.created_at) },
    ], domains) : empty("No domains yet.")));
  });
}

async function download(inv, btn) {
  btn.disabled = true;
  try {
    const blob = await api.pdf("/v1/invoices/" + encodeURIComponent(inv.id));
    if (!blob) {
      btn.replaceWith(h("span", { class: "muted", title: "This server does not render invoices as PDF yet" }, "PDF unavailable"));
      return;
    }
    const a = h("a", { href: URL.createObjectURL(blob), download: (inv.number || inv.id) + ".pdf" });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (e) {
    btn.replaceWith(errorBox(e));
  } finally {
    btn.disabled = false;
  }
}

export function invoicesPage(main, arg, ctx) {
  const id = customerOf(ctx, arg);
  main.append(ctx.head("Invoices", id ? "Customer " + id : "Every customer", { range: false }));
  const body = h("div", {});
  main.append(body);
  loading(body, api.all("/v1/invoices", { customer: id }), (invs) => {
    invs.sort((a, b) => b.period_from.localeCompare(a.period_from) || a.id.localeCompare(b.id));
    body.append(card(null, null, invs.length ? table([
      { label: "Invoice", render: (i) => h("span", {}, i.number || h("span", { class: "muted" }, "draft"), " ", h("span", { class: "muted mono" }, i.id)) },
      { label: "Period", render: (i) => fmt.period(i.period_from, i.period_to) },
      { label: "Kind", render: (i) => i.kind === "credit_note" ? badge("credit note", "info") : "invoice" },
      { label: "Status", render: (i) => badge(i.status, i.status === "final" ? "ok" : "warning") },
      { label: "Net", num: true, render: (i) => fmt.money(i.net, i.currency, i.exponent) },
      { label: "Total", num: true, render: (i) => h("strong", { title: i.total + " minor units" }, fmt.money(i.total, i.currency, i.exponent)) },
      { label: "SLA", render: (i) => i.evidence && i.evidence.credit_bp ? badge("credit " + (i.evidence.credit_bp / 100) + " %", "warning") : badge("met", "ok") },
      { label: "", render: (i) => { const b = h("button", { class: "btn small", type: "button" }, "PDF"); b.addEventListener("click", () => download(i, b)); return b; } },
    ], invs) : empty("No invoices yet. They appear after the month's invoice run.")));
  });
}

export function slaPage(main, arg, ctx) {
  const id = customerOf(ctx, arg);
  const r = ctx.range;
  main.append(ctx.head("SLA report", fmt.month(r.from) + " · availability of the services and delivery latency"));
  const av = h("div", {}), lat = h("div", {});
  main.append(av, lat);
  loading(av, sla.load(r, id && ctx.claims.role === "admin" ? { customer: id } : {}), (data) => {
    av.append(sla.availabilityCard(data));
    if (data.report) return;
    // Without the report, the latency of each of the customer's domains.
    const { from, to } = params(r);
    loading(lat, api.all("/v1/domains", { customer: id }).then((ds) => Promise.all(ds.map((d) =>
      api.get("/v1/latency", { from, to, domain: d.domain }).then((l) => ({ domain: d.domain, l }))))), (rows) => {
      lat.append(card("Delivery latency per domain", "Deliveries within " + fmt.ms(rows[0] ? rows[0].l.target_ms : 60000) + " and their quantiles.", rows.length ? table([
        { label: "Domain", render: (x) => x.domain },
        { label: "Direction", render: (x) => Object.keys(x.l.directions).join(", ") || "–" },
        { label: "Deliveries", num: true, render: (x) => fmt.raw(Object.values(x.l.directions).reduce((a, f) => a + f.count, 0)) },
        { label: "p50 / p90 / p99 (inbound)", num: true, render: (x) => { const f = x.l.directions.inbound; return f ? fmt.ms(f.p50_ms) + " / " + fmt.ms(f.p90_ms) + " / " + fmt.ms(f.p99_ms) : "–"; } },
        { label: "Within target (inbound)", num: true, render: (x) => { const f = x.l.directions.inbound; return f ? fmt.share(f.within_target) : "–"; } },
      ], rows) : empty("No domains.")));
    });
  });
}
