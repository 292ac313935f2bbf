/* kefu exchange plug-in: case forms and status, verification prompts, verified agent badge, freeze button. */
(window.KefuWidgetPlugins = window.KefuWidgetPlugins || []).push(function (api) {
  "use strict";
  var state = {cases: [], verifications: [], agent: null, verified_session: false, kinds: []};
  var FIELDS = ["asset", "network", "address", "memo", "txid", "amount", "reference", "description"];

  api.addStyle(".kx-case{font-size:12px;padding:4px 8px;border-bottom:1px solid #eee}" +
    ".kx-badge{display:inline-block;font-size:11px;color:#1e7d32;margin-left:4px}" +
    ".kx-form label{display:block;font-size:12px;margin:6px 0}.kx-form input,.kx-form select,.kx-form textarea{width:100%;box-sizing:border-box}" +
    ".kx-err{color:#b00020;font-size:12px}.kx-warn{color:#8a6d00;font-size:12px}.kx-prompt{padding:6px 8px;background:#fff8e1}");

  function refresh() {
    var st = api.state();
    var query = st.conversationId ? "?conversation_id=" + st.conversationId : "";
    return api.request("GET", "/exchange/widget/state" + query, {session: true}).then(function (data) {
      state = data; render(); api.rerender();
    }).catch(function () {});
  }

  function render() {
    var slots = api.slots();
    var banner = slots.banner;
    banner.querySelectorAll(".kx").forEach(function (n) { n.remove(); });
    state.verifications.forEach(function (v) { banner.appendChild(prompt(v)); });
    state.cases.slice(0, 3).forEach(function (c) {
      var row = api.el("div", {className: "kx kx-case", text: c.reference_label + " · " + c.kind_label + " · " + c.status_label});
      row.setAttribute("data-case", c.number);
      row.setAttribute("data-status", c.status);
      if (c.status === "awaiting_customer") row.appendChild(caseReply(c));
      banner.appendChild(row);
    });
    if (state.anti_phishing_code) {
      banner.appendChild(api.el("div", {className: "kx kx-case", text: api.t("exchange.anti_phishing") + ": " + state.anti_phishing_code}));
    }
    var actions = slots.actions;
    actions.querySelectorAll(".kx").forEach(function (n) { n.remove(); });
    var report = api.el("button", {className: "chip kx", text: api.t("exchange.report")});
    report.addEventListener("click", showForm);
    actions.appendChild(report);
    if (state.verified_session) {
      var freeze = api.el("button", {className: "chip kx", text: api.t("exchange.freeze")});
      freeze.addEventListener("click", function () {
        if (!window.confirm(api.t("exchange.freeze_confirm"))) return;
        api.request("POST", "/exchange/widget/freeze", {session: true, json: {}}).then(function (r) {
          window.alert(api.t(r.status === "frozen" ? "exchange.frozen" : "exchange.freeze_failed"));
        }).catch(function (e) { api.showError(e.message || String(e)); });
      });
      actions.appendChild(freeze);
    }
  }

  function caseReply(c) {
    var box = api.el("div");
    var note = api.el("input", {placeholder: api.t("exchange.field.description")});
    var file = api.el("input", {type: "file"});
    var send = api.el("button", {className: "chip", text: api.t("exchange.submit")});
    send.addEventListener("click", function () {
      uploads(file).then(function (ids) {
        return api.request("POST", "/exchange/widget/cases/" + c.id + "/reply",
          {session: true, json: {note: note.value, attachment_ids: ids}});
      }).then(refresh).catch(function (e) { api.showError(e.message || String(e)); });
    });
    box.appendChild(note); box.appendChild(file); box.appendChild(send);
    return box;
  }

  function uploads(input) {
    var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
    return Promise.all(files.map(function (f) {
      var form = new FormData();
      form.append("file", f);
      return api.request("POST", "/widget/api/attachments", {form: form, session: true}).then(function (a) { return a.id; });
    }));
  }

  function prompt(v) {
    var box = api.el("div", {className: "kx kx-prompt", text: api.t("exchange.verify_prompt").replace("%(agent)s", v.agent)});
    var code = v.method === "email" ? api.el("input", {placeholder: api.t("exchange.verify_code")}) : null;
    if (code) box.appendChild(code);
    var ok = api.el("button", {className: "chip", text: api.t("exchange.verify_confirm")});
    ok.addEventListener("click", function () {
      api.request("POST", "/exchange/widget/verify/" + v.id, {session: true, json: {code: code ? code.value : ""}})
        .then(function (r) { if (r.status === "verified") box.textContent = api.t("exchange.verified"); refresh(); })
        .catch(function (e) { api.showError(e.message || String(e)); });
    });
    box.appendChild(ok);
    return box;
  }

  function showForm() {
    var form = api.el("form", {className: "kx-form"});
    var kind = api.el("select", {name: "kind"}, state.kinds.map(function (k) {
      return api.el("option", {value: k.kind, text: api.t("exchange.kind." + k.kind)});
    }));
    form.appendChild(kind);
    var box = api.el("div");
    form.appendChild(box);
    var errors = api.el("div");
    function fields() {
      box.textContent = "";
      var spec = state.kinds.filter(function (k) { return k.kind === kind.value; })[0] || {required: []};
      FIELDS.forEach(function (name) {
        var optional = spec.required.indexOf(name) < 0;
        if (optional && (name === "reference" || (spec.kind === "refund" && name !== "description"))) return;
        var input = api.el(name === "description" ? "textarea" : "input", {name: name});
        box.appendChild(api.el("label", {text: api.t("exchange.field." + name) + (optional ? "" : " *")}, [input]));
      });
    }
    kind.addEventListener("change", fields);
    fields();
    var evidence = api.el("input", {type: "file", name: "evidence", multiple: true});
    form.appendChild(api.el("label", {text: api.t("exchange.evidence")}, [evidence]));
    form.appendChild(errors);
    var submit = api.el("button", {className: "chip", type: "submit", text: api.t("exchange.submit")});
    var cancel = api.el("button", {className: "chip", type: "button", text: api.t("exchange.cancel")});
    cancel.addEventListener("click", function () { api.hideSheet(); });
    form.appendChild(submit); form.appendChild(cancel);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {kind: kind.value, conversation_id: api.state().conversationId || null};
      form.querySelectorAll("input:not([type=file]),textarea").forEach(function (i) { body[i.name] = i.value; });
      uploads(evidence).then(function (ids) {
        body.attachment_ids = ids;
        return api.request("POST", "/exchange/widget/cases", {session: true, json: body});
      }).then(function () {
        api.hideSheet(); refresh();
      }).catch(function (e) {
        errors.textContent = "";
        var list = (e.problem && e.problem.errors) || [{message: e.message || String(e)}];
        list.forEach(function (x) { errors.appendChild(api.el("div", {className: "kx-err", text: x.message})); });
      });
    });
    api.showSheet(form);
  }

  api.decorateMessage(function (message, container) {
    if (message.author_type === "agent" && state.agent && state.agent.verified && !message.internal) {
      container.appendChild(api.el("span", {className: "kx-badge", text: "✓ " + api.t("exchange.verified_agent")}));
    }
  });
  api.on("session", refresh);
  api.on("conversation", refresh);
  api.on("exchange.case", refresh);
  api.on("exchange.verify", refresh);
  api.on("conversation.updated", refresh);
});
