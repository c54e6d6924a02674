// vnsearch: small progressive enhancements; every page works without this file.
// "/" focuses the search box; as-you-type completion from /api/suggest (an ARIA combobox:
// arrow keys move, Enter picks, Escape closes); empty date fields are left out of the URL.
(function () {
  "use strict";

  // Date-range form: do not put "from=&to=" in the URL for fields left empty.
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.querySelectorAll('input[type="date"]'), function (input) {
        if (!input.value) input.disabled = true;
      });
    });
  });
  // Re-enable them when the page comes back from the back/forward cache.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll('input[type="date"]'), function (input) {
      input.disabled = false;
    });
  });

  var box = document.getElementById("q");
  if (!box) return;
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
                       t.isContentEditable);
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  });

  var url = box.getAttribute("data-suggest-url");
  if (!url || !window.fetch) return;
  var list = document.createElement("ul");
  list.className = "suggest-list";
  list.id = "suggest-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Gợi ý tìm kiếm");
  list.hidden = true;
  box.parentNode.appendChild(list);
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", "suggest-list");
  box.setAttribute("aria-expanded", "false");
  var timer = null, active = -1, lastQuery = null, controller = null;

  function close() {
    list.hidden = true;
    list.innerHTML = "";
    active = -1;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }
  function choose(text) {
    box.value = text;
    close();
    lastQuery = text;
    if (box.form.requestSubmit) box.form.requestSubmit(); else box.form.submit();
  }
  // Fold one character as the engine does: no diacritics, "đ" as "d", lower case.
  function foldChar(c) {
    var f = c.normalize ? c.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : c;
    f = f.replace(/[đĐ]/g, "d").toLowerCase();
    return f.length === 1 ? f : c.toLowerCase().charAt(0);
  }
  // Show where the typed text occurs in a suggestion (bold), built from text nodes only.
  function fillOption(li, text, typed) {
    var folded = Array.prototype.map.call(text, foldChar).join("");
    if (typed.normalize) typed = typed.normalize("NFC");
    var needle = Array.prototype.map.call(typed.trim().replace(/\s+/g, " "), foldChar).join("");
    var at = needle ? folded.indexOf(needle) : -1;
    while (at > 0 && /[\w\u00c0-\u1ef9]/.test(folded.charAt(at - 1))) {
      at = folded.indexOf(needle, at + 1);  // only at the start of a word
    }
    if (at < 0) { li.textContent = text; return; }
    var strong = document.createElement("strong");
    strong.textContent = text.slice(at, at + needle.length);
    li.appendChild(document.createTextNode(text.slice(0, at)));
    li.appendChild(strong);
    li.appendChild(document.createTextNode(text.slice(at + needle.length)));
  }
  function render(items) {
    list.innerHTML = "";
    active = -1;
    box.removeAttribute("aria-activedescendant");
    items.forEach(function (text, i) {
      var li = document.createElement("li");
      li.id = "suggest-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      fillOption(li, text, box.value);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(text); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    box.setAttribute("aria-expanded", items.length ? "true" : "false");
  }
  function move(delta) {
    var items = list.querySelectorAll("li");
    if (!items.length) return;
    if (active >= 0) items[active].setAttribute("aria-selected", "false");
    active = (active + delta + items.length) % items.length;
    items[active].setAttribute("aria-selected", "true");
    box.setAttribute("aria-activedescendant", items[active].id);
    if (items[active].scrollIntoView) items[active].scrollIntoView({ block: "nearest" });
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    var q = box.value;
    // Nothing to complete in one letter, nor in a pasted paragraph (the API takes 200 at most).
    if (q.trim().length < 2 || q.length > 200) { close(); lastQuery = null; return; }
    timer = setTimeout(function () {
      if (q === lastQuery) return;
      lastQuery = q;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), controller ? { signal: controller.signal } : {})
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (box.value === q && document.activeElement === box) render(data.suggestions || []);
        })
        .catch(function () {});
    }, 120);
  });
  box.addEventListener("keydown", function (e) {
    if (list.hidden) {
      if (e.key === "ArrowDown" && box.value.trim().length >= 2) {
        lastQuery = null;
        box.dispatchEvent(new Event("input"));
      }
      return;
    }
    if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(list.querySelectorAll("li")[active].textContent);
    } else if (e.key === "Tab") { close(); }
  });
  box.addEventListener("blur", function () { setTimeout(close, 150); });
  box.form.addEventListener("submit", function () {
    clearTimeout(timer);
    if (controller) controller.abort();
    close();
  });
})();
