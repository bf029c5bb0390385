// The deals board: cards dragged between and within columns (SortableJS, mouse and touch),
// each move saved at once over HTMX (the page's CSRF header goes with it); a refused move
// snaps back with the server's message; a drop on a won or lost column asks for the reason.
(function () {
  "use strict";

  const board = document.querySelector("[data-board]");
  const message = document.querySelector("[data-board-message]");
  const modalElement = document.getElementById("close-deal-modal");
  let messageTimer = null;

  function paintStages(root) {
    root.querySelectorAll("[data-stage-color]").forEach(function (dot) {
      if (/^#[0-9a-fA-F]{6}$/.test(dot.dataset.stageColor)) dot.style.backgroundColor = dot.dataset.stageColor;
    });
  }

  function say(text, kind) {
    if (!message) return;
    message.textContent = text;
    message.className = "board-message alert alert-" + (kind || "danger");
    clearTimeout(messageTimer);
    messageTimer = setTimeout(function () { message.classList.add("d-none"); }, 6000);
  }

  // Put a card back where it was picked up.
  function snapBack(move) {
    const siblings = Array.from(move.from.children).filter(function (el) { return el !== move.item; });
    move.from.insertBefore(move.item, siblings[move.oldIndex] || null);
  }

  function neighbourId(element) {
    return element && element.dataset ? element.dataset.dealId || "" : "";
  }

  function save(move, extra) {
    const card = move.item;
    const values = Object.assign({
      stage_id: move.to.dataset.stageId,
      above_id: neighbourId(card.previousElementSibling),
      below_id: neighbourId(card.nextElementSibling),
      board_query: window.location.search,
    }, extra || {});
    card.classList.add("is-saving");
    function done(event) {
      card.removeEventListener("htmx:afterRequest", done);
      card.classList.remove("is-saving");
      const xhr = event.detail.xhr;
      if (xhr && xhr.status >= 200 && xhr.status < 300) {
        if (move.saidWhenSaved) say(move.saidWhenSaved, "success");
        return;
      }
      snapBack(move);
      let text = "The move was not saved.";
      try { text = JSON.parse(xhr.responseText).error.message || text; } catch (ignored) {
        if (xhr && xhr.status === 403) text = "You may not move this deal.";
        if (xhr && xhr.status === 404) text = "This deal no longer exists: reload the board.";
      }
      say(text);
    }
    card.addEventListener("htmx:afterRequest", done);
    htmx.ajax("POST", card.dataset.moveUrl, { source: card, values: values, swap: "none" });
  }

  // Won and lost columns: ask why before saving; cancelling puts the card back.
  let pending = null;
  function askReason(move) {
    if (!modalElement || !window.bootstrap) { save(move); return; }
    const kind = move.to.dataset.kind;
    modalElement.querySelectorAll("[data-reasons-for]").forEach(function (block) {
      const shown = block.dataset.reasonsFor === kind;
      block.classList.toggle("d-none", !shown);
      block.querySelector("select").disabled = !shown;
      block.querySelector("select").value = "";
    });
    modalElement.querySelector("[name=close_note]").value = "";
    modalElement.querySelector(".modal-title").textContent = (kind === "won" ? "Won: " : "Lost: ") + (move.item.querySelector(".deal-card-title") || {}).textContent;
    pending = move;
    bootstrap.Modal.getOrCreateInstance(modalElement).show();
  }
  if (modalElement) {
    modalElement.querySelector("[data-close-deal-form]").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) return;
      const form = event.target;
      const select = form.querySelector("select:not([disabled])");
      const move = pending;
      pending = null;
      bootstrap.Modal.getOrCreateInstance(modalElement).hide();
      save(move, { close_reason_id: select ? select.value : "", close_note: form.querySelector("[name=close_note]").value });
      if (move.keyboard) move.item.querySelector("[data-move-menu]").focus();
    });
    modalElement.addEventListener("hidden.bs.modal", function () {
      const move = pending;
      if (pending) { snapBack(pending); pending = null; }
      if (move && move.keyboard) move.item.querySelector("[data-move-menu]").focus();
    });
  }

  // The card's menu moves it without dragging: its options are the board's other columns, and
  // a chosen one puts the card on top of that column through the same save (and the same
  // question for won or lost) as a drop. The keyboard stays on the card.
  document.addEventListener("show.bs.dropdown", function (event) {
    const button = event.target;
    if (!button.matches || !button.matches("[data-move-menu]")) return;
    const card = button.closest(".deal-card");
    const options = card.querySelector("[data-move-options]");
    options.replaceChildren();
    document.querySelectorAll("[data-board] .deal-cards").forEach(function (list) {
      if (list === card.parentElement) return;
      const item = document.createElement("li");
      const choice = document.createElement("button");
      choice.type = "button";
      choice.className = "dropdown-item";
      choice.dataset.moveTo = list.id;
      choice.textContent = list.dataset.stageName;
      item.appendChild(choice);
      options.appendChild(item);
    });
  });
  document.addEventListener("click", function (event) {
    const choice = event.target.closest && event.target.closest("[data-move-to]");
    if (!choice) return;
    const card = choice.closest(".deal-card");
    const to = document.getElementById(choice.dataset.moveTo);
    const from = card.parentElement;
    const move = { item: card, from: from, to: to, oldIndex: Array.from(from.children).indexOf(card), keyboard: true };
    const title = (card.querySelector(".deal-card-title") || {}).textContent;
    move.saidWhenSaved = "Moved " + title + " to " + to.dataset.stageName + ".";
    const button = card.querySelector("[data-move-menu]");
    bootstrap.Dropdown.getOrCreateInstance(button).hide();
    to.prepend(card);
    button.focus();
    if (to.dataset.kind === "won" || to.dataset.kind === "lost") askReason(move); else save(move);
  });

  function onEnd(event) {
    const move = { item: event.item, from: event.from, to: event.to, oldIndex: event.oldIndex };
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    const closing = event.from !== event.to && (event.to.dataset.kind === "won" || event.to.dataset.kind === "lost");
    if (closing) askReason(move); else save(move);
  }

  function dropInlineStyle(event) {
    event.item.removeAttribute("style");
  }

  function makeSortable(list) {
    if (list.sortable) return;
    list.sortable = Sortable.create(list, {
      group: "deals",
      draggable: ".deal-card",
      animation: 150,
      // Pointer-driven dragging everywhere: the same code path for mouse, pen and touch.
      forceFallback: true,
      fallbackTolerance: 4,
      // On a phone a short press starts the drag, so a swipe still scrolls the board sideways.
      delay: 180,
      delayOnTouchOnly: true,
      touchStartThreshold: 5,
      ghostClass: "deal-card-ghost",
      chosenClass: "deal-card-chosen",
      // Sortable marks the picked card with an inline `will-change` and then clones it for the
      // ghost: a cloned style attribute is one the CSP refuses. The hint is dropped before that.
      onChoose: dropInlineStyle,
      onEnd: onEnd,
    });
  }

  // Pipeline settings: stages reordered by dragging their handle; the order is saved at once.
  function makeStagesSortable(list) {
    Sortable.create(list, {
      handle: ".stage-handle",
      draggable: ".stage-row",
      onChoose: dropInlineStyle,
      animation: 150,
      forceFallback: true,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) return;
        const ids = Array.from(list.querySelectorAll(".stage-row")).map(function (row) { return row.dataset.stageId; });
        function done(result) {
          list.removeEventListener("htmx:afterRequest", done);
          const xhr = result.detail.xhr;
          if (xhr && xhr.status >= 200 && xhr.status < 300) { say("Stage order saved.", "success"); return; }
          say("The new order was not saved; the page shows the saved one.");
          setTimeout(function () { window.location.reload(); }, 1500);
        }
        list.addEventListener("htmx:afterRequest", done);
        htmx.ajax("POST", list.dataset.stageOrder, { source: list, values: { stage_ids: ids.join(",") }, swap: "none" });
      },
    });
  }

  function init(root) {
    paintStages(root);
    if (typeof Sortable === "undefined") return;
    if (board && board.hasAttribute("data-can-move")) board.querySelectorAll(".deal-cards").forEach(makeSortable);
    root.querySelectorAll("[data-stage-order][data-can-move]").forEach(makeStagesSortable);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { paintStages(event.target); });
  document.addEventListener("htmx:oobAfterSwap", function (event) { paintStages(event.detail.target || document); });
})();
