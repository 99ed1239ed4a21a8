// Đồng Hành · tutoring sessions and groups. Hides the reason box of a present student and
// ticks every candidate at once. Without this file the pages work the same (plain form posts).
(() => {
  "use strict";

  function showReason(sid) {
    const box = document.querySelector(`[data-reason-for="${sid}"]`);
    if (!box) return;
    const absent = document.getElementById(`a-${sid}-0`);
    box.hidden = !(absent && absent.checked);
    if (!box.hidden) {
      const input = box.querySelector("input");
      if (input && document.activeElement === absent) input.focus();
    }
  }

  document.addEventListener("change", (event) => {
    const radio = event.target.closest("input[type=radio][name^='a-']");
    if (radio) showReason(radio.name.slice(2));
    const all = event.target.closest("[data-tick-all]");
    if (all) {
      const table = document.querySelector(all.dataset.tickAll);
      if (!table) return;
      table.querySelectorAll("input[type=checkbox][name^='m-']").forEach((box) => {
        box.checked = all.checked;
      });
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-reason-for]").forEach((box) => {
      showReason(box.dataset.reasonFor);
    });
  });
})();
