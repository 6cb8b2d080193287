// The reviewer page: walk the sampled items with the keyboard and save each verdict as it is made.
(() => {
  const items = Array.from(document.querySelectorAll(".review-item"));
  if (!items.length) return;
  const progress = document.getElementById("review-progress");
  const defectTypes = Array.from(document.querySelectorAll("#defect-types option")).map((o) => o.value);
  let current = 0;

  function focusItem(index) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach((item, k) => item.classList.toggle("current", k === current));
    items[current].scrollIntoView({ block: "center" });
    items[current].focus({ preventScroll: true });
  }

  function setVerdict(item, verdict) {
    item.querySelector(`input[name=verdict][value=${verdict}]`).checked = true;
  }

  async function save(item) {
    const form = item.querySelector("form");
    const error = item.querySelector(".review-error");
    error.textContent = "";
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
    });
    const body = await response.json();
    if (!response.ok) {
      error.textContent = body.error;
      return;
    }
    item.dataset.verdict = body.verdict;
    item.classList.add("reviewed");
    const badge = body.verdict === "ok" ? "pass" : "fail";
    item.querySelector(".review-state").innerHTML =
      `<span class="badge badge-${badge}">${body.verdict}</span> ${body.defect_type || ""}`;
    let text = `<strong>${body.reviewed}</strong> of ${body.total} reviewed`;
    if (body.decision) {
      const outcome = body.decision === "pass" ? "lot accepted" : "lot not accepted";
      text += `: <span class="badge badge-${body.decision}">${outcome}</span> by the sampling plan`;
    }
    progress.innerHTML = text;
    focusItem(items.indexOf(item) + 1);
  }

  document.addEventListener("keydown", (event) => {
    const item = items[current];
    const field = event.target.closest("input, textarea, select");
    if (field) {
      if (event.key === "Escape") item.focus();
      else if (event.key === "Enter" && field.type === "text") {
        event.preventDefault();
        save(item);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typeIndex = Number.parseInt(event.key, 10) - 1;
    if (event.key === "j" || event.key === "ArrowDown") focusItem(current + 1);
    else if (event.key === "k" || event.key === "ArrowUp") focusItem(current - 1);
    else if (event.key === "o") {
      setVerdict(item, "ok");
      save(item);
    } else if (event.key === "d") setVerdict(item, "defect");
    else if (typeIndex >= 0 && typeIndex < defectTypes.length) {
      setVerdict(item, "defect");
      item.querySelector("[name=defect_type]").value = defectTypes[typeIndex];
    } else if (event.key === "n") item.querySelector("input[name=note]").focus();
    else if (event.key === "Enter") save(item);
    else return;
    event.preventDefault();
  });

  items.forEach((item, index) => {
    item.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      current = index;
      save(item);
    });
    item.addEventListener("click", () => {
      if (current !== index) focusItem(index);
    });
  });
  const firstOpen = items.findIndex((item) => !item.dataset.verdict);
  focusItem(firstOpen === -1 ? 0 : firstOpen);
})();
