/* kefu agent console: live updates over /ws/console/, typing and read state, small htmx glue.
 *
 * Visible strings come from data-i18n-* attributes on <body> (rendered, and so translated, by the
 * templates); nothing user-facing is hard-coded here.
 */
(function () {
  "use strict";
  if (!window.htmx) return;

  var body = document.body;
  var ME = Number(body.dataset.agentId || 0);
  var LIST_DEBOUNCE_MS = 150;
  var TYPING_EVERY_MS = 2000;
  var TYPING_IDLE_MS = 3000;
  var TYPING_SHOW_MS = 6000;
  var BACKOFF_START_MS = 500;
  var BACKOFF_MAX_MS = 10000;

  // A validation error (422) re-renders the detail with the error line: swap it like a success.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: false, error: true },
  ];

  // ---------------------------------------------------------------- helpers
  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /** A translated string from <body data-i18n-KEY>, with %(name)s placeholders filled in. */
  function t(key, vars) {
    var text = body.dataset["i18n" + key] || "";
    Object.keys(vars || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(vars[name]));
    });
    return text;
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(16) + Math.random().toString(16).slice(2) + Math.random().toString(16).slice(2);
  }

  function detailRoot() { return $("#detail-root"); }
  function timelineEl() { return $("#timeline"); }
  function openId() {
    var tl = timelineEl();
    return tl ? Number(tl.dataset.conversationId) : null;
  }
  function isAtBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 60; }
  function scrollToBottom(el) {
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    var jump = $("#jump-latest");
    if (jump) jump.hidden = true;
  }

  var toastTimer = null;
  function toast(text, isError) {
    var el = $("#toast");
    if (!el || !text) return;
    el.textContent = text;
    el.classList.toggle("is-error", !!isError);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, 5000);
  }

  // ---------------------------------------------------------------- socket
  var ws = null;
  var backoff = BACKOFF_START_MS;
  var retryTimer = null;
  var everConnected = false;
  var watching = null;
  var leaving = false;

  function setOffline(offline) {
    var badge = $("#conn-badge");
    if (badge) badge.hidden = !offline || leaving;
    body.classList.toggle("is-offline", offline);
  }

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function connect() {
    clearTimeout(retryTimer);
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + (body.dataset.wsPath || "/ws/console/");
    var socket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      setOffline(true);
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.addEventListener("open", function () {
      if (ws !== socket) return;
      backoff = BACKOFF_START_MS;
      setOffline(false);
      watching = null;
      syncWatch();
      markRead();
      if (everConnected) catchUp();
      everConnected = true;
    });
    socket.addEventListener("message", function (e) {
      var event;
      try { event = JSON.parse(e.data); } catch (error) { return; }
      handleEvent(event);
    });
    socket.addEventListener("close", function (e) {
      if (ws !== socket) return;
      ws = null;
      watching = null;
      if (leaving) return;
      setOffline(true);
      if (e.code === 4001) { checkSession(); return; }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  }

  /** The socket refused us: if the login session is gone, go to the login page; else keep retrying. */
  function checkSession() {
    var list = $("#conv-list");
    fetch((list && list.dataset.listUrl) || "/console/list", { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.redirected && body.dataset.loginUrl && response.url.indexOf(body.dataset.loginUrl) !== -1) {
          toast(t("Session"), true);
          setTimeout(function () { location.reload(); }, 1200);
        } else {
          scheduleReconnect();
        }
      })
      .catch(scheduleReconnect);
  }

  /** After a reconnect: fetch what we may have missed, once. */
  function catchUp() {
    refreshList();
    if (openId()) {
      refreshTimeline();
      refreshDetailParts();
    }
  }

  /** Watch the conversation that is open (and only that one) so typing events reach us. */
  function syncWatch() {
    var id = openId();
    if (id === watching) return;
    if (typingConversation && typingConversation !== id) stopTyping();
    if (watching) send({ type: "unwatch", conversation_id: watching });
    watching = null;
    clearTypers();
    if (id && send({ type: "watch", conversation_id: id })) watching = id;
  }

  function handleEvent(event) {
    switch (event.type) {
      case "message.created":
      case "conversation.created":
      case "conversation.updated": {
        scheduleListRefresh();
        var conversation = event.conversation || {};
        if (conversation.id && conversation.id === openId()) onOpenConversationEvent(event);
        break;
      }
      case "typing":
        onTyping(event);
        break;
      case "read":
        onRead(event);
        break;
      default:
        // Other apps' events (e.g. exchange.case) reach their console panels as a DOM event.
        document.dispatchEvent(new CustomEvent("kefu:event", { detail: event }));
        break;
    }
  }

  function onOpenConversationEvent(event) {
    if (event.type === "message.created") {
      if (event.message) {
        if (event.message.author_type === "customer") dropTyper("customer");
        else dropTypersNamed(event.message.author_name);
      }
      refreshTimeline();
      // A message can move the status (new -> open, pending -> open): keep the header and sidebar true.
      if (headerStale(event.conversation)) {
        if (composerBusy()) refreshDetailParts(); else refreshDetail();
      }
    } else if (event.type === "conversation.updated") {
      if (composerBusy()) {
        refreshTimeline();
        refreshDetailParts();
      } else {
        refreshDetail();
      }
    }
  }

  function headerStale(conversation) {
    var root = detailRoot();
    if (!root || !conversation) return false;
    return root.dataset.status !== String(conversation.status)
      || root.dataset.priority !== String(conversation.priority)
      || root.dataset.category !== String(conversation.category || "")
      || root.dataset.assigneeId !== (conversation.assignee_id == null ? "" : String(conversation.assignee_id))
      || root.dataset.teamId !== (conversation.team_id == null ? "" : String(conversation.team_id));
  }

  // ---------------------------------------------------------------- refreshing
  var listTimer = null;
  function scheduleListRefresh() {
    clearTimeout(listTimer);
    listTimer = setTimeout(refreshList, LIST_DEBOUNCE_MS);
  }

  function refreshList() {
    var list = $("#conv-list");
    if (!list) return;
    var url = (list.dataset.listUrl || "/console/list") + location.search;
    htmx.ajax("GET", url, { target: "#conv-list", swap: "innerHTML" }).then(markActiveRow);
  }

  var timelineBusy = null;
  var timelineAgain = false;
  function refreshTimeline() {
    var tl = timelineEl();
    if (!tl) return;
    if (timelineBusy) { timelineAgain = true; return; }
    var id = tl.dataset.conversationId;
    var atBottom = isAtBottom(tl);
    var top = tl.scrollTop;
    var lastSeq = Number(tl.dataset.lastSeq || 0);
    timelineBusy = htmx.ajax("GET", tl.dataset.timelineUrl, { target: "#timeline", swap: "innerHTML" })
      .then(function () {
        var now = timelineEl();
        if (!now || now.dataset.conversationId !== id) return;
        syncTimelineMeta(now);
        var grew = Number(now.dataset.lastSeq || 0) > lastSeq;
        if (atBottom) {
          scrollToBottom(now);
        } else {
          now.scrollTop = top;
          if (grew) { var jump = $("#jump-latest"); if (jump) jump.hidden = false; }
        }
        markRead();
      })
      .finally(function () {
        timelineBusy = null;
        if (timelineAgain) { timelineAgain = false; refreshTimeline(); }
      });
  }

  /** Copy last_seq and read state from the freshly rendered timeline onto its container. */
  function syncTimelineMeta(tl) {
    var meta = $("[data-timeline-meta]", tl);
    if (!meta) return;
    tl.dataset.lastSeq = meta.dataset.lastSeq;
    showSeen(Number(meta.dataset.customerReadSeq || 0));
  }

  /** Re-render the whole detail (header, timeline, composer, sidebar). */
  function refreshDetail() {
    var root = detailRoot();
    if (!root) return;
    htmx.ajax("GET", root.dataset.detailUrl, { target: "#conv-detail", swap: "innerHTML" });
  }

  /** Replace the header and sidebar only, keeping the composer (and the agent's draft) untouched. */
  function refreshDetailParts() {
    var root = detailRoot();
    if (!root) return;
    var id = root.dataset.id;
    fetch(root.dataset.detailUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var current = detailRoot();
        if (!html || !current || current.dataset.id !== id) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("detail-root");
        if (!fresh) return;
        Object.keys(fresh.dataset).forEach(function (key) { current.dataset[key] = fresh.dataset[key]; });
        var parts = ["#conv-head"];
        if (!sideBusy()) parts.push("#conv-side");
        parts.forEach(function (selector) {
          var old = $(selector, current);
          var replacement = $(selector, fresh);
          if (old && replacement) {
            old.replaceWith(replacement);
            htmx.process(replacement);
          }
        });
      })
      .catch(function () { /* the next event or reconnect catches up */ });
  }

  // ---------------------------------------------------------------- list
  var DEFAULT_STATUS = "new,open,pending,on_hold";
  /** Highlight the filters that narrow the list, so an active filter is never missed. */
  function markSetFilters() {
    var form = $("#filters");
    if (!form) return;
    $$("select, input[name=tag]", form).forEach(function (field) {
      var set = field.name === "status" ? field.value !== DEFAULT_STATUS : !!field.value.trim();
      field.classList.toggle("is-set", set);
    });
  }

  function markActiveRow() {
    var id = openId();
    $$("#conv-list [data-conversation-id]").forEach(function (row) {
      row.classList.toggle("is-active", Number(row.dataset.conversationId) === id);
    });
  }

  // ---------------------------------------------------------------- composer & sidebar state
  function replyForm() { return $("#reply-form"); }
  function formConversationId(form) {
    var root = form.closest("#detail-root");
    return root ? root.dataset.id : "";
  }

  function composerBusy() {
    var form = replyForm();
    if (form) {
      var text = form.elements.body;
      var file = form.elements.file;
      if (document.activeElement === text || (text && text.value.trim()) || (file && file.files && file.files.length)) {
        return true;
      }
    }
    return sideBusy();
  }

  function initialValue(field) {
    if (field.tagName === "SELECT") {
      for (var i = 0; i < field.options.length; i++) {
        if (field.options[i].defaultSelected) return field.options[i].value;
      }
      return field.options.length ? field.options[0].value : "";
    }
    return field.defaultValue;
  }

  function normalizeTags(value) {
    return value.split(",").map(function (s) { return s.trim().toLowerCase(); }).filter(Boolean).sort().join(",");
  }

  function fieldChanged(field) {
    if (field.name === "tags") return normalizeTags(field.value) !== normalizeTags(field.defaultValue);
    return field.value !== initialValue(field);
  }

  function sideBusy() {
    var side = $("#conv-side");
    if (!side) return false;
    if (side.contains(document.activeElement) && document.activeElement !== side) return true;
    var form = $("#conv-props");
    if (!form) return false;
    return $$("select, input[name=tags]", form).some(fieldChanged);
  }

  // Drafts survive switching conversations and failed sends (the detail is re-rendered either way).
  var drafts = {};
  function saveDraft() {
    var form = replyForm();
    if (!form) return;
    var id = formConversationId(form);
    var text = form.elements.body.value;
    if (text.trim()) drafts[id] = { body: text, internal: form.elements.internal.checked };
    else delete drafts[id];
  }
  function restoreDraft() {
    var form = replyForm();
    if (!form) return;
    var draft = drafts[formConversationId(form)];
    if (!draft || form.elements.body.value) return;
    form.elements.body.value = draft.body;
    form.elements.internal.checked = draft.internal;
    updateNoteMode(form);
  }

  function updateNoteMode(form) {
    var internal = form.elements.internal.checked;
    form.classList.toggle("is-note", internal);
    var button = $("#reply-submit", form);
    if (button) button.textContent = internal ? t("Note") : t("Send");
    var text = form.elements.body;
    var placeholder = internal ? text.dataset.placeholderNote : text.dataset.placeholderReply;
    if (placeholder) text.placeholder = placeholder;
  }

  /** A send that failed on the network keeps its client_id (a retry is then safe); a changed message gets a new one. */
  function refreshClientIdIfEdited(form) {
    if (!form.dataset.sentSignature) return;
    if (signature(form) !== form.dataset.sentSignature) {
      form.elements.client_id.value = newClientId();
      delete form.dataset.sentSignature;
    }
  }
  function signature(form) {
    return (form.elements.internal.checked ? "1" : "0") + ":" + form.elements.body.value;
  }

  // ---------------------------------------------------------------- typing (outgoing)
  var typingConversation = null;
  var typingInternal = false;
  var typingLastSent = 0;
  var typingIdleTimer = null;

  function onComposerTyping(form) {
    var id = Number(formConversationId(form));
    if (!id) return;
    var internal = form.elements.internal.checked;
    if (typingConversation && (typingConversation !== id || typingInternal !== internal)) stopTyping();
    var now = Date.now();
    if (typingConversation !== id || now - typingLastSent >= TYPING_EVERY_MS) {
      send({ type: "typing", conversation_id: id, is_typing: true, internal: internal });
      typingConversation = id;
      typingInternal = internal;
      typingLastSent = now;
    }
    clearTimeout(typingIdleTimer);
    typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingIdleTimer);
    if (typingConversation) {
      send({ type: "typing", conversation_id: typingConversation, is_typing: false, internal: typingInternal });
    }
    typingConversation = null;
    typingLastSent = 0;
  }

  // ---------------------------------------------------------------- typing (incoming)
  var typers = {};

  function onTyping(event) {
    if (Number(event.conversation_id) !== openId()) return;
    var customer = event.who === "customer";
    if (!customer && Number(event.agent_id) === ME) return;
    var key = customer ? "customer" : "agent:" + event.agent_id;
    if (!event.is_typing) { dropTyper(key); return; }
    var root = detailRoot();
    var name = customer ? ((root && root.dataset.contactName) || t("Customer")) : (event.name || "");
    if (typers[key]) clearTimeout(typers[key].timer);
    typers[key] = {
      name: name,
      internal: !customer && !!event.internal,
      timer: setTimeout(function () { dropTyper(key); }, TYPING_SHOW_MS),
    };
    renderTypers();
  }

  function dropTyper(key) {
    if (typers[key]) { clearTimeout(typers[key].timer); delete typers[key]; }
    renderTypers();
  }
  function dropTypersNamed(name) {
    Object.keys(typers).forEach(function (key) {
      if (key !== "customer" && typers[key].name === name) { clearTimeout(typers[key].timer); delete typers[key]; }
    });
    renderTypers();
  }
  function clearTypers() {
    Object.keys(typers).forEach(function (key) { clearTimeout(typers[key].timer); });
    typers = {};
    renderTypers();
  }
  function renderTypers() {
    var el = $("#typing-indicator");
    if (!el) return;
    var lines = Object.keys(typers).map(function (key) {
      var typer = typers[key];
      return t(typer.internal ? "TypingNote" : "Typing", { name: typer.name });
    });
    el.textContent = lines.join(" · ");
    el.hidden = lines.length === 0;
  }

  // ---------------------------------------------------------------- read state
  var readSent = {};

  function markRead() {
    var tl = timelineEl();
    if (!tl || !document.hasFocus() || document.visibilityState === "hidden") return;
    var id = Number(tl.dataset.conversationId);
    var seq = Number(tl.dataset.lastSeq || 0);
    if (!seq || (readSent[id] || 0) >= seq) return;
    if (send({ type: "read", conversation_id: id, seq: seq })) {
      readSent[id] = seq;
      markRowRead(id, seq);
    }
  }

  function markRowRead(id, seq) {
    var row = $('#conv-list [data-conversation-id="' + id + '"]');
    if (row && seq >= Number(row.dataset.lastSeq || 0)) row.classList.remove("is-unread");
  }

  function onRead(event) {
    var id = Number(event.conversation_id);
    if (event.reader === "agent") {
      markRowRead(id, Number(event.seq));
      if (id === openId()) showReadState("#read-by-agents", "ReadAgents", Number(event.seq));
    } else if (event.reader === "customer" && id === openId()) {
      showSeen(Number(event.seq));
    }
  }

  /** The customer has seen up to `seq`: update the sidebar line and tick the agent replies they have seen. */
  function showSeen(seq) {
    showReadState("#seen-by", "Seen", seq);
    var mark = t("SeenMark");
    $$("#timeline .msg-agent:not(.msg-note)").forEach(function (message) {
      if (Number(message.dataset.seq) <= seq && !$(".msg-seen", message)) {
        var tick = document.createElement("div");
        tick.className = "msg-seen";
        tick.textContent = "✓ " + mark;
        message.appendChild(tick);
      }
    });
  }

  function showReadState(selector, key, seq) {
    var el = $(selector);
    if (!el || !(seq > Number(el.dataset.seq || 0))) return;
    el.dataset.seq = String(seq);
    el.textContent = t(key, { seq: seq });
  }

  // ---------------------------------------------------------------- htmx glue
  var beforeSwapState = null;

  document.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.id === "filters") {
      // Keep URLs short: drop empty filters (an explicitly empty status means "all statuses").
      // The default status ("needs work") is what the server assumes when none is given.
      Array.from(e.detail.formData.keys()).forEach(function (name) {
        var value = String(e.detail.formData.get(name) || "").trim();
        if (name === "status" ? value === DEFAULT_STATUS : !value) e.detail.formData.delete(name);
      });
    }
    if (elt && elt.id === "conv-props") {
      // Send only what the agent changed, so a stale sidebar never undoes someone else's change.
      $$("select, input[name=tags]", elt).forEach(function (field) {
        if (!fieldChanged(field)) e.detail.formData.delete(field.name);
      });
    }
  });

  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.id === "reply-form") {
      stopTyping();
      elt.dataset.sentSignature = signature(elt);
    }
  });

  document.addEventListener("htmx:beforeHistoryUpdate", function (e) {
    var elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (elt && elt.id === "filters") {
      // Filtering keeps the open conversation in the address; only the query changes.
      var info = e.detail.pathInfo || {};
      var requested = info.finalRequestPath || info.requestPath || (e.detail.xhr && e.detail.xhr.responseURL) || "";
      var query = requested.split("#")[0].split("?")[1] || "";
      e.detail.history.path = location.pathname + (query ? "?" + query : "");
    }
  });

  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    // An expired session answers with the login page: load it as a page, not into a pane.
    if (xhr && body.dataset.loginUrl && xhr.responseURL && xhr.responseURL.indexOf(body.dataset.loginUrl) !== -1) {
      e.detail.shouldSwap = false;
      location.reload();
      return;
    }
    var target = e.detail.target;
    if (target && target.id === "conv-detail") {
      var tl = timelineEl();
      var form = replyForm();
      var fromReply = e.detail.requestConfig && e.detail.requestConfig.elt && e.detail.requestConfig.elt.id === "reply-form";
      if (form && fromReply && xhr.status < 300) delete drafts[formConversationId(form)];
      else saveDraft();
      beforeSwapState = {
        id: tl ? tl.dataset.conversationId : null,
        atBottom: tl ? isAtBottom(tl) : true,
        top: tl ? tl.scrollTop : 0,
        forceBottom: fromReply,
      };
    }
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (!target) return;
    if (target.id === "conv-detail") {
      var state = beforeSwapState || {};
      beforeSwapState = null;
      var tl = timelineEl();
      if (tl) {
        if (state.id === tl.dataset.conversationId && !state.forceBottom && !state.atBottom) tl.scrollTop = state.top;
        else scrollToBottom(tl);
      }
      var same = tl && state.id === tl.dataset.conversationId;
      syncWatch();
      if (same) renderTypers();
      restoreDraft();
      setupDetail();
      markActiveRow();
      markRead();
      var root = detailRoot();
      if (root) {
        var subject = $(".head-subject", root);
        document.title = "#" + root.dataset.number + " " + (subject ? subject.textContent : "") + " · kefu";
      }
      if (state.forceBottom || !same) {
        var text = $("#reply-body");
        if (text && e.detail.requestConfig && e.detail.requestConfig.elt && e.detail.requestConfig.elt.id === "reply-form") text.focus();
      }
    } else if (target.id === "conv-list") {
      markActiveRow();
    }
  });

  document.addEventListener("htmx:historyRestore", function () {
    markSetFilters();
    syncWatch();
    setupDetail();
    markActiveRow();
    scrollToBottom(timelineEl());
    refreshList();
    if (openId()) refreshTimeline();
  });

  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    if (status === 404) {
      toast(t("Gone"), true);
      var target = e.detail.target;
      if (target && (target.id === "conv-detail" || target.id === "timeline")) closeDetail();
    } else {
      toast(t("Server"), true);
    }
  });

  /** The open conversation is gone (reassigned out of sight): show the empty state instead. */
  function closeDetail() {
    var pane = $("#conv-detail");
    var template = $("#detail-empty-template");
    if (!pane || !template) return;
    stopTyping();
    pane.innerHTML = "";
    pane.appendChild(template.content.cloneNode(true));
    syncWatch();
    markActiveRow();
    var list = $("#conv-list");
    var consoleUrl = (list && list.dataset.consoleUrl) || "/console/";
    history.replaceState({ htmx: true }, "", consoleUrl + location.search);
  }
  document.addEventListener("htmx:sendError", function () { toast(t("Network"), true); });

  // ---------------------------------------------------------------- DOM events
  document.addEventListener("input", function (e) {
    var form = e.target.form;
    if (form && form.id === "reply-form" && e.target.name === "body") {
      var error = $(".detail-error");
      if (error) error.hidden = true;
      refreshClientIdIfEdited(form);
      if (e.target.value.trim()) onComposerTyping(form); else stopTyping();
    }
  });

  document.addEventListener("change", function (e) {
    var field = e.target;
    var form = field.form;
    if (!form) return;
    if (form.id === "reply-form") {
      if (field.name === "internal") {
        updateNoteMode(form);
        refreshClientIdIfEdited(form);
        if (typingConversation) { stopTyping(); if (form.elements.body.value.trim()) onComposerTyping(form); }
      } else if (field.name === "file") {
        var label = $("[data-file-name]", form);
        if (label) label.textContent = field.files && field.files.length ? field.files[0].name : "";
      }
    } else if (form.id === "filters") {
      markSetFilters();
    } else if (form.hasAttribute("data-language-form")) {
      form.elements.next.value = location.pathname + location.search;
      form.submit();
    }
  });

  document.addEventListener("keydown", function (e) {
    var field = e.target;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && field.form && field.form.id === "reply-form") {
      e.preventDefault();
      var form = field.form;
      var hasFile = form.elements.file && form.elements.file.files && form.elements.file.files.length;
      if (!form.elements.body.value.trim() && !hasFile) return;
      if (form.requestSubmit) form.requestSubmit(); else htmx.trigger(form, "submit");
    }
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#jump-latest")) scrollToBottom(timelineEl());
  });

  function setupDetail() {
    var form = replyForm();
    if (form) updateNoteMode(form);
    var tl = timelineEl();
    if (tl && !tl.dataset.scrollBound) {
      tl.dataset.scrollBound = "1";
      tl.addEventListener("scroll", function () {
        var jump = $("#jump-latest");
        if (jump && !jump.hidden && isAtBottom(tl)) jump.hidden = true;
      }, { passive: true });
    }
  }

  window.addEventListener("focus", markRead);
  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("pagehide", function () { leaving = true; stopTyping(); });

  // ---------------------------------------------------------------- start
  setupDetail();
  scrollToBottom(timelineEl());
  markActiveRow();
  markSetFilters();
  connect();
})();
