/* kefu routing widget plug-in: the customer's place in the queue, the expected wait, surge mode and
 * announced incidents. Listens to `queue.updated` socket events; asks /routing/widget/queue/<id> when
 * the current conversation changes and /routing/status.json for surge mode (every minute). */
(window.KefuWidgetPlugins = window.KefuWidgetPlugins || []).push(function (api) {
  var box = api.el("div", { className: "kefu-routing", "data-kefu": "routing-queue" });
  var surgeLine = api.el("div", { className: "kefu-routing-surge" });
  var queueLine = api.el("div", { className: "kefu-routing-queue" });
  box.appendChild(surgeLine);
  box.appendChild(queueLine);
  api.slots().banner.appendChild(box);
  api.addStyle(".kefu-routing-surge:empty,.kefu-routing-queue:empty{display:none}" +
    ".kefu-routing-surge{font-weight:600;margin-bottom:2px}");
  var last = null;
  var status = null;

  function minutes(seconds) {
    if (seconds === null || seconds === undefined) return null;
    return Math.max(1, Math.round(seconds / 60));
  }

  function render() {
    var state = api.state();
    queueLine.textContent = "";
    if (last && last.conversation_id === state.conversationId && last.position > 0 && !last.assigned) {
      var text = api.t("routing.position").replace("{n}", last.position);
      var m = minutes(last.estimated_wait_seconds);
      text += " " + (m === null ? api.t("routing.estimating") : api.t("routing.wait").replace("{m}", m));
      queueLine.textContent = text;
    }
    surgeLine.textContent = "";
    if (status && (status.surge || (status.incidents || []).length)) {
      var parts = [];
      if (status.surge) {
        var sm = minutes(status.estimated_wait_seconds);
        parts.push(sm === null ? api.t("routing.surge") : api.t("routing.surge_wait").replace("{m}", sm));
      }
      (status.incidents || []).forEach(function (incident) { parts.push(incident.notice); });
      surgeLine.textContent = parts.join(" ");
    }
  }

  function askQueue() {
    var id = api.state().conversationId;
    if (!id) { last = null; render(); return; }
    api.request("GET", "/routing/widget/queue/" + id, { session: true }).then(function (data) {
      last = data.waiting ? data : { conversation_id: id, position: 0, assigned: true };
      render();
    }, function () {});
  }

  function askStatus() {
    api.request("GET", "/routing/status.json?lang=" + encodeURIComponent(api.state().language || "en"), {})
      .then(function (data) { status = data; render(); }, function () {});
  }

  api.on("queue.updated", function (event) { last = event; render(); });
  api.on("surge.updated", askStatus);
  api.on("conversation", askQueue);
  api.on("session", askQueue);
  api.on("language", function () { askStatus(); render(); });
  api.on("open", function () { askStatus(); askQueue(); });
  askStatus();
  setInterval(askStatus, 60000);
});
