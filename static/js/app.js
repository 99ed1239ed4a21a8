// Đồng Hành: small progressive enhancements, no inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  // Confirm dangerous actions: <button data-confirm="…">
  document.body.addEventListener("click", (event) => {
    const el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // Show a block only for some values of a field: <div data-show-for="kind" data-show-values="a b">
  const toggles = document.querySelectorAll("[data-show-for]");
  const refresh = () => {
    toggles.forEach((block) => {
      const field = document.querySelector(`[name="${block.dataset.showFor}"]`);
      if (!field) return;
      const values = block.dataset.showValues.split(" ");
      block.hidden = !values.includes(field.value);
    });
  };
  toggles.forEach((block) => {
    const field = document.querySelector(`[name="${block.dataset.showFor}"]`);
    if (field) field.addEventListener("change", refresh);
  });
  refresh();
  // Prevent double submits: disable submit buttons once a form is sent.
  document.body.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach((b) => b.setAttribute("aria-busy", "true"));
    setTimeout(() => delete form.dataset.submitted, 8000);
  });
});
