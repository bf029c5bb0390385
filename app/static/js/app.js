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
  // screen-reader user lands on the problem instead of at the top of the page (or, for a form
  // swapped in place, on nothing at all: the button that sent it is gone).
  const WRONG = "[aria-invalid=true], input.is-invalid, select.is-invalid, textarea.is-invalid";
  function focusFirstError(root) {
    const field = root.querySelector(WRONG);
    if (field && field.offsetParent !== null) field.focus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    const main = document.querySelector("main");
    if (main) focusFirstError(main);
  });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
  // A swap that takes away the element the keyboard was on (a row's "Mark read" button, gone once
  // read) would leave the focus on nothing, at the top of the document. Where the swapped content
  // was is remembered, and if HTMX could not give the focus back (an element with the same id),
  // the first thing that takes the keyboard in the new content gets it.
  let swappedFrom = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    const active = document.activeElement;
    swappedFrom = target && active && active !== document.body && target.contains(active)
      ? { target: target, parent: target.parentElement, before: target.previousElementSibling } : null;
  });
  const TAKES_KEYS = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  document.addEventListener("htmx:afterSettle", function () {
    const from = swappedFrom;
    swappedFrom = null;
    if (!from || (document.activeElement && document.activeElement !== document.body)) return;
    const now = from.target.isConnected ? from.target
      : from.before && from.before.isConnected ? from.before.nextElementSibling
      : from.parent && from.parent.isConnected ? from.parent.firstElementChild : null;
    if (!now) return;
    const stop = Array.from(now.querySelectorAll(TAKES_KEYS)).find(function (el) { return el.offsetParent !== null; });
    if (stop) stop.focus();
  });
  // 422 is the answer of a refused form (crm.js lets HTMX swap it in); an outerHTML swap leaves
  // the event on the element it replaced, so the page's main content is searched instead.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.xhr || event.detail.xhr.status !== 422) return;
    const root = event.target.isConnected ? event.target : document.querySelector("main");
    if (root && !(document.activeElement && document.activeElement.matches(WRONG) && root.contains(document.activeElement))) {
      focusFirstError(root);
    }
  });
})();
