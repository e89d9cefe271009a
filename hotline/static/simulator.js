// The simulator's keypad: post each key to /simulator/step and play what comes back in order.
(function () {
  "use strict";
  var call = null;
  var typed = "";
  var queue = [];
  var player = document.getElementById("player");
  var log = document.getElementById("log");
  var stateBox = document.getElementById("state");

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
  }
  function playNext() {
    if (!queue.length) { return; }
    var item = queue.shift();
    note("▶ " + item.prompt + " [" + item.language + "]" + (item.url ? "" : " (spoken: " + item.text + ")"));
    if (item.url) {
      player.src = item.url;
      player.play().catch(playNext);
    } else if (window.speechSynthesis) {
      var utterance = new SpeechSynthesisUtterance(item.text);
      utterance.lang = "ru-RU";
      utterance.onend = playNext;
      window.speechSynthesis.speak(utterance);
    } else {
      playNext();
    }
  }
  player.addEventListener("ended", playNext);

  function send(extra) {
    var body = Object.assign({
      language: call.language,
      citizenship: call.citizenship,
      agents_available: document.getElementById("agents").checked
    }, call.waiting || {}, extra);
    delete body["for"];
    fetch("/simulator/step", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(show);
  }
  function show(answer) {
    if (answer.error) { note("error: " + answer.error); return; }
    call.language = answer.language;
    call.citizenship = answer.citizenship;
    call.waiting = answer.waiting;
    typed = "";
    queue = queue.concat(answer.played);
    if (player.paused) { playNext(); }
    var w = answer.waiting;
    stateBox.textContent = "node: " + (w.node || "-") + "   language: " + answer.language +
      "   waiting for: " + w["for"] + "   visited: " + answer.visited.join(" > ");
    keypad(w["for"] === "keys");
    enable(["silence"], w["for"] === "keys");
    enable(["recorded"], w["for"] === "recording");
    enable(["answered", "unanswered"], w["for"] === "agent");
    if (answer.effects.callback) { note("(a " + answer.effects.callback + " callback would be requested)"); }
    if (answer.effects.sms) { note("(an SMS with the keywords would be sent)"); }
    if (w["for"] === "hangup") { note("— call ended —"); }
  }

  document.getElementById("call").addEventListener("click", function () {
    log.innerHTML = "";
    var language = document.getElementById("language").value;
    call = {language: language || null, citizenship: document.getElementById("citizenship").value || null};
    send({});
  });
  document.querySelectorAll("#keypad button").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-key");
      note("key " + key);
      if (call.waiting.num_digits > 1 && key !== "#" && !(typed === "" && (key === "*" || key === "0"))) {
        typed += key;
        return;
      }
      send({digits: key === "#" ? typed + "#" : key});
    });
  });
  document.getElementById("silence").addEventListener("click", function () { send({phase: "noinput"}); });
  document.getElementById("recorded").addEventListener("click", function () { send({phase: "recorded"}); });
  document.getElementById("answered").addEventListener("click", function () {
    send({phase: "dialed", dial_status: "completed"});
  });
  document.getElementById("unanswered").addEventListener("click", function () {
    send({phase: "dialed", dial_status: "no-answer"});
  });
}());
