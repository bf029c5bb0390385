// Small behaviours shared by every page; no inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // A new workspace starts on the clock of the browser that signs it up.
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (!input.value) input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  });

  // The signup's address follows the agency's name ("Café Lumière" → cafe-lumiere) until
  // someone writes one of their own.
  document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
    const source = document.getElementById(slug.dataset.slugFrom);
    if (!source) return;
    let suggested = slug.value;
    source.addEventListener("input", function () {
      if (slug.value !== suggested) return;  // theirs now
      suggested = source.value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
      slug.value = suggested;
    });
  });

  // Forms with data-confirm ask in a Bootstrap modal before submitting.
  let pendingForm = null;
  let opener = null;  // what had the keyboard when the question opened, to give it back
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "1") return;
    event.preventDefault();
    pendingForm = form;
    opener = event.submitter || document.activeElement;
    document.getElementById("confirm-body").textContent = form.dataset.confirm;
    bootstrap.Modal.getOrCreateInstance(document.getElementById("confirm-modal")).show();
  });
  // A block that polls (an import's progress) may have swapped the form out while the modal
  // was open: a detached form does not submit, so the same form in the page now is used, or
  // the confirmed one is put back (hidden) to be sent.
  function connectedForm(form) {
    if (form.isConnected) return form;
    const action = form.getAttribute("action");
    const current = Array.from(document.querySelectorAll("form[data-confirm]")).find(function (candidate) {
      return candidate.getAttribute("action") === action;
    });
    if (current) return current;
    form.hidden = true;
    document.body.appendChild(form);
    return form;
  }
  document.addEventListener("click", function (event) {
    if (event.target.id !== "confirm-accept" || !pendingForm) return;
    const form = connectedForm(pendingForm);
    form.dataset.confirmed = "1";
    bootstrap.Modal.getOrCreateInstance(document.getElementById("confirm-modal")).hide();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
    pendingForm = null;
  });

  // Bootstrap gives the keyboard back only to a modal opened by a data-bs-toggle button; the
  // question above opens from script, so it does so itself once the modal has closed.
  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target.id !== "confirm-modal") return;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  // Bootstrap's focus trap catches focus landing outside a modal, but a modal last in the page
  // lets Tab leave the document altogether (to the browser's own bar): Tab and Shift-Tab wrap
  // round inside an open modal instead, as the dialog pattern asks.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    const modal = document.querySelector(".modal.show");
    if (!modal) return;
    const stops = Array.from(modal.querySelectorAll(
      "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])"
    )).filter(function (el) { return el.offsetParent !== null; });
    if (!stops.length) return;
    const first = stops[0], last = stops[stops.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === modal)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
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
  // A form sent back with errors puts the keyboard on its first wrong field, so a keyboard or
  // screen-reader user lands on the problem instead of at the top of the page.
  function focusFirstError() {
    const field = document.querySelector(
      "main [aria-invalid=true], main input.is-invalid, main select.is-invalid, main textarea.is-invalid");
    if (field && field.offsetParent !== null) field.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); focusFirstError(); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
