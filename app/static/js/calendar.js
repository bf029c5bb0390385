// The calendar: FullCalendar month / week / day of the chosen users' meetings, in the
// workspace's time zone; drag or resize a meeting to reschedule it (saved at once).
(function () {
  "use strict";

  const element = document.getElementById("calendar");
  if (!element || !window.FullCalendar) return;

  function csrfToken() {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function chosenUsers() {
    return Array.from(document.querySelectorAll("[data-calendar-user]:checked")).map(function (box) { return box.value; });
  }

  function save(info) {
    const url = element.dataset.rescheduleUrl.replace("00000000-0000-0000-0000-000000000000", info.event.id);
    const end = info.event.end || new Date(info.event.start.getTime() + 30 * 60000);
    const body = new URLSearchParams({
      start: info.event.start.toISOString(),
      end: end.toISOString(),
      csrf_token: csrfToken(),
    });
    element.dataset.saving = "true";
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("refused");
        return response.json();
      })
      .then(function (saved) { element.dataset.lastSaved = saved.id + " " + saved.start; })
      .catch(function () { info.revert(); element.dataset.lastError = info.event.id; })
      .finally(function () { element.dataset.saving = "false"; });
  }

  const narrow = window.matchMedia("(max-width: 575.98px)").matches;
  const calendar = new FullCalendar.Calendar(element, {
    // A phone opens on the week's agenda: a day's grid of empty hours said less on a quiet day.
    initialView: narrow ? "listWeek" : "timeGridWeek",
    // A phone has no room for every button beside the title: the views move below the calendar.
    headerToolbar: narrow
      ? { start: "title", end: "today prev,next" }
      : { start: "prev,next today", center: "title", end: "dayGridMonth,timeGridWeek,timeGridDay" },
    footerToolbar: narrow ? { center: "listWeek,timeGridDay,dayGridMonth" } : false,
    // "Nov 30 – Dec 6": the week's full dates overflow a phone's width.
    // The agenda's titles wrap: the list cut "Kick-off: spring campaign" to "Kick-off: spring ca"
    // with no ellipsis, its title cell being one line that hides what it cannot hold.
    views: { listWeek: { titleFormat: { month: "short", day: "numeric" }, eventTitleClass: "agenda-title" } },
    noEventsText: "No meetings this week.",
    timeZone: element.dataset.timezone || "local",
    firstDay: 1,
    // The grids hold the whole day (a client overseas meets at 06:00 or 22:30, and a grid cut
    // to working hours left those meetings out) and open on the working day: on a wide screen
    // the grid scrolls inside its box from 07:00; a phone's grows to fit, as its agenda does.
    height: narrow ? "auto" : 760,
    scrollTime: "07:00:00",
    nowIndicator: true,
    editable: element.dataset.editable === "true",
    selectable: Boolean(element.dataset.newUrl),
    events: function (fetchInfo, success, failure) {
      const params = new URLSearchParams({
        start: fetchInfo.start.toISOString(),
        end: fetchInfo.end.toISOString(),
        users: chosenUsers().join(","),
      });
      fetch(element.dataset.eventsUrl + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (events) { element.dataset.loaded = String(events.length); success(events); })
        .catch(failure);
    },
    eventDrop: save,
    eventResize: save,
    select: function (info) {
      // The form takes wall-clock times of the workspace's zone, which the calendar shows.
      const params = new URLSearchParams({ starts_at: info.startStr.slice(0, 16), ends_at: info.endStr.slice(0, 16) });
      window.location.href = element.dataset.newUrl + "?" + params.toString();
    },
  });
  calendar.render();
  window.atriumCalendar = calendar;

  document.querySelectorAll("[data-calendar-user]").forEach(function (box) {
    box.addEventListener("change", function () { calendar.refetchEvents(); });
  });
  document.querySelectorAll("[data-swatch]").forEach(function (swatch) {
    if (/^#[0-9a-fA-F]{6}$/.test(swatch.dataset.swatch)) swatch.style.backgroundColor = swatch.dataset.swatch;
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      const input = document.querySelector(button.dataset.copy);
      if (input && navigator.clipboard) navigator.clipboard.writeText(input.value);
    });
  });
})();
