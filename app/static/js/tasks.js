// The task board: drag a card to another status column; the move is saved at once.
(function () {
  "use strict";

  function csrfToken() {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function refreshCount(column, delta) {
    const badge = document.querySelector('[data-count-for="' + column.dataset.boardColumn + '"]');
    if (badge) badge.textContent = Math.max(0, parseInt(badge.textContent, 10) + delta);
  }

  function save(event) {
    const card = event.item, from = event.from, to = event.to;
    if (from === to) return;
    const body = new URLSearchParams({ status: to.dataset.boardColumn, csrf_token: csrfToken() });
    refreshCount(from, -1);
    refreshCount(to, 1);
    fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (response.ok) {
        card.dataset.saved = to.dataset.boardColumn;
        // What counts tasks by status (the top bar's tasks due today) counts again.
        document.body.dispatchEvent(new Event("tasks-changed"));
        return;
      }
      // Refused (a rule, a permission): put the card back where it was.
      from.insertBefore(card, from.children[event.oldIndex] || null);
      refreshCount(to, -1);
      refreshCount(from, 1);
    });
  }

  document.querySelectorAll("[data-board-column][data-sortable]").forEach(function (column) {
    new Sortable(column, { group: "task-board", animation: 150, draggable: ".board-card", onEnd: save });
  });
})();
