/* Campaign pages, enhanced: a live segment counter on the form, a refreshing progress bar.
   Both pages work without this file (a "Count segments" button, a reload). */
(function () {
  "use strict";

  function segmentCounter(table) {
    var form = table.closest("form");
    var timer = null;
    function refresh() {
      var body = new FormData(form);
      fetch(table.dataset.estimateUrl, {method: "POST", body: body, credentials: "same-origin"})
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          data.languages.forEach(function (row) {
            var line = table.querySelector('tr[data-language="' + row.language + '"]');
            if (!line) { return; }
            line.querySelector(".encoding").textContent = row.segments ? row.encoding : "-";
            line.querySelector(".units").textContent = row.units;
            line.querySelector(".segments").textContent = row.segments;
            line.querySelector(".cost").textContent = row.cost_per_thousand.toFixed(2);
          });
        })
        .catch(function () { /* the button still counts */ });
    }
    form.querySelectorAll("textarea[data-language]").forEach(function (area) {
      area.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 300);
      });
    });
  }

  var FINAL = ["done", "cancelled"];  // codes: the page shows the state in words, data-state the code

  function progressBar(box) {
    function poll() {
      fetch(box.dataset.url, {credentials: "same-origin"})
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          box.querySelector(".progress>div").style.width = data.percent + "%";
          box.querySelector(".percent").textContent = data.percent + "%";
          box.querySelector(".final").textContent = data.final;
          box.querySelector(".total").textContent = data.total;
          var state = document.getElementById("campaign-state");
          if (state && state.dataset.state !== data.state) {
            window.location.reload();  // new actions and results belong to the new state
            return;
          }
          if (FINAL.indexOf(data.state) === -1) { setTimeout(poll, 5000); }
        })
        .catch(function () { setTimeout(poll, 15000); });
    }
    var state = document.getElementById("campaign-state");
    if (state && FINAL.indexOf(state.dataset.state) === -1) { setTimeout(poll, 5000); }
  }

  var table = document.getElementById("segments");
  if (table) { segmentCounter(table); }
  var box = document.getElementById("campaign-progress");
  if (box) { progressBar(box); }
})();
