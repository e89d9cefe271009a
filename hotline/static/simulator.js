// The simulator's phone: post each key to /simulator/step, play what comes back in order and
// show its words in the caller's language. A key stops the prompt that is playing at once and
// drops the ones queued behind it, as a real phone's barge-in does, then sends the digit.
(function () {
  "use strict";
  var messages = JSON.parse(document.getElementById("simulator-messages").textContent);
  var call = null;
  var typed = "";
  var queue = [];
  var hearing = null;  // the item playing now, or null
  var sent = 0;  // steps posted in this page; an answer to an older one is dropped
  var player = document.getElementById("player");
  var log = document.getElementById("log");
  var stateBox = document.getElementById("state");
  var now = document.getElementById("now");
  var nowText = document.getElementById("now-text");
  var nowNote = document.getElementById("now-note");
  var KEYS = "0123456789*#";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return values[name] === undefined ? whole : String(values[name]);
    });
  }
  function languageName(code) { return messages.languages[code] || code || "-"; }
  function enable(ids, on) {
    ids.forEach(function (id) { document.getElementById(id).disabled = !on; });
  }
  function keypad(on) {
    document.querySelectorAll("#keypad button").forEach(function (b) { b.disabled = !on; });
  }
  function note(text) {
    var item = document.createElement("li");
    item.textContent = text;
    log.appendChild(item);
    return item;
  }
  function missingNote(item) {
    if (!item.missing) { return ""; }
    var template = item.missing === "audio" ? messages.missing_audio : messages.missing_text;
    return fill(template, {language: languageName(item.language)});
  }
  function span(className, text, lang) {
    var part = document.createElement("span");
    part.className = className;
    part.textContent = text;
    if (lang) { part.lang = lang; }
    return part;
  }
  // What the caller hears now, in the box and as a line of the call's log.
  function heard(item) {
    hearing = item;
    now.setAttribute("data-prompt", item ? item.prompt : "");
    nowText.textContent = item ? item.text : "—";
    nowText.lang = item ? item.text_language : "";
    nowNote.textContent = item ? missingNote(item) : "";
    if (!item) { return; }
    var line = note("▶ ");
    line.className = "heard";
    line.appendChild(span("prompt-id", item.prompt + " · " + item.language));
    line.appendChild(document.createTextNode(" "));
    line.appendChild(span("text", item.text, item.text_language));
    if (item.missing) {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(span("missing", missingNote(item)));
    }
  }
  function playNext() {
    var item = queue.shift() || null;
    heard(item);
    if (!item) { return; }
    var done = function () { if (hearing === item) { playNext(); } };
    if (item.url) {
      player.src = item.url;
      player.play().catch(done);
    } else if (window.speechSynthesis && item.text) {
      var utterance = new SpeechSynthesisUtterance(item.text);
      utterance.lang = item.text_language;
      utterance.onend = done;
      utterance.onerror = done;
      window.speechSynthesis.speak(utterance);
    } else {
      playNext();
    }
  }
  player.addEventListener("ended", function () { if (hearing && hearing.url) { playNext(); } });

  // Barge-in: silence the prompt now and forget the ones queued behind it.
  function stopPrompts() {
    var stopped = hearing;
    queue = [];
    hearing = null;
    player.pause();
    player.removeAttribute("src");
    player.load();  // drop what was buffered, so nothing resumes
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
    heard(null);
    return stopped;
  }

  function send(extra) {
    var body = Object.assign({
      language: call.language,
      citizenship: call.citizenship,
      agents_available: document.getElementById("agents").checked
    }, call.waiting || {}, extra);
    delete body["for"];
    var step = ++sent;
    keypad(false);
    fetch("/simulator/step", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (step === sent) { show(answer); }
    }).catch(function () {
      if (step === sent) { note(messages.failed); keypad(call.waiting && call.waiting["for"] === "keys"); }
    });
  }
  function show(answer) {
    if (answer.error) {
      note(fill(messages.error, {error: answer.error}));
      keypad(call.waiting && call.waiting["for"] === "keys");
      return;
    }
    call.language = answer.language;
    call.citizenship = answer.citizenship;
    call.waiting = answer.waiting;
    typed = "";
    queue = queue.concat(answer.played);
    if (!hearing) { playNext(); }
    var w = answer.waiting;
    stateBox.textContent = fill(messages.state, {
      node: w.node || "-",
      language: languageName(answer.language),
      waiting: messages.waiting[w["for"]] || w["for"]
    }) + " · " + fill(messages.visited, {visited: answer.visited.join(" > ")});
    keypad(w["for"] === "keys");
    enable(["silence"], w["for"] === "keys");
    enable(["recorded"], w["for"] === "recording");
    enable(["answered", "unanswered"], w["for"] === "agent");
    if (answer.effects.callback) {
      note(messages.callback[answer.effects.callback] || messages.callback.general);
    }
    if (answer.effects.sms) { note(messages.sms); }
    if (w["for"] === "hangup") { note(messages.ended); }
  }

  // A key, from the keypad or the keyboard: stop the prompt, then dial the digit.
  function press(key) {
    if (!call || !call.waiting || call.waiting["for"] !== "keys") { return; }
    var stopped = stopPrompts();
    var line = note(fill(messages.key, {key: key}));
    if (stopped) { line.textContent += " " + messages.stopped; }
    if (call.waiting.num_digits > 1 && key !== "#" && !(typed === "" && (key === "*" || key === "0"))) {
      typed += key;
      return;
    }
    send({digits: key === "#" ? typed + "#" : key});
  }

  document.getElementById("call").addEventListener("click", function () {
    stopPrompts();
    log.innerHTML = "";
    var language = document.getElementById("language").value;
    call = {language: language || null, citizenship: document.getElementById("citizenship").value || null};
    send({});
  });
  document.querySelectorAll("#keypad button").forEach(function (button) {
    button.addEventListener("click", function () { press(button.getAttribute("data-key")); });
  });
  document.addEventListener("keydown", function (event) {
    var typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    if (event.key.length === 1 && KEYS.indexOf(event.key) >= 0 && !document.querySelector("#keypad button").disabled) {
      event.preventDefault();
      press(event.key);
    }
  });
  function silence(extra) { stopPrompts(); note(messages.silent); send(extra); }
  document.getElementById("silence").addEventListener("click", function () { silence({phase: "noinput"}); });
  document.getElementById("recorded").addEventListener("click", function () {
    stopPrompts(); send({phase: "recorded"});
  });
  document.getElementById("answered").addEventListener("click", function () {
    stopPrompts(); send({phase: "dialed", dial_status: "completed"});
  });
  document.getElementById("unanswered").addEventListener("click", function () {
    stopPrompts(); send({phase: "dialed", dial_status: "no-answer"});
  });
}());
