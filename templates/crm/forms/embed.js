/* Atrium web form embed: replaces this script tag with an iframe of the form, passing on the
   page's UTM parameters, click ids and referrer for attribution. */
(function () {
  var script = document.currentScript;
  if (!script) { return; }
  var keys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid"];
  var page = new URLSearchParams(window.location.search);
  var url = new URL({{ frame_url | tojson }});
  url.searchParams.set("embed", "1");
  keys.forEach(function (key) { if (page.get(key)) { url.searchParams.set(key, page.get(key)); } });
  url.searchParams.set("landing_page", window.location.href.slice(0, 500));
  if (document.referrer) { url.searchParams.set("referrer", document.referrer.slice(0, 500)); }
  var frame = document.createElement("iframe");
  frame.src = url.toString();
  frame.title = "Form";
  frame.loading = "lazy";
  frame.style.width = "100%";
  frame.style.minHeight = (script.getAttribute("data-height") || "640") + "px";
  frame.style.border = "0";
  script.parentNode.insertBefore(frame, script);
})();
