/* The agent's live pages (issue 14): /agent/live and /agent/live/{id}.
 *
 * Listens to the page's server-sent events (data-live-events) with the
 * browser's EventSource, which reconnects on its own:
 * - `inbox` / `changed`: fetch the page again and swap the changing region
 *   (data-live-region) in, keeping what the agent was typing and the
 *   outcome of their last action (data-flash);
 * - `typing`: show "the buyer is typing" for a few seconds.
 * On the inbox, a rise in the number of waiting buyers shows an alert, badges
 * the title (the server renders "(N) Live chats") and plays a short chime.
 * In a live chat the agent's typing is sent (POST data-typing-url, CSRF) at
 * most every TYPING_EVERY_MS. No text is ever put in the page as HTML except
 * the server's own escaped page.
 */
(function () {
  "use strict";

  var holder = document.getElementById("live-events");
  if (!holder || !window.EventSource) { return; }

  var regionId = holder.getAttribute("data-live-region");
  var page = holder.getAttribute("data-live-page");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var BUYER_TYPING_MS = 5000;
  var TYPING_EVERY_MS = 2500;
  var typingTimer = null;
  var typingSentAt = 0;
  var refreshing = false;
  var again = false;

  function waitingCount(region) {
    return parseInt((region && region.getAttribute("data-waiting")) || "0", 10) || 0;
  }

  function chime() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      var context = new Context();
      var tone = context.createOscillator();
      var gain = context.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.25);
    } catch (e) { /* no sound: the title and the alert still show it */ }
  }

  function keepDrafts(from, to) {
    var fields = from.querySelectorAll("textarea[id], input[type=text][id]");
    Array.prototype.forEach.call(fields, function (field) {
      var twin = to.querySelector("#" + CSS.escape(field.id));
      if (twin && field.value) { twin.value = field.value; }
    });
    var active = document.activeElement;
    return active && active.id && from.contains(active) ? active.id : null;
  }

  // the outcome of the agent's last action ("Sent.") is shown once, by the
  // page the form's redirect served; a refresh (its own `ready`, a buyer's
  // message) must not wipe it out
  function keepFlash(from, to) {
    var lines = from.querySelectorAll("[data-flash]");
    if (!lines.length || to.querySelector("[data-flash]")) { return; }
    var after = to.querySelector("h1");
    Array.prototype.forEach.call(lines, function (line) {
      var copy = document.importNode(line, true);
      if (after) { after.after(copy); } else { to.prepend(copy); }
      after = copy;
    });
  }

  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { window.location.reload(); return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var next = fresh.getElementById(regionId);
        var current = document.getElementById(regionId);
        if (!next || !current) { return; }
        var before = waitingCount(current);
        var focused = keepDrafts(current, next);
        keepFlash(current, next);
        var typingLine = document.getElementById("buyer-typing");
        var stillTyping = Boolean(typingLine && !typingLine.hidden);
        current.replaceWith(document.importNode(next, true));
        if (stillTyping) {
          var line = document.getElementById("buyer-typing");
          if (line) { line.hidden = false; }
        }
        if (focused) {
          var again_ = document.getElementById(focused);
          if (again_) { again_.focus(); }
        }
        document.title = fresh.title;
        if (page === "inbox" && waitingCount(next) > before) {
          var alert = document.getElementById("live-alert");
          if (alert) { alert.hidden = false; }
          chime();
        }
        holder.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  function buyerTyping() {
    var line = document.getElementById("buyer-typing");
    if (!line) { return; }
    line.hidden = false;
    if (typingTimer) { clearTimeout(typingTimer); }
    typingTimer = setTimeout(function () {
      var still = document.getElementById("buyer-typing");
      if (still) { still.hidden = true; }
    }, BUYER_TYPING_MS);
  }

  var source = new EventSource(holder.getAttribute("data-live-events"));
  var connections = 0;
  source.addEventListener("ready", function () {
    holder.setAttribute("data-live-state", "open");
    // a signal sent while no stream was open (between serving the page and
    // the first connection, between two streams) is lost: catch up each time
    connections += 1;
    holder.setAttribute("data-live-connections", String(connections));
    refresh();
  });
  source.addEventListener("inbox", refresh);
  source.addEventListener("changed", refresh);
  source.addEventListener("typing", buyerTyping);
  source.onerror = function () {
    holder.setAttribute("data-live-state", "reconnecting");
    // closed for good (an expired session, a server error): the browser will
    // not retry, so reload the page (the sign-in page if the session ended)
    if (source.readyState === EventSource.CLOSED) {
      holder.setAttribute("data-live-state", "closed");
      setTimeout(function () { window.location.reload(); }, 5000);
    }
  };

  var typingLater = null;

  function sendTyping() {
    typingLater = null;
    var main = document.getElementById("live-main");
    var url = main && main.getAttribute("data-typing-url");
    var field = document.getElementById("text");
    if (!url || !field || !field.value) { return; }
    typingSentAt = Date.now();
    var body = new FormData();
    body.append("csrf_token", csrf);
    fetch(url, { method: "POST", credentials: "same-origin", body: body }).catch(function () {});
  }

  // at most one every TYPING_EVERY_MS, and the last keystroke is never dropped
  document.addEventListener("input", function (event) {
    if (!event.target || event.target.id !== "text") { return; }
    var wait = typingSentAt + TYPING_EVERY_MS - Date.now();
    if (wait <= 0) { sendTyping(); }
    else if (!typingLater) { typingLater = setTimeout(sendTyping, wait); }
  });
}());
