// Report job page: poll the job's status until a worker has rendered the PDF, then show the download link.
(function () {
  "use strict";
  var panel = document.getElementById("report-job");
  if (!panel) return;
  var bar = document.getElementById("report-progress");
  var stage = document.getElementById("report-stage");
  var download = document.getElementById("report-download");
  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    if (state.status === "queued") stage.textContent = "Waiting for a worker…";
    else if (state.status === "failed") stage.textContent = "The report could not be rendered.";
    else stage.textContent = state.stage;
    download.hidden = state.status !== "done";
  }
  function poll() {
    fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.status !== "done" && state.status !== "failed") window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  if (panel.dataset.status !== "done" && panel.dataset.status !== "failed") window.setTimeout(poll, 500);
})();
