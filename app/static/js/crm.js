// CRM pages: tag colours, bulk selection, live speed-to-lead timers, tab state, HTMX tweaks.
(function () {
  "use strict";

  // Let HTMX swap 422 responses: they carry the form with its inline errors.
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
  }

  // Dark or white text, whichever contrasts more with the tag's colour by WCAG's own measure
  // (a brightness rule of thumb put white on cyan and teal, at 2:1).
  function luminance(hex) {
    const value = parseInt(hex.slice(1), 16);
    const [r, g, b] = [(value >> 16) & 255, (value >> 8) & 255, value & 255].map(function (channel) {
      const c = channel / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const DARK_TEXT = "#212529";
  function readableText(hex) {
    const background = luminance(hex);
    const onWhite = 1.05 / (background + 0.05);
    const onDark = (background + 0.05) / (luminance(DARK_TEXT) + 0.05);
    return onDark > onWhite ? DARK_TEXT : "#ffffff";
  }
  function paintTags(root) {
    root.querySelectorAll("[data-tag-color]").forEach(function (el) {
      const colour = el.dataset.tagColor;
      if (!/^#[0-9a-fA-F]{6}$/.test(colour)) return;
      el.style.backgroundColor = colour;
      el.style.color = readableText(colour);
    });
  }

  function formatElapsed(ms) {
    const minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 60) return minutes + "m";
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + "h " + (minutes % 60) + "m";
    return Math.floor(hours / 24) + "d " + (hours % 24) + "h";
  }
  function tickTimers() {
    document.querySelectorAll("[data-since]").forEach(function (el) {
      const since = Date.parse(el.dataset.since);
      if (!isNaN(since)) el.textContent = formatElapsed(Date.now() - since);
    });
  }

  function bulkForm() { return document.getElementById("bulk-form"); }
  function selectedIds() { return Array.from(document.querySelectorAll("input[name=ids][form=bulk-form]:checked")); }
  // The bulk bar shows only while rows are selected; only the chosen action's input is sent.
  function refreshBulk() {
    const form = bulkForm();
    if (!form) return;
    const count = selectedIds().length;
    const action = form.querySelector("[name=action]").value;
    form.classList.toggle("d-none", count === 0);
    form.querySelector("[data-bulk-count]").textContent = count;
    form.querySelector("[data-bulk-submit]").disabled = count === 0;
    form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
      const shown = el.dataset.bulkFor.split(" ").indexOf(action) !== -1;
      el.classList.toggle("d-none", !shown);
      el.querySelectorAll("select, input").forEach(function (input) { input.disabled = !shown; });
    });
    // An action with nothing to choose ("No tags yet — create some") cannot be applied.
    if (form.querySelector("[data-bulk-blocked]:not(.d-none)")) form.querySelector("[data-bulk-submit]").disabled = true;
    const noun = count === 1 ? form.dataset.labelSingular : form.dataset.labelPlural;
    const label = form.querySelector("[name=action] option:checked").textContent;
    form.dataset.confirm = action === "delete"
      ? "Delete " + count + " " + noun + "? Their notes and calls that belong to nothing else are deleted too."
      : label + " for " + count + " " + noun + "?";
  }
  // "Export selected" downloads the rows ticked on this page: their ids join the export's link.
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-export-selected]");
    if (!link) return;
    event.preventDefault();
    const url = new URL(link.href, window.location.href);
    selectedIds().forEach(function (box) { url.searchParams.append("ids", box.value); });
    window.location.assign(url.toString());
  });
  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=ids][form=bulk-form]").forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("input[name=ids], [data-select-all], #bulk-form [name=action]")) refreshBulk();
    if (target.matches("[data-show-when]")) toggleDependent(document);
    if (target.matches("select, input[type=radio]")) toggleVisibleIf(document);
  });

  // Inputs shown only for one value of a select (the lost reason of a lead).
  function toggleDependent(root) {
    root.querySelectorAll("[data-show-when]").forEach(function (select) {
      const [value, selector] = [select.dataset.showWhen, select.dataset.showTarget];
      const target = document.querySelector(selector);
      if (target) target.classList.toggle("d-none", select.value !== value && !target.querySelector(".is-invalid"));
    });
  }

  // Parts of a form that matter only for some choices of a select:
  // data-visible-if="#select-id:value1,value2" (kept visible while they show an error). The
  // control may be a group of radio buttons (`#form input[name=type]`): its checked value counts.
  // With data-off-when-hidden, a hidden element's inputs are disabled too, so that a value chosen
  // before (a call's outcome, then the type switched to a note) is not sent.
  function controlValue(selector) {
    const control = document.querySelector(selector);
    if (!control) return null;
    if (control.type !== "radio") return control.value;
    const checked = (control.form || document).querySelector('input[name="' + control.name + '"]:checked');
    return checked ? checked.value : "";
  }
  function toggleVisibleIf(root) {
    root.querySelectorAll("[data-visible-if]").forEach(function (el) {
      const split = el.dataset.visibleIf.lastIndexOf(":");
      const value = controlValue(el.dataset.visibleIf.slice(0, split));
      if (value === null) return;
      const values = el.dataset.visibleIf.slice(split + 1).split(",");
      const hidden = !values.includes(value) && !el.querySelector(".is-invalid");
      el.classList.toggle("d-none", hidden);
      if (el.hasAttribute("data-off-when-hidden")) {
        el.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = hidden; });
      }
    });
  }

  // Tabs of the 360 page load with HTMX; keep the highlighted tab (and the one tab stop, and
  // the panel's name) in step.
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-tab-link]");
    if (!link) return;
    link.closest(".nav").querySelectorAll(".nav-link").forEach(function (el) {
      el.classList.toggle("active", el === link);
      el.setAttribute("aria-selected", el === link ? "true" : "false");
      if (el === link) el.removeAttribute("tabindex"); else el.setAttribute("tabindex", "-1");
    });
    const panel = document.getElementById(link.getAttribute("aria-controls"));
    if (panel && link.id) panel.setAttribute("aria-labelledby", link.id);
  });
  // The keyboard moves along a tab strip with the arrows, Home and End; Enter or Space opens
  // the tab (each one loads over the network, so moving alone does not).
  document.addEventListener("keydown", function (event) {
    const link = event.target.closest && event.target.closest("[data-tab-link]");
    if (!link) return;
    const tabs = Array.from(link.closest("[role=tablist]").querySelectorAll("[data-tab-link]"));
    const index = tabs.indexOf(link);
    const target = {
      ArrowRight: tabs[(index + 1) % tabs.length],
      ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    }[event.key];
    if (target) {
      event.preventDefault();
      target.focus();
    } else if (event.key === " ") {
      event.preventDefault();
      link.click();
    }
  });

  // On a phone the tab strip scrolls sideways: a record opened on a later tab (a link, a reload)
  // scrolls its strip, not the page, to centre the highlighted tab.
  function revealActiveTab(root) {
    root.querySelectorAll(".record-tabs").forEach(function (strip) {
      const active = strip.querySelector(".nav-link.active");
      if (!active) return;
      const stripBox = strip.getBoundingClientRect();
      const tabBox = active.getBoundingClientRect();
      strip.scrollLeft += tabBox.left - stripBox.left - (stripBox.width - tabBox.width) / 2;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { revealActiveTab(document); });

  // A saved view keeps the list as it is now: search as you type changed the address since load.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-save-view]");
    if (form) form.querySelector("input[name=query]").value = window.location.search.replace(/^\?/, "");
  }, true);

  // Palette swatches fill the colour input (and its picker) they point at.
  document.addEventListener("click", function (event) {
    const swatch = event.target.closest("[data-pick-color]");
    if (!swatch) return;
    const input = document.querySelector(swatch.dataset.pickTarget);
    if (!input) return;
    input.value = swatch.dataset.pickColor;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    const picker = document.querySelector('input[type=color][data-sync="' + swatch.dataset.pickTarget + '"]');
    if (picker) picker.value = swatch.dataset.pickColor;
  });

  // The company search box lives inside the record form: Enter must not submit it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-no-submit]")) event.preventDefault();
  });

  // The merge page: choosing the record to keep picks its values too, except where it has none
  // and another record has one; any field can then take another record's value.
  document.addEventListener("change", function (event) {
    const survivor = event.target;
    if (!survivor.matches("input[data-merge-survivor]") || !survivor.checked) return;
    const rows = new Set(Array.from(survivor.form.querySelectorAll('input[type=radio][name^="value."]')).map(function (radio) { return radio.name; }));
    rows.forEach(function (name) {
      const choices = Array.from(survivor.form.querySelectorAll('input[type=radio][name="' + name + '"]'));
      const own = choices.find(function (radio) { return radio.value === survivor.value; });
      const filled = choices.find(function (radio) { return !radio.hasAttribute("data-blank"); });
      const pick = own && own.hasAttribute("data-blank") && filled ? filled : own;
      if (pick) pick.checked = true;
    });
  });

  function init(root) { paintTags(root); tickTimers(); refreshBulk(); toggleDependent(root); toggleVisibleIf(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); setInterval(tickTimers, 30000); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
