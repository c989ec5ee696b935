// Live countdown to each case's seller_due_at (seller case portal).
// The server renders the first value and the deadline as an ISO datetime; the
// wording comes from #countdown-labels (the message catalogue), and the clock
// follows the server's (which may be fixed by CSBA_NOW) via data-server-now.
(function () {
  "use strict";
  var labels = document.getElementById("countdown-labels");
  var timers = document.querySelectorAll("time.countdown[datetime]");
  if (!labels || timers.length === 0) {
    return;
  }
  var serverNow = Date.parse(labels.dataset.serverNow);
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  function text(remainingMs) {
    var seconds = Math.trunc(remainingMs / 1000);
    var span = Math.abs(seconds);
    var time = span >= 3600
      ? fill(labels.dataset.hm, { hours: Math.floor(span / 3600), minutes: Math.floor((span % 3600) / 60) })
      : fill(labels.dataset.ms, { minutes: Math.floor(span / 60), seconds: span % 60 });
    return fill(seconds > 0 ? labels.dataset.left : labels.dataset.overdue, { time: time });
  }

  function tick() {
    var now = Date.now() + offset;
    timers.forEach(function (element) {
      var due = Date.parse(element.getAttribute("datetime"));
      if (isNaN(due)) {
        return;
      }
      var remaining = due - now;
      element.textContent = text(remaining);
      element.classList.toggle("overdue", remaining <= 0);
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
