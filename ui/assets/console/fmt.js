// Human units, in the viewer's locale and time zone.

export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const nf = new Intl.NumberFormat();
const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

// bytes: 1536 → "1.5 KiB".
export function bytes(n) {
  if (n === null || n === undefined || isNaN(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0, v = Math.abs(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const digits = i === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return (n < 0 ? "-" : "") + v.toFixed(digits) + " " + units[i];
}

// count: 12345 → "12,345"; large numbers shortened: 1.2M.
export function count(n) {
  if (n === null || n === undefined || isNaN(n)) return "–";
  if (Math.abs(n) >= 1e6) return nf1.format(n / 1e6) + "M";
  return nf.format(Math.round(n));
}

export function raw(n) { return nf.format(n); }

// pct: 0.9712 (share) → "97.1 %"; percent(92.2) → "92.2 %".
export function share(x, digits = 1) {
  if (x === null || x === undefined || isNaN(x)) return "–";
  return (x * 100).toFixed(digits) + " %";
}
export function percent(p) { return (p === null || p === undefined) ? "–" : nf1.format(p) + " %"; }

// ms: delays.
export function ms(v) {
  if (v === null || v === undefined || isNaN(v)) return "–";
  if (v < 1000) return Math.round(v) + " ms";
  if (v < 60000) return nf1.format(v / 1000) + " s";
  if (v < 3600000) return nf1.format(v / 60000) + " min";
  return nf1.format(v / 3600000) + " h";
}

export function seconds(s) {
  if (s === null || s === undefined || s < 0) return "–";
  return ms(s * 1000);
}

export function minutes(m) {
  if (m === null || m === undefined) return "–";
  if (m < 60) return nf1.format(m) + " min";
  return nf1.format(m / 60) + " h";
}

const dt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
const d = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: zone });
const mon = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric", timeZone: zone });

export function dateTime(t) { return t ? dt.format(new Date(t)) : "–"; }
export function date(t) { return t ? d.format(new Date(t)) : "–"; }
export function month(t) { return t ? mon.format(new Date(t)) : "–"; }

// period names the month of a billing period [from, to), which begins at
// midnight in the customer's zone, not necessarily the viewer's.
export function period(from, to) { return month((Date.parse(from) + Date.parse(to)) / 2); }

// money formats minor units of currency, whose minor unit is exponent
// (the API's "exponent": 2 for EUR, 0 for JPY, 3 for BHD).
export function money(minor, currency, exponent) {
  if (minor === null || minor === undefined) return "–";
  const exp = Number.isInteger(exponent) ? exponent : 2;
  const major = minor / 10 ** exp;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR",
      minimumFractionDigits: exp, maximumFractionDigits: exp }).format(major);
  } catch {
    return major.toFixed(exp) + " " + (currency || "");
  }
}
