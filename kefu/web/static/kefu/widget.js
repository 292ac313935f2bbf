/*!
 * kefu chat widget. One tag on the exchange's page:
 *   <script src="https://SUPPORT_HOST/widget.js" data-inbox="KEY" async></script>
 * Protocol: docs/widget.md. Vanilla JS, no build step, no dependencies. Everything renders inside an
 * open Shadow DOM with inline CSS so the host page's styles cannot reach it, and every visible text
 * comes from the server (`strings`), so both languages live in the .po catalogs.
 */
(function () {
  "use strict";

  if (window.Kefu && window.Kefu.__kefu) return; // the tag was added twice

  // ---------------------------------------------------------------------------------------------
  // Settings and constants
  // ---------------------------------------------------------------------------------------------

  function findScript() {
    var list = document.getElementsByTagName("script");
    for (var i = list.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(list[i].src || "")) return list[i];
    }
    return null;
  }

  var SCRIPT = document.currentScript || findScript();
  var SRC = (SCRIPT && SCRIPT.src) || "";
  var BASE = SRC ? SRC.replace(/[?#].*$/, "").replace(/\/widget\.js$/, "") : window.location.origin;
  var WS_BASE = BASE.replace(/^http/i, "ws");

  function attr(name) {
    return SCRIPT ? SCRIPT.getAttribute("data-" + name) : null;
  }

  var given = window.kefuSettings || {};
  function setting(key, attrName) {
    var value = given[key];
    if (value === undefined || value === null || value === "") value = attr(attrName);
    return value === undefined || value === null ? "" : String(value);
  }

  var CONFIG = {
    inbox: setting("inbox", "inbox"),
    userId: setting("userId", "user-id"),
    userHash: setting("userHash", "user-hash"),
    name: setting("name", "name"),
    email: setting("email", "email"),
    language: setting("language", "language"),
    open: setting("open", "open") === "true"
  };

  if (!CONFIG.inbox) {
    if (window.console) console.warn("kefu widget: data-inbox is missing; the chat is not shown.");
    return;
  }

  var KEYS = {
    visitor: "kefu.visitor." + CONFIG.inbox,
    lang: "kefu.lang",
    cursors: "kefu.cursors." + CONFIG.inbox,
    outbox: "kefu.outbox." + CONFIG.inbox
  };
  var PAGE = 200; // the server returns at most this many messages per request
  var TYPING_EVERY = 2000;
  var TYPING_IDLE = 3000;
  var AGENT_TYPING_TIMEOUT = 6000;
  var BACKOFF_MIN = 500;
  var BACKOFF_MAX = 10000;

  // ---------------------------------------------------------------------------------------------
  // Storage (localStorage may be blocked: third-party contexts, private modes)
  // ---------------------------------------------------------------------------------------------

  var memoryStore = {};
  var storage = {
    get: function (key) {
      try {
        var value = window.localStorage.getItem(key);
        return value === null ? (key in memoryStore ? memoryStore[key] : null) : value;
      } catch (e) {
        return key in memoryStore ? memoryStore[key] : null;
      }
    },
    set: function (key, value) {
      memoryStore[key] = value;
      try { window.localStorage.setItem(key, value); } catch (e) { /* memory only */ }
    },
    remove: function (key) {
      delete memoryStore[key];
      try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
    },
    json: function (key, fallback) {
      try {
        var value = JSON.parse(storage.get(key) || "null");
        return value === null || value === undefined ? fallback : value;
      } catch (e) {
        return fallback;
      }
    }
  };

  function normalizeLanguage(value) {
    return String(value || "").toLowerCase().indexOf("zh") === 0 ? "zh-hans" : "en";
  }

  function initialLanguage() {
    if (CONFIG.language) return normalizeLanguage(CONFIG.language);
    var stored = storage.get(KEYS.lang);
    if (stored) return normalizeLanguage(stored);
    var nav = navigator.language || (navigator.languages && navigator.languages[0]) || "";
    return normalizeLanguage(nav);
  }

  function newClientId() {
    try {
      if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    } catch (e) { /* insecure context: fall through */ }
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    var hex = "";
    for (var j = 0; j < bytes.length; j++) hex += (bytes[j] < 16 ? "0" : "") + bytes[j].toString(16);
    return hex;
  }

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------

  var S = {
    lang: initialLanguage(),
    strings: {},
    inboxInfo: { name: "", greeting: "" },
    maxUpload: 0,
    session: null,
    identity: "anonymous",
    contactId: null,
    inboxId: null,
    fatal: null, // a problem that stops the widget (e.g. the inbox needs a signed-in user)
    convs: {}, // id -> conversation payload
    msgs: {}, // id -> {messageId: message}
    loaded: {}, // id -> all messages from seq 1 are in msgs
    loadingIds: {},
    foreign: {}, // conversation ids of the contact that belong to another inbox
    cursors: storage.json(KEYS.cursors, {}),
    readSent: {},
    outbox: [],
    uploads: [], // files being uploaded (shown as pending, not yet in the outbox)
    currentId: null,
    fresh: false, // "new conversation" was chosen; the next send opens one
    freshAfter: "",
    view: "live", // live | list | past
    pastId: null,
    history: [],
    open: false,
    ws: null,
    gen: 0,
    online: false,
    everOnline: false,
    synced: false,
    syncCursors: {},
    attempt: 0,
    reconnectTimer: null,
    starting: null,
    typing: { active: false, lastSent: 0, idleTimer: null },
    agentTyping: null,
    agentTypingTimer: null,
    errorTimer: null,
    labelTimer: null
  };

  (function loadOutbox() {
    var saved = storage.json(KEYS.outbox, []);
    if (!Array.isArray(saved)) return;
    saved.forEach(function (item) {
      if (item && item.client_id) {
        S.outbox.push({
          client_id: String(item.client_id), body: String(item.body || ""),
          attachment_ids: Array.isArray(item.attachment_ids) ? item.attachment_ids : [],
          attachments: Array.isArray(item.attachments) ? item.attachments : [],
          assigned: !!item.assigned, conversation_id: item.conversation_id || null,
          contact: item.contact || null, created: item.created || new Date().toISOString(),
          sentGen: -1, failed: false, error: "", tries: 0
        });
      }
    });
  })();

  function saveOutbox() {
    var keep = S.outbox.filter(function (i) { return !i.failed; }).map(function (i) {
      return {
        client_id: i.client_id, body: i.body, attachment_ids: i.attachment_ids, attachments: i.attachments,
        assigned: i.assigned, conversation_id: i.conversation_id, contact: i.contact, created: i.created
      };
    });
    if (keep.length) storage.set(KEYS.outbox, JSON.stringify(keep));
    else storage.remove(KEYS.outbox);
  }

  function saveCursors() {
    var ids = Object.keys(S.cursors).sort(function (a, b) { return Number(b) - Number(a); }).slice(0, 100);
    var keep = {};
    ids.forEach(function (id) { keep[id] = S.cursors[id]; });
    S.cursors = keep;
    storage.set(KEYS.cursors, JSON.stringify(keep));
  }

  function t(key) {
    var value = S.strings[key];
    return value === undefined || value === null ? "" : String(value);
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------------------

  function problemOf(response) {
    return response.text().then(function (text) {
      var body = {};
      try { body = JSON.parse(text); } catch (e) { body = {}; }
      var error = new Error(body.detail || body.title || ("HTTP " + response.status));
      error.status = response.status;
      error.problem = body;
      return Promise.reject(error);
    });
  }

  function request(method, path, options) {
    options = options || {};
    var headers = {};
    var body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }
    if (options.session) headers["X-Kefu-Session"] = S.session || "";
    return fetch(BASE + path, {
      method: method, headers: headers, body: body, mode: "cors", credentials: "omit", cache: "no-store"
    }).then(function (response) {
      if (response.status === 401 && options.session && !options.retried) {
        // The session expired: start a new one and try once more.
        S.session = null;
        return ensureSession().then(function () {
          return request(method, path, Object.assign({}, options, { retried: true }));
        });
      }
      if (!response.ok) return problemOf(response);
      return options.raw ? response : response.json();
    });
  }

  function qs(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  // ---------------------------------------------------------------------------------------------
  // Session and configuration
  // ---------------------------------------------------------------------------------------------

  function applyConfig(data) {
    if (data.language) S.lang = normalizeLanguage(data.language);
    if (data.strings) S.strings = data.strings;
    if (data.inbox) S.inboxInfo = { name: data.inbox.name || "", greeting: data.inbox.greeting || "" };
    if (data.max_upload_bytes) S.maxUpload = Number(data.max_upload_bytes) || 0;
  }

  function ensureSession() {
    if (S.session) return Promise.resolve(S.session);
    if (S.starting) return S.starting;
    S.starting = request("POST", "/widget/api/session", {
      json: {
        inbox: CONFIG.inbox, visitor_token: storage.get(KEYS.visitor) || undefined,
        user_id: CONFIG.userId || undefined, user_hash: CONFIG.userHash || undefined,
        name: CONFIG.name || undefined, email: CONFIG.email || undefined, language: S.lang
      }
    }).then(function (data) {
      S.starting = null;
      S.fatal = null;
      S.session = data.session;
      if (data.visitor_token) storage.set(KEYS.visitor, data.visitor_token);
      S.identity = data.identity || "anonymous";
      var contactId = data.contact ? data.contact.id : null;
      if (S.contactId !== null && contactId !== S.contactId) resetConversations();
      S.contactId = contactId;
      // Messages queued by another identity in this browser must never be sent as this one.
      S.outbox = S.outbox.filter(function (item) {
        if (item.contact === null) item.contact = contactId;
        return item.contact === contactId;
      });
      saveOutbox();
      applyConfig(data);
      renderAll();
      emit("session", { identity: S.identity, contact_id: S.contactId, session: S.session });
      return S.session;
    }, function (error) {
      S.starting = null;
      if (error.status && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) {
        S.fatal = error;
        // Without a session we still want the texts in the visitor's language.
        request("GET", "/widget/api/config?" + qs({ inbox: CONFIG.inbox, lang: S.lang })).then(function (data) {
          applyConfig(data);
          renderAll();
        }, function () { renderAll(); });
        renderAll();
      }
      return Promise.reject(error);
    });
    return S.starting;
  }

  function resetConversations() {
    S.convs = {};
    S.msgs = {};
    S.loaded = {};
    S.foreign = {};
    S.readSent = {};
    S.currentId = null;
    S.fresh = false;
    S.inboxId = null;
    S.view = "live";
    S.pastId = null;
    S.history = [];
    S.uploads = [];
    byKey = {};
    if (ui.thread) ui.thread.textContent = "";
  }

  function setLanguage(lang) {
    lang = normalizeLanguage(lang);
    storage.set(KEYS.lang, lang);
    return request("GET", "/widget/api/config?" + qs({ inbox: CONFIG.inbox, lang: lang })).then(function (data) {
      applyConfig(data);
      S.lang = lang;
      renderAll();
      refreshLabels();
      emit("language", { language: lang });
      if (S.view === "list") loadHistory();
    }, function (error) {
      showError(error.message);
    });
  }

  // Conversation labels come in the language asked for; events carry the conversation's own language,
  // so fetch the list again when they may not match the widget's.
  function refreshLabels() {
    clearTimeout(S.labelTimer);
    if (!S.session) return;
    S.labelTimer = setTimeout(function () {
      request("GET", "/widget/api/conversations?" + qs({ lang: S.lang }), { session: true }).then(function (data) {
        (data.items || []).forEach(function (c) { mergeConv(c, true); });
        renderAll();
      }, function () { /* labels stay as they are */ });
    }, 200);
  }

  // ---------------------------------------------------------------------------------------------
  // Conversations and messages
  // ---------------------------------------------------------------------------------------------

  function mergeConv(c, labelsInWidgetLanguage) {
    if (!c || !c.id) return null;
    if (S.inboxId === null && labelsInWidgetLanguage && c.inbox_id) S.inboxId = c.inbox_id;
    var old = S.convs[c.id];
    var next = Object.assign({}, old || {}, c);
    if (old) {
      next.agent_read_seq = Math.max(old.agent_read_seq || 0, c.agent_read_seq || 0);
      next.customer_read_seq = Math.max(old.customer_read_seq || 0, c.customer_read_seq || 0);
    }
    if (!labelsInWidgetLanguage && normalizeLanguage(c.language) !== S.lang) {
      if (old && old.labels && old.status === c.status && old.category === c.category) {
        next.labels = old.labels;
      } else {
        refreshLabels();
      }
    }
    S.convs[c.id] = next;
    S.readSent[c.id] = Math.max(S.readSent[c.id] || 0, c.customer_read_seq || 0);
    return next;
  }

  function storeMessage(m) {
    if (!m || !m.id || m.internal) return false;
    var list = S.msgs[m.conversation_id] || (S.msgs[m.conversation_id] = {});
    var isNew = !list[m.id];
    list[m.id] = m;
    if ((S.cursors[m.conversation_id] || 0) < m.seq) {
      S.cursors[m.conversation_id] = m.seq;
      saveCursors();
    }
    if (m.client_id) removeFromOutbox(m.client_id);
    return isNew;
  }

  function sortedMessages(id) {
    var list = S.msgs[id] || {};
    return Object.keys(list).map(function (k) { return list[k]; }).sort(function (a, b) { return a.seq - b.seq; });
  }

  function removeFromOutbox(clientId) {
    var before = S.outbox.length;
    S.outbox = S.outbox.filter(function (i) { return i.client_id !== clientId; });
    if (S.outbox.length !== before) saveOutbox();
  }

  function isClosed(id) {
    var c = S.convs[id];
    return !!c && c.status === "closed";
  }

  function openCurrentId() {
    return S.currentId && !isClosed(S.currentId) ? S.currentId : null;
  }

  function newestOpen() {
    var best = null;
    Object.keys(S.convs).forEach(function (id) {
      var c = S.convs[id];
      if (c.status === "closed" || S.foreign[c.id]) return;
      if (!best || String(c.created_at) > String(best.created_at) ||
          (c.created_at === best.created_at && c.id > best.id)) best = c;
    });
    return best;
  }

  function chooseCurrent() {
    var newest = newestOpen();
    if (S.fresh) {
      if (newest && String(newest.created_at) > S.freshAfter) {
        S.fresh = false;
        S.currentId = newest.id;
      }
      return;
    }
    if (newest) S.currentId = newest.id;
    else if (S.currentId && !S.convs[S.currentId]) S.currentId = null;
  }

  function loadMessages(id, after) {
    after = after || 0;
    return request("GET", "/widget/api/conversations/" + id + "/messages?" + qs({ after: after }), { session: true })
      .then(function (data) {
        mergeConv(data.conversation, false);
        var items = data.items || [];
        var last = after;
        items.forEach(function (m) { storeMessage(m); last = Math.max(last, m.seq); });
        if (items.length >= PAGE && last > after) return loadMessages(id, last);
        return null;
      }).then(function () {
        if (after === 0) S.loaded[id] = true;
        renderAll();
        maybeRead();
      });
  }

  function ensureLoaded(id) {
    if (!id || S.loaded[id] || S.loadingIds[id]) return;
    S.loadingIds[id] = true;
    loadMessages(id, 0).then(function () { delete S.loadingIds[id]; }, function (error) {
      delete S.loadingIds[id];
      renderAll();
      showError(error.message);
    });
  }

  // An event about a conversation we have not seen: the contact's socket carries every inbox, so only
  // adopt it when this inbox lists it.
  var discovering = {};
  function discover(id) {
    if (discovering[id] || S.foreign[id]) return;
    discovering[id] = true;
    request("GET", "/widget/api/conversations?" + qs({ lang: S.lang }), { session: true }).then(function (data) {
      delete discovering[id];
      var found = false;
      (data.items || []).forEach(function (c) {
        mergeConv(c, true);
        if (c.id === id) found = true;
      });
      if (!found) {
        S.foreign[id] = true;
        delete S.convs[id];
        delete S.msgs[id];
        return;
      }
      considerCurrent(S.convs[id]);
      loadMessages(id, 0);
    }, function () { delete discovering[id]; });
  }

  function considerCurrent(c) {
    if (!c || c.status === "closed" || c.id === S.currentId) return;
    var current = S.currentId ? S.convs[S.currentId] : null;
    if (S.fresh) {
      if (String(c.created_at) > S.freshAfter) { S.fresh = false; S.currentId = c.id; }
    } else if (!current || current.status === "closed" || String(c.created_at) > String(current.created_at)) {
      S.currentId = c.id;
    }
    if (S.currentId === c.id) ensureLoaded(c.id);
  }

  // ---------------------------------------------------------------------------------------------
  // WebSocket
  // ---------------------------------------------------------------------------------------------

  function wsReady() {
    return !!S.ws && S.ws.readyState === 1;
  }

  function send(data) {
    if (!wsReady()) return false;
    try {
      S.ws.send(JSON.stringify(data));
      return true;
    } catch (e) {
      return false;
    }
  }

  function connect() {
    clearTimeout(S.reconnectTimer);
    S.reconnectTimer = null;
    if (S.ws) return;
    if (!S.session) {
      ensureSession().then(connect, function (error) {
        if (!S.fatal) scheduleReconnect();
        else if (window.console) console.warn("kefu widget:", error.message);
      });
      return;
    }
    var gen = ++S.gen;
    var ws;
    try {
      ws = new WebSocket(WS_BASE + "/ws/widget/?" + qs({ session: S.session }));
    } catch (e) {
      scheduleReconnect();
      return;
    }
    S.ws = ws;
    S.synced = false;
    ws.onopen = function () {
      if (gen !== S.gen) return;
      setOnline(true);
      S.syncCursors = Object.assign({}, S.cursors);
      send({ type: "sync", cursors: S.syncCursors, language: S.lang });
    };
    ws.onmessage = function (event) {
      if (gen !== S.gen) return;
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      try { handle(data); } catch (e) { if (window.console) console.error("kefu widget:", e); }
      dispatchToPlugins(data); // after the widget's own handling, so plug-ins see the updated state
    };
    ws.onclose = function (event) {
      if (gen !== S.gen) return;
      S.ws = null;
      S.synced = false;
      setOnline(false);
      stopAgentTyping();
      if (event.code === 4001) {
        S.session = null; // expired or invalid: a new session, then connect again
        if (S.attempt === 0) { S.attempt = 1; connect(); return; }
      }
      scheduleReconnect();
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function scheduleReconnect() {
    if (S.reconnectTimer) return;
    var base = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, S.attempt));
    var delay = base / 2 + Math.random() * base / 2;
    S.attempt = Math.min(S.attempt + 1, 10);
    S.reconnectTimer = setTimeout(function () { S.reconnectTimer = null; connect(); }, delay);
  }

  function reconnectNow() {
    if (S.ws || S.fatal) return;
    clearTimeout(S.reconnectTimer);
    S.reconnectTimer = null;
    connect();
  }

  function setOnline(online) {
    S.online = online;
    if (online) S.everOnline = true;
    renderConnection();
  }

  function handle(data) {
    switch (data.type) {
      case "hello":
        break;
      case "conversation.sync":
        onSync(data);
        break;
      case "sync.done":
        S.synced = true;
        S.attempt = 0;
        chooseCurrent();
        if (S.currentId) ensureLoaded(S.currentId);
        flush();
        renderAll();
        maybeRead();
        break;
      case "message.created":
        onMessageCreated(data);
        break;
      case "message.ack":
        onAck(data);
        break;
      case "conversation.updated":
        onConversationUpdated(data);
        break;
      case "typing":
        onTyping(data);
        break;
      case "read":
        onRead(data);
        break;
      case "error":
        onError(data);
        break;
      default:
        break;
    }
  }

  function onSync(data) {
    var c = mergeConv(data.conversation, true);
    if (!c) return;
    var messages = data.messages || [];
    var last = 0;
    messages.forEach(function (m) { storeMessage(m); last = Math.max(last, m.seq); });
    var cursor = S.syncCursors[c.id];
    if (!cursor && messages.length) S.loaded[c.id] = true;
    if (messages.length >= PAGE) loadMessages(c.id, last); // the server sends a page at most
    renderAll();
  }

  function knownHere(c) {
    if (!c || S.foreign[c.id]) return false;
    if (S.inboxId !== null && c.inbox_id && c.inbox_id !== S.inboxId) {
      S.foreign[c.id] = true;
      return false;
    }
    return true;
  }

  function onMessageCreated(data) {
    var c = data.conversation;
    var m = data.message;
    if (!c || !m || !knownHere(c)) return;
    if (!S.convs[c.id]) {
      if (m.client_id && findOutbox(m.client_id)) {
        mergeConv(c, false);
        if (S.inboxId === null && c.inbox_id) S.inboxId = c.inbox_id;
      } else {
        discover(c.id);
        return;
      }
    } else {
      mergeConv(c, false);
    }
    var ownPending = m.client_id && findOutbox(m.client_id);
    storeMessage(m);
    if (ownPending) {
      S.fresh = false;
      S.currentId = c.id;
      S.loaded[c.id] = S.loaded[c.id] || m.seq === 1;
    } else {
      considerCurrent(S.convs[c.id]);
    }
    if (m.author_type !== "customer" && S.agentTyping === c.id) stopAgentTyping();
    renderAll();
    maybeRead();
    flush();
  }

  function onAck(data) {
    var c = data.conversation;
    var m = data.message;
    if (data.client_id) removeFromOutbox(data.client_id);
    if (c) {
      if (S.inboxId === null && c.inbox_id) S.inboxId = c.inbox_id;
      mergeConv(c, true);
      if (m && m.seq === 1 && !S.msgs[c.id]) S.loaded[c.id] = true;
      if (m) storeMessage(m);
      S.fresh = false;
      S.currentId = c.id;
      ensureLoaded(c.id);
    }
    renderAll();
    flush();
  }

  function onConversationUpdated(data) {
    var c = data.conversation;
    if (!c || !knownHere(c)) return;
    if (!S.convs[c.id]) { discover(c.id); return; }
    mergeConv(c, false);
    if (c.status !== "closed") considerCurrent(S.convs[c.id]);
    if (S.view === "list") renderHistory();
    renderAll();
  }

  function onTyping(data) {
    if (data.who !== "agent") return;
    if (data.is_typing && data.conversation_id === S.currentId) {
      S.agentTyping = data.conversation_id;
      clearTimeout(S.agentTypingTimer);
      S.agentTypingTimer = setTimeout(stopAgentTyping, AGENT_TYPING_TIMEOUT);
      renderTyping();
    } else if (S.agentTyping === data.conversation_id) {
      stopAgentTyping();
    }
  }

  function stopAgentTyping() {
    clearTimeout(S.agentTypingTimer);
    S.agentTyping = null;
    renderTyping();
  }

  function onRead(data) {
    var c = S.convs[data.conversation_id];
    if (!c) return;
    if (data.reader === "agent") c.agent_read_seq = Math.max(c.agent_read_seq || 0, data.seq || 0);
    else if (data.reader === "customer") S.readSent[c.id] = Math.max(S.readSent[c.id] || 0, data.seq || 0);
    renderAll();
  }

  function findOutbox(clientId) {
    for (var i = 0; i < S.outbox.length; i++) if (S.outbox[i].client_id === clientId) return S.outbox[i];
    return null;
  }

  function onError(data) {
    var item = data.client_id ? findOutbox(data.client_id) : null;
    var detail = data.detail || data.title || "";
    if (item && data.request === "message.send") {
      var status = Number(data.status) || 0;
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        if ((status === 403 || status === 404) && item.conversation_id && !item.reopened) {
          // The conversation is not (or no longer) this visitor's: open a new one instead.
          item.reopened = true;
          item.conversation_id = null;
          item.sentGen = -1;
          saveOutbox();
          flush();
          return;
        }
        item.failed = true; // the server refused it: retrying would be refused again
        item.error = detail;
        saveOutbox();
      } else {
        item.tries += 1;
        item.sentGen = -1;
        item.error = "";
        if (item.tries < 5) setTimeout(flush, 1000 * Math.pow(2, item.tries));
      }
      renderAll();
      flush();
      return;
    }
    if (detail) showError(detail);
  }

  // ---------------------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------------------

  function queueMessage(body, attachmentIds, attachments) {
    var item = {
      client_id: newClientId(), body: body, attachment_ids: attachmentIds || [], attachments: attachments || [],
      assigned: false, conversation_id: null, contact: S.contactId, created: new Date().toISOString(),
      sentGen: -1, failed: false, error: "", tries: 0
    };
    S.outbox.push(item);
    saveOutbox();
    if (S.view !== "live") showLive();
    renderAll(true);
    flush();
    return item;
  }

  function flush() {
    if (!wsReady() || !S.synced) return;
    // Only one message may open a new conversation at a time; the rest wait for its ack.
    var opening = S.outbox.some(function (i) { return !i.failed && i.assigned && !i.conversation_id; });
    var hold = false;
    var changed = false;
    S.outbox.forEach(function (item) {
      if (item.failed || item.contact !== S.contactId) return;
      if (!item.assigned) {
        if (hold) return;
        var current = openCurrentId();
        if (current) {
          item.conversation_id = current;
        } else if (opening) {
          hold = true;
          return;
        } else {
          item.conversation_id = null;
          opening = true;
        }
        item.assigned = true;
        changed = true;
      }
      if (item.sentGen === S.gen) return;
      if (send({
        type: "message.send", client_id: item.client_id, body: item.body,
        conversation_id: item.conversation_id || null, attachment_ids: item.attachment_ids, language: S.lang
      })) item.sentGen = S.gen;
    });
    if (changed) saveOutbox();
  }

  function submitComposer() {
    var text = ui.input.value;
    if (!text.replace(/\s+/g, "")) return;
    ui.input.value = "";
    autosize();
    stopOwnTyping();
    queueMessage(text, [], []);
  }

  function onOwnInput() {
    autosize();
    var id = openCurrentId();
    if (!id || !wsReady()) return;
    var now = Date.now();
    if (ui.input.value && now - S.typing.lastSent > TYPING_EVERY) {
      send({ type: "typing", conversation_id: id, is_typing: true });
      S.typing.lastSent = now;
      S.typing.active = true;
    }
    clearTimeout(S.typing.idleTimer);
    S.typing.idleTimer = setTimeout(stopOwnTyping, TYPING_IDLE);
  }

  function stopOwnTyping() {
    clearTimeout(S.typing.idleTimer);
    if (!S.typing.active) return;
    S.typing.active = false;
    S.typing.lastSent = 0;
    var id = openCurrentId();
    if (id) send({ type: "typing", conversation_id: id, is_typing: false });
  }

  function maybeRead() {
    if (!S.open || document.visibilityState === "hidden" || S.view !== "live" || !S.synced) return;
    var id = S.currentId;
    if (!id) return;
    var sent = S.readSent[id] || 0;
    var max = 0;
    var unseen = false;
    sortedMessages(id).forEach(function (m) {
      max = Math.max(max, m.seq);
      if (m.author_type !== "customer" && m.seq > sent) unseen = true;
    });
    if (unseen && send({ type: "read", conversation_id: id, seq: max })) S.readSent[id] = max;
    renderBadge();
  }

  function uploadFile(file) {
    if (!file) return;
    var upload = {
      client_id: newClientId(), body: "", created: new Date().toISOString(), uploading: true, failed: false,
      error: "", attachments: [{ filename: file.name, content_type: file.type || "", size: file.size }]
    };
    if (S.maxUpload && file.size > S.maxUpload) {
      upload.uploading = false;
      upload.failed = true;
      upload.error = t("upload_failed") + " (" + Math.ceil(file.size / 1048576) + " MB > " +
        Math.floor(S.maxUpload / 1048576) + " MB)";
      S.uploads.push(upload);
      showLive();
      renderAll(true);
      return;
    }
    S.uploads.push(upload);
    showLive();
    renderAll(true);
    var form = new FormData();
    form.append("file", file, file.name);
    ensureSession().then(function () {
      return request("POST", "/widget/api/attachments", { form: form, session: true });
    }).then(function (attachment) {
      S.uploads = S.uploads.filter(function (u) { return u !== upload; });
      dropElement("c:" + upload.client_id);
      queueMessage("", [attachment.id], [attachment]);
    }, function (error) {
      upload.uploading = false;
      upload.failed = true;
      upload.error = error.status ? (error.message || t("upload_failed")) : t("upload_failed");
      renderAll();
    });
  }

  function downloadTranscript(format) {
    var id = viewedId();
    var c = id ? S.convs[id] : null;
    if (!c) return;
    var path = "/widget/api/conversations/" + id + "/transcript?" + qs({ format: format, lang: S.lang });
    request("GET", path, { session: true, raw: true }).then(function (response) {
      return response.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = document.createElement("a");
      a.href = url;
      a.download = "kefu-" + c.number + "." + format;
      a.style.display = "none";
      ui.root.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 1000);
    }, function (error) { showError(error.message); });
  }

  // ---------------------------------------------------------------------------------------------
  // Views
  // ---------------------------------------------------------------------------------------------

  function viewedId() {
    return S.view === "past" ? S.pastId : S.currentId;
  }

  function showLive() {
    S.view = "live";
    S.pastId = null;
    renderAll();
    maybeRead();
  }

  function startNewConversation() {
    var latest = "";
    Object.keys(S.convs).forEach(function (id) {
      var c = S.convs[id];
      if (String(c.created_at) > latest) latest = String(c.created_at);
    });
    S.fresh = true;
    S.freshAfter = latest;
    S.currentId = null;
    stopAgentTyping();
    showLive();
    ui.input.focus();
  }

  function loadHistory() {
    request("GET", "/widget/api/conversations?" + qs({ lang: S.lang }), { session: true }).then(function (data) {
      S.history = (data.items || []).map(function (c) { return mergeConv(c, true); });
      renderHistory();
    }, function (error) { showError(error.message); });
  }

  function toggleHistory() {
    if (S.view === "list") { showLive(); return; }
    S.view = "list";
    renderAll();
    loadHistory();
  }

  function openPast(id) {
    var c = S.convs[id];
    if (c && c.status !== "closed") {
      // An open conversation: continue writing in it.
      S.fresh = false;
      S.currentId = id;
      ensureLoaded(id);
      showLive();
      return;
    }
    S.view = "past";
    S.pastId = id;
    renderAll();
    ensureLoaded(id);
  }

  // ---------------------------------------------------------------------------------------------
  // DOM
  // ---------------------------------------------------------------------------------------------

  var CSS = [
    ":host{all:initial !important;display:block !important;position:static !important;",
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Hiragino Sans GB','Microsoft YaHei',",
    "'Noto Sans CJK SC',sans-serif !important;font-size:14px;line-height:1.45;color:#1c2330;}",
    "*,*::before,*::after{box-sizing:border-box;}",
    "[hidden]{display:none !important;}",
    ".plugin-banner:empty,.plugin-before-composer:empty,.plugin-actions:empty{display:none;}",
    ".plugin-banner{padding:8px 14px;background:#fff7e0;border-bottom:1px solid #f1dfa6;font-size:13px;}",
    ".plugin-before-composer{padding:6px 12px 0;border-top:1px solid #eef1f6;}",
    ".plugin-actions{display:flex;flex-wrap:wrap;gap:6px;padding:6px 12px;border-top:1px solid #eef1f6;}",
    ".sheet{flex:1;overflow:auto;padding:14px;}",
    ".extra{margin-top:6px;display:flex;flex-wrap:wrap;gap:6px;}",
    ".chip{border:1px solid #c9d3ea;background:#fff;color:#2450d6;border-radius:999px;padding:4px 10px;",
    "font-size:13px;}",
    ".chip:hover{background:#eef3ff;}",
    "button{font:inherit;color:inherit;cursor:pointer;}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;",
    "border:none;background:#2450d6;color:#fff;box-shadow:0 6px 20px rgba(15,30,80,.3);display:flex;",
    "align-items:center;justify-content:center;padding:0;transition:transform .15s ease;}",
    ".launcher:hover{transform:scale(1.05);}",
    ".launcher:focus-visible,.panel button:focus-visible,.panel a:focus-visible,.panel textarea:focus-visible",
    "{outline:3px solid #f5b400;outline-offset:2px;}",
    ".launcher svg{width:26px;height:26px;}",
    ".badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;",
    "background:#e5484d;color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center;}",
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:380px;height:620px;",
    "max-height:calc(100vh - 108px);background:#fff;border-radius:14px;overflow:hidden;display:flex;",
    "flex-direction:column;box-shadow:0 12px 48px rgba(15,30,80,.28);border:1px solid #e3e7ef;}",
    ".head{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:#2450d6;color:#fff;}",
    ".titles{flex:1;min-width:0;}",
    ".title{font-weight:600;font-size:15px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".subtitle{font-size:12px;opacity:.85;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".lang{border:1px solid rgba(255,255,255,.6);background:transparent;color:#fff;border-radius:999px;",
    "padding:3px 10px;font-size:12px;white-space:nowrap;}",
    ".lang:hover{background:rgba(255,255,255,.15);}",
    ".icon-btn{border:none;background:transparent;color:inherit;width:32px;height:32px;border-radius:8px;",
    "display:flex;align-items:center;justify-content:center;padding:0;flex:none;}",
    ".icon-btn:hover{background:rgba(0,0,0,.08);}",
    ".head .icon-btn:hover{background:rgba(255,255,255,.15);}",
    ".icon-btn svg{width:20px;height:20px;}",
    ".notice{padding:8px 14px;background:#fff8e1;color:#6b4e00;font-size:12px;border-bottom:1px solid #f3e3b0;}",
    ".notice p{margin:0;}",
    ".notice .identity{margin-top:2px;color:#5b6474;}",
    ".notice .identity.verified{color:#1a7f37;}",
    ".convbar{display:flex;align-items:center;gap:6px;padding:6px 10px 6px 14px;font-size:12px;color:#5b6474;",
    "border-bottom:1px solid #eef0f5;}",
    ".convbar .label{flex:1;min-width:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".convbar .icon-btn{width:26px;height:26px;}",
    ".pill{display:inline-block;padding:1px 8px;border-radius:999px;background:#eef2ff;color:#2450d6;",
    "font-size:11px;font-weight:600;white-space:nowrap;}",
    ".pill.closed{background:#f0f1f4;color:#5b6474;}",
    ".conn{padding:6px 14px;font-size:12px;background:#fdecec;color:#9b1c1c;}",
    ".error{padding:6px 14px;font-size:12px;background:#fdecec;color:#9b1c1c;}",
    ".thread{flex:1;overflow-y:auto;padding:14px 12px;background:#f6f7fb;display:flex;flex-direction:column;",
    "gap:8px;overscroll-behavior:contain;}",
    ".history{flex:1;overflow-y:auto;background:#f6f7fb;padding:8px;}",
    ".history h2{font-size:13px;margin:4px 6px 8px;color:#5b6474;font-weight:600;}",
    ".hitem{display:block;width:100%;text-align:left;border:1px solid #e3e7ef;background:#fff;border-radius:10px;",
    "padding:10px 12px;margin:0 0 8px;}",
    ".hitem:hover{border-color:#2450d6;}",
    ".hitem .row{display:flex;justify-content:space-between;gap:8px;align-items:center;}",
    ".hitem .num{font-weight:600;font-size:13px;}",
    ".hitem .subj{margin-top:2px;color:#1c2330;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".hitem .when{margin-top:2px;color:#8a93a3;font-size:11px;}",
    ".msg{display:flex;flex-direction:column;max-width:82%;}",
    ".msg.customer{align-self:flex-end;align-items:flex-end;}",
    ".msg.agent,.msg.bot,.msg.greeting{align-self:flex-start;align-items:flex-start;}",
    ".msg.system{align-self:center;align-items:center;max-width:92%;}",
    ".author{font-size:11px;color:#5b6474;margin:0 4px 2px;}",
    ".bubble{padding:8px 12px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word;",
    "overflow-wrap:anywhere;background:#fff;border:1px solid #e3e7ef;}",
    ".customer .bubble{background:#2450d6;color:#fff;border-color:#2450d6;border-bottom-right-radius:4px;}",
    ".agent .bubble,.bot .bubble,.greeting .bubble{border-bottom-left-radius:4px;}",
    ".system .bubble{background:transparent;border:none;color:#5b6474;font-size:12px;text-align:center;",
    "padding:2px 8px;}",
    ".customer[data-state=pending] .bubble{opacity:.7;}",
    ".customer[data-state=failed] .bubble{background:#fff;color:#9b1c1c;border-color:#e5484d;}",
    ".bubble a{color:inherit;text-decoration:underline;}",
    ".atts{display:flex;flex-direction:column;gap:6px;}",
    ".body+.atts{margin-top:6px;}",
    ".atts img{display:block;max-width:220px;max-height:220px;min-width:48px;min-height:48px;border-radius:8px;",
    "background:#e3e7ef;}",
    ".bubble.media{padding:0;background:transparent !important;border:none;}",
    ".file{display:inline-flex;align-items:center;gap:6px;}",
    ".file svg{width:16px;height:16px;flex:none;}",
    ".meta{font-size:11px;color:#8a93a3;margin:2px 4px 0;}",
    ".customer[data-state=failed] .meta{color:#9b1c1c;}",
    ".empty-note{align-self:center;text-align:center;font-size:12px;color:#8a93a3;margin:4px 12px;}",
    ".typing{padding:4px 16px 6px;font-size:12px;color:#5b6474;background:#f6f7fb;display:flex;",
    "align-items:center;gap:6px;}",
    ".dots{display:inline-flex;gap:3px;}",
    ".dots i{width:5px;height:5px;border-radius:50%;background:#8a93a3;animation:kefu-blink 1.2s infinite;}",
    ".dots i:nth-child(2){animation-delay:.2s;}.dots i:nth-child(3){animation-delay:.4s;}",
    "@keyframes kefu-blink{0%,80%,100%{opacity:.25;}40%{opacity:1;}}",
    ".composer{display:flex;align-items:flex-end;gap:6px;padding:8px;border-top:1px solid #e3e7ef;background:#fff;}",
    ".composer textarea{flex:1;resize:none;border:1px solid #d5dae4;border-radius:10px;padding:8px 10px;",
    "font:inherit;color:inherit;background:#fff;min-height:38px;max-height:120px;line-height:1.4;outline:none;}",
    ".composer textarea:focus{border-color:#2450d6;}",
    ".composer .icon-btn{width:38px;height:38px;color:#5b6474;}",
    ".send{display:flex;align-items:center;gap:6px;height:38px;padding:0 12px;border:none;border-radius:10px;",
    "background:#2450d6;color:#fff;font-weight:600;flex:none;white-space:nowrap;}",
    ".send:hover{background:#1c41b0;}",
    ".send svg{width:16px;height:16px;flex:none;}",
    "@media (max-width:340px){.send-label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);}}",
    ".foot{display:flex;flex-wrap:wrap;gap:4px 12px;padding:6px 12px 8px;font-size:11px;background:#fff;",
    "border-top:1px solid #eef0f5;}",
    ".foot a,.foot button{color:#2450d6;background:none;border:none;padding:0;text-decoration:none;font-size:11px;}",
    ".foot a:hover,.foot button:hover{text-decoration:underline;}",
    ".foot a[aria-disabled=true]{color:#aab1bd;pointer-events:none;}",
    ".foot button[aria-pressed=true]{font-weight:600;}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;}",
    "@media (max-width:480px){",
    ".panel{right:0;bottom:0;left:0;top:0;width:100%;height:100%;max-height:none;border-radius:0;border:none;}",
    ".panel:not([hidden])~.launcher{display:none;}",
    ".launcher{right:14px;bottom:14px;}",
    ".composer textarea{font-size:16px;}",
    "}",
    "@media (prefers-reduced-motion:reduce){.dots i{animation:none;}.launcher{transition:none;}}"
  ].join("");

  var ICONS = {
    chat: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" ' +
      'stroke-linejoin="round" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>',
    close: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" ' +
      'aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>',
    back: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" ' +
      'stroke-linejoin="round" aria-hidden="true"><path d="M15 6l-6 6 6 6"/></svg>',
    send: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" ' +
      'stroke-linejoin="round" aria-hidden="true"><path d="M22 2L11 13"/><path d="M22 2l-7 20-4-9-9-4z"/></svg>',
    attach: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" ' +
      'stroke-linejoin="round" aria-hidden="true"><path d="M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 ' +
      '5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5"/></svg>',
    file: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" ' +
      'stroke-linejoin="round" aria-hidden="true"><path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/>' +
      '<path d="M14 2v6h6"/></svg>'
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "className") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k === "html") node.innerHTML = v; // constant icon markup only, never message text
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  var ui = {};
  var byKey = {}; // rendered message elements by key ("c:<client_id>" or "m:<id>")

  function build() {
    var host = document.getElementById("kefu-widget");
    if (!host) {
      host = document.createElement("div");
      host.id = "kefu-widget";
      document.body.appendChild(host);
    }
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    root.textContent = "";
    ui.host = host;
    ui.root = root;
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);

    ui.title = el("div", { className: "title" });
    ui.subtitle = el("div", { className: "subtitle" });
    ui.lang = el("button", { type: "button", className: "lang", "data-kefu": "lang" });
    ui.close = el("button", { type: "button", className: "icon-btn", "data-kefu": "close", html: ICONS.close });
    var head = el("div", { className: "head" }, [
      el("div", { className: "titles" }, [ui.title, ui.subtitle]), ui.lang, ui.close
    ]);

    ui.security = el("p", { className: "security" });
    ui.identity = el("p", { className: "identity", "data-kefu": "identity" });
    var notice = el("div", { className: "notice", "data-kefu": "notice" }, [ui.security, ui.identity]);
    // Places that plug-ins fill (see docs/extending.md).
    ui.banner = el("div", { className: "plugin-banner", "data-kefu": "banner" });
    ui.beforeComposer = el("div", { className: "plugin-before-composer", "data-kefu": "before-composer" });
    ui.actions = el("div", { className: "plugin-actions", "data-kefu": "actions" });
    ui.sheet = el("div", { className: "sheet", "data-kefu": "sheet", hidden: true, role: "region" });

    ui.convBack = el("button", { type: "button", className: "icon-btn", "data-kefu": "back", html: ICONS.back });
    ui.convLabel = el("span", { className: "label" });
    ui.convStatus = el("span", { className: "pill", "data-kefu": "status" });
    ui.convbar = el("div", { className: "convbar", "data-kefu": "conversation", hidden: true }, [
      ui.convBack, ui.convLabel, ui.convStatus
    ]);

    ui.conn = el("div", { className: "conn", "data-kefu": "connection", role: "status" });
    ui.error = el("div", { className: "error", "data-kefu": "error", role: "alert", hidden: true });
    ui.thread = el("div", { className: "thread", "data-kefu": "thread", role: "log", "aria-live": "polite" });
    ui.history = el("div", { className: "history", "data-kefu": "history", hidden: true });
    ui.typingText = el("span");
    ui.typing = el("div", { className: "typing", "data-kefu": "typing", hidden: true, "aria-live": "polite" }, [
      el("span", { className: "dots", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]), ui.typingText
    ]);

    ui.file = el("input", {
      type: "file", hidden: true, accept: "image/*,application/pdf,video/*", "data-kefu": "file", tabindex: "-1"
    });
    ui.attach = el("button", { type: "button", className: "icon-btn", "data-kefu": "attach", html: ICONS.attach });
    ui.input = el("textarea", { rows: "1", "data-kefu": "input" });
    ui.sendLabel = el("span", { className: "send-label" });
    ui.send = el("button", { type: "submit", className: "send", "data-kefu": "send", html: ICONS.send });
    ui.send.appendChild(ui.sendLabel);
    ui.composer = el("form", { className: "composer", "data-kefu": "composer" }, [ui.attach, ui.file, ui.input, ui.send]);

    ui.dlHtml = el("a", { href: "#", "data-kefu": "download-html", role: "button" });
    ui.dlJson = el("a", { href: "#", "data-kefu": "download-json", role: "button" });
    ui.newConv = el("button", { type: "button", "data-kefu": "new-conversation" });
    ui.historyBtn = el("button", { type: "button", "data-kefu": "history-toggle", "aria-pressed": "false" });
    var foot = el("div", { className: "foot" }, [ui.dlHtml, ui.dlJson, ui.newConv, ui.historyBtn]);

    ui.panel = el("section", {
      className: "panel", "data-kefu": "panel", role: "dialog", "aria-modal": "false", id: "kefu-panel",
      hidden: true, "data-connection": "offline"
    }, [head, notice, ui.banner, ui.convbar, ui.conn, ui.error, ui.thread, ui.history, ui.sheet, ui.typing,
      ui.beforeComposer, ui.composer, ui.actions, foot]);

    ui.badge = el("span", { className: "badge", "data-kefu": "badge", hidden: true, "aria-hidden": "true" });
    ui.launcher = el("button", {
      type: "button", className: "launcher", "data-kefu": "launcher", "aria-expanded": "false",
      "aria-controls": "kefu-panel", "aria-haspopup": "dialog", html: ICONS.chat
    });
    ui.launcher.appendChild(ui.badge);

    root.appendChild(ui.panel);
    root.appendChild(ui.launcher);

    ui.launcher.addEventListener("click", function () { if (S.open) closePanel(); else openPanel(); });
    ui.close.addEventListener("click", function () { closePanel(); ui.launcher.focus(); });
    ui.lang.addEventListener("click", function () { setLanguage(S.lang === "zh-hans" ? "en" : "zh-hans"); });
    ui.panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { closePanel(); ui.launcher.focus(); }
    });
    ui.composer.addEventListener("submit", function (e) { e.preventDefault(); submitComposer(); ui.input.focus(); });
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submitComposer();
      }
    });
    ui.input.addEventListener("input", onOwnInput);
    ui.input.addEventListener("blur", stopOwnTyping);
    ui.attach.addEventListener("click", function () { ui.file.click(); });
    ui.file.addEventListener("change", function () {
      var files = Array.prototype.slice.call(ui.file.files || []);
      ui.file.value = "";
      files.forEach(uploadFile);
    });
    ui.dlHtml.addEventListener("click", function (e) { e.preventDefault(); downloadTranscript("html"); });
    ui.dlJson.addEventListener("click", function (e) { e.preventDefault(); downloadTranscript("json"); });
    ui.newConv.addEventListener("click", startNewConversation);
    ui.historyBtn.addEventListener("click", toggleHistory);
    ui.convBack.addEventListener("click", function () {
      if (S.view === "past") { S.view = "list"; renderAll(); loadHistory(); } else showLive();
    });
    ui.thread.addEventListener("scroll", function () {
      ui.atBottom = ui.thread.scrollHeight - ui.thread.scrollTop - ui.thread.clientHeight < 60;
    });
    ui.atBottom = true;
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 120) + "px";
  }

  // Text with http(s) links made clickable, built from text nodes and <a> elements only.
  function appendText(parent, text) {
    var pattern = /https?:\/\/[^\s<>"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var url = match[0].replace(/[.,;:!?)\]}]+$/, "");
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      link.textContent = url;
      parent.appendChild(link);
      last = match.index + url.length;
      pattern.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function absoluteUrl(url) {
    try { return new URL(url, BASE + "/").href; } catch (e) { return BASE + url; }
  }

  function timeLabel(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    var locale = S.lang === "zh-hans" ? "zh-CN" : "en";
    var now = new Date();
    var sameDay = date.toDateString() === now.toDateString();
    try {
      return sameDay
        ? date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })
        : date.toLocaleString(locale, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return date.toISOString().slice(0, 16).replace("T", " ");
    }
  }

  function buildAttachments(list) {
    if (!list || !list.length) return null;
    var box = el("div", { className: "atts" });
    list.forEach(function (a) {
      var type = String(a.content_type || "");
      if (a.url && type.indexOf("image/") === 0) {
        var img = el("img", { alt: a.filename || "", loading: "lazy", "data-kefu": "attachment" });
        img.src = absoluteUrl(a.url);
        img.addEventListener("load", function () { if (ui.atBottom) scrollToBottom(); });
        var link = el("a", { href: absoluteUrl(a.url), target: "_blank", rel: "noopener noreferrer" }, [img]);
        box.appendChild(link);
      } else {
        var label = el("span", { text: a.filename || "" });
        var node = a.url
          ? el("a", { href: absoluteUrl(a.url), target: "_blank", rel: "noopener noreferrer", className: "file",
            "data-kefu": "attachment", download: a.filename || true })
          : el("span", { className: "file", "data-kefu": "attachment" });
        var icon = el("span", { html: ICONS.file, "aria-hidden": "true" });
        node.appendChild(icon.firstChild);
        node.appendChild(label);
        box.appendChild(node);
      }
    });
    return box;
  }

  function messageElement(key, author, body, attachments) {
    var node = el("div", { className: "msg " + author, "data-kefu": "message", "data-author": author });
    node._author = el("div", { className: "author" });
    var mediaOnly = !body && (attachments || []).length > 0 && attachments.every(function (a) {
      return a.url && String(a.content_type || "").indexOf("image/") === 0;
    });
    var bubble = el("div", { className: "bubble" + (mediaOnly ? " media" : "") });
    if (body) {
      var text = el("div", { className: "body" });
      appendText(text, body);
      bubble.appendChild(text);
    }
    var atts = buildAttachments(attachments);
    if (atts) bubble.appendChild(atts);
    node._meta = el("div", { className: "meta" });
    node._extra = el("div", { className: "extra", "data-kefu": "message-extra", hidden: true });
    if (author !== "customer" && author !== "system") node.appendChild(node._author);
    node.appendChild(bubble);
    node.appendChild(node._extra);
    node.appendChild(node._meta);
    node._sig = signature(body, attachments);
    byKey[key] = node;
    return node;
  }

  // What a bubble shows; links to files are signed anew on every fetch, so compare ids, not URLs.
  function signature(body, attachments) {
    return (body || "") + "|" + (attachments || []).map(function (a) {
      return (a.id || "") + ":" + (a.url ? 1 : 0) + ":" + (a.filename || "");
    }).join(",");
  }

  function dropElement(key) {
    var node = byKey[key];
    if (node && node.parentNode) node.parentNode.removeChild(node);
    delete byKey[key];
  }

  function renderThread(forceBottom) {
    var id = viewedId();
    var items = [];
    var conv = id ? S.convs[id] : null;
    var seenClientIds = {};
    var lastOwn = null;
    (id ? sortedMessages(id) : []).forEach(function (m) {
      if (m.client_id) seenClientIds[m.client_id] = true;
      var key = m.client_id ? "c:" + m.client_id : "m:" + m.id;
      var author = ["customer", "agent", "bot", "system"].indexOf(m.author_type) >= 0 ? m.author_type : "system";
      var state = "sent";
      if (author === "customer" && conv && m.seq <= (conv.agent_read_seq || 0)) state = "read";
      items.push({ key: key, author: author, body: m.body, attachments: m.attachments, seq: m.seq,
        clientId: m.client_id || "", id: m.id, state: state, time: m.created_at, name: m.author_name, message: m });
    });
    if (S.view === "live") {
      // Not stored yet: queued messages and files being uploaded, in the order they were written.
      var pending = S.outbox.filter(function (item) {
        return !seenClientIds[item.client_id] && item.contact === S.contactId;
      }).concat(S.uploads).sort(function (x, y) { return String(x.created) < String(y.created) ? -1 : 1; });
      pending.forEach(function (item) {
        items.push({ key: "c:" + item.client_id, author: "customer", body: item.body, attachments: item.attachments,
          seq: "", clientId: item.client_id, id: "", state: item.failed ? "failed" : "pending",
          time: item.created, error: item.error, failed: item.failed });
      });
    }
    // Refused messages and uploads stay where they were written; what is still on its way stays last.
    items.forEach(function (it, index) { it.order = index; });
    items.sort(function (x, y) {
      var xw = x.state === "pending" ? 1 : 0;
      var yw = y.state === "pending" ? 1 : 0;
      if (xw !== yw) return xw - yw;
      if (!xw) {
        var xt = Date.parse(x.time) || 0;
        var yt = Date.parse(y.time) || 0;
        if (xt !== yt) return xt - yt;
      }
      return x.order - y.order;
    });
    items.forEach(function (it) { if (it.author === "customer") lastOwn = it; });

    var wanted = {};
    var wasAtBottom = forceBottom || ui.atBottom;
    var nodes = [];

    var waiting = id && !S.loaded[id] && S.loadingIds[id]; // its messages are on their way
    if (!items.length && S.view === "live" && !waiting) {
      var greeting = byKey.__greeting;
      if (!greeting || greeting._lang !== S.lang + S.inboxInfo.greeting + S.inboxInfo.name) {
        greeting = el("div", { className: "msg greeting", "data-kefu": "greeting" });
        if (S.inboxInfo.greeting) {
          greeting.appendChild(el("div", { className: "author", text: S.inboxInfo.name }));
          var bubble = el("div", { className: "bubble" });
          appendText(bubble, S.inboxInfo.greeting);
          greeting.appendChild(bubble);
        }
        greeting._lang = S.lang + S.inboxInfo.greeting + S.inboxInfo.name;
        byKey.__greeting = greeting;
      }
      var note = byKey.__empty || (byKey.__empty = el("div", { className: "empty-note", "data-kefu": "empty" }));
      note.textContent = t("empty");
      nodes.push(greeting, note);
      wanted.__greeting = wanted.__empty = true;
    }

    items.forEach(function (it) {
      wanted[it.key] = true;
      var node = byKey[it.key];
      var sig = signature(it.body, it.attachments);
      if (!node || node._sig !== sig || node.getAttribute("data-author") !== it.author) {
        dropElement(it.key);
        node = messageElement(it.key, it.author, it.body, it.attachments);
      }
      node.setAttribute("data-seq", it.seq === "" ? "" : String(it.seq));
      node.setAttribute("data-client-id", it.clientId || "");
      node.setAttribute("data-state", it.state);
      if (it.id) node.setAttribute("data-id", String(it.id)); else node.removeAttribute("data-id");
      if (it.author === "agent") node._author.textContent = it.name || t("agent");
      else if (it.author === "bot") node._author.textContent = it.name || t("bot");
      var meta = timeLabel(it.time);
      var status = "";
      if (it.author === "customer") {
        if (it.state === "pending") status = t("sending");
        else if (it.state === "failed") status = it.error || t("failed");
        else if (it === lastOwn) status = it.state === "read" ? t("read") : t("sent");
      }
      node._meta.textContent = status ? (meta ? meta + " · " + status : status) : meta;
      decorateMessage(node, it.message);
      nodes.push(node);
    });

    Object.keys(byKey).forEach(function (key) { if (!wanted[key]) dropElement(key); });
    // Put the nodes in order, moving only what is out of place (keeps images and scroll stable).
    var cursor = ui.thread.firstChild;
    nodes.forEach(function (node) {
      if (node === cursor) { cursor = cursor.nextSibling; return; }
      ui.thread.insertBefore(node, cursor);
    });
    while (cursor) {
      var next = cursor.nextSibling;
      ui.thread.removeChild(cursor);
      cursor = next;
    }
    if (wasAtBottom) scrollToBottom();
  }

  function scrollToBottom() {
    ui.thread.scrollTop = ui.thread.scrollHeight;
    ui.atBottom = true;
  }

  function renderHistory() {
    if (S.view !== "list") return;
    ui.history.textContent = "";
    ui.history.appendChild(el("h2", { text: t("history") }));
    var items = S.history.filter(function (c) { return c && !S.foreign[c.id]; });
    if (!items.length) {
      ui.history.appendChild(el("p", { className: "empty-note", text: t("empty") }));
      return;
    }
    items.forEach(function (c) {
      c = S.convs[c.id] || c;
      var labels = c.labels || {};
      var button = el("button", {
        type: "button", className: "hitem", "data-kefu": "history-item", "data-conversation-id": c.id,
        "data-status": c.status
      }, [
        el("div", { className: "row" }, [
          el("span", { className: "num", text: labels.number || ("#" + c.number) }),
          el("span", { className: "pill" + (c.status === "closed" ? " closed" : ""), text: labels.status || c.status })
        ]),
        c.subject ? el("div", { className: "subj", text: c.subject }) : null,
        el("div", { className: "when", text: timeLabel(c.last_message_at || c.created_at) })
      ]);
      button.addEventListener("click", function () { openPast(c.id); });
      ui.history.appendChild(button);
    });
  }

  function renderConnection() {
    if (!ui.panel) return;
    ui.panel.setAttribute("data-connection", S.online ? "online" : "offline");
    if (S.fatal) {
      ui.conn.hidden = false;
      ui.conn.textContent = S.fatal.message || t("offline");
    } else if (S.online) {
      ui.conn.hidden = true;
    } else {
      var text = S.everOnline ? t("offline") : t("connecting");
      ui.conn.hidden = !text;
      ui.conn.textContent = text;
    }
  }

  function renderTyping() {
    if (!ui.typing) return;
    var show = !!S.agentTyping && S.agentTyping === S.currentId && S.view === "live";
    ui.typing.hidden = !show;
    ui.typingText.textContent = t("typing");
  }

  function renderBadge() {
    var id = S.currentId;
    var count = 0;
    if (!S.open && id) {
      var sent = S.readSent[id] || 0;
      sortedMessages(id).forEach(function (m) { if (m.author_type !== "customer" && m.seq > sent) count++; });
    }
    ui.badge.hidden = count === 0;
    ui.badge.textContent = count > 9 ? "9+" : String(count);
  }

  function renderTexts() {
    var title = t("title");
    ui.title.textContent = S.inboxInfo.name || title;
    ui.subtitle.textContent = t("subtitle");
    ui.panel.setAttribute("aria-label", title);
    ui.launcher.setAttribute("aria-label", t("launcher"));
    ui.launcher.setAttribute("title", t("launcher"));
    ui.lang.textContent = t("switch_language");
    ui.lang.setAttribute("lang", S.lang === "zh-hans" ? "en" : "zh-Hans");
    ui.close.setAttribute("aria-label", t("close"));
    ui.close.setAttribute("title", t("close"));
    ui.security.textContent = t("security_notice");
    ui.identity.textContent = S.identity === "verified" ? t("verified") : t("anonymous");
    ui.identity.className = "identity" + (S.identity === "verified" ? " verified" : "");
    ui.input.setAttribute("placeholder", t("placeholder"));
    ui.input.setAttribute("aria-label", t("placeholder"));
    ui.sendLabel.textContent = t("send");
    ui.attach.setAttribute("aria-label", t("attach"));
    ui.attach.setAttribute("title", t("attach"));
    ui.dlHtml.textContent = t("download_html");
    ui.dlJson.textContent = t("download_json");
    ui.newConv.textContent = t("new_conversation");
    ui.historyBtn.textContent = t("history");
    ui.convBack.setAttribute("aria-label", t("close"));
    ui.convBack.setAttribute("title", t("close"));
    ui.host.setAttribute("lang", S.lang === "zh-hans" ? "zh-Hans" : "en");
    ui.host.setAttribute("data-language", S.lang);
  }

  function renderAll(forceBottom) {
    if (!ui.panel) return;
    renderTexts();
    renderConnection();
    var id = viewedId();
    var conv = id ? S.convs[id] : null;
    var listView = S.view === "list";
    ui.thread.hidden = listView || !ui.sheet.hidden;
    ui.history.hidden = !listView;
    ui.historyBtn.setAttribute("aria-pressed", listView ? "true" : "false");
    // The conversation bar: number and status; a back button outside the live thread.
    if (listView) {
      ui.convbar.hidden = false;
      ui.convLabel.textContent = t("history");
      ui.convStatus.hidden = true;
    } else if (conv) {
      var labels = conv.labels || {};
      ui.convbar.hidden = false;
      ui.convLabel.textContent = (labels.number || ("#" + conv.number)) + (conv.subject ? " · " + conv.subject : "");
      ui.convStatus.hidden = false;
      ui.convStatus.textContent = labels.status || conv.status;
      ui.convStatus.setAttribute("title", t("status") + ": " + (labels.status || conv.status));
      ui.convStatus.className = "pill" + (conv.status === "closed" ? " closed" : "");
      ui.convStatus.setAttribute("data-status", conv.status);
    } else {
      ui.convbar.hidden = true;
    }
    ui.convBack.hidden = S.view === "live";
    var readOnly = listView || (S.view === "past");
    ui.composer.hidden = readOnly;
    var hasConv = !listView && !!conv;
    ui.dlHtml.setAttribute("aria-disabled", hasConv ? "false" : "true");
    ui.dlJson.setAttribute("aria-disabled", hasConv ? "false" : "true");
    if (hasConv) { ui.dlHtml.removeAttribute("tabindex"); ui.dlJson.removeAttribute("tabindex"); }
    else { ui.dlHtml.setAttribute("tabindex", "-1"); ui.dlJson.setAttribute("tabindex", "-1"); }
    ui.newConv.hidden = S.view === "live" && !S.currentId;
    if (!listView) renderThread(forceBottom);
    else renderHistory();
    renderTyping();
    renderBadge();
    if (S.currentId !== plugins.lastConversation) {
      plugins.lastConversation = S.currentId;
      emit("conversation", { id: S.currentId, conversation: S.currentId ? S.convs[S.currentId] : null });
    }
  }

  function showError(text) {
    if (!ui.error || !text) return;
    ui.error.textContent = text;
    ui.error.hidden = false;
    clearTimeout(S.errorTimer);
    S.errorTimer = setTimeout(function () { ui.error.hidden = true; }, 8000);
  }

  // ---------------------------------------------------------------------------------------------
  // Panel
  // ---------------------------------------------------------------------------------------------

  function openPanel(focus) {
    if (!ui.panel) { CONFIG.open = true; return; }
    S.open = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.host.setAttribute("data-open", "true");
    renderAll(true);
    scrollToBottom();
    // Not when opened by the page itself, and not on phones (the keyboard would cover the thread).
    if (focus !== false && !ui.composer.hidden && window.innerWidth > 480) {
      try { ui.input.focus({ preventScroll: true }); } catch (e) { ui.input.focus(); }
    }
    if (!S.ws && !S.fatal) reconnectNow();
    maybeRead();
    emit("open", {});
  }

  function closePanel() {
    if (!ui.panel) { CONFIG.open = false; return; }
    S.open = false;
    stopOwnTyping();
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.host.setAttribute("data-open", "false");
    renderBadge();
    emit("close", {});
  }

  window.Kefu = {
    open: function () { openPanel(); },
    close: closePanel,
    toggle: function () { if (S.open) closePanel(); else openPanel(); },
    isOpen: function () { return S.open; },
    setLanguage: function (lang) { return setLanguage(lang); }
  };
  Object.defineProperty(window.Kefu, "__kefu", { value: true });

  // ---------------------------------------------------------------------------------------------
  // Plug-ins: scripts that other kefu apps add to /widget.js (docs/extending.md)
  // ---------------------------------------------------------------------------------------------

  var plugins = { listeners: {}, decorators: [], lastConversation: undefined };

  function emit(type, data) {
    [type, "*"].forEach(function (key) {
      (plugins.listeners[key] || []).forEach(function (fn) {
        try { fn(data, type); } catch (e) { if (window.console) console.error("kefu widget plug-in:", e); }
      });
    });
  }

  function dispatchToPlugins(data) {
    if (data && data.type) emit(data.type, data);
  }

  function decorateMessage(node, message) {
    if (!plugins.decorators.length || !message) return;
    var sig = JSON.stringify(message.meta || {}) + "|" + S.lang;
    if (node._decorated === sig) return;
    node._decorated = sig;
    node._extra.textContent = "";
    plugins.decorators.forEach(function (fn) {
      try { fn(message, node._extra, node); } catch (e) { if (window.console) console.error("kefu widget plug-in:", e); }
    });
    node._extra.hidden = !node._extra.firstChild;
  }

  function currentState() {
    return {
      language: S.lang, identity: S.identity, contactId: S.contactId, open: S.open,
      conversationId: S.currentId || null, conversation: S.currentId ? S.convs[S.currentId] || null : null,
      online: S.online, inbox: CONFIG.inbox
    };
  }

  var pluginApi = {
    version: 1,
    base: BASE,
    inbox: CONFIG.inbox,
    el: el,
    on: function (type, fn) { (plugins.listeners[type] = plugins.listeners[type] || []).push(fn); },
    decorateMessage: function (fn) { plugins.decorators.push(fn); renderAllSoon(); },
    request: function (method, path, options) { return request(method, path, options); },
    session: function () { return ensureSession(); },
    state: currentState,
    t: function (key) { return t(key); },
    slots: function () {
      return { banner: ui.banner, beforeComposer: ui.beforeComposer, actions: ui.actions, sheet: ui.sheet,
        input: ui.input, panel: ui.panel, root: ui.root };
    },
    showSheet: function (node) {
      ui.sheet.textContent = "";
      ui.sheet.appendChild(node);
      ui.sheet.hidden = false;
      ui.thread.hidden = true;
    },
    hideSheet: function () {
      ui.sheet.hidden = true;
      ui.sheet.textContent = "";
      renderAll();
    },
    sendMessage: function (text) { if (String(text || "").trim()) queueMessage(String(text), [], []); },
    open: function () { openPanel(); },
    rerender: function () { renderAll(); },
    showError: function (text) { showError(text); },
    addStyle: function (css) { var style = document.createElement("style"); style.textContent = css; ui.root.appendChild(style); }
  };

  function renderAllSoon() {
    clearTimeout(plugins.renderTimer);
    plugins.renderTimer = setTimeout(function () { renderAll(); }, 0);
  }

  function startPlugins() {
    var list = window.KefuWidgetPlugins || [];
    list.forEach(function (fn) {
      try { fn(pluginApi); } catch (e) { if (window.console) console.error("kefu widget plug-in:", e); }
    });
    // Plug-ins loaded later (an exchange's own script) still get the API.
    window.KefuWidgetPlugins = { push: function (fn) { try { fn(pluginApi); } catch (e) { if (window.console) console.error(e); } } };
  }

  function start() {
    build();
    startPlugins();
    renderAll();
    if (CONFIG.open) openPanel(false);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        if (!S.ws && !S.fatal) reconnectNow();
        maybeRead();
      }
    });
    window.addEventListener("online", function () { if (!S.fatal) reconnectNow(); });
    connect();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
