// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Dismiss the privacy notice in place; the form still posts, so the choice is remembered.
  const notice = document.querySelector(".privacy-notice");
  if (notice) {
    notice.addEventListener("submit", (event) => {
      event.preventDefault();
      fetch(notice.action, { method: "POST", body: new URLSearchParams(new FormData(notice)), credentials: "same-origin", redirect: "manual" })
        .finally(() => notice.remove());
    });
  }

  // Sign-up: say while typing whether the subdomain can be had.
  const subdomain = document.querySelector("input[data-check]");
  const status = document.getElementById("subdomain-status");
  if (subdomain && status) {
    let timer;
    subdomain.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const value = subdomain.value.trim();
        if (!value) { status.textContent = ""; return; }
        fetch(subdomain.dataset.check + "?subdomain=" + encodeURIComponent(value), { credentials: "same-origin" })
          .then((response) => response.ok ? response.json() : null)
          .then((answer) => {
            if (!answer) return;
            status.textContent = answer.available ? answer.subdomain + ": " + status.dataset.available : answer.message;
            status.className = answer.available ? "hint ok" : "error";
            subdomain.setAttribute("aria-invalid", answer.available ? "false" : "true");
          })
          .catch(() => {});
      }, 300);
    });
  }

  // Print buttons (recovery codes).
  for (const button of document.querySelectorAll(".print-page")) {
    button.addEventListener("click", () => window.print());
  }

  // Filter boxes over a select's options or a list's items.
  for (const input of document.querySelectorAll("input[data-filters]")) {
    const target = document.getElementById(input.dataset.filters);
    if (!target) continue;
    input.hidden = false;
    const items = target.tagName === "SELECT" ? Array.from(target.options) : Array.from(target.children);
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      for (const item of items) {
        const match = !needle || item.textContent.toLowerCase().includes(needle);
        item.hidden = !match;
        if (item.tagName === "OPTION") item.disabled = !match && !item.selected;
      }
    });
  }

  // Reveal secrets in place: ask for JSON, show for 30 s with a countdown, then hide again.
  for (const form of document.querySelectorAll("form.reveal")) {
    const output = form.querySelector("output");
    const copy = form.querySelector("button.copy");
    const countdown = form.querySelector(".countdown");
    const show = form.querySelector("button[type=submit]");
    let timer = null;
    const hide = () => {
      clearInterval(timer);
      output.textContent = "••••••••";
      countdown.textContent = "";
      copy.hidden = true;
      show.hidden = false;
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(form.action, {
        method: "POST",
        headers: { "Accept": "application/json" },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      output.textContent = data.value;
      show.hidden = true;
      copy.hidden = false;
      let left = typeof data.remaining === "number" ? data.remaining : 30;
      countdown.textContent = `${left}s`;
      clearInterval(timer);
      timer = setInterval(() => {
        left -= 1;
        countdown.textContent = `${left}s`;
        if (left <= 0) hide();
      }, 1000);
    });
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(output.textContent);
        copy.textContent = "✓";
        setTimeout(() => { copy.textContent = copy.dataset.label || "Copy"; }, 1500);
      } catch (_) { /* clipboard refused: the value stays visible to copy by hand */ }
    });
    copy.dataset.label = copy.textContent;
  }
});
