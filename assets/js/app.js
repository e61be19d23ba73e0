// Progressive enhancement only: every page works without this file.
"use strict";

// Fills a reply template the way the server does (`domain::fill_template`): one pass, so a
// name holding "{location}" is not substituted again. Text only: it goes into a textarea.
function fillTemplate(body, data) {
  const values = {
    "{first_name}": data.firstName || "there",
    "{name}": data.name || "there",
    "{location}": data.location || "",
    "{rating}": data.rating || "",
  };
  return body.replace(/\{(first_name|name|location|rating)\}/g, (m) => values[m]);
}

function replyLength(text, unit) {
  return unit === "bytes" ? new TextEncoder().encode(text.trim()).length : [...text.trim()].length;
}

function updateCounter(area) {
  const form = area.closest("form");
  const out = form && form.querySelector(".counter");
  if (!out) return;
  const limit = Number(area.dataset.limit || 0);
  const unit = area.dataset.unit || "characters";
  const used = replyLength(area.value, unit);
  const label = area.dataset.unitLabel || unit;
  out.textContent = `${used.toLocaleString("en")} of ${limit.toLocaleString("en")} ${label}` + (used > limit ? ": too long for this provider" : "");
  out.classList.toggle("over", used > limit);
  for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = used > limit;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
    });
  }
  for (const area of document.querySelectorAll("textarea[data-limit]")) {
    area.addEventListener("input", () => updateCounter(area));
    updateCounter(area);
  }
  for (const pick of document.querySelectorAll("select.template-pick")) {
    pick.addEventListener("change", () => {
      const opt = pick.selectedOptions[0];
      const form = pick.closest("form");
      const area = form.querySelector("textarea");
      if (!opt || !opt.dataset.body || !area) return;
      area.value = fillTemplate(opt.dataset.body, form.dataset);
      updateCounter(area);
      area.focus();
    });
  }

  // The report's Print button (hidden without this script: the browser's own Print works).
  for (const b of document.querySelectorAll("button[data-print]")) {
    b.hidden = false;
    b.addEventListener("click", () => window.print());
  }

  // The filters fold away on a phone; a wider screen shows them open.
  const fold = document.getElementById("filter-fold");
  if (fold && window.matchMedia("(min-width: 40rem)").matches) fold.open = true;

  // Back at the item a form was about: its result shows there, not at the top of the page.
  const target = location.hash.startsWith("#item-") && document.getElementById(location.hash.slice(1));
  if (target) {
    for (const m of document.querySelectorAll(".flash-msg")) target.prepend(m);
    target.focus({ preventScroll: true });
  }

  // Inbox shortcuts: j / k move between items, r opens the reply box, / goes to search.
  const items = [...document.querySelectorAll("article.item")];
  let current = -1;
  const focusItem = (i) => {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, i));
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (e.key === "j") { focusItem(current + 1); e.preventDefault(); }
    else if (e.key === "k") { focusItem(current - 1); e.preventDefault(); }
    else if (e.key === "/") {
      const s = document.getElementById("search");
      if (s) { s.focus(); e.preventDefault(); }
    } else if (e.key === "r" && current >= 0) {
      const box = items[current].querySelector("details.composer");
      if (box) { box.open = true; box.querySelector("textarea").focus(); e.preventDefault(); }
    }
  });
  for (const [i, a] of items.entries()) a.addEventListener("focus", () => { current = i; });
});
