// Small DOM helpers and the console's building blocks. Styles are set as
// properties, never as inline style attributes (the Content-Security-Policy
// allows style sheets from 'self' only).
import * as fmt from "./fmt.js";

// h builds an element: h("div", {class: "x", onclick: f}, child, …).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "width") el.style.width = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function card(title, hint, ...body) {
  return h("section", { class: "card" }, title ? h("h2", {}, title) : null, hint ? h("p", { class: "hint" }, hint) : null, ...body);
}

// tile is a key figure; title carries the raw value.
export function tile(label, value, opts = {}) {
  return h("div", { class: "card tile " + (opts.status || ""), title: opts.raw !== undefined ? String(opts.raw) : null, dataset: { tile: label } },
    h("div", { class: "label" }, label), h("div", { class: "value" }, value), opts.foot ? h("div", { class: "foot" }, opts.foot) : null);
}

export function badge(text, kind = "") { return h("span", { class: "badge " + kind }, text); }

// bar is a quota bar: status colours ok, warning, over; "none" without a limit.
export function bar(percent, status, title) {
  const fill = h("span");
  fill.style.width = Math.min(Math.max(percent || 0, 0), 100) + "%";
  return h("div", { class: "bar " + (status || "ok"), title, role: "meter", "aria-valuenow": percent || 0, "aria-valuemin": 0, "aria-valuemax": 100 }, fill);
}

export function barCell(percent, status, limited, title) {
  return h("div", { class: "barcell" }, bar(limited ? percent : 0, limited ? status : "none", title),
    h("span", { class: "pct" }, limited ? fmt.percent(percent) : "no limit"));
}

export function errorBox(e) { return h("div", { class: "error", role: "alert" }, e.message || String(e)); }
export function empty(text) { return h("div", { class: "empty" }, text); }

// table renders rows with columns [{key, label, num, sort, render(row)}];
// clicking a sortable header calls onSort(key).
export function table(cols, rows, sort = {}) {
  const head = h("tr", {}, cols.map((c) => {
    const sorted = sort.key && c.sort === sort.key;
    return h("th", {
      class: [c.num ? "num" : "", c.sort ? "sortable" : "", sorted ? "sorted" : "", sorted && !sort.desc ? "asc" : ""].join(" "),
      onclick: c.sort && sort.onSort ? () => sort.onSort(c.sort) : null, "aria-sort": sorted ? (sort.desc ? "descending" : "ascending") : null,
    }, c.label);
  }));
  const body = rows.map((r) => h("tr", {}, cols.map((c) => h("td", { class: c.num ? "num" : "" }, c.render(r)))));
  return h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, head), h("tbody", {}, body)));
}

// num shows a human figure with the raw value on hover.
export function num(value, formatter = fmt.count) {
  return h("span", { title: fmt.raw(value || 0) }, formatter(value || 0));
}

// loading puts a placeholder in el while promise runs, then calls render
// with its result, or shows the error.
export async function loading(el, promise, render) {
  clear(el, h("div", { class: "spinner" }, "Loading…"));
  try {
    const v = await promise;
    clear(el);
    render(v);
  } catch (e) {
    clear(el, errorBox(e));
  }
}
