/* The report editor: warns before leaving the page with unsaved changes (every button of the form saves them). */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = form.getAttribute("data-unsaved") || "";
      return event.returnValue;
    }
    return undefined;
  });
}());
