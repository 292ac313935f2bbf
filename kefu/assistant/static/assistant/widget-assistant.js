/* kefu assistant widget plug-in: article suggestions while typing (before a conversation exists),
 * choices and "did this solve it?" buttons under bot messages. Uses the widget plug-in API
 * (docs/extending.md); talks to /assistant/widget/* with the widget session. */
(window.KefuWidgetPlugins = window.KefuWidgetPlugins || []).push(function (api) {
  "use strict";
  var timer = null;
  var lastQuery = "";

  api.addStyle(
    ".kefu-suggest{padding:6px 10px;border-top:1px solid #e3e8ee;font-size:13px;max-height:180px;overflow:auto}" +
    ".kefu-suggest a{display:block;padding:4px 0;color:#1f6feb;text-decoration:none}" +
    ".kefu-suggest small{display:block;color:#5c6b7a}" +
    ".kefu-assistant-row{display:flex;flex-wrap:wrap;gap:6px;margin-top:4px;align-items:center}" +
    ".kefu-assistant-row span{font-size:12px;color:#5c6b7a}"
  );

  function absolute(url) {
    return /^https?:/.test(url || "") ? url : String(api.base || "").replace(/\/$/, "") + (url || "");
  }

  function chip(text, onClick) {
    var button = api.el("button", { className: "chip", text: text });
    button.type = "button";
    button.addEventListener("click", function (event) { event.preventDefault(); onClick(button); });
    return button;
  }

  function humanWord() { return api.state().language === "zh-hans" ? "人工" : "human"; }

  function disableRow(row) {
    Array.prototype.forEach.call(row.querySelectorAll("button"), function (b) { b.disabled = true; });
  }

  api.decorateMessage(function (message, container) {
    var a = message.meta && message.meta.assistant;
    if (!a) return;
    if (a.kind === "answer") {
      var row = api.el("div", { className: "kefu-assistant-row" });
      if (a.url) {
        var link = api.el("a", { text: api.t("assistant.read") + ": " + (a.title || ""), className: "kefu-article-link" });
        link.href = absolute(a.url);
        link.target = "_blank";
        link.rel = "noopener";
        container.appendChild(link);
      }
      if (a.ask_feedback) {
        row.appendChild(api.el("span", { text: api.t("assistant.solved") }));
        [[true, "assistant.yes"], [false, "assistant.no"]].forEach(function (pair) {
          row.appendChild(chip(api.t(pair[1]), function () {
            disableRow(row);
            api.request("POST", "/assistant/widget/feedback", { json: { turn: a.turn, helpful: pair[0] }, session: true })
              .then(function () { a.ask_feedback = false; a.helpful = pair[0]; api.rerender(); })
              .catch(function (error) { api.showError(error && error.message ? error.message : String(error)); });
          }));
        });
        container.appendChild(row);
      }
    } else if (a.kind === "clarify" && a.choices) {
      var choices = api.el("div", { className: "kefu-assistant-row" });
      a.choices.forEach(function (choice) {
        choices.appendChild(chip(choice.title, function () {
          disableRow(choices);
          api.request("POST", "/assistant/widget/choose", { json: { turn: a.turn, article: choice.article }, session: true })
            .catch(function (error) { api.showError(error && error.message ? error.message : String(error)); });
        }));
      });
      choices.appendChild(chip(api.t("assistant.human"), function () { disableRow(choices); api.sendMessage(humanWord()); }));
      container.appendChild(choices);
    }
  });

  // Deflection: while a visitor types a first question, show matching articles.
  function box() {
    var slots = api.slots();
    var node = slots.beforeComposer.querySelector(".kefu-suggest");
    if (!node) {
      node = api.el("div", { className: "kefu-suggest" });
      node.hidden = true;
      slots.beforeComposer.appendChild(node);
    }
    return node;
  }

  function show(items) {
    var node = box();
    node.textContent = "";
    if (!items.length || api.state().conversationId) { node.hidden = true; return; }
    node.appendChild(api.el("div", { text: api.t("assistant.suggestions") }));
    items.forEach(function (item) {
      var link = api.el("a", { text: item.title });
      link.href = absolute(item.url);
      link.target = "_blank";
      link.rel = "noopener";
      if (item.summary) link.appendChild(api.el("small", { text: item.summary }));
      node.appendChild(link);
    });
    node.hidden = false;
  }

  function suggest() {
    var input = api.slots().input;
    var query = (input && input.value || "").trim();
    if (api.state().conversationId || query.length < 3) { show([]); lastQuery = ""; return; }
    if (query === lastQuery) return;
    lastQuery = query;
    var path = "/assistant/widget/suggest?limit=3&lang=" + encodeURIComponent(api.state().language || "") +
      "&q=" + encodeURIComponent(query);
    api.request("GET", path, {}).then(function (data) {
      if (lastQuery === query) show(data.items || []);
    }).catch(function () { show([]); });
  }

  var input = api.slots().input;
  if (input) {
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(suggest, 300); });
  }
  api.on("conversation", function () { show([]); });
});
