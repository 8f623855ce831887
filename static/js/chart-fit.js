/* Fits a chart to its box at any width, before and after Plotly draws it:
 * - the title wraps into lines that fit (never cut), and the top margin grows to hold them;
 * - the source note (annotation named "source") moves out of the chart into a paragraph under it,
 *   where screen readers read it and it can never overlap the legend;
 * - axis labels push the margins (automargin), so a year is never cut to "201";
 * - a legend below the plot is placed under the axis labels after measuring them;
 * - on small screens the toolbar is hidden (the table links download the data) and labels that
 *   need room at the right of the plot (end-of-line names, named "end-label") give way to the legend.
 * Used as ChartFit.plot(element, figure, config) in place of Plotly.newPlot.
 */
(function () {
  "use strict";
  var SMALL = 600; // px: below this width a chart counts as on a small screen
  var canvas = null;

  function textWidth(text, font) {
    canvas = canvas || document.createElement("canvas");
    var context = canvas.getContext("2d");
    context.font = font;
    return context.measureText(text).width;
  }

  function plain(text) {
    var box = document.createElement("div");
    box.innerHTML = String(text).replace(/<br\s*\/?>/gi, "\n"); // not attached: only reads the text
    return box.textContent;
  }

  /* Words of `text` in lines no wider than `width` pixels, joined with <br>. */
  function wrap(text, width, font) {
    var lines = [];
    plain(text).split("\n").forEach(function (paragraph) {
      var line = "";
      paragraph.split(/\s+/).forEach(function (word) {
        var candidate = line ? line + " " + word : word;
        if (line && textWidth(candidate, font) > width) {
          lines.push(line);
          line = word;
        } else {
          line = candidate;
        }
      });
      lines.push(line);
    });
    return lines;
  }

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function titleFont(layout) {
    var font = layout.font || {};
    var own = (layout.title && layout.title.font) || {};
    var size = own.size || Math.round((font.size || 12) * 1.4);
    return { size: size, css: size + "px " + (own.family || font.family || "sans-serif") };
  }

  /* The layout with the title wrapped to `width` pixels and the margin above the plot grown to hold it. */
  function fitTitle(layout, width, start) {
    if (!start.title) { return; }
    var font = titleFont(layout);
    var lines = wrap(start.title, Math.max(width, 80), font.css);
    layout.title.text = lines.map(escape).join("<br>");
    layout.title.font = Object.assign({}, layout.title.font || {}, { size: font.size });
    // from the top of the chart down, with the margin above the plot grown by the extra lines
    // (the plot keeps its height: the chart grows)
    layout.title.xref = "container";
    layout.title.yref = "container";
    layout.title.y = 1;
    layout.title.yanchor = "top";
    layout.title.pad = { t: 8 + Math.round(font.size * 0.9), l: 4 }; // Plotly puts the first line's baseline there
    layout.margin = Object.assign({}, layout.margin);
    var needed = Math.ceil(8 + lines.length * font.size * 1.3 + 14);
    layout.margin.t = Math.max(start.top, needed);
    layout.height = start.height + layout.margin.t - start.top;
  }

  function moveNotes(el, layout) {
    var notes = (layout.annotations || []).filter(function (a) { return a.name === "source"; });
    if (!notes.length) { return 0; }
    layout.annotations = layout.annotations.filter(function (a) { return a.name !== "source"; });
    if (el._chartNote) { el._chartNote.remove(); }
    var paragraph = document.createElement("p");
    paragraph.className = "chart-note";
    el._chartNote = paragraph;
    notes.forEach(function (note, i) {
      plain(note.text).split("\n").forEach(function (line, j) {
        if (i || j) { paragraph.appendChild(document.createElement("br")); }
        paragraph.appendChild(document.createTextNode(line));
      });
    });
    el.insertAdjacentElement("afterend", paragraph);
    return notes.length;
  }

  function box(node) { return node ? node.getBoundingClientRect() : null; }

  function union(nodes) {
    var out = null;
    Array.prototype.forEach.call(nodes, function (node) {
      var b = node.getBoundingClientRect();
      if (!b.width && !b.height) { return; }
      out = out ? { top: Math.min(out.top, b.top), bottom: Math.max(out.bottom, b.bottom),
                    left: Math.min(out.left, b.left), right: Math.max(out.right, b.right) }
                : { top: b.top, bottom: b.bottom, left: b.left, right: b.right };
    });
    return out;
  }

  /* After drawing: a legend under the plot goes below the axis labels and the chart grows to hold it;
   * a title that runs under the toolbar wraps narrower. Returns the layout changes, or null. */
  function measure(el, layout, start) {
    var full = el._fullLayout;
    if (!full || !full._size) { return null; }
    var update = {};
    var svg = box(el.querySelector(".main-svg"));
    var legend = el.querySelector(".legend");
    var legendBox = legend && box(legend.querySelector(".bg")) || box(legend);
    var below = union(el.querySelectorAll(".xaxislayer-above .xtick text, .g-xtitle text"));
    var plotBottom = svg.top + full._size.t + full._size.h;
    if (legendBox && legendBox.height && full.legend && full.legend.y < 0) {
      var top = Math.max(below ? below.bottom : plotBottom, plotBottom) + 10;
      if (Math.abs(legendBox.top - top) > 2 || legendBox.bottom > svg.bottom - 4) {
        var margin = Math.ceil(top - plotBottom + legendBox.height + 12);
        update["legend.y"] = -(top - plotBottom) / full._size.h;
        update["legend.yanchor"] = "top";
        update["legend.yref"] = "paper";
        update.height = Math.round(full.height - full.margin.b + margin);
        update["margin.b"] = margin;
      }
    }
    // an x-axis title wider than the plot it is centred on wraps to the plot's width
    var xtitle = el.querySelector(".g-xtitle text");
    var xaxis = layout.xaxis || {};
    if (xtitle && xaxis.title && xaxis.title.text) {
      var xbox = box(xtitle);
      if (xbox.left < svg.left || xbox.right > svg.right) {
        var xfont = (full.xaxis.title.font.size || 14) + "px " + (full.xaxis.title.font.family || "sans-serif");
        var lines = wrap(xaxis.title.text, Math.max(full._size.w, 80), xfont);
        update["xaxis.title.text"] = lines.map(escape).join("<br>");
      }
    }
    // a y-axis title longer than the plot is high wraps to that height (it runs upwards, beside the plot)
    var ytitle = el.querySelector(".g-ytitle text");
    var yaxis = layout.yaxis || {};
    if (ytitle && yaxis.title && yaxis.title.text) {
      var ybox = box(ytitle);
      if (ybox.height > full._size.h + 4) {
        var yfont = (full.yaxis.title.font.size || 14) + "px " + (full.yaxis.title.font.family || "sans-serif");
        update["yaxis.title.text"] = wrap(yaxis.title.text, Math.max(full._size.h, 80), yfont).map(escape).join("<br>");
      }
    }
    // labels at the lines' ends (named "end-label") that would overlap move apart vertically
    var ends = [];
    el.querySelectorAll(".annotation").forEach(function (node) {
      var i = Number(node.getAttribute("data-index"));
      var a = (full.annotations || [])[i];
      if (a && a.name === "end-label") { ends.push({ i: i, box: box(node), shift: a.yshift || 0 }); }
    });
    ends.sort(function (a, b) { return a.box.top - b.box.top; });
    var floor = -Infinity;
    ends.forEach(function (end) {
      var down = Math.max(0, floor + 2 - end.box.top);
      if (down > 0.5) { update["annotations[" + end.i + "].yshift"] = end.shift - down; }
      floor = end.box.bottom + down;
    });
    var modebar = el.querySelector(".modebar");
    var title = el.querySelector(".gtitle");
    if (modebar && title && start.title) {
      var m = box(modebar);
      var t = box(title);
      if (m.width && t.right > m.left - 4 && t.top < m.bottom) {
        fitTitle(layout, m.left - svg.left - 12, start);
        update["title.text"] = layout.title.text;
        update["margin.t"] = layout.margin.t;
        update.height = (update.height || full.height) + layout.margin.t - full.margin.t;
      }
    }
    return Object.keys(update).length ? update : null;
  }

  function prepare(el, fig, config) {
    var width = el.clientWidth || 600;
    var small = width < SMALL;
    var layout = JSON.parse(JSON.stringify(fig.layout || {}));
    delete layout.width; // the chart takes its box's width (config.responsive)
    if (small) {
      var ends = (layout.annotations || []).filter(function (a) { return a.name === "end-label"; });
      if (ends.length) {
        layout.annotations = layout.annotations.filter(function (a) { return a.name !== "end-label"; });
        layout.margin = Object.assign({}, layout.margin, { r: 20 });
        layout.showlegend = true;
      }
      // small side margins to start from: the axes' labels push them out as far as they need (automargin)
      var margin = layout.margin || {};
      layout.margin = Object.assign({}, margin, { l: Math.min(margin.l === undefined ? 80 : margin.l, 40),
                                                  r: Math.min(margin.r === undefined ? 80 : margin.r, 20) });
    }
    ["xaxis", "yaxis"].forEach(function (axis) {
      if (layout[axis] && layout[axis].visible !== false) {
        layout[axis] = Object.assign({ automargin: true }, layout[axis]);
      }
    });
    if (moveNotes(el, layout) && layout.margin && layout.margin.b) {
      var drop = Math.min(layout.margin.b - 40, 50); // the note's room; the legend is placed after measuring
      layout.margin = Object.assign({}, layout.margin, { b: layout.margin.b - drop });
      if (layout.height) { layout.height -= drop; }
    }
    var start = { title: layout.title && layout.title.text, top: (layout.margin && layout.margin.t) || 60,
                  height: layout.height || 450 };
    fitTitle(layout, width - 16, start);
    var own = Object.assign({}, config, { displayModeBar: small ? false : "hover" });
    return { layout: layout, config: own, start: start };
  }

  /* On a small screen a legend entry's name wraps into lines that fit beside its symbol (Plotly never wraps it). */
  function fitNames(data, layout, width) {
    var font = layout.font || {};
    var size = (layout.legend && layout.legend.font && layout.legend.font.size) || font.size || 12;
    var css = size + "px " + (font.family || "sans-serif");
    return data.map(function (trace) {
      if (!trace.name || trace.showlegend === false) { return trace; }
      // the legend starts at the plot's left edge; its symbol takes 40 px
      var lines = wrap(trace.name, width - ((layout.margin && layout.margin.l) || 80) - 56, css);
      return lines.length > 1 ? Object.assign({}, trace, { name: lines.map(escape).join("<br>") }) : trace;
    });
  }

  function plot(el, fig, config) {
    var ready = prepare(el, fig, config || {});
    var layout = ready.layout;
    var Plotly = window.Plotly;
    var width = el.clientWidth || 600;
    var data = width < SMALL ? fitNames(fig.data, layout, width) : fig.data;
    return Plotly.newPlot(el, data, layout, ready.config).then(function () {
      var update = measure(el, layout, ready.start);
      return update ? Plotly.relayout(el, update) : null;
    }).then(function () {
      var again = measure(el, layout, ready.start); // a second look once the legend has moved (rarely needed)
      return again ? Plotly.relayout(el, again) : null;
    }).then(function () {
      el.setAttribute("data-fitted", "1");
      el._fitWidth = el.clientWidth;
      if (!el._fitListening) { // once per chart: a new width wraps the title and places the legend anew
        el._fitListening = true;
        window.addEventListener("resize", function () {
          clearTimeout(el._refit);
          el._refit = setTimeout(function () {
            if (el.isConnected && Math.abs(el.clientWidth - el._fitWidth) >= 8) { plot(el, fig, config); }
          }, 200);
        });
      }
      return el;
    });
  }

  window.ChartFit = { plot: plot, wrap: wrap, SMALL: SMALL };
}());
