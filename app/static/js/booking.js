// A public booking page (and a booking's own page) shows times in the visitor's own time zone: the browser says which.
(function () {
  "use strict";
  const form = document.querySelector("[data-visitor-zone]");
  if (!form || !window.Intl) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const url = new URL(window.location.href);
  if (zone && !url.searchParams.get("tz") && zone !== form.dataset.visitorZone) {
    url.searchParams.set("tz", zone);
    window.location.replace(url.toString());
  }
})();
