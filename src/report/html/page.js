// Filters the claims matrix and the cases by outcome and by level, as the checkboxes say.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll("#filters input[type=checkbox]")
  );

  function chosen(kind) {
    return boxes
      .filter(function (box) { return box.dataset.kind === kind && box.checked; })
      .map(function (box) { return box.value; });
  }

  function each(selector, root, apply) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), apply);
  }

  function filter() {
    var outcomes = chosen("outcome");
    var levels = chosen("level");
    each("#claims-matrix .chip", null, function (chip) {
      chip.hidden = outcomes.indexOf(chip.dataset.outcome) < 0;
    });
    each("#claims-matrix tbody", null, function (group) {
      var shown = 0;
      each("tr.claim", group, function (row) {
        var chips = row.querySelectorAll(".chip");
        var visible = row.querySelectorAll(".chip:not([hidden])");
        row.hidden = levels.indexOf(row.dataset.level) < 0 ||
          (chips.length > 0 && visible.length === 0);
        if (!row.hidden) { shown += 1; }
      });
      group.hidden = shown === 0;
    });
    each("#cases .case", null, function (item) {
      item.hidden = outcomes.indexOf(item.dataset.outcome) < 0 ||
        levels.indexOf(item.dataset.level) < 0;
    });
  }

  boxes.forEach(function (box) { box.addEventListener("change", filter); });
  filter();
  document.body.dataset.ready = "true";
})();
