/* kefu widget plug-in: show a signed-in customer their anti-phishing code (kefu.webhooks). */
(window.KefuWidgetPlugins = window.KefuWidgetPlugins || []).push(function (api) {
  var code = null;
  var node = null;
  var asked = 0;

  function render() {
    if (!code || api.state().identity !== "verified") {
      if (node && node.parentNode) node.parentNode.removeChild(node);
      return;
    }
    var parts = api.t("webhooks.antiPhishing").split("{code}");
    var children = [document.createTextNode(parts[0]), api.el("strong", { text: code })];
    if (parts.length > 1) children.push(document.createTextNode(parts.slice(1).join(code)));
    var fresh = api.el("p", { className: "kefu-anti-phishing", "data-kefu": "anti-phishing" }, children);
    var banner = api.slots().banner;
    if (node && node.parentNode) node.parentNode.replaceChild(fresh, node);
    else banner.appendChild(fresh);
    node = fresh;
  }

  function load(event) {
    var ticket = ++asked;
    code = null;
    render();
    if (!event || event.identity !== "verified") return;
    api.request("GET", "/widget/api/anti-phishing-code", { session: true }).then(function (data) {
      if (ticket !== asked) return;
      code = data && data.code ? String(data.code) : null;
      render();
    }, function () { if (ticket === asked) { code = null; render(); } });
  }

  api.addStyle(".kefu-anti-phishing{margin:0;}.kefu-anti-phishing strong{font-family:monospace;" +
    "letter-spacing:1px;padding:0 3px;background:#fff;border:1px solid #e3c76a;border-radius:3px;}");
  api.on("session", load);
  api.on("language", render);
  api.on("open", render);
});
