// The narrow-screen menu: a real button (reachable by Tab, opened by Enter or Space) that says
// whether the menu is open; Escape closes it and returns focus to the button.
(function () {
  const toggle = document.getElementById("nav-toggle");
  if (!toggle) return;
  const bar = toggle.closest(".topbar");
  function set(open) {
    bar.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  }
  toggle.addEventListener("click", () => set(toggle.getAttribute("aria-expanded") !== "true"));
  bar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.classList.contains("menu-open")) {
      set(false);
      toggle.focus();
    }
  });
})();
