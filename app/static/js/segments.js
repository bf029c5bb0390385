// The segment builder: AND/OR groups of rules drawn from the type's conditions (a JSON
// data block on the page), kept as JSON in the form's hidden "definition" input. Each
// change announces `segment-changed`, which asks the server for the live count (HTMX).
(function () {
  "use strict";
  const root = document.querySelector("[data-segment-builder]");
  const store = document.getElementById("definition");
  const source = document.getElementById("segment-conditions");
  if (!root || !store || !source) return;
  const conditions = JSON.parse(source.textContent);
  const byKey = {};
  conditions.forEach(function (c) { byKey[c.key] = c; });
  const MAX_DEPTH = 3;
  const LIST_OPS = ["in", "not_in"];
  const DAY_OPS = ["within_last_days", "more_than_days_ago", "within_days", "not_within_days"];
  let state;
  try { state = JSON.parse(store.value); } catch (e) { state = null; }
  if (!state || typeof state !== "object" || !Array.isArray(state.rules)) state = { match: "all", rules: [] };

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function option(value, label, selected) {
    const node = el("option", { value: value, text: label });
    if (selected) node.selected = true;
    return node;
  }
  function changed() {
    store.value = JSON.stringify(state);
    document.body.dispatchEvent(new CustomEvent("segment-changed"));
  }
  function firstOp(condition) { return Object.keys(condition.operators)[0]; }
  function newRule() {
    const condition = conditions[0];
    return { field: condition.key, op: firstOp(condition), value: "" };
  }

  function valueInput(rule, condition) {
    if (condition.no_value.indexOf(rule.op) >= 0) return null;
    let input;
    if (condition.choices && DAY_OPS.indexOf(rule.op) < 0) {
      const multiple = LIST_OPS.indexOf(rule.op) >= 0;
      input = el("select", { class: "form-select form-select-sm", "aria-label": "Value", "data-testid": "rule-value" });
      if (multiple) input.multiple = true;
      const chosen = Array.isArray(rule.value) ? rule.value : [rule.value];
      if (!multiple) input.appendChild(option("", "Choose…", !rule.value));
      Object.keys(condition.choices).forEach(function (key) {
        input.appendChild(option(key, condition.choices[key], chosen.indexOf(key) >= 0));
      });
      input.addEventListener("change", function () {
        rule.value = multiple ? Array.from(input.selectedOptions).map(function (o) { return o.value; }) : input.value;
        changed();
      });
      return condition.options_url ? searchable(input, rule, condition) : input;
    }
    let type = "text";
    if (DAY_OPS.indexOf(rule.op) >= 0 || condition.kind === "number" || condition.kind === "recency") type = "number";
    else if (condition.kind === "date") type = "date";
    input = el("input", { class: "form-control form-control-sm", type: type, "aria-label": DAY_OPS.indexOf(rule.op) >= 0 ? "Days" : "Value", "data-testid": "rule-value" });
    if (type === "number") input.setAttribute("inputmode", "decimal");
    input.value = rule.value == null ? "" : rule.value;
    input.addEventListener("input", function () { rule.value = input.value; changed(); });
    return input;
  }

  // A reference's select lists the first records by name; typing in the box above it asks
  // the type's picker for the records matching the text (the chosen one stays listed).
  function searchable(select, rule, condition) {
    const search = el("input", { class: "form-control form-control-sm mb-1", type: "search", placeholder: "Search…", "aria-label": "Search " + condition.label.toLowerCase(), "data-testid": "rule-search" });
    let timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        const query = new URLSearchParams({ q: search.value, selected: rule.value || "" });
        fetch(condition.options_url + "?" + query.toString(), { headers: { "HX-Request": "true" } })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (options) { if (options !== null) select.innerHTML = options; });
      }, 300);
    });
    return el("div", {}, [search, select]);
  }

  function ruleRow(rule, parent, index) {
    const known = byKey[rule.field];
    const condition = known || conditions[0];
    const field = el("select", { class: "form-select form-select-sm", "aria-label": "Field", "data-testid": "rule-field" });
    // A field deleted since (a custom field) is named as gone, not shown as the first field;
    // saving refuses it until another field is chosen.
    if (!known) {
      const gone = option(rule.field, "A field that no longer exists", true);
      gone.disabled = true;
      field.appendChild(gone);
    }
    const groups = {};
    conditions.forEach(function (c) {
      if (!groups[c.group]) { groups[c.group] = el("optgroup", { label: c.group }); field.appendChild(groups[c.group]); }
      groups[c.group].appendChild(option(c.key, c.label, c === known));
    });
    field.addEventListener("change", function () {
      const next = byKey[field.value];
      rule.field = next.key; rule.op = firstOp(next); rule.value = "";
      render(); changed();
    });
    const op = el("select", { class: "form-select form-select-sm", "aria-label": "Operator", "data-testid": "rule-op" });
    Object.keys(condition.operators).forEach(function (key) { op.appendChild(option(key, condition.operators[key], key === rule.op)); });
    op.addEventListener("change", function () {
      const wasList = LIST_OPS.indexOf(rule.op) >= 0;
      rule.op = op.value;
      if (wasList !== (LIST_OPS.indexOf(rule.op) >= 0)) rule.value = "";
      render(); changed();
    });
    const remove = el("button", { type: "button", class: "btn btn-sm btn-outline-danger", title: "Remove this condition", "data-testid": "remove-rule" }, [el("i", { class: "bi bi-x-lg" })]);
    remove.addEventListener("click", function () { parent.rules.splice(index, 1); render(); changed(); });
    const value = known ? valueInput(rule, condition) : null;
    return el("div", { class: "row g-2 align-items-center mb-2 segment-rule", "data-testid": "segment-rule" }, [
      el("div", { class: "col-12 col-md-4" }, [field]),
      el("div", { class: "col-6 col-md-3" }, known ? [op] : []),
      // The value takes what the button leaves: a twelfth of a phone is narrower than the button.
      el("div", { class: "col col-md-4" }, value ? [value] : []),
      el("div", { class: "col-auto ms-auto" }, [remove]),
    ]);
  }

  function groupBox(group, depth, parent, index) {
    const match = el("select", { class: "form-select form-select-sm w-auto d-inline-block", "aria-label": "Match", "data-testid": "group-match" }, [
      option("all", "all", group.match !== "any"), option("any", "any", group.match === "any"),
    ]);
    match.addEventListener("change", function () { group.match = match.value; changed(); });
    const header = el("div", { class: "d-flex flex-wrap align-items-center gap-2 mb-2 small" }, [
      el("span", { text: "Match" }), match, el("span", { text: "of these conditions" }),
    ]);
    if (parent) {
      const drop = el("button", { type: "button", class: "btn btn-sm btn-link text-danger ms-auto", text: "Remove group" });
      drop.addEventListener("click", function () { parent.rules.splice(index, 1); render(); changed(); });
      header.appendChild(drop);
    }
    const box = el("div", { class: depth > 1 ? "border rounded p-2 mb-2 bg-body-tertiary segment-group" : "segment-group", "data-testid": "segment-group" }, [header]);
    group.rules.forEach(function (rule, i) {
      if (rule && Array.isArray(rule.rules)) box.appendChild(groupBox(rule, depth + 1, group, i));
      else box.appendChild(ruleRow(rule, group, i));
    });
    const add = el("button", { type: "button", class: "btn btn-sm btn-outline-primary", "data-testid": "add-rule" }, [el("i", { class: "bi bi-plus-lg me-1" }), document.createTextNode("Condition")]);
    add.addEventListener("click", function () { group.rules.push(newRule()); render(); changed(); });
    const buttons = el("div", { class: "d-flex gap-2" }, [add]);
    if (depth < MAX_DEPTH) {
      const nest = el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", "data-testid": "add-group" }, [el("i", { class: "bi bi-diagram-2 me-1" }), document.createTextNode("Group")]);
      nest.addEventListener("click", function () { group.rules.push({ match: "any", rules: [newRule()] }); render(); changed(); });
      buttons.appendChild(nest);
    }
    box.appendChild(buttons);
    return box;
  }

  function render() {
    root.replaceChildren(groupBox(state, 1, null, 0));
  }
  render();
  store.value = JSON.stringify(state);
})();
