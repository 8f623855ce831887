/* Waits for the background PDF job, then downloads the file. */
(function () {
  "use strict";
  var box = document.getElementById("pdf-wait");
  if (!box) { return; }
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.ready) { box.textContent = "PDF'en er klar."; window.location.search = ""; }
        else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());
