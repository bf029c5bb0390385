// Small behaviours shared by every page; no inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // Forms with data-confirm ask in a Bootstrap modal before submitting.
  let pendingForm = null;
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "1") return;
    event.preventDefault();
    pendingForm = form;
    document.getElementById("confirm-body").textContent = form.dataset.confirm;
    bootstrap.Modal.getOrCreateInstance(document.getElementById("confirm-modal")).show();
  });
  document.addEventListener("click", function (event) {
    if (event.target.id !== "confirm-accept" || !pendingForm) return;
    pendingForm.dataset.confirmed = "1";
    bootstrap.Modal.getOrCreateInstance(document.getElementById("confirm-modal")).hide();
    if (pendingForm.requestSubmit) pendingForm.requestSubmit(); else pendingForm.submit();
    pendingForm = null;
  });

  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, Number(el.dataset.width))) + "%";
    });
  }
  function syncColourPickers(root) {
    root.querySelectorAll("input[data-sync]").forEach(function (picker) {
      const target = document.querySelector(picker.dataset.sync);
      if (!target) return;
      picker.addEventListener("input", function () { target.value = picker.value; });
      target.addEventListener("input", function () {
        if (/^#[0-9a-fA-F]{6}$/.test(target.value)) picker.value = target.value;
      });
    });
  }
  function init(root) { applyWidths(root); syncColourPickers(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
