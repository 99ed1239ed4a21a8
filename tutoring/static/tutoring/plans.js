// Đồng Hành – tutoring plans: offer the current weak rate as a goal's starting point.
// The rates come from the page (data-weak-rates="subjectId:grade=12,5;…"); no inline script (CSP).
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("goal-rows");
  if (!box) return;
  const rates = {};
  (box.dataset.weakRates || "").split(";").forEach((item) => {
    const [key, value] = item.split("=");
    if (key && value) rates[key] = value;
  });
  const fill = (row) => {
    const subject = row.querySelector("select[name$='-subject']");
    const grade = row.querySelector("select[name$='-grade']");
    const baseline = row.querySelector("input[name$='-baseline_percent']");
    if (!subject || !grade || !baseline) return;
    const rate = rates[`${subject.value}:${grade.value}`];
    baseline.placeholder = rate || "";
    if (rate && !baseline.value) baseline.value = rate;
  };
  box.querySelectorAll(".goal-row").forEach((row) => {
    row.querySelectorAll("select").forEach((el) => el.addEventListener("change", () => fill(row)));
    const baseline = row.querySelector("input[name$='-baseline_percent']");
    const subject = row.querySelector("select[name$='-subject']");
    const grade = row.querySelector("select[name$='-grade']");
    if (baseline && subject && grade) {
      const rate = rates[`${subject.value}:${grade.value}`];
      if (rate) baseline.placeholder = rate;
    }
  });
});
