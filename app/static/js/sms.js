// SMS composers: characters and segments as you type, counted by smsSegments() exactly as
// app.crm.messaging.templating.sms_segments counts them on the server (a browser test holds
// the two to the same answers): GSM-7 texts fit 160 in one SMS, 153 a part when split; one
// character outside that alphabet makes the whole text UCS-2, 70 in one, 67 a part.
(function () {
  "use strict";

  const GSM_BASIC = new Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà");
  const GSM_EXTENDED = new Set("^{}\\[~]|€\f");  // each takes two of the 160

  function smsSegments(text) {
    const chars = Array.from(text);
    let units, single, multi, encoding;
    if (chars.every(function (c) { return GSM_BASIC.has(c) || GSM_EXTENDED.has(c); })) {
      units = chars.reduce(function (n, c) { return n + (GSM_EXTENDED.has(c) ? 2 : 1); }, 0);
      single = 160; multi = 153; encoding = "GSM-7";
    } else {
      units = text.length;  // UTF-16 code units: an emoji takes two
      single = 70; multi = 67; encoding = "UCS-2";
    }
    const segments = units <= single ? 1 : Math.ceil(units / multi);
    return { segments: segments, characters: units, encoding: encoding, per_segment: segments === 1 ? single : multi };
  }
  window.smsSegments = smsSegments;

  function plural(count, one, many) { return count + " " + (count === 1 ? one : many); }

  // <div data-sms-counter="textarea id" data-sms-channel="channel select id (optional)">: shown
  // while the channel is SMS. A form sends each line break as CR LF, so it is counted as sent.
  // A screen reader hears the counter with the box (aria-describedby), and is told aloud only
  // when the number of segments changes: a live counter spoke after every key typed.
  function bind(counter) {
    const box = document.getElementById(counter.dataset.smsCounter);
    const channel = counter.dataset.smsChannel ? document.getElementById(counter.dataset.smsChannel) : null;
    if (!box || counter.dataset.smsBound) return;
    counter.dataset.smsBound = "1";
    counter.id = counter.id || box.id + "-sms-count";
    // The box is described by the counter only while it shows (an email's body is not an SMS).
    function describe(shown) {
      const ids = (box.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== counter.id; });
      if (shown) ids.push(counter.id);
      if (ids.length) box.setAttribute("aria-describedby", ids.join(" ")); else box.removeAttribute("aria-describedby");
    }
    const spoken = document.createElement("div");
    spoken.className = "visually-hidden";
    spoken.setAttribute("role", "status");
    spoken.dataset.testid = "sms-counter-status";
    counter.after(spoken);
    let heard = null;
    function speak(count) {
      const now = count.segments + " " + count.encoding;
      if (heard !== null && now !== heard && !counter.hidden) {
        spoken.textContent = plural(count.segments, "SMS segment", "SMS segments") +
          (count.encoding === "UCS-2" && heard.indexOf("UCS-2") < 0 ? ", UCS-2: a character outside GSM-7 shortens each segment." : ".");
      }
      heard = now;
    }
    function update() {
      counter.hidden = channel !== null && channel.value !== "sms";
      describe(!counter.hidden);
      const count = smsSegments(box.value.replace(/\r?\n/g, "\r\n"));
      speak(count);
      counter.textContent = plural(count.characters, "character", "characters") + " · " +
        plural(count.segments, "SMS segment", "SMS segments") + " · " + count.encoding +
        (count.segments > 1 ? " (" + count.per_segment + " characters a segment)" : " (up to " + count.per_segment + ")") +
        (box.value.indexOf("{{") >= 0 ? ", before merge fields are filled in" : "");
    }
    box.addEventListener("input", update);
    if (channel) channel.addEventListener("change", update);
    update();
  }
  // <div data-channel-only="email" data-channel-select="channel select id">: an email's own
  // fields (subject, HTML) hide while SMS is chosen.
  function bindChannelFields(box) {
    const select = document.getElementById(box.dataset.channelSelect);
    if (!select || box.dataset.channelBound) return;
    box.dataset.channelBound = "1";
    function update() { box.hidden = select.value !== box.dataset.channelOnly; }
    select.addEventListener("change", update);
    update();
  }

  function bindAll(root) {
    root.querySelectorAll("[data-sms-counter]").forEach(bind);
    root.querySelectorAll("[data-channel-only]").forEach(bindChannelFields);
  }
  document.addEventListener("DOMContentLoaded", function () { bindAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { bindAll(event.target); });
})();
