/* The CSBA buyer chat widget (issue 4, section 1).
 *
 * Talks to Rasa through the project's socket.io channel
 * (bot/entrypoints/rasa/channels/socketio.py) with socket.io-client from npm
 * (/static/vendor/socket.io.min.js), authenticated by a short-lived chat token
 * that the web app issues (GET /chat/token) for every (re)connection.
 * - history after a reload: GET /chat/history, at every (re)connection; it
 *   starts with the bot's greeting and topic buttons (domain.yml, via the web
 *   app; no text of its own here), so a new chat never opens empty;
 * - typing indicator from sending until the channel's `bot_turn_done`;
 * - quick-reply buttons, disabled once one is used;
 * - an aria-live log; automatic reconnect with a visible status;
 * - a photo upload (JPEG/PNG) for a damaged item: POST /chat/upload;
 * - its own labels in the conversation's language (issue 16): the page's at
 *   first (data-language), then the one the channel announces
 *   (`csba_language`, when the bot's `language` slot changes); the web app's
 *   answers get it as `?lang=` for a conversation whose language is unknown.
 * Every text goes into the page with textContent, never innerHTML.
 */
(function () {
  "use strict";

  var root = document.getElementById("csba-widget");
  if (!root) { return; }

  var strings = JSON.parse(root.getAttribute("data-strings") || "{}");
  var stringsByLanguage = JSON.parse(root.getAttribute("data-strings-by-language") || "{}");
  var language = root.getAttribute("data-language") || "en";
  var tokenUrl = root.getAttribute("data-token-url");
  var historyUrl = root.getAttribute("data-history-url");
  var uploadUrl = root.getAttribute("data-upload-url");
  var ratingUrl = root.getAttribute("data-rating-url");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  var launcher = root.querySelector(".csba-launcher");
  var panel = root.querySelector(".csba-panel");
  var closeButton = root.querySelector(".csba-close");
  var statusLine = root.querySelector(".csba-status");
  var log = root.querySelector(".csba-log");
  var typing = root.querySelector(".csba-typing");
  var form = root.querySelector(".csba-compose");
  var input = root.querySelector("#csba-input");
  var photo = root.querySelector(".csba-photo");

  var OPEN_KEY = "csba-widget-open";
  var TYPING_TIMEOUT_MS = 60000;
  var current = { token: null, socketUrl: null, socketPath: "/socket.io" };
  var socket = null;
  var typingTimer = null;
  var refusals = 0;
  var MAX_REFUSALS = 3;

  function text(key) { return strings[key] || ""; }

  // The web app's URL with the language the widget shows.
  function withLanguage(url) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(language);
  }

  // -- language -----------------------------------------------------------------

  function setLabel(selector, value, attribute) {
    var element = root.querySelector(selector);
    if (!element) { return; }
    if (attribute) { element.setAttribute(attribute, value); } else { element.textContent = value; }
  }

  // Switch the widget's own labels; messages already shown stay as they were.
  function setLanguage(next) {
    if (typeof next !== "string" || next === language || !stringsByLanguage[next]) { return; }
    language = next;
    strings = stringsByLanguage[next];
    root.setAttribute("lang", language);
    root.setAttribute("data-language", language);
    setLabel(".csba-launcher", text("open"));
    setLabel("#csba-title", text("title"));
    setLabel(".csba-close", text("close"), "aria-label");
    setLabel(".csba-log", text("log_label"), "aria-label");
    setLabel("label[for=csba-input]", text("input_label"));
    setLabel("#csba-input", text("placeholder"), "placeholder");
    setLabel(".csba-send", text("send"));
    setLabel(".csba-attach-text", text("attach"));
    setLabel(".csba-hint", text("attach_hint"));
    if (root.getAttribute("data-typing") === "1") { typing.textContent = text("typing"); }
    setStatus(statusLine.getAttribute("data-state") || "connecting");
  }

  // -- panel --------------------------------------------------------------------

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    launcher.hidden = open;
    try { sessionStorage.setItem(OPEN_KEY, open ? "1" : ""); } catch (e) { /* private mode */ }
    if (open) {
      input.focus();
      if (!socket) { start(); }
    }
  }

  launcher.addEventListener("click", function () { setOpen(true); });
  closeButton.addEventListener("click", function () { setOpen(false); launcher.focus(); });

  // -- status -------------------------------------------------------------------

  function setStatus(state) {
    statusLine.setAttribute("data-state", state);
    statusLine.textContent = text("status_" + state);
    root.setAttribute("data-connection", state);
  }

  // -- messages -----------------------------------------------------------------

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function addMessage(sender, body) {
    var item = document.createElement("li");
    item.className = "csba-msg csba-msg-" + sender;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = text(sender === "user" ? "you" : sender === "bot" ? "bot" : "notice") + ": ";
    var bubble = document.createElement("p");
    bubble.className = "csba-bubble";
    bubble.textContent = body;
    item.appendChild(who);
    item.appendChild(bubble);
    log.appendChild(item);
    scrollDown();
    return item;
  }

  function addButtons(item, buttons, active) {
    if (!buttons || !buttons.length) { return; }
    var group = document.createElement("div");
    group.className = "csba-quick-replies";
    group.setAttribute("role", "group");
    buttons.forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = "csba-quick-reply";
      element.textContent = button.title;
      element.disabled = !active;
      element.addEventListener("click", function () {
        disableButtons(group);
        element.classList.add("csba-chosen");
        send(button.payload, button.title);
      });
      group.appendChild(element);
    });
    item.appendChild(group);
    scrollDown();
  }

  function disableButtons(scope) {
    var buttons = (scope || log).querySelectorAll(".csba-quick-reply");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
  }

  function showTyping(on) {
    typing.textContent = text("typing");
    typing.hidden = !on;
    root.setAttribute("data-typing", on ? "1" : "");
    if (typingTimer) { clearTimeout(typingTimer); typingTimer = null; }
    if (on) { typingTimer = setTimeout(function () { showTyping(false); }, TYPING_TIMEOUT_MS); }
  }

  // Live hand-off: the agent types (the channel's `agent_typing`), shown
  // until their message arrives or for AGENT_TYPING_MS; the buyer's typing
  // goes to the agent at most every BUYER_TYPING_EVERY_MS.
  var AGENT_TYPING_MS = 6000;
  var BUYER_TYPING_EVERY_MS = 2500;
  var buyerTypingAt = 0;

  function showAgentTyping(agent) {
    showTyping(false);
    typing.textContent = text("agent_typing").replace("{agent}", agent || "");
    typing.hidden = false;
    root.setAttribute("data-typing", "agent");
    typingTimer = setTimeout(function () { showTyping(false); }, AGENT_TYPING_MS);
  }

  var buyerTypingLater = null;

  function sendBuyerTyping() {
    buyerTypingLater = null;
    if (!socket || !socket.connected || !input.value) { return; }
    buyerTypingAt = Date.now();
    socket.emit("buyer_typing", {});
  }

  input.addEventListener("input", function () {
    var wait = buyerTypingAt + BUYER_TYPING_EVERY_MS - Date.now();
    if (wait <= 0) { sendBuyerTyping(); }
    else if (!buyerTypingLater) { buyerTypingLater = setTimeout(sendBuyerTyping, wait); }
  });

  function renderBotMessage(message) {
    if (!message || typeof message !== "object") { return; }
    var custom = message.custom;
    if (custom && custom.handoff === "closed" && custom.ask === "helpful") {
      askHelpful(null);
      return;
    }
    if (custom && custom.ask === "helpful" && typeof custom.inquiry === "number") {
      askLater(custom.inquiry);
      return;
    }
    var body = typeof message.text === "string" ? message.text : "";
    var replies = message.quick_replies || message.buttons || [];
    if (!body && !replies.length) { return; }
    var item = addMessage("bot", body);
    if (replies.length) {
      disableButtons();
      addButtons(item, replies, true);
    }
  }

  // An inquiry's "Was this helpful?" (actions/ratings.py) comes before the
  // turn's answer: it is shown when the turn is done (`bot_turn_done`), or
  // after ASK_LATER_MS when no turn is running (a pushed case answer).
  var ASK_LATER_MS = 1500;
  var pendingAsks = [];
  var askTimer = null;

  function askLater(inquiry) {
    if (pendingAsks.indexOf(inquiry) < 0) { pendingAsks.push(inquiry); }
    if (askTimer) { clearTimeout(askTimer); }
    askTimer = setTimeout(showPendingAsks, ASK_LATER_MS);
  }

  function showPendingAsks() {
    if (askTimer) { clearTimeout(askTimer); askTimer = null; }
    var asks = pendingAsks;
    pendingAsks = [];
    asks.forEach(function (inquiry) { askHelpful(inquiry); });
  }

  // "Was this helpful?" after a live hand-off (actions/handoff.py; inquiry
  // null) or about one inquiry, sent as data only. The answer goes to the web
  // app (POST /chat/rating), not to the bot: it is no intent a buyer could type.
  function askHelpful(inquiry) {
    var item = addMessage("notice", text("helpful_question"));
    item.setAttribute("data-ask", "helpful");
    if (inquiry !== null) { item.setAttribute("data-inquiry", String(inquiry)); }
    var group = document.createElement("div");
    group.className = "csba-quick-replies";
    group.setAttribute("role", "group");
    var thanks = document.createElement("p");
    thanks.className = "csba-bubble";
    thanks.hidden = true;
    ["yes", "no"].forEach(function (answer) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = "csba-quick-reply";
      element.textContent = text("helpful_" + answer);
      element.addEventListener("click", function () {
        disableButtons(group);
        element.classList.add("csba-chosen");
        var data = new URLSearchParams();
        data.append("helpful", answer);
        if (inquiry !== null) { data.append("inquiry", String(inquiry)); }
        fetch(withLanguage(ratingUrl), {
          method: "POST",
          credentials: "same-origin",
          headers: { Authorization: "Bearer " + current.token, "X-CSRF-Token": csrf, Accept: "application/json" },
          body: data
        })
          .then(function (response) {
            return response.json().then(function (body) { return { ok: response.ok, body: body }; });
          })
          .then(function (result) {
            thanks.textContent = (result.body && result.body.message) || text("rating_failed");
            if (result.ok) {
              item.setAttribute("data-rated", answer);
              // the other answer stays open: answering again changes it
              Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) {
                b.disabled = b === element;
                if (b !== element) { b.classList.remove("csba-chosen"); }
              });
            }
          })
          .catch(function () {
            thanks.textContent = text("rating_failed");
            element.classList.remove("csba-chosen");
            Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) { b.disabled = false; });
          })
          .then(function () { thanks.hidden = false; scrollDown(); });
      });
      group.appendChild(element);
    });
    item.appendChild(group);
    item.appendChild(thanks);
    scrollDown();
  }

  // -- the server ---------------------------------------------------------------

  function fetchToken() {
    return fetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("token " + response.status); }
        return response.json();
      })
      .then(function (data) {
        current.token = data.token;
        current.socketUrl = data.socket_url;
        current.socketPath = data.socket_path || "/socket.io";
        return data;
      });
  }

  function loadHistory() {
    return fetch(withLanguage(historyUrl), {
      credentials: "same-origin",
      headers: { Accept: "application/json", Authorization: "Bearer " + current.token }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("history " + response.status); }
        return response.json();
      })
      .then(function (data) {
        log.textContent = "";
        setLanguage(data.language);
        (data.messages || []).forEach(function (message) {
          if (message.sender === "ask") {
            if (typeof message.inquiry === "number") { askHelpful(message.inquiry); }
            return;
          }
          var sender = message.sender === "user" || message.sender === "notice" ? message.sender : "bot";
          var item = addMessage(sender, message.text || "");
          addButtons(item, message.buttons, Boolean(message.active));
        });
        root.setAttribute("data-history", String((data.messages || []).length));
      })
      .catch(function () { addMessage("notice", text("history_failed")); });
  }

  function connect() {
    /* global io */
    socket = io(current.socketUrl, {
      path: current.socketPath,
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      // A fresh token for every (re)connection: tokens are short-lived.
      auth: function (callback) {
        fetchToken()
          .then(function () { callback({ token: current.token }); })
          .catch(function () { callback({ token: current.token || "" }); });
      }
    });

    socket.on("connect", function () {
      refusals = 0;
      setStatus("online");
      socket.emit("session_request", {});
      loadHistory();
    });
    socket.on("session_confirm", function (data) {
      root.setAttribute("data-conversation", (data && data.session_id) || "");
    });
    socket.on("bot_uttered", function (message) {
      if (root.getAttribute("data-typing") === "agent") { showTyping(false); }
      renderBotMessage(message);
    });
    socket.on("agent_typing", function (data) {
      showAgentTyping(data && typeof data.agent === "string" ? data.agent : "");
    });
    socket.on("csba_language", function (data) { setLanguage(data && data.language); });
    socket.on("bot_turn_done", function () { showTyping(false); showPendingAsks(); });
    socket.on("session_expired", function () { setStatus("reconnecting"); });
    socket.on("disconnect", function (reason) {
      showTyping(false);
      setStatus("reconnecting");
      // The server ended it (an expired token): reconnect with a new token.
      if (reason === "io server disconnect") { socket.connect(); }
    });
    socket.on("connect_error", function (error) {
      if (error && error.data && error.data.error) {
        // Refused by the channel: socket.io does not retry that on its own.
        refusals += 1;
        if (refusals > MAX_REFUSALS) { setStatus("refused"); return; }
        setStatus("reconnecting");
        setTimeout(function () { socket.connect(); }, 1000 * refusals);
      } else {
        setStatus("offline");
      }
    });
    socket.io.on("reconnect_attempt", function () { setStatus("reconnecting"); });
  }

  function start() {
    setStatus("connecting");
    fetchToken()
      .then(connect)
      .catch(function () {
        setStatus("offline");
        setTimeout(start, 3000);
      });
  }

  function send(message, shown) {
    if (!socket || !socket.connected) { return false; }
    addMessage("user", shown);
    showTyping(true);
    socket.emit("user_uttered", { message: message, language: language });
    return true;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value.trim();
    if (!value) { return; }
    if (send(value, value)) {
      disableButtons();
      input.value = "";
    }
  });

  // A photo: to this chat's open case about a damaged item. With more than
  // one, the server answers 409 with the choices (case and order); a click
  // sends the same file again, for that case.
  function upload(file, caseId, pending) {
    var data = new FormData();
    data.append("photo", file);
    data.append("csrf_token", csrf);
    if (caseId) { data.append("case_id", String(caseId)); }
    pending.querySelector(".csba-bubble").textContent = text("uploading");
    pending.setAttribute("data-upload", "pending");
    fetch(withLanguage(uploadUrl), {
      method: "POST",
      credentials: "same-origin",
      headers: { Authorization: "Bearer " + current.token, "X-CSRF-Token": csrf, Accept: "application/json" },
      body: data
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        pending.querySelector(".csba-bubble").textContent =
          (result.body && result.body.message) || text("upload_failed");
        var choices = (!result.ok && result.body && result.body.choices) || [];
        pending.setAttribute("data-upload", result.ok ? "ok" : choices.length ? "choose" : "rejected");
        choices.forEach(function (choice) {
          var group = pending.querySelector(".csba-quick-replies");
          if (!group) {
            group = document.createElement("div");
            group.className = "csba-quick-replies";
            group.setAttribute("role", "group");
            pending.appendChild(group);
          }
          var element = document.createElement("button");
          element.type = "button";
          element.className = "csba-quick-reply";
          element.textContent = choice.title;
          element.addEventListener("click", function () {
            disableButtons(group);
            element.classList.add("csba-chosen");
            upload(file, choice.case_id, addMessage("notice", text("uploading")));
          });
          group.appendChild(element);
        });
        scrollDown();
      })
      .catch(function () {
        pending.querySelector(".csba-bubble").textContent = text("upload_failed");
        pending.setAttribute("data-upload", "failed");
      });
  }

  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file) { return; }
    upload(file, null, addMessage("notice", text("uploading")));
    photo.value = "";
  });

  var wasOpen = false;
  try { wasOpen = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { /* private mode */ }
  if (wasOpen) { setOpen(true); }
}());
