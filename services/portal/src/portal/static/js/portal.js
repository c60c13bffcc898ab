// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    // The error summary takes the focus, so a screen reader announces it and the keyboard starts there.
    var summary = document.querySelector("[data-fokus]");
    if (summary) summary.focus();
    // A link in the summary moves the focus to its field, not only the scroll position.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(".ringkasan-galat a");
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
    });
    // A second tap while the first is on its way does nothing (the Idempotency-Key covers a resend anyway).
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.dataset.terkirim) { event.preventDefault(); return; }
      form.dataset.terkirim = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) button.setAttribute("disabled", "disabled");
      var hidden = document.createElement("input");
      if (event.submitter && event.submitter.name) {
        hidden.type = "hidden"; hidden.name = event.submitter.name; hidden.value = event.submitter.value;
        form.appendChild(hidden);
      }
    });
    // Back-forward cache: a page shown again must accept a new tap.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-terkirim]").forEach(function (form) {
        delete form.dataset.terkirim;
        form.querySelectorAll("button[disabled]").forEach(function (b) { b.removeAttribute("disabled"); });
      });
    });
  });
})();
