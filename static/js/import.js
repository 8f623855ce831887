/* Polls the batch status while an import runs and updates the accessible progress bar. */
(function () {
  "use strict";
  var box = document.getElementById("progress-box");
  if (!box || box.hidden) { return; }
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("progress-text");
  var status = document.getElementById("batch-status");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.progress !== null) { bar.value = data.progress; text.textContent = data.progress + " %"; }
        status.textContent = data.status_display;
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
}());
