// Refreshes the template preview while typing: the same POST as the "Update preview" button,
// whose answer's preview replaces this page's. Without this script the button does the same.
(function () {
  "use strict";
  var form = document.getElementById("webhook-form");
  var output = document.getElementById("preview-output");
  if (!form || !output || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var sent = 0;
  function refresh() {
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "preview");
    var mine = ++sent;
    // getAttribute: the form's "action" buttons shadow the form.action property
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: data.toString()
    }).then(function (answer) {
      return answer.text();
    }).then(function (html) {
      if (mine !== sent) return; // an older answer arriving late
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("preview-output");
      if (fresh) output.innerHTML = fresh.innerHTML;
    }).catch(function () {});
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }
  var template = document.getElementById("payload_template");
  var trigger = document.getElementById("preview_trigger");
  if (template) template.addEventListener("input", later);
  if (trigger) trigger.addEventListener("change", refresh);
})();
