// @mentions in a note: typing "@" and the start of a name lists the teammates it matches;
// the arrow keys move, Enter or Tab (or a click) writes "@handle " into the text, Escape closes.
// A note that names someone this way notifies them once it is logged: the server reads the
// same handles (app.notifications.services.mention_handle). The box is found by
// data-mentions, the id of the JSON list of {name, handle} beside it; the listeners sit on the
// document, so a form swapped in by HTMX works too.
(function () {
  "use strict";
  const MOST = 6;
  const TYPED = /(^|[^\w@])@([\w.\-]*)$/; // an "@word" that ends at the caret, not an e-mail address
  let box = null;
  let menu = null;
  let found = [];
  let active = 0;
  let start = 0; // where the "@" of the mention being typed is

  function choicesOf(textarea) {
    const source = document.getElementById(textarea.dataset.mentions);
    try { return source ? JSON.parse(source.textContent) : []; } catch (e) { return []; }
  }
  // Only a note tells whom it names: in a form with a choice of type, the picker waits for "Note".
  function mentionsCount(textarea) {
    const chosen = textarea.form && textarea.form.querySelector("input[name=type]:checked");
    return !chosen || chosen.value === "note";
  }
  function matching(choices, typed) {
    const query = typed.toLowerCase();
    return choices.filter(function (choice) {
      const words = choice.name.toLowerCase().split(/\s+/);
      return choice.handle.startsWith(query) || words.some(function (word) { return word.startsWith(query); });
    }).slice(0, MOST);
  }

  function close() {
    if (menu) menu.remove();
    if (box) {
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }
    menu = null;
    found = [];
  }
  function highlight() {
    menu.querySelectorAll("[role=option]").forEach(function (option, index) {
      option.classList.toggle("active", index === active);
      option.setAttribute("aria-selected", String(index === active));
    });
    box.setAttribute("aria-activedescendant", "mention-option-" + active);
  }
  function open() {
    if (!menu) {
      menu = document.createElement("div");
      menu.id = "mention-menu";
      menu.className = "dropdown-menu show shadow mention-menu";
      menu.setAttribute("role", "listbox");
      menu.setAttribute("aria-label", "Teammates to mention");
      menu.dataset.testid = "mention-menu";
      box.parentElement.classList.add("position-relative");
      box.insertAdjacentElement("afterend", menu);
      box.setAttribute("aria-controls", menu.id);
      box.setAttribute("aria-autocomplete", "list");
    }
    menu.replaceChildren();
    found.forEach(function (choice, index) {
      const option = document.createElement("button");
      option.type = "button";
      option.id = "mention-option-" + index;
      option.className = "dropdown-item";
      option.setAttribute("role", "option");
      option.tabIndex = -1;
      option.dataset.index = String(index);
      const handle = document.createElement("span");
      handle.className = "small text-body-secondary ms-2";
      handle.textContent = "@" + choice.handle;
      option.append(choice.name, handle);
      menu.append(option);
    });
    box.setAttribute("aria-expanded", "true");
    highlight();
  }
  function pick(index) {
    const choice = found[index];
    if (!choice) return;
    const written = box.value.slice(0, start) + "@" + choice.handle + " ";
    box.value = written + box.value.slice(box.selectionStart);
    box.setSelectionRange(written.length, written.length);
    close();
    box.focus();
  }

  document.addEventListener("input", function (event) {
    const textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.dataset.mentions) return;
    if (box && box !== textarea) close();
    box = textarea;
    const typed = TYPED.exec(textarea.value.slice(0, textarea.selectionStart));
    found = typed && mentionsCount(textarea) ? matching(choicesOf(textarea), typed[2]) : [];
    if (!found.length) { close(); return; }
    start = textarea.selectionStart - typed[2].length - 1;
    active = 0;
    open();
  });
  document.addEventListener("keydown", function (event) {
    if (!menu || event.target !== box) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : found.length - 1)) % found.length;
      highlight();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      event.preventDefault(); // closes the list, not a dialog around the form
      close();
    }
  });
  // mousedown, not click: the box keeps its focus (and its caret) while a name is chosen.
  document.addEventListener("mousedown", function (event) {
    if (!menu) return;
    const option = event.target.closest("#mention-menu [role=option]");
    if (option) {
      event.preventDefault();
      pick(Number(option.dataset.index));
    } else if (event.target !== box) {
      close();
    }
  });
  document.addEventListener("focusout", function (event) {
    if (menu && event.target === box) close();
  });
  // The form is swapped out by HTMX after a save: its list goes with it.
  document.addEventListener("htmx:beforeSwap", function () { if (menu) close(); box = null; });
})();
