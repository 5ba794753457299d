// The framed quota page: /embed/quota#token=JWT[&mailbox=ADDR][&compact=1].
// The token stays in the fragment (never sent to the server) and is
// removed from the frame's address once read. The page tells its parent
// its height and state, so the webmail can size the frame.
(() => {
  const q = document.getElementById("quota");
  const args = new URLSearchParams(location.hash.replace(/^#/, ""));
  if (args.get("token")) q.setAttribute("token", args.get("token"));
  if (args.get("mailbox")) q.setAttribute("mailbox", args.get("mailbox"));
  if (args.get("compact")) q.setAttribute("compact", "");
  if (args.get("refresh")) q.setAttribute("refresh", args.get("refresh"));
  history.replaceState(null, "", location.pathname);
  q.addEventListener("mailmeter-quota", () => {
    if (parent === window) return;
    parent.postMessage({ type: "mailmeter-quota", state: q.getAttribute("state"), height: document.documentElement.scrollHeight }, "*");
  });
})();
