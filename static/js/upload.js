/* Batch upload: drag and drop onto the drop zone, and a progress bar while the file is sent.
   The form is posted with XMLHttpRequest (fetch has no upload progress); the server answers
   as it would a normal post: a redirect to the batch page, or the form again with errors. */
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const zone = document.getElementById("dropzone");
  const input = form.querySelector("input[type=file]");
  const fileName = document.getElementById("file-name");
  const progress = document.getElementById("progress");
  const bar = document.getElementById("progress-bar");
  const label = document.getElementById("progress-label");
  const button = document.getElementById("upload-button");

  function readable(bytes) {
    if (bytes >= 1073741824) return (bytes / 1073741824).toFixed(1) + " GiB";
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MiB";
    return Math.round(bytes / 1024) + " KiB";
  }

  function showFile() {
    if (input.files.length) {
      const file = input.files[0];
      fileName.textContent = file.name + " (" + (file.size / 1048576).toFixed(2) + " MB)";
      zone.classList.remove("has-error"); zone.classList.add("has-file");
    }
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
      /* Show the page the server answered with (the batch page, or this form with its errors)
         rather than loading it again, which would lose its one-time messages. */
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
})();
