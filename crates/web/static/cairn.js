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
});
