// Đồng Hành · attendance. Tap a student to cycle present → P → K → present, keep the counts
// up to date, warn before leaving unsaved marks, and say so when the network fails.
// Without this file the roll still works: each student has three radio buttons.
(() => {
  "use strict";

  const NEXT = { present: "P", P: "K", K: "present" };

  function enhance(root) {
    const scope = root && root.querySelectorAll ? root : document;
    const forms = scope.matches && scope.matches(".roll-form") ? [scope] : scope.querySelectorAll(".roll-form");
    forms.forEach((form) => {
      if (form.classList.contains("js")) return;
      form.classList.add("js");
      updateCounts(form);
    });
  }

  function label(form, status) {
    if (status === "P") return form.dataset.labelP;
    if (status === "K") return form.dataset.labelK;
    return form.dataset.labelPresent;
  }

  function showStatus(row, status) {
    const form = row.closest(".roll-form");
    row.dataset.status = status;
    const badge = row.querySelector(".roll-badge");
    if (status === "present") {
      const icon = document.createElement("i");
      icon.className = "bi bi-check2";
      badge.replaceChildren(icon);
    } else {
      badge.textContent = status;
    }
    const tap = row.querySelector(".roll-tap");
    tap.setAttribute("aria-label", `${tap.dataset.name}: ${label(form, status)}`);
    updateCounts(form);
    form.classList.add("is-dirty");
  }

  function updateCounts(form) {
    const counts = { present: 0, P: 0, K: 0 };
    form.querySelectorAll(".roll-row").forEach((row) => {
      const checked = row.querySelector("input[type=radio]:checked");
      const status = checked ? checked.value : "present";
      counts[status] = (counts[status] || 0) + 1;
    });
    Object.entries(counts).forEach(([key, value]) => {
      const el = form.querySelector(`[data-count="${key}"]`);
      if (el) el.textContent = String(value);
    });
  }

  document.addEventListener("click", (event) => {
    const tap = event.target.closest(".roll-form.js .roll-tap");
    if (!tap) return;
    const row = tap.closest(".roll-row");
    const checked = row.querySelector("input[type=radio]:checked");
    const next = NEXT[checked ? checked.value : "present"] || "present";
    const radio = row.querySelector(`input[type=radio][value="${next}"]`);
    if (!radio) return;
    radio.checked = true;
    showStatus(row, next);
  });

  document.addEventListener("change", (event) => {
    const radio = event.target.closest(".roll-form input[type=radio]");
    if (radio) showStatus(radio.closest(".roll-row"), radio.value);
  });

  document.addEventListener("input", (event) => {
    const form = event.target.closest(".roll-form");
    if (form) form.classList.add("is-dirty");
  });

  // A plain (non-htmx) submit leaves the page on purpose: no warning then.
  document.addEventListener("submit", (event) => {
    if (event.target.matches(".roll-form")) event.target.classList.remove("is-dirty");
  });

  window.addEventListener("beforeunload", (event) => {
    if (document.querySelector(".roll-form.is-dirty")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  function networkError(event) {
    const form = event.target.closest && event.target.closest(".roll-form");
    if (!form) return;
    form.classList.add("is-dirty");
    const box = form.querySelector(".roll-neterror");
    if (box) box.hidden = false;
  }
  document.addEventListener("htmx:sendError", networkError);
  document.addEventListener("htmx:timeout", networkError);
  document.addEventListener("htmx:responseError", networkError);
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.target.closest && event.target.closest(".roll-form");
    const box = form && form.querySelector(".roll-neterror");
    if (box) box.hidden = true;
  });

  // Other small helpers of the attendance pages.
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  // Week and month grids on a phone: bring today's column into view.
  function scrollGrids() {
    document.querySelectorAll(".att-grid-wrap[data-scroll-today]").forEach((wrap) => {
      const today = wrap.querySelector("thead .att-today");
      if (!today || wrap.dataset.scrolled) return;
      wrap.dataset.scrolled = "1";
      const overflow = today.offsetLeft + today.offsetWidth - wrap.clientWidth;
      if (overflow > 0) wrap.scrollLeft = overflow + 48;
    });
  }

  function start() {
    enhance(document);
    scrollGrids();
  }
  document.addEventListener("htmx:load", (event) => enhance(event.detail.elt));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
