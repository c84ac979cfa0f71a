/* The command-room board: renders /supervision/board/data/, then keeps up with live events.
   Live: WebSocket ws/board/?after=<last id>; on loss it reconnects with back-off and catches up
   from the last id it saw; while the socket is down it polls /supervision/board/events/?after=ID.
   Every event is applied once (ids are remembered). */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var dataUrl = root.dataset.dataUrl, eventsUrl = root.dataset.eventsUrl;
  var branchUrl = root.dataset.branchUrl, boardUrl = root.dataset.boardUrl, townCode = root.dataset.town;
  var districtCode = root.dataset.district, districtId = null, refreshMs = 1500;
  // lastId: the largest id seen; confirmedId: every event up to it has been received (the server says so).
  var lastId = 0, confirmedId = null, seen = new Set(), seenOrder = [], townId = null;
  var socket = null, failures = 0, pollTimer = null, retryTimer = null, refreshTimer = null, chart = null;
  var KIND = {
    "meeting.opened": gettext("开始开会"), "meeting.signin": gettext("签到"), "meeting.submitted": gettext("提交纪实"),
    "meeting.reviewed": gettext("纪实已审核"), "dispatch.answered": gettext("办结调度指令"),
    "dispatch.acknowledged": gettext("签收调度指令"), "finding.opened": gettext("收到督导意见"),
    "finding.responded": gettext("报送整改"), "finding.closed": gettext("督导意见销号"),
    "finding.returned": gettext("整改被退回")
  };
  var COLORS = { in_session: "#2ecc71", held: "#3b82f6", pending: "#64748b", overdue: "#f59e0b", findings: "#ef4444" };
  var NO_DATA = gettext("暂无数据");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function setConn(state, label) { var c = document.getElementById("conn"); c.dataset.state = state; c.textContent = label; }
  function fig(name, value, suffix) {
    var node = root.querySelector('[data-fig="' + name + '"]');
    if (!node) return;
    if (value === null || value === undefined) { node.textContent = NO_DATA; node.classList.add("nodata"); }
    else { node.textContent = value + (suffix || ""); node.classList.remove("nodata"); }
  }

  function renderFigures(d) {
    var f = d.figures;
    fig("held", f.held_branches === null ? null : f.held_branches + " / " + f.branches);
    var sub = root.querySelector('[data-fig="held_sub"]');
    sub.textContent = f.held_rate === null ? "" : interpolate(gettext("开展率 %s"), [f.held_rate + "%"]);
    fig("meetings_month", f.meetings_month);
    fig("compliance_rate", f.compliance_rate, f.compliance_rate === null ? "" : "%");
    fig("in_session", f.in_session);
    fig("trained", f.trained);
    fig("exam_pass_rate", f.exam_pass_rate, f.exam_pass_rate === null ? "" : "%");
    fig("open_dispatches", f.open_dispatches);
    fig("open_findings", f.open_findings);
  }

  function renderLegend(d) {
    var ul = document.getElementById("legend");
    ul.textContent = "";
    ["in_session", "held", "pending", "overdue", "findings"].forEach(function (s) {
      var li = el("li", { style: "--c:" + COLORS[s] }, d.state_labels[s] + " " + d.states[s]);
      ul.appendChild(li);
    });
  }

  /* Above the board's cell limit (a city, a large district): one tile per district or town, with its
     states as a bar, linking to that unit's own board. */
  function renderUnits(d) {
    var box = document.getElementById("towns");
    box.textContent = "";
    box.classList.remove("one");
    var byDistrict = d.level === "districts";
    (byDistrict ? d.districts : d.towns).forEach(function (u) {
      var div = el("div", { class: "town unit" });
      var h = el("h3");
      h.appendChild(el("a", { href: boardUrl + (byDistrict ? "?district=" : "?town=") + encodeURIComponent(u.code) }, u.name));
      h.appendChild(el("small", null, u.held + "/" + u.branches));
      div.appendChild(h);
      var bar = el("div", { class: "bar", role: "img", "aria-label": u.name });
      var parts = [];
      ["in_session", "findings", "overdue", "pending", "held"].forEach(function (s) {
        var n = u.states[s];
        if (!n) return;
        bar.appendChild(el("span", { "data-state": s, style: "flex-grow:" + n, title: d.state_labels[s] + " " + n }));
        parts.push(d.state_labels[s] + " " + n);
      });
      bar.setAttribute("aria-label", u.name + "：" + parts.join("，"));
      div.appendChild(bar);
      div.appendChild(el("p", { class: "unit-counts" }, interpolate(gettext("开会 %(in_session)s · 超期 %(overdue)s · 有意见 %(findings)s"), u, true)));
      box.appendChild(div);
    });
  }

  function renderTowns(d) {
    if (d.level && d.level !== "branches") { renderUnits(d); return; }
    var box = document.getElementById("towns");
    box.textContent = "";
    box.classList.toggle("one", !!townCode);
    var byTown = {};
    d.branches.forEach(function (b) { (byTown[b.town] = byTown[b.town] || []).push(b); });
    d.towns.forEach(function (t) {
      if (townCode) townId = t.id;
      var div = el("div", { class: "town" });
      var h = el("h3");
      var a = el("a", { href: boardUrl + "?town=" + encodeURIComponent(t.code) }, t.name);
      h.appendChild(a);
      h.appendChild(el("small", null, t.held + "/" + t.branches));
      div.appendChild(h);
      var cells = el("div", { class: "cells" });
      (byTown[t.id] || []).forEach(function (b) {
        var link = el("a", { class: "cell", "data-state": b.state, "data-branch": b.id,
          href: branchUrl.replace("CODE", encodeURIComponent(b.code)), title: b.name + " · " + d.state_labels[b.state] });
        if (townCode) link.textContent = b.name;
        cells.appendChild(link);
      });
      div.appendChild(cells);
      box.appendChild(div);
    });
  }

  function renderChart(d) {
    var node = document.getElementById("chart");
    if (!window.echarts || !node) return;
    if (!chart) chart = window.echarts.init(node, null, { renderer: "canvas" });
    var units = d.level === "districts" ? d.districts : d.towns;
    var title = document.getElementById("chart-title");
    if (title && d.level === "districts") title.textContent = title.dataset.districts;
    var names = units.map(function (t) { return t.name; });
    var rates = units.map(function (t) { return t.branches ? Math.round(100 * t.held / t.branches) : 0; });
    chart.setOption({
      animation: false, grid: { left: 50, right: 16, top: 16, bottom: 70 },
      textStyle: { color: "#e8edf7", fontSize: 14 },
      xAxis: { type: "category", data: names, axisLabel: { color: "#9fb0cf", rotate: 45, fontSize: 13 } },
      yAxis: { type: "value", max: 100, axisLabel: { color: "#9fb0cf", formatter: "{value}%" }, splitLine: { lineStyle: { color: "#243252" } } },
      series: [{ type: "bar", data: rates, itemStyle: { color: "#3b82f6" }, label: { show: names.length <= 8, position: "top", color: "#e8edf7", formatter: "{c}%" } }]
    });
  }

  function renderLive(d) {
    var ol = document.getElementById("live");
    if (!ol) return;
    ol.textContent = "";
    if (d.live === null) { ol.appendChild(el("li", { class: "empty" }, NO_DATA)); return; }
    if (!d.live.length) { ol.appendChild(el("li", { class: "empty" }, gettext("当前没有正在召开的会议"))); return; }
    d.live.forEach(function (m) {
      var li = el("li");
      li.appendChild(el("a", { href: branchUrl.replace("CODE", encodeURIComponent(m.branch_code)) }, m.town + " · " + m.branch));
      li.appendChild(el("span", { class: "count" }, interpolate(gettext("签到 %(present)s / 应到 %(expected)s"), m, true)));
      li.appendChild(el("span", { class: "step" }, m.title + " · " + (m.step < m.steps ? interpolate(gettext("第 %(n)s/%(steps)s 步："), { n: m.step + 1, steps: m.steps }, true) : "") + m.step_label));
      ol.appendChild(li);
    });
  }

  function remember(id) {
    seen.add(id); seenOrder.push(id);
    if (seenOrder.length > 20000) seen.delete(seenOrder.shift());
    if (id > lastId) lastId = id;
  }

  function describe(e) {
    var p = e.payload || {};
    var text = (p.branch || "") + " " + (KIND[e.kind] || e.kind);
    if (e.kind === "meeting.signin" && p.present) text += interpolate(gettext("（已到 %s 人）"), [p.present]);
    if (p.title && e.kind.indexOf("meeting.") === 0 && e.kind !== "meeting.signin") text += "：" + p.title;
    if (p.title && e.kind.indexOf("dispatch.") === 0) text += "：" + p.title;
    if (e.kind === "meeting.reviewed") text += p.decision === "approved" ? gettext("（通过）") : gettext("（退回）");
    return text;
  }

  function addFeed(e, fresh) {
    var feed = document.getElementById("feed");
    var li = el("li", { class: (fresh ? "new " : "") + ((e.payload || {}).simulated ? "sim" : ""), "data-id": e.id });
    var t = new Date(e.created);
    li.appendChild(el("time", { datetime: e.created }, t.toLocaleTimeString("zh-CN", { hour12: false })));
    li.appendChild(el("span", null, describe(e)));
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 40) feed.removeChild(feed.lastChild);
  }

  function apply(e, fresh) {
    if (seen.has(e.id)) return;
    remember(e.id);
    if (townId !== null && e.town_id !== townId) return;
    if (districtId !== null && e.district_id !== districtId) return;
    addFeed(e, fresh);
    if ((e.payload || {}).simulated) document.getElementById("sim-label").hidden = false;
    var cell = root.querySelector('[data-branch="' + e.branch_id + '"]');
    if (cell && fresh) { cell.classList.add("flash"); setTimeout(function () { cell.classList.remove("flash"); }, 4000); }
    if (fresh) scheduleRefresh(refreshMs);
  }

  function load() {
    return fetch(dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        if (districtCode && d.towns.length) districtId = d.towns[0].district;
        if (d.refresh_seconds) refreshMs = 1000 * d.refresh_seconds;
        renderFigures(d); renderLegend(d); renderTowns(d); renderChart(d); renderLive(d);
        if (!lastId) (d.events || []).forEach(function (e) { apply(e, false); });
        return d;
      });
  }
  function scheduleRefresh(ms) {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; load().catch(function () {}); }, ms);
  }

  function poll() {
    fetch(eventsUrl + (eventsUrl.indexOf("?") < 0 ? "?" : "&") + "after=" + lastId, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) { d.events.forEach(function (e) { apply(e, true); }); if (!socket || socket.readyState !== 1) setConn("polling", gettext("轮询中")); })
      .catch(function () { setConn("offline", gettext("连接中断，正在重试")); });
  }
  function startPolling() { if (!pollTimer) { poll(); pollTimer = setInterval(poll, 3000); } }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws;
    // Events from several servers arrive out of id order: resume from the last confirmed id (the replay's
    // ids already seen are ignored).
    var after = confirmedId === null ? lastId : confirmedId;
    try { ws = new WebSocket(proto + location.host + "/ws/board/?after=" + after); } catch (err) { retry(); return; }
    socket = ws;
    ws.onopen = function () { failures = 0; };
    ws.onmessage = function (m) {
      var msg; try { msg = JSON.parse(m.data); } catch (err) { return; }
      if (msg.type === "ready") { setConn("live", gettext("实时")); stopPolling(); if (msg.confirmed) confirmedId = Math.max(confirmedId || 0, msg.confirmed); }
      else if (msg.type === "confirmed") confirmedId = Math.max(confirmedId || 0, msg.id);
      else if (msg.type === "event") apply(msg.event, true);
      else if (msg.type === "events") msg.events.forEach(function (e) { apply(e, true); });
    };
    ws.onclose = function () { if (socket === ws) socket = null; retry(); };
  }
  function retry() {
    failures += 1;
    if (failures >= 2) startPolling(); else setConn("connecting", gettext("重新连接中"));
    var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(failures - 1, 5)));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function tick() {
    var now = new Date();
    document.getElementById("clock").textContent = now.toLocaleString("zh-CN", { hour12: false });
  }

  tick(); setInterval(tick, 1000);
  setInterval(function () { scheduleRefresh(0); }, 60000);
  window.addEventListener("resize", function () { if (chart) chart.resize(); });
  load().then(function (d) { if (d.last_event > lastId) lastId = d.last_event; confirmedId = d.last_event; connect(); })
    .catch(function () { setConn("offline", gettext("连接中断，正在重试")); connect(); });
})();
