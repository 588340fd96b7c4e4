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

  // Broken avatars (none uploaded yet) fall back to the initials underneath.
  for (const img of document.querySelectorAll(".avatar-link .avatar")) {
    img.addEventListener("error", () => img.remove());
    if (img.complete && img.naturalWidth === 0) img.remove();
  }
});
