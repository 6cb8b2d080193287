// Scorecard forms: warn before leaving with unsaved input, and add up weights as they are typed.
(function () {
  "use strict";

  document.querySelectorAll("form[data-dirty-guard]").forEach(function (form) {
    var submitting = false;
    form.addEventListener("input", function () { form.classList.add("dirty"); });
    form.addEventListener("change", function () { form.classList.add("dirty"); });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (form.classList.contains("dirty") && !submitting) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });

  document.querySelectorAll("[data-weights-sum]").forEach(function (output) {
    var form = output.closest("form");
    function update() {
      var cents = 0;
      form.querySelectorAll(".weight-input").forEach(function (input) {
        cents += Math.round((parseFloat(input.value) || 0) * 100);
      });
      output.textContent = (cents / 100).toString();
      output.classList.toggle("off", cents !== 10000);
    }
    form.addEventListener("input", update);
    update();
  });
})();
