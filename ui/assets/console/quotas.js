// The mailbox table (GET /v1/quotas): quota bars and usage, sorted and
// paged by the server, so it stays fast with tens of thousands of mailboxes.
import * as api from "./api.js";
import { h, clear, card, table, barCell, num, badge, empty, errorBox } from "./dom.js";
import * as fmt from "./fmt.js";
import { params } from "./range.js";

const PAGE = 50;

function statusBadge(q) {
  const worst = [q.storage.status, q.messages.status, q.outbound.status, q.outbound_month.status];
  if (worst.includes("over")) return badge("over", "over");
  if (worst.includes("warning")) return badge("warning", "warning");
  return badge("ok", "ok");
}

const columns = [
  { label: "Mailbox", sort: "address", render: (r) => h("a", { href: "#/mailbox/" + encodeURIComponent(r.mailbox) }, r.mailbox) },
  { label: "Storage", sort: "storage_percent", render: (r) => barCell(r.quota.storage.percent, r.quota.storage.status, !!r.quota.storage.limit_bytes,
    fmt.bytes(r.quota.storage.used_bytes) + (r.quota.storage.limit_bytes ? " of " + fmt.bytes(r.quota.storage.limit_bytes) : "") + " (" + fmt.raw(r.quota.storage.used_bytes) + " bytes)") },
  { label: "Used", num: true, sort: "storage", render: (r) => num(r.quota.storage.used_bytes, fmt.bytes) },
  { label: "Messages", num: true, sort: "messages", render: (r) => num(r.quota.messages.used) },
  { label: "Received", num: true, sort: "in_bytes", render: (r) => num(r.usage.in_bytes, fmt.bytes) },
  { label: "Sent", num: true, sort: "out_bytes", render: (r) => num(r.usage.out_bytes, fmt.bytes) },
  { label: "Sent today", num: true, sort: "outbound_percent", render: (r) => r.quota.outbound.limit_bytes || r.quota.outbound.limit_recipients ? fmt.percent(r.quota.outbound.percent) : num(r.quota.outbound.used_bytes, fmt.bytes) },
  { label: "Status", render: (r) => statusBadge(r.quota) },
];

// quotaTable returns a card with the table; onLoad(first response) lets a
// page show the fill of the selection.
export function quotaTable(r, opts = {}) {
  const state = { sort: opts.sort || "address", desc: !!opts.desc, search: "", domain: opts.domain || "", cursors: [""], page: 0 };
  const body = h("div", {});
  const search = h("input", { type: "search", placeholder: "Search mailboxes", "aria-label": "Search mailboxes" });
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.search = search.value.trim(); state.cursors = [""]; state.page = 0; load(); }, 250);
  });
  const pager = h("div", { class: "pager" });
  const tools = h("div", { class: "table-tools" }, search, pager);
  let first = true;
  async function load() {
    const { from, to } = params(r);
    try {
      const t = await api.get("/v1/quotas", { customer: opts.customer, domain: state.domain, search: state.search, from, to,
        sort: (state.desc ? "-" : "") + state.sort, limit: PAGE, cursor: state.cursors[state.page] });
      if (first && opts.onLoad) opts.onLoad(t);
      first = false;
      state.cursors[state.page + 1] = t.next_cursor || "";
      const start = t.total ? state.page * PAGE + 1 : 0;
      clear(pager, start + "–" + (state.page * PAGE + t.mailboxes.length) + " of " + fmt.raw(t.total),
        h("button", { class: "btn small", type: "button", disabled: state.page === 0, onclick: () => { state.page--; load(); } }, "‹ Prev"),
        h("button", { class: "btn small", type: "button", disabled: !t.next_cursor, onclick: () => { state.page++; load(); } }, "Next ›"));
      clear(body, t.mailboxes.length ? table(columns, t.mailboxes, {
        key: state.sort, desc: state.desc,
        onSort: (key) => {
          state.desc = state.sort === key ? !state.desc : key !== "address";
          state.sort = key; state.cursors = [""]; state.page = 0; load();
        },
      }) : empty(state.search ? "No mailbox matches." : "No mailboxes."));
      body.dataset.rows = String(t.mailboxes.length);
      if (!body.dataset.renderedAt) body.dataset.renderedAt = String(Math.round(performance.now()));
      body.dataset.total = String(t.total);
    } catch (e) {
      clear(body, errorBox(e));
    }
  }
  load();
  const c = card(opts.title || "Mailboxes", "Quota bars as the policy server sees them now; sent and received over " + r.label.toLowerCase() + ". Click a column to sort.", tools, body);
  c.dataset.table = "quotas";
  c.setDomain = (d) => { state.domain = d; state.cursors = [""]; state.page = 0; load(); };
  return c;
}

// fillCard shows how full the selection's mailboxes are.
export function fillCard(fill) {
  const max = Math.max(1, ...fill.deciles);
  const cols = fill.deciles.map((n, i) => {
    const bar = h("span", { class: "fill" });
    bar.style.height = (n / max * 100) + "%";
    return h("div", { class: "col" + (i >= 10 ? " over" : i >= 8 ? " warn" : ""), title: n + " mailboxes" }, h("span", { class: "n" }, n ? fmt.raw(n) : ""), bar);
  });
  const axis = fill.deciles.map((_, i) => h("span", {}, i === 10 ? "≥100" : i * 10 + "%"));
  return card("Quota fill", fmt.raw(fill.limited) + " of " + fmt.raw(fill.mailboxes) + " mailboxes have a storage limit; how full they are.",
    h("div", { class: "dist", dataset: { chart: "fill", points: "11", nonzero: String(fill.deciles.filter(Boolean).length) } }, cols),
    h("div", { class: "dist-axis" }, axis));
}
