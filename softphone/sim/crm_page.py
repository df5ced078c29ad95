"""The simulated CRM's operator web page: the "call" button, a QR login code, the commands table.

One static HTML page whose script talks only to the loopback `/sim/` control API — never to
`/api/phone/*`, so a browser left open beside the softphone does not spend the desk's per-IP
request budget. Must never embed secrets in the page itself; QR tokens are fetched on demand.
"""

from __future__ import annotations

import io
from typing import Final

import segno


def qr_png(token: str) -> bytes:
    """The QR code of the raw token string (not a URL, not JSON), as the production CRM draws it."""
    buffer = io.BytesIO()
    segno.make_qr(token, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


PAGE_HTML: Final = """<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>Simulated CRM</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
 h1 { font-size: 1.4em; margin: 0 0 .6em; }
 section { border: 1px solid #ccc; border-radius: 6px; padding: .8em 1em; margin-bottom: 1em; }
 .row { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
 label { margin-right: .6em; }
 input, select, button { font-size: 1em; padding: .2em .4em; }
 table { border-collapse: collapse; width: 100%; font-size: .9em; }
 th, td { border-bottom: 1px solid #ddd; padding: .25em .5em; text-align: left; }
 #qr-box img { width: 220px; height: 220px; image-rendering: pixelated; }
 .used { color: #0a7d22; font-weight: bold; }
 .expired { color: #a33; }
 #call-result { margin-left: .8em; }
</style>
</head>
<body>
<h1>Simulated CRM — operator page</h1>
<div class="row">
<section id="call">
 <h2>Позвонить</h2>
 <form id="call-form">
  <label>Оператор <select id="call-user" name="username"></select></label>
  <label>Телефон
   <input id="call-phone" name="phone" placeholder="+7 912 345-67-89" required></label>
  <label>Заметка <input id="call-note" name="note"></label>
  <button type="submit">Позвонить</button>
  <span id="call-result"></span>
 </form>
</section>
<section id="qr">
 <h2>Вход по QR-коду</h2>
 <label>Оператор <select id="qr-user"></select></label>
 <button id="qr-show" type="button">Показать QR-код</button>
 <div id="qr-box"></div>
 <div id="qr-state"></div>
</section>
</div>
<section>
 <h2>Команды</h2>
 <table>
  <thead><tr><th>id</th><th>оператор</th><th>телефон</th><th>заметка</th><th>создана</th>
  <th>состояние</th><th>выдана</th><th>устройство</th><th>статус</th><th>длительность</th>
  <th>источник</th><th>обновлений</th></tr></thead>
  <tbody id="commands"></tbody>
 </table>
</section>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let qrToken = null, qrTimer = null, qrPoll = null;

async function api(method, path, body) {
  const init = { method, headers: { "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const data = await response.json();
  if (!response.ok) throw new Error(data.detail || response.status);
  return data;
}

function cell(text, title) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (title) td.title = title;
  return td;
}

function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "";
}

async function loadUsers() {
  const users = await api("GET", "/sim/users");
  for (const select of [$("call-user"), $("qr-user")]) {
    select.replaceChildren(...users.map((u) => new Option(u.username, u.username)));
  }
}

async function loadCommands() {
  const commands = await api("GET", "/sim/commands");
  const rows = commands.reverse().map((c) => {
    const tr = document.createElement("tr");
    const r = c.result || {};
    // Ids are long UUIDs in production: show the start, keep the whole id as a tooltip.
    tr.append(cell(c.id.slice(0, 8), c.id), cell(c.username), cell(c.phone), cell(c.note),
      cell(clock(c.created_at), c.created_at), cell(c.state),
      cell(clock(c.consumed_at), c.consumed_at), cell(c.device_id), cell(r.call_status),
      cell(r.call_duration_seconds), cell(r.action_source), cell(c.updates.length));
    return tr;
  });
  $("commands").replaceChildren(...rows);
}

$("call-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { username: $("call-user").value, phone: $("call-phone").value };
  if ($("call-note").value) body.note = $("call-note").value;
  try {
    const made = await api("POST", "/sim/commands", body);
    const what = made.deduplicated ? "уже в очереди: " : "создана: ";
    $("call-result").textContent = what + made.id;
    loadCommands();
  } catch (error) {
    $("call-result").textContent = "ошибка: " + error.message;
  }
});

async function showQr() {
  clearTimeout(qrTimer);
  clearInterval(qrPoll);
  const made = await api("POST", "/sim/qr", { username: $("qr-user").value });
  qrToken = made.token;
  const img = new Image();
  img.alt = "QR login code";
  img.src = "/sim/qr/image?token=" + encodeURIComponent(qrToken);
  $("qr-box").replaceChildren(img);
  const until = clock(made.expires_at);
  $("qr-state").textContent = "Покажите код программе (действует до " + until + ")";
  $("qr-state").className = "";
  // Mint a fresh code before this one expires: 30 s early, or at 80% of a short life.
  const life = Date.parse(made.expires_at) - Date.now();
  qrTimer = setTimeout(showQr, Math.max(1000, Math.min(life - 30000, life * 0.8)));
  qrPoll = setInterval(checkQr, 1000);
}

async function checkQr() {
  if (!qrToken) return;
  const state = await api("GET", "/sim/qr/status?token=" + encodeURIComponent(qrToken));
  if (state.status === "used") {
    clearTimeout(qrTimer);
    clearInterval(qrPoll);
    $("qr-box").replaceChildren();
    $("qr-state").textContent = "Вход выполнен (signed in)";
    $("qr-state").className = "used";
  }
}

$("qr-show").addEventListener("click", showQr);
// Opening the page as /#qr shows a code at once (handy for a demo screen).
loadUsers().then(() => {
  loadCommands();
  if (location.hash === "#qr") showQr();
});
setInterval(loadCommands, 2000);
</script>
</body>
</html>
"""
