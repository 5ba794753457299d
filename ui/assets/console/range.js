// The time range every page shows: today, 7 days, this month, last month
// or custom days, in the viewer's time zone.
import { zone } from "./fmt.js";

const KEY = "mailmeter.range";

export const presets = [
  ["today", "Today"],
  ["7d", "7 days"],
  ["month", "This month"],
  ["lastmonth", "Last month"],
  ["custom", "Custom"],
];

function midnight(d) { return new Date(d.getFullYear(), d.getMonth(), d.getDate()); }
function isoDay(d) {
  const p = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
}

// current returns the chosen range: {key, from, to (Date), granularity, tz, label}.
export function current() {
  let saved = {};
  try { saved = JSON.parse(sessionStorage.getItem(KEY) || "{}"); } catch { /* default */ }
  return resolve(saved.key || "today", saved.from, saved.to);
}

export function choose(key, fromDay, toDay) {
  sessionStorage.setItem(KEY, JSON.stringify({ key, from: fromDay, to: toDay }));
}

export function resolve(key, fromDay, toDay) {
  const now = new Date();
  const today = midnight(now);
  let from, to = now, granularity = "day", label;
  switch (key) {
    case "today":
      from = today; granularity = "hour"; label = "Today"; break;
    case "month":
      from = new Date(now.getFullYear(), now.getMonth(), 1); label = "This month"; break;
    case "lastmonth":
      from = new Date(now.getFullYear(), now.getMonth() - 1, 1); to = new Date(now.getFullYear(), now.getMonth(), 1); label = "Last month"; break;
    case "custom": {
      const f = fromDay ? new Date(fromDay + "T00:00") : new Date(today.getTime() - 13 * 864e5);
      const t = toDay ? new Date(toDay + "T00:00") : today;
      from = f; to = new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1);
      if (to > now) to = now;
      if (!(from < to)) to = new Date(from.getTime() + 864e5);
      granularity = (to - from) <= 2 * 864e5 ? "hour" : "day";
      label = isoDay(from) + " – " + isoDay(new Date(to.getTime() - 1));
      break;
    }
    default:
      key = "7d"; from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6); granularity = "hour"; label = "Last 7 days";
  }
  return { key, from, to, granularity, tz: zone, label, fromDay: isoDay(from), toDay: isoDay(new Date(to.getTime() - 1)) };
}

// params are the query parameters of a range.
export function params(r, granularity = r.granularity) {
  return { from: r.from.toISOString().replace(/\.\d{3}Z$/, "Z"), to: r.to.toISOString().replace(/\.\d{3}Z$/, "Z"), granularity, tz: r.tz };
}
