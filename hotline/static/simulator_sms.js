// The simulator's SMS pane: post a number and a text to /simulator/sms, then ask for the answer
// with the ticket it returned until the reply is sent, failed or withheld (or we give up).
(function () {
  "use strict";
  var form = document.getElementById("sms-form");
  if (!form) { return; }
  var messages = JSON.parse(document.getElementById("sms-messages").textContent);
  var log = document.getElementById("sms-log");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return values[name] === undefined || values[name] === null ? whole : String(values[name]);
    });
  }
  function line(text, kind) {
    var item = document.createElement("li");
    if (kind) { item.className = kind; }
    item.textContent = text;  // never innerHTML: the reply quotes what was typed
    log.appendChild(item);
    return item;
  }
  function follow(ticket, status, polls) {
    fetch("/simulator/sms/" + encodeURIComponent(ticket)).then(function (r) {
      return r.json();
    }).then(function (answer) {
      if (answer.error) {
        status.className = "sms-problem";
        status.textContent = fill(messages.error, {error: answer.error});
      } else if (answer.status === "sent") {
        status.className = "sms-reply";
        status.textContent = fill(messages.sent, {text: answer.reply});
      } else if (answer.status === "failed" || answer.status === "none") {
        status.className = "sms-problem";
        status.textContent = fill(messages[answer.status], {reason: answer.reason});
      } else if (polls + 1 >= messages.polls) {
        status.className = "sms-problem";
        status.textContent = messages.gave_up;
      } else {
        status.textContent = messages[answer.status] || messages.waiting;
        setTimeout(function () { follow(ticket, status, polls + 1); }, messages.poll_ms);
      }
    }).catch(function () {
      status.className = "sms-problem";
      status.textContent = messages.failed_request;
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var sender = document.getElementById("sms-from").value;
    var box = document.getElementById("sms-text");
    var text = box.value;
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/simulator/sms", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({from: sender, text: text})
    }).then(function (r) { return r.json(); }).then(function (answer) {
      button.disabled = false;
      if (answer.error) {
        line(fill(messages.error, {error: answer.error}), "sms-problem");
        return;
      }
      line(fill(messages.you, {phone: answer.phone, text: text}));
      box.value = "";
      follow(answer.ticket, line(messages.waiting), 0);
    }).catch(function () {
      button.disabled = false;
      line(messages.failed_request, "sms-problem");
    });
  });
}());
