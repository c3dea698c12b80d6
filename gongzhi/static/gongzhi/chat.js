// Gongzhi group chat client: one WebSocket (/ws/chat/), catch-up from the last seen id on every
// (re)connect, de-duplication by message id, sends with a client_id so retries never double.
(function () {
  const cfg = window.GONGZHI_CHAT;
  const box = document.getElementById("messages");
  const status = document.getElementById("status");
  const seen = new Set();
  let lastId = 0, ws = null, backoff = 500;
  const pending = new Map();
  const csrf = (document.body.getAttribute("hx-headers") || "").match(/"X-CSRFToken": "([^"]+)"/);

  function esc(s) { const d = document.createElement("div"); d.textContent = s || ""; return d.innerHTML; }
  function render(m) {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    lastId = Math.max(lastId, m.id);
    const el = document.createElement("div");
    el.id = "m" + m.id;
    el.className = "msg-row";
    el.style.margin = ".35rem 0";
    const body = m.status === "recalled" ? "<i class='mute'>" + esc(cfg.recalled) + "</i>" :
      m.kind === "image" && m.file ? "<img src='" + m.file + "' style='max-width:60%'>" :
      m.kind === "location" ? "📍 " + m.lat + ", " + m.lon : esc(m.text);
    el.innerHTML = "<b>" + esc(m.sender) + "</b> <span class='mute'>" + m.created_at.slice(11, 16) +
      "</span><br>" + body;
    box.appendChild(el);
    box.scrollTop = box.scrollHeight;
  }
  function connect() {
    const proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/chat/");
    ws.onopen = function () {
      backoff = 500;
      status.textContent = cfg.online;
      ws.send(JSON.stringify({type: "subscribe", group: cfg.group, since: lastId}));
      pending.forEach(function (frame) { ws.send(JSON.stringify(frame)); });
    };
    ws.onmessage = function (e) {
      const f = JSON.parse(e.data);
      if (f.type === "message") render(f.message);
      else if (f.type === "ack") pending.delete(f.client_id);
      else if (f.type === "recall") { const el = document.getElementById("m" + f.id); if (el) el.innerHTML = "<i class='mute'>" + esc(cfg.recalled) + "</i>"; }
      else if (f.type === "remove") { const el = document.getElementById("m" + f.id); if (el) el.remove(); }
      else if (f.type === "notice_read") {
        const n = document.querySelector("[data-notice='" + f.notice + "'] .read-count");
        if (n) n.textContent = f.read;
      } else if (f.type === "subscribed" && lastId) {
        ws.send(JSON.stringify({type: "read", group: cfg.group, last_id: lastId}));
      } else if (f.type === "error") status.textContent = f.detail || f.code;
    };
    ws.onclose = function () {
      status.textContent = cfg.offline;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }
  document.getElementById("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    const input = document.getElementById("text");
    const frame = {type: "send", group: cfg.group, text: input.value,
                   client_id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8)};
    pending.set(frame.client_id, frame);
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
    input.value = "";
  });
  document.querySelectorAll(".mark-read").forEach(function (b) {
    b.addEventListener("click", function () {
      const id = b.closest("[data-notice]").dataset.notice;
      fetch("/api/v1/chat/notices/" + id + "/read", {method: "POST", credentials: "same-origin",
        headers: {"X-CSRFToken": csrf ? csrf[1] : ""}}).then(function (r) { return r.json(); })
        .then(function (s) { b.closest("[data-notice]").querySelector(".read-count").textContent = s.read; b.disabled = true; });
    });
  });
  connect();
})();
