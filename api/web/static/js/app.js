/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  function focusSummary(root) {
    var summary = (root || document).querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  // A link to a field (#f-fact) moves the keyboard focus there too.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#f-']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
      history.replaceState(null, "", link.getAttribute("href"));
    }
  });
})();
