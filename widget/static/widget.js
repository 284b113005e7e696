/*
 * Website chat widget of the practice assistant. Embed with
 *   <script src="https://bot.example-praxis.de/widget.js" data-server="https://bot.example-praxis.de" defer></script>
 * data-server: where Rasa's socket.io endpoint is reachable. Texts come from /widget-config.json
 * (config/practice.yml -> widget:). Nothing is sent to the server before the patient consents.
 *
 * History and session id live in sessionStorage: they survive a reload of the tab but are gone when
 * the tab is closed, so the next person at a shared computer does not see the conversation.
 * All text is inserted with textContent; only http(s) URLs become links.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || document.querySelector(".pcw-root")) return;

  const assetBase = new URL(".", script.src);
  const serverUrl = script.dataset.server || assetBase.origin;
  const STORAGE_KEY = "praxis-chat-widget-v1";
  const MAX_HISTORY = 200;
  const TYPING_TIMEOUT_MS = 30000;
  const URL_PATTERN = /https?:\/\/[^\s<>"'„“]+/g;
  const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

  let texts = null;
  let ui = null;
  let socket = null;
  let ready = false;
  let typingTimer = null;
  let state = Object.assign(
    { consented: false, open: false, greeted: false, sessionId: null },
    loadState()
  );
  state.history = validHistory(state.history);
  if (typeof state.sessionId !== "string") state.sessionId = null;

  function loadState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch (error) {
      return {};
    }
  }

  /** Only well-formed entries: sessionStorage can be edited by anything running on the page. */
  function validHistory(history) {
    if (!Array.isArray(history)) return [];
    return history.filter((entry) => entry && (entry.from === "user" || entry.from === "bot")
      && typeof entry.text === "string"
      && (entry.link === undefined || safeUrl(entry.link) !== null)
      && (entry.buttons === undefined || (Array.isArray(entry.buttons) && entry.buttons.every(
        (button) => button && typeof button.title === "string" && typeof button.payload === "string"))));
  }

  function saveState() {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // storage disabled (private mode): the chat works, only without history after a reload
    }
  }

  function element(tag, className, attributes) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function textElement(tag, className, text, attributes) {
    const node = element(tag, className, attributes);
    node.textContent = text;
    return node;
  }

  function safeUrl(raw) {
    try {
      const url = new URL(String(raw));
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function externalLink(href, label, className) {
    const link = textElement("a", className, label, { href, target: "_blank", rel: "noopener noreferrer" });
    link.append(textElement("span", "pcw-sr-only", " " + texts.new_window_hint));
    return link;
  }

  /** Text with http(s) URLs turned into links; everything else stays plain text. */
  function richText(text) {
    const fragment = document.createDocumentFragment();
    let position = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      const candidate = match[0].replace(TRAILING_PUNCTUATION, "");
      const href = safeUrl(candidate);
      if (!href) continue;
      fragment.append(document.createTextNode(text.slice(position, match.index)));
      fragment.append(externalLink(href, candidate, "pcw-link"));
      position = match.index + candidate.length;
    }
    fragment.append(document.createTextNode(text.slice(position)));
    return fragment;
  }

  function buildUi() {
    const root = element("div", "pcw-root", { lang: "de" });
    const stylesheet = element("link", null, { rel: "stylesheet", href: new URL("widget.css", assetBase).href });

    const launcher = element("button", "pcw-launcher", {
      type: "button", "aria-expanded": "false", "aria-controls": "pcw-panel",
    });
    launcher.append(chatIcon(), textElement("span", "pcw-launcher-label", texts.open_button));

    const panel = element("section", "pcw-panel", {
      id: "pcw-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "pcw-title", "aria-describedby": "pcw-subtitle",
    });
    panel.hidden = true;

    // A div, not <header>: inside the dialog a header would be a second "banner" landmark on the host page.
    const header = element("div", "pcw-header");
    const heading = element("div", "pcw-heading");
    heading.append(
      textElement("h2", "pcw-title", texts.title, { id: "pcw-title" }),
      textElement("p", "pcw-subtitle", texts.subtitle, { id: "pcw-subtitle" })
    );
    const close = element("button", "pcw-close", { type: "button", "aria-label": texts.close_button });
    close.append(textElement("span", null, "×", { "aria-hidden": "true" }));  // the label is the name, not "×"
    header.append(heading, close);

    const consent = element("div", "pcw-consent");
    const consentButton = textElement("button", "pcw-primary pcw-consent-button", texts.consent_button, { type: "button" });
    consent.append(
      textElement("h3", "pcw-consent-heading", texts.consent_heading),
      textElement("p", "pcw-consent-text", texts.privacy_notice),
      consentButton
    );

    const chat = element("div", "pcw-chat");
    const log = element("div", "pcw-log", {
      role: "log", "aria-live": "polite", "aria-label": texts.log_label, tabindex: "0",
    });
    const status = element("p", "pcw-status", { role: "status", "aria-live": "polite" });
    const alert = element("p", "pcw-alert", { role: "alert" });
    alert.hidden = true;
    const form = element("form", "pcw-form", { novalidate: "" });
    const label = textElement("label", "pcw-sr-only", texts.input_label, { for: "pcw-input" });
    const input = element("input", "pcw-input", {
      id: "pcw-input", type: "text", autocomplete: "off", maxlength: "2000", placeholder: texts.input_placeholder,
    });
    const send = textElement("button", "pcw-primary pcw-send", texts.send_button, { type: "submit" });
    form.append(label, input, send);
    chat.append(log, status, alert, form);

    panel.append(header, consent, chat);
    root.append(stylesheet, launcher, panel);
    document.body.append(root);

    launcher.addEventListener("click", () => setOpen(true));
    close.addEventListener("click", () => setOpen(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") setOpen(false);
    });
    consentButton.addEventListener("click", giveConsent);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (sendMessage(input.value.trim(), input.value.trim())) input.value = "";
    });
    return { root, launcher, panel, consent, chat, log, status, alert, input };
  }

  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "pcw-icon");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.append(path);
    return svg;
  }

  function setOpen(open) {
    state.open = open;
    saveState();
    ui.panel.hidden = !open;
    ui.launcher.hidden = open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      (state.consented ? ui.input : ui.consent.querySelector("button")).focus();
      scrollToEnd();
    } else {
      ui.launcher.focus();
    }
  }

  function showConsentOrChat() {
    ui.consent.hidden = state.consented;
    ui.chat.hidden = !state.consented;
  }

  function giveConsent() {
    state.consented = true;
    saveState();
    showConsentOrChat();
    ui.input.focus();
    connect();
  }

  function renderEntry(entry, showQuickReplies) {
    const isUser = entry.from === "user";
    const bubble = element("div", "pcw-message " + (isUser ? "pcw-message--user" : "pcw-message--bot"));
    bubble.append(textElement("span", "pcw-sr-only", (isUser ? texts.user_label : texts.bot_label) + ": "));
    if (entry.text) bubble.append(isUser ? document.createTextNode(entry.text) : richText(entry.text));
    if (entry.link) bubble.append(externalLink(entry.link, entry.link, "pcw-link"));
    const row = element("div", "pcw-row " + (isUser ? "pcw-row--user" : "pcw-row--bot"));
    row.append(bubble);
    const buttons = renderButtons(entry.buttons || [], showQuickReplies);
    if (buttons) row.append(buttons);
    return row;
  }

  /** Link buttons (https payload) always; quick replies only on the latest bot message. */
  function renderButtons(buttons, showQuickReplies) {
    const group = element("div", "pcw-buttons", { role: "group" });
    for (const button of buttons) {
      const href = safeUrl(button.payload);
      if (href) {
        group.append(externalLink(href, button.title, "pcw-choice pcw-choice--link"));
      } else if (showQuickReplies) {
        const choice = textElement("button", "pcw-choice pcw-quick-reply", button.title, { type: "button" });
        choice.addEventListener("click", () => {
          if (sendMessage(button.payload, button.title)) ui.input.focus();  // the button itself is gone now
        });
        group.append(choice);
      }
    }
    return group.childElementCount ? group : null;
  }

  function renderHistory() {
    ui.log.replaceChildren();
    state.history.forEach((entry, index) => {
      ui.log.append(renderEntry(entry, index === state.history.length - 1));
    });
  }

  function addEntry(entry) {
    ui.log.querySelectorAll(".pcw-quick-reply").forEach((button) => button.remove());
    ui.log.querySelectorAll(".pcw-buttons:empty").forEach((group) => group.remove());
    state.history.push(entry);
    state.history = state.history.slice(-MAX_HISTORY);
    saveState();
    ui.log.append(renderEntry(entry, true));
    scrollToEnd();
  }

  function eraseHistory() {
    state.history = [];
    saveState();
    ui.log.replaceChildren();
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function setTyping(typing) {
    clearTimeout(typingTimer);
    ui.log.setAttribute("aria-busy", String(typing));
    ui.status.textContent = typing ? texts.typing : "";
    ui.status.classList.toggle("pcw-status--typing", typing);
    if (typing) typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
  }

  function setReachable(reachable) {
    ui.alert.hidden = reachable;
    ui.alert.textContent = reachable ? "" : texts.unreachable;
    if (!reachable) setTyping(false);
    scrollToEnd();  // the alert takes room from the log: keep the latest message in view
  }

  function sendMessage(payload, shownText) {
    if (!payload) return false;
    if (!ready) {
      if (ui.alert.hidden) ui.status.textContent = texts.connecting;
      return false;
    }
    addEntry({ from: "user", text: shownText });
    emitMessage(payload);
    return true;
  }

  function emitMessage(payload) {
    socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
    setTyping(true);
  }

  function onBotMessage(data) {
    if (!data || typeof data !== "object") return;
    if (data.erase_history === true) eraseHistory();  // the conversation was deleted on the server
    if (data.store_unavailable === true) {  // the server could not process the message just now
      setTyping(false);
      ui.status.textContent = texts.store_unavailable;
      return;
    }
    const entry = { from: "bot", text: typeof data.text === "string" ? data.text : "" };
    const buttons = Array.isArray(data.quick_replies) ? data.quick_replies : data.buttons;
    if (Array.isArray(buttons)) {
      entry.buttons = buttons
        .filter((button) => button && typeof button.title === "string" && button.payload != null)
        .map((button) => ({ title: button.title, payload: String(button.payload) }));
    }
    const attachment = data.attachment && data.attachment.payload;
    const attachmentUrl = attachment && safeUrl(attachment.src || attachment.url);
    if (attachmentUrl) entry.link = attachmentUrl;
    if (!entry.text && !entry.link && !(entry.buttons || []).length) return;
    setTyping(false);
    addEntry(entry);
  }

  function loadSocketIo() {
    if (window.io) return Promise.resolve(window.io);
    return new Promise((resolve, reject) => {
      const tag = element("script", null, { src: new URL("vendor/socket.io.min.js", assetBase).href });
      tag.addEventListener("load", () => resolve(window.io));
      tag.addEventListener("error", reject);
      document.head.append(tag);
    });
  }

  function connect() {
    if (socket) return;
    ui.status.textContent = texts.connecting;
    loadSocketIo().then((io) => {
      socket = io(serverUrl, { reconnectionDelayMax: 5000, timeout: 10000 });
      socket.on("connect", () => socket.emit("session_request", { session_id: state.sessionId }));
      socket.on("session_confirm", onSessionConfirmed);
      socket.on("bot_uttered", onBotMessage);
      socket.on("connect_error", () => setReachable(false));
      socket.on("disconnect", (reason) => {
        ready = false;
        if (reason !== "io client disconnect") setReachable(false);
      });
    }, () => setReachable(false));
  }

  function onSessionConfirmed(sessionId) {
    if (typeof sessionId === "string" && sessionId) state.sessionId = sessionId;
    ready = true;
    setReachable(true);
    ui.status.textContent = "";
    saveState();
    if (!state.greeted) {
      state.greeted = true;
      saveState();
      emitMessage("/greet");  // the assistant introduces itself as automated
    }
  }

  function start(config) {
    texts = config;
    ui = buildUi();
    renderHistory();
    showConsentOrChat();
    ui.panel.hidden = !state.open;
    ui.launcher.hidden = state.open;
    ui.launcher.setAttribute("aria-expanded", String(state.open));
    if (state.consented) connect();
  }

  fetch(new URL("widget-config.json", assetBase).href, { credentials: "omit" })
    .then((response) => {
      if (!response.ok) throw new Error("widget config: HTTP " + response.status);
      return response.json();
    })
    .then(start)
    .catch((error) => console.error("Chat widget could not start:", error.message));
})();
