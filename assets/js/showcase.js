/* Plaudit showcase embed: one <script src=".../s/KEY.js"> tag. Draws the set's JSON (same
   origin as this script, no cookies sent) into a shadow root, so the page's CSS cannot break
   it and it cannot break the page. Text is set as text, never parsed as HTML. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.src) return;
  var src = me.src.split("#")[0].split("?")[0];
  var url = src.replace(/\.js$/, ".json");
  var layout = me.getAttribute("data-layout");
  var theme = me.getAttribute("data-theme");
  var host = document.createElement("div");
  host.className = "plaudit-showcase";
  me.parentNode.insertBefore(host, me.nextSibling);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var CSS =
    ":host{display:block;font:inherit;color:inherit}" +
    ".w{--b:#1f6feb;--bg:#fff;--fg:#1c2127;--m:#57606a;--c:#f6f8fa;--l:#d0d7de;color:var(--fg);font:inherit}" +
    ".w.dark{--bg:#0d1117;--fg:#e6edf3;--m:#9da7b3;--c:#161b22;--l:#30363d}" +
    "@media (prefers-color-scheme:dark){.w.auto{--bg:#0d1117;--fg:#e6edf3;--m:#9da7b3;--c:#161b22;--l:#30363d}}" +
    "ul{list-style:none;margin:0;padding:0;display:grid;gap:12px}" +
    ".grid{grid-template-columns:repeat(auto-fill,minmax(240px,1fr))}" +
    "@media (max-width:520px){.grid{grid-auto-flow:column;grid-auto-columns:85%;grid-template-columns:none;overflow-x:auto;scroll-snap-type:x mandatory}.grid li{scroll-snap-align:start}}" +
    "li{background:var(--c);border:1px solid var(--l);border-top:3px solid var(--b);border-radius:8px;padding:12px 14px;min-width:0;box-sizing:border-box}" +
    ".h{display:flex;flex-wrap:wrap;gap:4px 10px;justify-content:space-between;align-items:baseline}" +
    ".a{font-weight:700;overflow-wrap:anywhere}.r{color:#b7791f;letter-spacing:1px;white-space:nowrap}" +
    ".dark .r{color:#f2c94c}@media (prefers-color-scheme:dark){.auto .r{color:#f2c94c}}" +
    "p{margin:6px 0;white-space:pre-line;overflow-wrap:anywhere}.m{color:var(--m);font-size:.85em}.m a{color:var(--b)}" +
    ".badge{display:inline-flex;gap:6px;align-items:baseline;padding:8px 14px;border:1px solid var(--l);border-left:4px solid var(--b);border-radius:8px;background:var(--c)}" +
    ".avg{font-size:1.4em;font-weight:700}.cnt{color:var(--m)}";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function stars(x) {
    if (x.stars) return "\u2605\u2605\u2605\u2605\u2605".slice(0, x.stars) + "\u2606\u2606\u2606\u2606\u2606".slice(0, 5 - x.stars);
    if (x.recommends === true) return "Recommends";
    if (x.recommends === false) return "Does not recommend";
    return "";
  }
  function draw(d) {
    var style = el("style", null, CSS);
    var w = el("div", "w " + (theme || d.theme || "auto"));
    if (/^#[0-9a-f]{6}$/i.test(d.colour || "")) w.style.setProperty("--b", d.colour);
    var kind = layout || d.layout || "list";
    if (kind === "badge") {
      var b = el("div", "badge");
      if (d.average != null) {
        b.appendChild(el("span", "avg", String(d.average)));
        b.appendChild(el("span", "r", "\u2605"));
        b.appendChild(el("span", "cnt", "from " + d.count + (d.count === 1 ? " review" : " reviews")));
      } else {
        b.appendChild(el("span", "cnt", "No ratings yet"));
      }
      w.appendChild(b);
    } else {
      var ul = el("ul", kind === "grid" ? "grid" : "list");
      (d.entries || []).forEach(function (x) {
        var li = el("li");
        var h = el("div", "h");
        h.appendChild(el("span", "a", x.author));
        var r = el("span", "r", stars(x));
        r.setAttribute("role", "img");
        r.setAttribute("aria-label", x.stars ? x.stars + " of 5 stars" : stars(x));
        h.appendChild(r);
        li.appendChild(h);
        if (x.text) li.appendChild(el("p", null, x.text));
        var m = el("div", "m", x.date + " \u00b7 ");
        if (x.url && /^https:\/\//.test(x.url)) {
          var a = el("a", null, x.source_name);
          a.href = x.url;
          a.target = "_blank";
          a.rel = "noopener noreferrer nofollow";
          m.appendChild(a);
        } else {
          m.appendChild(document.createTextNode(x.source_name));
        }
        li.appendChild(m);
        ul.appendChild(li);
      });
      w.appendChild(ul);
    }
    root.appendChild(style);
    root.appendChild(w);
  }
  fetch(url, { credentials: "omit", mode: "cors", referrerPolicy: "no-referrer" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (d) { if (d) draw(d); })
    .catch(function () {});
})();
