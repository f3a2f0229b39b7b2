// 请假通 local simulator console. Plain JS, no build step.
// Every piece of text from the server is inserted with textContent / createElement only:
// names, reasons and messages may contain markup and must show as text.
// The chosen person's phone: a member chats with the app (WeCom); a 家校 parent reads the
// school's 学校通知 in WeChat and cannot write. Links open our pages inside the phone.
"use strict";

(function () {
  const ROLE_ORDER = ["家长", "班主任", "政教处", "校长", "门卫", "管理员"];
  const FAMILY = "家校"; // a parent in the 家校通讯录: 学校通知 in WeChat, no chat

  const els = {
    people: document.getElementById("people-list"),
    name: document.getElementById("chat-name"),
    roles: document.getElementById("chat-roles"),
    status: document.getElementById("chat-status"),
    messages: document.getElementById("messages"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
    send: document.getElementById("send"),
    quick: document.getElementById("quick"),
    pick: document.getElementById("pick"),
    foot: document.getElementById("wechat-foot"),
    home: document.getElementById("app-home"),
    browser: document.getElementById("browser"),
    page: document.getElementById("page"),
    pageTitle: document.getElementById("browser-title"),
    closePage: document.getElementById("browser-close"),
  };

  let people = [];
  let current = null; // the selected person {userid, name, roles, channel}
  let source = null; // the EventSource of the selected person
  let cardsByTask = new Map();
  let cardsByCode = new Map();

  // ---- small DOM helpers ----------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clock(at) {
    const d = at ? new Date(at * 1000) : new Date();
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  // On a phone the person picker covers the chat until someone is chosen, then folds away.
  function setPicking(on) {
    document.body.classList.toggle("picking", on);
    els.pick.setAttribute("aria-expanded", String(on));
  }

  els.pick.addEventListener("click", () => {
    setPicking(!document.body.classList.contains("picking"));
  });

  function isFamily(person) {
    return Boolean(person) && person.channel === FAMILY;
  }

  // ---- the phone's browser: our pages, signed in as the phone's owner -------------------

  function openPage(target) {
    els.pageTitle.textContent = "正在打开…";
    els.page.src = target;
    els.browser.hidden = false;
  }

  function closePage() {
    els.browser.hidden = true;
    els.page.src = "about:blank";
  }

  els.closePage.addEventListener("click", closePage);
  els.page.addEventListener("load", () => {
    let title = "";
    try { title = els.page.contentDocument.title; } catch (_) { /* another origin */ }
    els.pageTitle.textContent = title;
  });
  els.home.addEventListener("click", () => {
    if (current) openPage(href("/h5/", current.userid));
  });

  // Links in the bot's messages. Our own pages (/h5/, /admin/) open on the chosen person's
  // simulated phone: the stand-in's WeCom sign-in then knows who they are.
  const LINK = /https?:\/\/[^\s<>"'，。；、）]+/g;

  function href(url, userid) {
    let parsed;
    try { parsed = new URL(url, location.href); } catch (_) { return null; }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    if (/^\/(h5|admin)\//.test(parsed.pathname)) {
      return "/sim/open?as=" + encodeURIComponent(userid) +
        "&to=" + encodeURIComponent(parsed.pathname + parsed.search);
    }
    return parsed.href;
  }

  function withLinks(parent, text) {
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      const target = current ? href(match[0], current.userid) : null;
      if (!target) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(link(el("a", null, match[0]), target));
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }

  // Our pages open in the phone; anything else in a new tab.
  function link(a, target) {
    a.href = target;
    if (target.startsWith("/sim/open")) {
      a.addEventListener("click", (e) => {
        e.preventDefault();
        openPage(target);
      });
    } else {
      a.target = "_blank";
      a.rel = "noopener";
    }
    return a;
  }

  function setStatus(text, bad) {
    els.status.textContent = text;
    els.status.classList.toggle("bad", Boolean(bad));
  }

  // Follow new messages unless the user scrolled up to read older ones.
  let pinned = true;

  function scrollDown() {
    if (pinned) els.messages.scrollTop = els.messages.scrollHeight;
  }

  els.messages.addEventListener("scroll", () => {
    const m = els.messages;
    pinned = m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  });
  window.addEventListener("resize", scrollDown);
  if (document.fonts) document.fonts.ready.then(scrollDown);

  function append(node) {
    const placeholder = els.messages.querySelector(".placeholder");
    if (placeholder) placeholder.remove();
    els.messages.appendChild(node);
    scrollDown();
  }

  function row(who, at, label) {
    const r = el("div", "row " + who);
    r.appendChild(el("div", "meta", (label ? label + " · " : "") + clock(at)));
    return r;
  }

  // ---- people picker --------------------------------------------------------------------

  async function loadPeople() {
    try {
      const resp = await fetch("/sim/people");
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const data = await resp.json();
      people = data.people || [];
      renderPeople(data.roles || ROLE_ORDER);
    } catch (err) {
      els.people.replaceChildren(el("div", "muted", "名册加载失败：" + err.message));
      setPicking(true);
      return;
    }
    selectFromHash();
    if (!current) setPicking(true);
  }

  function selectFromHash() {
    const wanted = decodeURIComponent(location.hash.slice(1));
    const person = people.find((p) => p.userid === wanted);
    if (person && (!current || current.userid !== person.userid)) select(person);
  }

  window.addEventListener("hashchange", selectFromHash);

  function renderPeople(roles) {
    els.people.replaceChildren();
    for (const role of roles) {
      const members = people.filter((p) => (p.roles || []).includes(role));
      if (!members.length) continue;
      els.people.appendChild(el("div", "group-title", role + "（" + members.length + "）"));
      for (const p of members) {
        const b = el("button", "person");
        b.type = "button";
        b.dataset.userid = p.userid;
        b.appendChild(el("span", "person-name", p.name));
        b.appendChild(el("span", "person-id",
                         p.userid + (isFamily(p) ? " · 家校通讯录（微信）" : "")));
        b.title = (p.roles || []).join("、");
        b.addEventListener("click", () => select(p));
        els.people.appendChild(b);
      }
    }
    if (!els.people.children.length) {
      els.people.appendChild(el("div", "muted", "名册是空的。"));
    }
  }

  function select(person) {
    current = person;
    setPicking(false);
    history.replaceState(null, "", "#" + encodeURIComponent(person.userid));
    for (const b of els.people.querySelectorAll(".person")) {
      b.classList.toggle("active", b.dataset.userid === person.userid);
    }
    closePage();
    const family = isFamily(person);
    document.body.classList.toggle("wechat", family);
    els.foot.hidden = !family;
    els.form.hidden = family;
    els.quick.hidden = family;
    els.name.textContent = family ? "学校通知" : person.name;
    els.roles.textContent = family
      ? person.name + "的微信 · 家校通讯录家长"
      : person.userid + " · " + (person.roles || []).join("、");
    els.input.disabled = family;
    els.send.disabled = family;
    if (!family) els.input.focus();
    connect(person.userid);
  }

  // ---- the stream of what the bot sent --------------------------------------------------

  function connect(userid) {
    if (source) source.close();
    resetChat();
    setStatus("连接中…");
    source = new EventSource("/sim/stream?userid=" + encodeURIComponent(userid));
    const mine = source;
    source.onopen = () => { if (source === mine) setStatus("已连接"); };
    source.onerror = () => { if (source === mine) setStatus("连接中断，正在重连…", true); };
    source.onmessage = (e) => {
      if (source !== mine) return;
      let event;
      try { event = JSON.parse(e.data); } catch (_) { return; }
      render(event);
    };
  }

  function resetChat() {
    cardsByTask = new Map();
    cardsByCode = new Map();
    pinned = true;
    els.messages.replaceChildren(el("div", "placeholder", isFamily(current)
      ? "还没有学校通知。老师发通知、请假有了结果，都会在这里收到。"
      : "还没有消息。发送「帮助」试试。"));
  }

  function render(event) {
    switch (event.type) {
      case "reset": resetChat(); break;
      case "user": addMine(event.text, event.at); break;
      case "text": addBot(event.content, event.at, "text", event.channel); break;
      case "markdown": addBot(event.content, event.at, "markdown", event.channel); break;
      case "news": addNews(event); break;
      case "card": addCard(event); break;
      case "card_update": updateCard(event); break;
      default: addBot("（" + (event.msgtype || "未知") + " 类型的消息，控制台暂不显示）", event.at, "other");
    }
  }

  function addMine(text, at) {
    pinned = true; // what the user just did is always shown
    const r = row("me", at);
    const bubble = el("div", "bubble", text);
    r.appendChild(bubble);
    append(r);
    return bubble;
  }

  // Who a message is from, as the phone shows it: the app in WeCom, 学校通知 in WeChat.
  function sender(channel) {
    return channel === FAMILY ? "学校通知" : "请假通";
  }

  function addBot(text, at, kind, channel) {
    const r = row("bot", at, sender(channel));
    const bubble = el("div", "bubble " + kind);
    if (kind === "markdown") bubble.appendChild(withLinks(el("pre"), text));
    else if (kind === "text") withLinks(bubble, text);
    else bubble.textContent = text;
    r.appendChild(bubble);
    append(r);
  }

  // A 学校通知 news item, as WeChat shows one: a card with the title, the description and
  // the link; tapping it opens the page.
  function addNews(news) {
    for (const article of news.articles || []) {
      const r = row("bot", news.at, sender(news.channel));
      const target = current ? href(article.url, current.userid) : null;
      const box = target ? link(el("a", "news"), target) : el("div", "news");
      box.appendChild(el("div", "news-title", article.title));
      if (article.description) box.appendChild(el("div", "news-desc", article.description));
      box.appendChild(el("div", "news-foot", target ? "查看详情" : "（链接无效）"));
      r.appendChild(box);
      append(r);
    }
  }

  function addCard(card) {
    const r = row("bot", card.at, "请假通");
    const box = el("div", "card");
    const body = el("div", "card-body");
    body.appendChild(el("div", "card-title", card.title));
    if (card.description) body.appendChild(el("div", "card-desc", card.description));
    if (card.rows && card.rows.length) {
      const dl = el("dl", "card-rows");
      for (const [key, value] of card.rows) {
        dl.appendChild(el("dt", null, key));
        dl.appendChild(el("dd", null, value));
      }
      body.appendChild(dl);
    }
    box.appendChild(body);
    const buttons = el("div", "card-buttons");
    for (const b of card.buttons || []) {
      const btn = el("button", "style-" + (Number(b.style) || 1), b.text);
      btn.type = "button";
      btn.addEventListener("click", () => clickButton(card, b, box));
      buttons.appendChild(btn);
    }
    if (buttons.children.length) box.appendChild(buttons);
    r.appendChild(box);
    append(r);
    if (card.task_id) cardsByTask.set(card.task_id, box);
    if (card.response_code) cardsByCode.set(card.response_code, box);
  }

  function setButtons(box, disabled) {
    for (const b of box.querySelectorAll(".card-buttons button")) b.disabled = disabled;
  }

  async function clickButton(card, button, box) {
    if (!current) return;
    setButtons(box, true);
    addMine("［点击］" + button.text);
    const ok = await post("/sim/click", {
      userid: current.userid, task_id: card.task_id, key: button.key, text: button.text,
    });
    if (!ok && !box.classList.contains("done")) setButtons(box, false);
  }

  function updateCard(update) {
    const box = cardsByTask.get(update.task_id) || cardsByCode.get(update.response_code);
    if (!box) return;
    box.classList.add("done");
    setButtons(box, true);
    let outcome = box.querySelector(".card-outcome");
    if (!outcome) {
      outcome = el("div", "card-outcome");
      box.appendChild(outcome);
    }
    outcome.textContent = update.replace_name || "已处理";
    scrollDown();
  }

  // ---- sending ----------------------------------------------------------------------------

  async function post(url, payload) {
    try {
      const resp = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      let data = {};
      try { data = await resp.json(); } catch (_) { /* not JSON */ }
      if (!resp.ok || data.status !== "ok") {
        setStatus("发送失败：" + (data.error || "HTTP " + resp.status), true);
        return false;
      }
      setStatus("已连接");
      return true;
    } catch (err) {
      setStatus("发送失败：" + err.message, true);
      return false;
    }
  }

  async function say(text) {
    if (!current || isFamily(current) || !text.trim()) return;
    const bubble = addMine(text);
    const ok = await post("/sim/say", { userid: current.userid, content: text });
    if (!ok) {
      bubble.classList.add("failed");
      bubble.title = "发送失败";
    }
  }

  els.form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = els.input.value;
    if (!text.trim()) return;
    els.input.value = "";
    say(text);
  });

  els.input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      els.form.requestSubmit();
    }
  });

  els.quick.addEventListener("click", (e) => {
    const chip = e.target.closest(".chip");
    if (chip && current) say(chip.dataset.text);
  });

  loadPeople();
})();
