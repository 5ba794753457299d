// <mailmeter-quota>: the quota bar for webmail. Include this script from
// the mailmeter server and put the element where the bar goes:
//
//   <script src="https://mailmeter.example.com/embed/quota.js" defer></script>
//   <mailmeter-quota token="MAILBOX-JWT"></mailmeter-quota>
//
// Attributes: token (a mailbox token; required), mailbox (default: the
// token's subject), api (default: the origin this script came from),
// compact (storage only), refresh (seconds, default 60). The webmail's
// origin must be listed in mailmeter's api.cors_origins. The element sets
// state="loading|ok|warning|over|error" and fires "mailmeter-quota" events
// with the quota in detail.
(() => {
  if (customElements.get("mailmeter-quota")) return;
  const scriptOrigin = document.currentScript ? new URL(document.currentScript.src, location.href).origin : location.origin;

  const css = `
:host { display: block; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2937; }
.mq { display: grid; gap: 9px; }
.row { display: flex; justify-content: space-between; gap: 8px; margin-bottom: 4px; }
.label { font-weight: 600; white-space: nowrap; }
.fig { color: #6b7280; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bar { position: relative; height: 8px; border-radius: 999px; background: #e5e7eb; overflow: hidden; }
.bar span { position: absolute; inset: 0 auto 0 0; border-radius: 999px; background: #16a34a; }
.bar.warning span { background: #e59a0b; }
.bar.over span { background: #dc2626; }
.bar.none span { background: #9ca3af; }
.note { color: #b91c1c; font-size: 12px; }
.err { color: #6b7280; font-size: 12px; }
`;

  function bytes(n) {
    const u = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0, v = n;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i ? v.toFixed(v < 10 ? 1 : 0) : v) + " " + u[i];
  }
  const n = (v) => new Intl.NumberFormat().format(v);
  function subject(token) {
    try {
      const p = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(p + "=".repeat((4 - p.length % 4) % 4))).sub || "";
    } catch { return ""; }
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function meter(label, fig, percent, status, limited, title) {
    const wrap = el("div", "meter");
    const row = el("div", "row");
    row.append(el("span", "label", label), el("span", "fig", fig));
    const bar = el("div", "bar " + (limited ? status : "none"));
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-valuenow", String(limited ? percent : 0));
    bar.title = title;
    const fill = el("span");
    fill.style.width = (limited ? Math.min(percent, 100) : 0) + "%";
    bar.append(fill);
    wrap.append(row, bar);
    return wrap;
  }

  class MailmeterQuota extends HTMLElement {
    static get observedAttributes() { return ["token", "mailbox", "api", "compact"]; }
    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        this.root.adoptedStyleSheets = [sheet];
      } catch {
        this.root.append(el("style", null, css));
      }
      this.box = el("div", "mq");
      this.root.append(this.box);
    }
    connectedCallback() { this.load(); this.schedule(); }
    disconnectedCallback() { clearInterval(this.timer); }
    attributeChangedCallback() { if (this.isConnected) this.load(); }
    schedule() {
      clearInterval(this.timer);
      const every = Math.max(Number(this.getAttribute("refresh")) || 60, 10);
      this.timer = setInterval(() => this.load(), every * 1000);
    }
    async load() {
      const token = this.getAttribute("token") || "";
      const mailbox = this.getAttribute("mailbox") || subject(token);
      const api = (this.getAttribute("api") || scriptOrigin).replace(/\/$/, "");
      if (!token || !mailbox) { this.fail("No mailbox token."); return; }
      if (!this.quota) this.setAttribute("state", "loading");
      try {
        const resp = await fetch(api + "/v1/mailboxes/" + encodeURIComponent(mailbox) + "/quota", {
          headers: { Authorization: "Bearer " + token, Accept: "application/json" }, credentials: "omit", cache: "no-store",
        });
        if (!resp.ok) throw new Error("quota unavailable (" + resp.status + ")");
        this.render(await resp.json());
      } catch (e) {
        this.fail("Quota unavailable.", e);
      }
    }
    fail(text, e) {
      this.box.replaceChildren(el("div", "err", text));
      this.setAttribute("state", "error");
      this.dispatchEvent(new CustomEvent("mailmeter-quota", { detail: { error: String(e || text) }, bubbles: true, composed: true }));
    }
    render(q) {
      this.quota = q;
      const s = q.storage, m = q.messages, o = q.outbound, om = q.outbound_month;
      const parts = [meter("Storage", s.limit_bytes ? bytes(s.used_bytes) + " of " + bytes(s.limit_bytes) : bytes(s.used_bytes),
        s.percent, s.status, !!s.limit_bytes, s.used_bytes + " bytes")];
      if (!this.hasAttribute("compact")) {
        if (m.limit) parts.push(meter("Messages", n(m.used) + " of " + n(m.limit), m.percent, m.status, true, m.used + " messages"));
        for (const [label, x] of [["Sent today", o], ["Sent this month", om]]) {
          const limited = !!(x.limit_bytes || x.limit_recipients);
          if (!limited) continue;
          const fig = x.limit_bytes ? bytes(x.used_bytes) + " of " + bytes(x.limit_bytes) : n(x.used_recipients) + " of " + n(x.limit_recipients) + " recipients";
          parts.push(meter(label, fig, x.percent, x.status, true, x.used_bytes + " bytes, " + x.used_recipients + " recipients"));
        }
      }
      if (s.grace_until) parts.push(el("div", "note", "Mailbox full: new mail is refused from " + new Date(s.grace_until).toLocaleString() + "."));
      else if (s.status === "over") parts.push(el("div", "note", "Mailbox full: new mail is refused."));
      this.box.replaceChildren(...parts);
      const worst = [s.status, m.status, o.status, om.status].includes("over") ? "over" : [s.status, m.status, o.status, om.status].includes("warning") ? "warning" : "ok";
      this.setAttribute("state", worst);
      this.dispatchEvent(new CustomEvent("mailmeter-quota", { detail: q, bubbles: true, composed: true }));
    }
  }
  customElements.define("mailmeter-quota", MailmeterQuota);
})();
