/* Batch page: while the batch is received or processing, poll its status and reload the
   page once it is final, so the verdict or the errors appear without a manual refresh. */
(function () {
  "use strict";
  const panel = document.getElementById("batch-stages");
  if (!panel || panel.dataset.final === "true") return;
  const url = panel.dataset.statusUrl;
  let shown = panel.dataset.status;
  // A big delivery fans out in chunks: count them as they finish.
  function showChunks(state) {
    const done = document.getElementById("batch-chunks-done");
    const bar = document.querySelector("#batch-chunks progress");
    if (!done || !state.chunks_total) return;
    done.textContent = state.chunks_done + " of " + state.chunks_total + " chunks done";
    if (bar) { bar.value = state.chunks_done; bar.max = state.chunks_total; }
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.final || state.status !== shown) { window.location.reload(); return; }
        showChunks(state);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
