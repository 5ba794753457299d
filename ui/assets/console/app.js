// The console's shell: sign-in, navigation by role, the range picker and
// hash routes (#/page/arg). Pages live in ops.js, tenant.js and mailbox.js.
import * as api from "./api.js";
import * as range from "./range.js";
import { h, clear } from "./dom.js";
import * as ops from "./ops.js";
import * as tenant from "./tenant.js";
import { mailboxPage } from "./mailbox.js";

const app = document.getElementById("app");

// Navigation per role: [route, label, icon].
const navs = {
  admin: [["traffic", "Traffic", "▤"], ["delivery", "Delivery & SLA", "◷"], ["mailboxes", "Mailboxes", "✉"],
    ["customers", "Customers", "◎"], ["collectors", "Collectors", "⟳"]],
  customer: [["customer", "Mailboxes", "✉"], ["invoices", "Invoices", "▦"], ["sla", "SLA report", "◷"]],
  mailbox: [["mailbox", "My mailbox", "✉"]],
};

// allowed are the pages each role may open (the API decides what it sees).
const allowed = {
  admin: ["traffic", "delivery", "mailboxes", "customers", "collectors", "customer", "invoices", "sla", "mailbox"],
  customer: ["customer", "invoices", "sla", "mailbox"],
  mailbox: ["mailbox"],
};

// routes: name → page(main, arg, ctx).
const routes = {
  traffic: ops.trafficPage,
  delivery: ops.deliveryPage,
  mailboxes: ops.mailboxesPage,
  customers: ops.customersPage,
  collectors: ops.collectorsPage,
  customer: tenant.customerPage,
  invoices: tenant.invoicesPage,
  sla: tenant.slaPage,
  mailbox: mailboxPage,
};

function home(c) {
  if (c.role === "admin") return "#/traffic";
  if (c.role === "customer") return "#/customer/" + encodeURIComponent(c.subject);
  if (c.role === "mailbox") return "#/mailbox/" + encodeURIComponent(c.subject);
  return "#/";
}

function signIn(message) {
  const ta = h("textarea", { placeholder: "eyJhbGciOi…", "aria-label": "API token", autocomplete: "off", spellcheck: "false" });
  const form = h("form", {
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!api.claims(ta.value.trim())) {
        clear(app, signIn("That does not look like a token (a JWT: three parts separated by dots)."));
        return;
      }
      api.setToken(ta.value);
      location.hash = home(api.claims());
      render();
    },
  }, ta, h("button", { class: "btn primary", type: "submit" }, "Sign in"));
  return h("div", { class: "signin" }, h("div", { class: "card" },
    h("div", { class: "brand-mark" }, "m"),
    h("h1", {}, "mailmeter console"),
    h("p", {}, "Paste an API token, or open the link that ", h("span", { class: "mono" }, "mailmeter token create --link"), " prints."),
    message ? h("div", { class: "error", role: "alert" }, message) : null,
    form));
}

function rangePicker(onChange) {
  const r = range.current();
  const seg = h("div", { class: "seg", role: "group", "aria-label": "Time range" }, range.presets.map(([key, label]) =>
    h("button", { class: r.key === key ? "on" : "", type: "button", dataset: { range: key }, onclick: () => { range.choose(key, r.fromDay, r.toDay); onChange(); } }, label)));
  const from = h("input", { type: "date", value: r.fromDay, "aria-label": "From" });
  const to = h("input", { type: "date", value: r.toDay, "aria-label": "To" });
  const custom = h("div", { class: "custom" + (r.key === "custom" ? "" : " hidden") }, from, "–", to,
    h("button", { class: "btn small", type: "button", onclick: () => { range.choose("custom", from.value, to.value); onChange(); } }, "Apply"));
  return h("div", { class: "range" }, seg, custom);
}

function shell(c, route) {
  const nav = (navs[c.role] || []).map(([r, label, icon]) => {
    const target = r === "customer" || r === "mailbox" ? home(c) : "#/" + r;
    return h("a", { href: target, class: route === r ? "active" : "" }, h("span", { class: "nav-icon", "aria-hidden": "true" }, icon), label);
  });
  const main = h("main", { id: "main" });
  const side = h("nav", { class: "side", "aria-label": "Console" },
    h("div", { class: "brand" }, h("div", { class: "brand-mark" }, "m"), "mailmeter"),
    h("div", { class: "nav" }, nav),
    h("div", { class: "who" }, h("span", { class: "who-role" }, c.role), h("div", { class: "who-subject" }, c.subject),
      h("button", { type: "button", onclick: () => { api.signOut(); location.hash = "#/"; render(); } }, "Sign out")));
  clear(app, h("div", { class: "shell" }, side, main));
  return main;
}

// pageHead is the title row of a page, with the range picker.
export function pageHead(title, sub, opts = {}) {
  return h("div", { class: "page-head" },
    h("div", {}, opts.crumbs ? h("div", { class: "crumbs" }, opts.crumbs) : null, h("h1", {}, title), sub ? h("div", { class: "sub" }, sub) : null),
    opts.range === false ? null : rangePicker(render));
}

export function render() {
  api.takeFragmentToken();
  const c = api.claims();
  if (!c || !api.token()) {
    clear(app, signIn());
    return;
  }
  if (c.exp && c.exp < new Date()) {
    api.signOut();
    clear(app, signIn("The token expired at " + c.exp.toLocaleString() + ". Ask for a new link."));
    return;
  }
  const [, name = "", ...rest] = location.hash.replace(/^#/, "").split("/");
  if (!routes[name] || !(allowed[c.role] || []).includes(name)) {
    location.replace(home(c));
    return;
  }
  const main = shell(c, name);
  const arg = decodeURIComponent(rest.join("/"));
  document.title = "mailmeter · " + name;
  routes[name](main, arg, { claims: c, range: range.current(), head: pageHead });
}

window.addEventListener("hashchange", render);
render();
