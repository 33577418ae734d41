(function () {
  "use strict";
  // Filters cases by verdict, clause, tag and text. Reads only data-* attributes and sets only
  // .hidden, .open, .value and .textContent: nothing from the results file becomes markup here.
  var root = document.documentElement;
  var form = document.getElementById("filters");
  var cases = Array.prototype.slice.call(document.querySelectorAll("[data-case]"));
  if (!form) { root.setAttribute("data-ready", "1"); return; }
  form.hidden = false;
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=verdict]"));
  var clause = document.getElementById("f-clause");
  var tag = document.getElementById("f-tag");
  var text = document.getElementById("f-text");
  var unexpected = document.getElementById("f-unexpected");
  var diffOnly = document.getElementById("f-diff");
  var count = document.getElementById("f-count");
  function has(list, word) { return !word || (" " + (list || "") + " ").indexOf(" " + word + " ") >= 0; }
  function apply() {
    var verdicts = {};
    boxes.forEach(function (b) { if (b.checked) { verdicts[b.value] = true; } });
    var q = text ? text.value.trim().toLowerCase() : "";
    var shown = 0;
    cases.forEach(function (c) {
      var d = c.dataset;
      var ok = (!boxes.length || d.verdicts.split(" ").some(function (v) { return verdicts[v]; })) &&
        has(d.clauses, clause ? clause.value : "") && has(d.tags, tag ? tag.value : "") &&
        (!q || (d.text || "").indexOf(q) >= 0) &&
        (!unexpected || !unexpected.checked || d.unexpected === "1") &&
        (!diffOnly || !diffOnly.checked || d.diff === "1");
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (count) { count.textContent = shown + " of " + cases.length + " shown"; }
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  function only(verdict) {
    boxes.forEach(function (b) { b.checked = !verdict || b.value === verdict; });
    if (clause) { clause.value = ""; }
    apply();
  }
  function scrollToCases() {
    var list = document.getElementById("cases");
    if (list) { list.scrollIntoView(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-only]"), function (el) {
    el.addEventListener("click", function (e) { e.preventDefault(); only(el.getAttribute("data-only")); scrollToCases(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-clause-filter]"), function (el) {
    el.addEventListener("click", function (e) {
      e.preventDefault();
      boxes.forEach(function (b) { b.checked = true; });
      if (clause) { clause.value = el.getAttribute("data-clause-filter"); }
      apply();
      scrollToCases();
    });
  });
  function setOpen(open) {
    cases.forEach(function (c) { if (!c.hidden && c.tagName === "DETAILS") { c.open = open; } });
  }
  var expand = document.getElementById("f-expand");
  var collapse = document.getElementById("f-collapse");
  if (expand) { expand.addEventListener("click", function () { setOpen(true); }); }
  if (collapse) { collapse.addEventListener("click", function () { setOpen(false); }); }
  var reset = document.getElementById("f-reset");
  if (reset) {
    reset.addEventListener("click", function () {
      only("");
      if (tag) { tag.value = ""; }
      if (text) { text.value = ""; }
      if (unexpected) { unexpected.checked = false; }
      if (diffOnly) { diffOnly.checked = false; }
      apply();
    });
  }
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (el && el.tagName === "DETAILS") {
      el.hidden = false;
      el.open = true;
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  apply();
  openTarget();
  root.setAttribute("data-ready", "1");
})();
