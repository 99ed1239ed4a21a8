// Đồng Hành · results grid: mark the cells changed since the grid was loaded, count them, and
// warn before leaving with unsaved changes. No inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("results-form");
  if (!form) return;
  const counter = form.querySelector("[data-changed-count]");
  const inputs = Array.from(form.querySelectorAll("input.res-input"));
  const normal = (text) => (text || "").trim().toUpperCase().replace(".", ",");
  let submitting = false;
  const refresh = () => {
    let changed = 0;
    inputs.forEach((input) => {
      const isChanged = normal(input.value) !== normal(input.dataset.loaded);
      input.classList.toggle("is-changed", isChanged);
      if (isChanged) changed += 1;
    });
    if (counter) {
      counter.textContent = changed;
      counter.closest(".res-bar-changed").hidden = changed === 0;
    }
    return changed;
  };
  inputs.forEach((input) => input.addEventListener("input", refresh));
  // Enter moves to the cell below (same subject), as in a spreadsheet.
  form.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.key !== "Enter" || !input.classList.contains("res-input")) return;
    event.preventDefault();
    const column = input.closest("td").cellIndex;
    let row = input.closest("tr").nextElementSibling;
    while (row) {
      const next = row.cells[column] && row.cells[column].querySelector("input.res-input");
      if (next) {
        next.focus();
        next.select();
        return;
      }
      row = row.nextElementSibling;
    }
  });
  form.addEventListener("submit", () => {
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && refresh() > 0) {
      event.preventDefault();
      event.returnValue = form.dataset.unsaved || "";
    }
  });
  refresh();
});
