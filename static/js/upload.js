/* Batch upload: drag and drop onto the drop zone, and a progress bar while the file is sent.
   The form is posted with XMLHttpRequest (fetch has no upload progress); the server answers
   as it would a normal post: a redirect to the batch page, or the form again with errors.
   After errors the chosen file stays chosen: the new form takes the old file input, whose
   file list survives being moved in the page. The column guide follows the task type, and
   "remediates" offers only the chosen contract's batches. */
(function () {
  "use strict";

  function readable(bytes) {
    if (bytes >= 1073741824) return (bytes / 1073741824).toFixed(1) + " GiB";
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MiB";
    return Math.round(bytes / 1024) + " KiB";
  }

  function setUp(form) {
    const zone = document.getElementById("dropzone");
    const input = form.querySelector("input[type=file]");
    const fileName = document.getElementById("file-name");
    const progress = document.getElementById("progress");
    const bar = document.getElementById("progress-bar");
    const label = document.getElementById("progress-label");
    const button = document.getElementById("upload-button");
    const taskType = form.querySelector("select[name=task_type]");
    const contract = form.querySelector("select[name=contract]");
    const remediates = form.querySelector("select[name=remediates]");

    function showFile() {
      if (input.files.length) {
        const file = input.files[0];
        fileName.textContent = file.name + " (" + (file.size / 1048576).toFixed(2) + " MB)";
        zone.classList.remove("has-error"); zone.classList.add("has-file");
      }
    }
    function showGuide() {
      const chosen = taskType ? taskType.value : "";
      document.querySelectorAll(".column-guide").forEach(function (guide) {
        guide.hidden = guide.dataset.taskType !== chosen;
      });
    }
    function limitRemediates() {
      if (!remediates || !contract) return;
      Array.prototype.forEach.call(remediates.options, function (option) {
        const other = option.dataset.contract && option.dataset.contract !== contract.value;
        option.hidden = Boolean(other);
        option.disabled = Boolean(other);
        if (other && option.selected) remediates.value = "";
      });
    }
    zone.addEventListener("click", function (event) { if (event.target !== input) input.click(); });
    zone.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") input.click(); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer.files.length) { input.files = event.dataTransfer.files; showFile(); }
    });
    input.addEventListener("change", showFile);
    if (taskType) taskType.addEventListener("change", showGuide);
    if (contract) contract.addEventListener("change", limitRemediates);
    showFile();
    showGuide();
    limitRemediates();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const limit = Number(input.dataset.maxBytes || 0);
      if (limit && input.files.length && input.files[0].size > limit) {
        /* The server would answer 413 without reading the file; say so before sending it. */
        fileName.textContent = input.files[0].name + " is " + readable(input.files[0].size) +
          "; uploads are limited to " + readable(limit) + ". Split the delivery into smaller files, or gzip it.";
        zone.classList.remove("has-file"); zone.classList.add("has-error");
        return;
      }
      const request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        const percent = Math.round((e.loaded / e.total) * 100);
        bar.style.width = percent + "%";
        bar.setAttribute("aria-valuenow", percent);
        label.textContent = percent < 100 ? percent + "% sent" : "Sent; storing the file…";
      });
      request.addEventListener("load", function () {
        const page = new DOMParser().parseFromString(request.responseText, "text/html");
        const again = page.getElementById("upload-form");
        if (again && request.status < 500) {
          /* The form came back with errors: show them, keeping the file the user chose. */
          const kept = document.importNode(again, true);
          kept.querySelector("input[type=file]").replaceWith(input);
          form.replaceWith(kept);
          setUp(kept);
          const firstError = kept.querySelector(".alert, .error");
          if (firstError) firstError.scrollIntoView({ block: "center" });
          return;
        }
        /* Show the page the server answered with (the batch page) rather than loading it
           again, which would lose its one-time messages. */
        if (request.responseURL && request.responseURL !== window.location.href) {
          window.history.pushState(null, "", request.responseURL);
        }
        document.open(); document.write(request.responseText); document.close();
      });
      request.addEventListener("error", function () {
        label.textContent = "The upload failed; check your connection and try again.";
        button.disabled = false;
      });
      progress.hidden = false;
      button.disabled = true;
      request.send(new FormData(form));
    });
  }

  const form = document.getElementById("upload-form");
  if (form) setUp(form);
})();
