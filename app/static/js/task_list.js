// The tasks list: a task ticked in place (the tick answers with the tasks-changed event) reads
// again in the list, so its status and the count of tasks matching the filters follow it.
(function () {
  "use strict";

  document.body.addEventListener("tasks-changed", function () {
    const list = document.getElementById("record-list");
    if (list) htmx.ajax("GET", window.location.href, { target: "#record-list", swap: "outerHTML" });
  });
})();
