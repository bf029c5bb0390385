// Quote line items on the quote form: add and remove rows; a picked product fills its values in.
(function () {
  "use strict";

  function fillFromProduct(select) {
    var option = select.options[select.selectedIndex];
    var row = select.closest("[data-quote-line]");
    if (!option || !option.value || !row) return;
    var set = function (selector, value) {
      var input = row.querySelector(selector);
      if (input && value !== undefined) input.value = value;
    };
    set("[data-line-description]", option.dataset.name);
    set("[data-line-unit-price]", option.dataset.price);
    set("[data-line-tax-rate]", option.dataset.tax);
    set("[data-line-unit]", option.dataset.unit);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-line-product]")) fillFromProduct(event.target);
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var add = event.target.closest("[data-add-line]");
    if (add) {
      var fieldset = add.closest("[data-quote-lines]");
      var template = fieldset.querySelector("[data-line-template]");
      fieldset.querySelector("[data-line-rows]").appendChild(template.content.cloneNode(true));
      return;
    }
    var remove = event.target.closest("[data-remove-line]");
    if (remove) {
      var row = remove.closest("[data-quote-line]");
      var rows = row.parentElement.querySelectorAll("[data-quote-line]");
      if (rows.length > 1) {
        row.remove();
      } else {
        // The last row is emptied instead: its choices too, or its product would still be saved.
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
        row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      }
    }
  });
})();
