// The console's few lines of script (ours, no library): live regions over server-sent events (the intake
// desk's queue, the supervisor board), and choosing a commune among the routing finder's suggestions
// with the keyboard.
(function () {
  "use strict";

  // A live region: an element with data-stream (the event-stream URL), data-event (the event that
  // carries its HTML; "queue" by default) and data-csrf (the session's token, which the shared
  // fragment does not carry). Used by the intake desk's queue and the supervisor board.
  function live(box) {
    var status = document.getElementById(box.dataset.status || "live-status");
    if (!box.dataset.stream || !window.EventSource) return;
    var source = new EventSource(box.dataset.stream);
    source.addEventListener("open", function () {
      if (status) status.textContent = status.dataset.on;
    });
    source.addEventListener("error", function () {
      if (status) status.textContent = status.dataset.off;
    });
    source.addEventListener(box.dataset.event || "queue", function (event) {
      var focused = document.activeElement && box.contains(document.activeElement)
        ? document.activeElement.closest("[data-ref]") : null;
      box.innerHTML = event.data;
      box.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
        input.value = box.dataset.csrf;
      });
      box.dataset.updated = String(Date.now());
      if (focused) {  // keep the reader's place in the list across an update
        var again = box.querySelector('[data-ref="' + focused.dataset.ref + '"] a');
        if (again) again.focus();
      }
    });
  }

  function suggestions() {
    var box = document.getElementById("suggestions");
    var code = document.getElementById("commune_code");
    var chosen = document.getElementById("chosen");
    var place = document.getElementById("location");
    if (!box || !code || !chosen || !place) return;

    function buttons() { return Array.prototype.slice.call(box.querySelectorAll("button.suggestion")); }

    function mark() {
      buttons().forEach(function (b) {
        b.setAttribute("aria-selected", b.dataset.code === code.value ? "true" : "false");
      });
    }

    function choose(button) {
      code.value = button.dataset.code;
      chosen.textContent = chosen.dataset.label + ": " + button.dataset.name + " (" + button.dataset.code + ")";
      chosen.dataset.code = button.dataset.code;
      mark();
    }

    box.addEventListener("click", function (event) {
      var button = event.target.closest("button.suggestion");
      if (button) { event.preventDefault(); choose(button); }
    });
    box.addEventListener("keydown", function (event) {
      var list = buttons();
      var at = list.indexOf(document.activeElement);
      if (at < 0) return;
      if (event.key === "ArrowDown" && at < list.length - 1) { event.preventDefault(); list[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? list[at - 1] : place).focus(); }
    });
    place.addEventListener("keydown", function (event) {
      var list = buttons();
      if (event.key === "ArrowDown" && list.length) { event.preventDefault(); list[0].focus(); }
      if (event.key === "Enter") event.preventDefault();  // Enter in the place box never sends the form
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target !== box) return;
      var still = buttons().some(function (b) { return b.dataset.code === code.value; });
      if (code.value && !still) {  // the place changed: the old choice no longer applies
        code.value = "";
        chosen.textContent = chosen.dataset.none;
      }
      mark();
    });
  }

  function savedReplies() {  // choosing a saved reply puts its text in the box, to send or to edit
    var saved = document.getElementById("saved"), box = document.getElementById("reply_text");
    if (!saved || !box) return;
    saved.addEventListener("change", function () {
      var option = saved.selectedOptions[0];
      if (option && option.dataset.text) box.value = option.dataset.text;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-stream]").forEach(live);
    suggestions();
    savedReplies();
  });
})();
