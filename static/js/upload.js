/* The upload form shows the fields a file needs: the DST fields for a Danmarks Statistik file (chosen, or
   recognised from the file's first lines), the GeoJSON field for boundaries, the replaced period for police
   files. Without JavaScript every field is shown. */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var file = form.querySelector("input[type=file]");
  var kind = form.querySelector("select[name=kind]");
  var status = document.getElementById("kind-detected");
  var groups = form.querySelectorAll("fieldset[data-kinds]");
  var detected = "auto";
  var PERIOD = /^\d{4}\s*([KQ]\s*[1-4]|M\s*\d{2}|H[12])?$/i;
  var messages = {
    dst: form.getAttribute("data-detected-dst") || "",
    boundaries: form.getAttribute("data-detected-boundaries") || ""
  };

  function cells(line) {
    var sep = (line.split(";").length > line.split(",").length) ? ";" : ",";
    return line.split(sep).map(function (c) { return c.replace(/^[\s"]+|[\s"]+$/g, ""); });
  }

  function looksLikeDst(text) {
    var lines = text.replace(/^\ufeff/, "").split(/\r?\n/).filter(function (l) { return l.trim(); }).slice(0, 6);
    if (!lines.length) { return false; }
    if (/^(CHARSET|AXIS-VERSION)/i.test(lines[0])) { return true; }
    var first = cells(lines[0]).map(function (c) { return c.toLowerCase(); });
    if (first.indexOf("indhold") >= 0 || first[0] === "tid" || first[0] === "kvartal") { return true; }
    return lines.some(function (line) {  /* a website download: label cells, then only periods */
      var row = cells(line);
      while (row.length && !row[row.length - 1]) { row.pop(); }
      var at = row.findIndex(function (c) { return PERIOD.test(c); });
      if (at < 0 || row.length - at < 2) { return false; }
      return row.slice(at).every(function (c) { return PERIOD.test(c); }) &&
        !row.slice(0, at).some(function (c) { return /\d/.test(c); });
    });
  }

  function effectiveKind() {
    return kind.value !== "auto" ? kind.value : detected;
  }

  function update() {
    var current = effectiveKind();
    Array.prototype.forEach.call(groups, function (group) {
      var kinds = group.getAttribute("data-kinds").split(" ");
      var filled = Array.prototype.some.call(group.querySelectorAll("input"), function (i) { return i.value; });
      group.hidden = !(kinds.indexOf(current) >= 0 || filled);  /* a field with a value is never hidden */
    });
    status.textContent = (kind.value === "auto" && messages[detected]) ? messages[detected] : "";
  }

  function detect() {
    detected = "auto";
    var chosen = file.files && file.files[0];
    if (!chosen) { update(); return; }
    var name = chosen.name.toLowerCase();
    if (/\.(geo)?json$/.test(name)) { detected = "boundaries"; update(); return; }
    if (/\.px$/.test(name)) { detected = "dst"; update(); return; }
    if (/\.xlsx?$/.test(name) || !chosen.slice || !window.FileReader) { detected = "table"; update(); return; }
    var reader = new FileReader();
    reader.onload = function () {
      detected = looksLikeDst(String(reader.result)) ? "dst" : "table";
      update();
    };
    reader.readAsText(chosen.slice(0, 8192), /\.csv$/.test(name) ? "utf-8" : undefined);
  }

  file.addEventListener("change", detect);
  kind.addEventListener("change", update);
  detect();
}());
