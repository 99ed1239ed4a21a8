// Đồng Hành – peer pairs: when the helped student or the subject changes, ask for helper
// suggestions (the form posts with "suggest", which saves nothing). No inline script (CSP).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("pair-form");
  const button = document.getElementById("suggest-button");
  if (!form || !button) return;
  ["helped", "subject"].forEach((name) => {
    const field = form.querySelector(`[name="${name}"]`);
    if (!field) return;
    field.addEventListener("change", () => {
      const helped = form.querySelector("[name='helped']");
      const subject = form.querySelector("[name='subject']");
      if (helped && subject && helped.value && subject.value) button.click();
    });
  });
});
