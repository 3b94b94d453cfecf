/* Omni tablet app: the little behaviour htmx does not cover. No inline scripts (CSP). */
(function () {
  "use strict";

  function sheet() {
    return document.getElementById("sheet");
  }

  function closeSheet() {
    var dialog = sheet();
    if (dialog && dialog.open) dialog.close();
    if (dialog) delete dialog.dataset.ready;
  }

  // Messages live where the associate looks: in the open panel while there is one (the page
  // behind a modal panel is inert, hidden from screen readers and drawn under it), else in the
  // page.
  function placeToasts() {
    var holder = document.getElementById("toasts");
    var dialog = sheet();
    var home = dialog && dialog.open ? dialog : document.body;
    if (holder && holder.parentNode !== home) home.appendChild(holder);
  }

  function showToast(message, level) {
    var holder = document.getElementById("toasts");
    if (!holder || !message) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (level || "success");
    toast.setAttribute("role", level === "error" ? "alert" : "status");
    toast.textContent = message;
    placeToasts();
    holder.appendChild(toast);
    window.setTimeout(function () {
      toast.classList.add("leaving");
      window.setTimeout(function () {
        toast.remove();
      }, 300);
    }, level === "error" ? 6000 : 3500);
  }

  // Whatever lands in the sheet opens it as a modal panel; its first field gets the focus.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "sheet-body") {
      var dialog = sheet();
      if (dialog && !dialog.open) {
        dialog.showModal();
        placeToasts();
      }
      var field = target.querySelector("[autofocus], [aria-invalid='true'], input:not([type=hidden]), select, textarea");
      if (field && !("ontouchstart" in window)) field.focus();
    }
  });

  // Marks the sheet as ready once htmx has wired its content (browser tests wait for it).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "sheet-body") sheet().dataset.ready = "true";
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-sheet]");
    if (closer) {
      event.preventDefault();
      closeSheet();
      return;
    }
    // A tap on the backdrop (outside the panel) closes the sheet.
    var dialog = sheet();
    if (dialog && event.target === dialog) closeSheet();
  });

  if (sheet()) sheet().addEventListener("close", placeToasts);

  document.addEventListener("closeSheet", closeSheet);
  document.addEventListener("toast", function (event) {
    showToast(event.detail.message, event.detail.level);
  });

  // A request that writes: the element that sent it says it is busy until the answer.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
      event.detail.elt.setAttribute("aria-busy", "true");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.elt.removeAttribute("aria-busy");
  });

  // Network or server errors: tell the associate instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var messages = document.documentElement.lang === "fr"
      ? { 404: "Introuvable, ou réservé à un autre magasin.", other: "Une erreur est survenue ; réessayez." }
      : { 404: "Not found, or it belongs to another store.", other: "Something went wrong; please try again." };
    showToast(messages[status] || messages.other, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(document.documentElement.lang === "fr" ? "Pas de réseau : réessayez." : "No network: try again.", "error");
  });

  // The service worker shows the offline page instead of the browser's error when a page
  // cannot load (it keeps no customer data).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the app works without */ });
  }

  // Date pickers that navigate on change (agenda).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-autosubmit]") && input.form) input.form.requestSubmit();
  });

  // Hand-over and scan fields: a scanner types the code then Enter; keep the field upper-case.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.getAttribute && input.getAttribute("autocapitalize") === "characters") {
      var position = input.selectionStart;
      input.value = input.value.toUpperCase();
      if (position !== null) input.setSelectionRange(position, position);
    }
  });

  // The agenda opens on what matters, now on today or else the first appointment (an hour of
  // context above it); redrawn after a change, it keeps where the associate had scrolled to.
  function agendaGrid() {
    return document.querySelector("#agenda .agenda-scroll");
  }
  function scrollAgendaToNow() {
    var grid = agendaGrid();
    if (!grid) return;
    var mark = grid.querySelector(".agenda-now") || grid.querySelector(".agenda-track .appointment");
    var hour = grid.querySelector(".agenda-hour + .agenda-hour");
    if (!mark) return;
    var header = grid.querySelector(".agenda-grid > .agenda-person");
    var above = (hour ? hour.offsetTop - hour.previousElementSibling.offsetTop : 0) + (header ? header.offsetHeight : 0);
    var top = mark.getBoundingClientRect().top - grid.getBoundingClientRect().top + grid.scrollTop;
    grid.scrollTop = Math.max(0, top - above);
  }
  var agendaScrolled = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var grid = agendaGrid();
    agendaScrolled = grid && event.detail.target && event.detail.target.id === "agenda" ? [grid.scrollLeft, grid.scrollTop] : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var grid = agendaGrid();
    if (grid && agendaScrolled) {
      grid.scrollLeft = agendaScrolled[0];
      grid.scrollTop = agendaScrolled[1];
    }
    agendaScrolled = null;
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scrollAgendaToNow);
  else scrollAgendaToNow();
})();
