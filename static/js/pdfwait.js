/* Waits for the background PDF job, shows how far it has come, then downloads the file. */
(function () {
  "use strict";
  var box = document.getElementById("pdf-wait");
  if (!box) { return; }
  var bar = document.getElementById("pdf-progress");
  var stage = document.getElementById("pdf-stage");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (bar && data.percent !== undefined) { bar.value = data.percent; }
        if (stage && data.stage) { stage.textContent = data.stage; }
        if (data.ready) { box.textContent = "PDF'en er klar."; window.location.search = ""; }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());
