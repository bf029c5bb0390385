// The top bar's search: Ctrl-K (or Cmd-K) focuses it, results drop down as you type (HTMX),
// arrow keys move through them, Escape closes; with an empty box it lists recent records,
// which record pages remember in this browser, for each user apart (a shared computer).
(function () {
  "use strict";
  const form = document.querySelector("[data-global-search]");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const menu = document.getElementById("global-search-results");
  const status = form.querySelector("[data-global-search-status]");
  const RECENT_KEY = form.dataset.recentKey || "atrium-recent";
  const RECENT_MAX = 8;

  function recent() {
    try { return JSON.parse(localStorage.getItem(RECENT_KEY) || "[]"); } catch (e) { return []; }
  }
  const here = document.querySelector("[data-recent-url]");
  if (here) {
    const item = { url: here.dataset.recentUrl, title: here.textContent.trim(), type: here.dataset.recentType };
    const items = recent().filter(function (entry) { return entry.url !== item.url; });
    items.unshift(item);
    try { localStorage.setItem(RECENT_KEY, JSON.stringify(items.slice(0, RECENT_MAX))); } catch (e) { /* private mode */ }
  }

  // The box is a combobox: aria-expanded tells a screen reader whether its list is open.
  function show() {
    menu.classList.toggle("show", menu.children.length > 0);
    input.setAttribute("aria-expanded", String(menu.classList.contains("show")));
  }
  function hide() { menu.classList.remove("show"); input.setAttribute("aria-expanded", "false"); }
  function announce(text) { if (status) status.textContent = text || ""; }
  // The recent records as a list of links, or null when there are none: as the options of the
  // box's listbox (`asOptions`, which the arrow keys move through), or as plain links on a page.
  function recentList(asOptions) {
    const items = recent();
    if (!items.length) return null;
    const list = document.createElement("div");
    list.className = "list-group list-group-flush";
    const head = document.createElement("div");
    head.className = "list-group-item small text-uppercase text-body-secondary fw-semibold bg-body-tertiary py-1";
    head.textContent = "Recent";
    if (asOptions) {
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Recent records");
      head.setAttribute("aria-hidden", "true");  // the listbox's own name says it
    }
    list.appendChild(head);
    items.forEach(function (item) {
      const link = document.createElement("a");
      link.className = "list-group-item list-group-item-action py-2";
      link.href = item.url;
      link.dataset.testid = "recent-item";
      if (asOptions) {
        link.dataset.searchHit = "";
        link.setAttribute("role", "option");
      }
      link.textContent = item.title;
      const kind = document.createElement("span");
      kind.className = "small text-body-secondary ms-1";
      kind.textContent = item.type;
      link.appendChild(kind);
      list.appendChild(link);
    });
    return list;
  }
  function showRecent() {
    const list = recentList(true);
    menu.replaceChildren();
    if (!list) { hide(); return; }
    menu.appendChild(list);
    show();
  }
  // The search page with an empty box (where a phone's search icon leads) lists them too.
  const recentOnPage = document.querySelector("[data-recent-list]");
  const pageList = recentOnPage && recentList(false);
  if (pageList) {
    recentOnPage.replaceChildren(pageList);
    recentOnPage.classList.remove("d-none");
  }
  // Open the menu: recent records for an empty box, else the results already fetched.
  function open() { if (!input.value.trim()) showRecent(); else show(); }
  function hits() { return Array.from(menu.querySelectorAll("[data-search-hit]")); }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
      event.preventDefault();
      const collapse = document.getElementById("main-nav");
      if (collapse && !collapse.classList.contains("show") && getComputedStyle(collapse).display === "none") {
        bootstrap.Collapse.getOrCreateInstance(collapse).show();
      }
      input.focus();
      input.select();
      open();  // also after Escape, when the box kept its focus and no focus event comes
    }
  });
  input.addEventListener("focus", open);
  input.addEventListener("input", function () { if (!input.value.trim()) showRecent(); });
  form.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && !menu.classList.contains("show")) open();
    const items = hits();
    const index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      items[Math.min(index + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      if (index <= 0) input.focus(); else items[index - 1].focus();
    } else if (event.key === "Escape") {
      hide();
      input.focus();
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target !== menu) return;
    show();
    const results = menu.querySelector("[data-summary]");
    announce(results && results.dataset.summary);
  });
  // Tabbing out of the box and its list closes the list, as a click elsewhere does.
  form.addEventListener("focusout", function (event) {
    if (!event.relatedTarget || !form.contains(event.relatedTarget)) hide();
  });
  document.addEventListener("click", function (event) { if (!form.contains(event.target)) hide(); });
})();
