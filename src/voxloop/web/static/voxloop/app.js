// VoxLoop layout behaviour: the collapsible sidebar, forms that must post the current URL,
// tidy shareable inbox URLs and the bulk-selection bar. No framework; htmx does the requests.
(function () {
  "use strict";

  function setNav(open) {
    document.body.classList.toggle("nav-open", open);
    document.querySelectorAll("[data-toggle-nav]").forEach(function (b) {
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var t = event.target;
    if (!(t instanceof Element)) return;
    if (t.closest("[data-toggle-nav]")) setNav(!document.body.classList.contains("nav-open"));
    else if (t.closest("[data-close-nav]")) setNav(false);
    // One open menu at a time; a click elsewhere closes it.
    document.querySelectorAll("details.usermenu[open], details.switcher[open]").forEach(function (d) {
      if (!d.contains(t)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setNav(false);
  });

  // After htmx pushed a new URL the page's "next" fields would be stale: fill them on submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    form.querySelectorAll("[data-current-url]").forEach(function (input) {
      input.value = window.location.pathname + window.location.search;
    });
  }, true);

  // Drop empty filter fields so the pushed URL is short and shareable.
  document.addEventListener("htmx:configRequest", function (event) {
    var d = event.detail;
    if (d.verb !== "get" || !d.elt || !d.elt.closest("#filters")) return;
    var params = d.parameters;
    var keys = params instanceof FormData ? Array.from(new Set(params.keys())) : Object.keys(params);
    keys.forEach(function (k) {
      var value = params instanceof FormData ? params.get(k) : params[k];
      if (value === "" || k === "cursor") {
        if (params instanceof FormData) params.delete(k); else delete params[k];
      }
    });
  });

  function syncBulk(root) {
    var bar = root.querySelector("[data-bulkbar]");
    if (!bar) return;
    var checks = root.querySelectorAll("input.row-check");
    var chosen = root.querySelectorAll("input.row-check:checked").length;
    bar.querySelector("[data-selected-count]").textContent = String(chosen);
    bar.querySelector("[data-bulk-apply]").disabled = chosen === 0;
    bar.classList.toggle("active", chosen > 0);
    var all = bar.querySelector("[data-select-all]");
    all.checked = chosen > 0 && chosen === checks.length;
    all.indeterminate = chosen > 0 && chosen < checks.length;
    var action = bar.querySelector("[data-bulk-action]").value;
    bar.querySelectorAll("[data-bulk-value]").forEach(function (sel) {
      var on = sel.getAttribute("data-bulk-value") === action;
      sel.hidden = !on;
      sel.disabled = !on;
    });
  }

  document.addEventListener("change", function (event) {
    var t = event.target;
    if (!(t instanceof Element)) return;
    var form = t.closest("#bulk");
    if (!form) return;
    if (t.matches("[data-select-all]")) {
      form.querySelectorAll("input.row-check").forEach(function (c) { c.checked = t.checked; });
    }
    syncBulk(form);
  });
  document.addEventListener("htmx:afterSettle", function () {
    var form = document.getElementById("bulk");
    if (form) syncBulk(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("bulk");
    if (form) syncBulk(form);
  });
})();
