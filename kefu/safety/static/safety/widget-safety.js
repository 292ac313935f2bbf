/* kefu safety widget plug-in: marks messages whose secrets were removed or that hold look-alike links,
   and puts an "Is this official?" link under the composer. */
(window.KefuWidgetPlugins = window.KefuWidgetPlugins || []).push(function (api) {
  api.addStyle(
    ".kefu-safety-note{font-size:12px;margin-top:4px;padding:4px 6px;border-radius:4px;background:#fff4e5;color:#8a4b00}" +
    ".kefu-safety-danger{background:#fde2e2;color:#9b1c1c}" +
    ".kefu-safety-verify{font-size:12px;color:inherit;opacity:.8}");
  api.decorateMessage(function (message, container) {
    var safety = (message.meta || {}).safety;
    if (!safety) return;
    if (safety.redacted && safety.redacted.length) {
      container.appendChild(api.el("div", {className: "kefu-safety-note", text: api.t("safety.redacted")}));
    }
    (safety.lookalike_links || []).forEach(function (link) {
      var text = api.t("safety.lookalike").replace("{host}", link.host).replace("{real}", (link.imitates || []).join(", "));
      container.appendChild(api.el("div", {className: "kefu-safety-note kefu-safety-danger", text: text}));
    });
  });
  var slots = api.slots();
  if (slots.actions) {
    var link = api.el("a", {className: "kefu-safety-verify", text: api.t("safety.verify")});
    link.href = api.base + "/verify?lang=" + encodeURIComponent(api.state().language || "en");
    link.target = "_blank";
    link.rel = "noopener";
    slots.actions.appendChild(link);
    api.on("language", function () {
      link.textContent = api.t("safety.verify");
      link.href = api.base + "/verify?lang=" + encodeURIComponent(api.state().language || "en");
    });
  }
});
