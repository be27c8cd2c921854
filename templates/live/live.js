/*
 * mreorg serve: the controls of the served report. Loaded only by pages the server sends (the static report has
 * neither this file nor the token), it adds Run/Cancel per overview row, tick boxes with "Run selected", "Run
 * stale" and "Run failed", a Queue page, and keeps rows' states current from the server's events: no reload.
 * Like report.js it never builds HTML from strings: everything it shows goes through textContent or attributes.
 */
(function () {
  'use strict';
  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') : null;
  }
  var token = meta('mreorg-token');
  if (!token) return;
  var runconfig = meta('mreorg-runconfig');
  var body = document.body;
  body.classList.add('served');

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- messages ----
  var note = el('div', { class: 'livenote', role: 'status', 'aria-live': 'polite' });
  note.hidden = true;
  body.appendChild(note);
  function say(text, bad) {
    note.textContent = text;
    note.classList.toggle('bad', Boolean(bad));
    note.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { note.hidden = true; }, bad ? 8000 : 3000);
  }

  function post(req) {
    return fetch('/_mreorg/api', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mreorg-token': token },
      body: JSON.stringify(req),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (doc) {
        if (!r.ok) throw new Error(doc.error || 'the server answered ' + r.status);
        var already = (doc.already || []).length + (doc.busy || []).length;
        if (doc.added) say(doc.added.length + ' queued' + (already ? ', ' + already + ' already queued or running' : ''));
        if (doc.tracked || doc.untracked) say((doc.tracked || doc.untracked).length + (doc.tracked ? ' tracked' : ' untracked'));
        if (doc.removed || doc.stopping) say((doc.removed || []).length + ' taken off the queue' + ((doc.stopping || []).length ? ', ' + doc.stopping.length + ' stopping' : ''));
        refresh();
        return doc;
      });
    }).catch(function (e) { say('Not done: ' + e.message, true); });
  }

  // ---- the nav: a Queue page ----
  var nav = document.querySelector('.nav');
  var queueBadge = el('span', { class: 'badge badge-queue' });
  if (nav) {
    var link = el('a', { href: '/_mreorg/queue.html', 'data-queue-link': '' }, 'Queue');
    if (location.pathname === '/_mreorg/queue.html') link.setAttribute('aria-current', 'page');
    link.appendChild(queueBadge);
    queueBadge.hidden = true;
    nav.appendChild(link);
  }

  // ---- the overview: a tick box and a Run/Cancel button per row, and the bar above ----
  var rows = new Map();
  var table = document.querySelector('.rows.scripts');
  if (table && runconfig) {
    table.querySelectorAll('.row[data-item]').forEach(function (row) {
      var a = row.querySelector('.path a');
      if (!a) return;
      var path = a.textContent;
      rows.set(path, row);
      var cell = row.firstElementChild;
      var box = el('input', { type: 'checkbox', class: 'pick', 'aria-label': 'Select ' + path });
      var button = el('button', { type: 'button', class: 'runbtn', 'aria-label': 'Run ' + path }, 'Run');
      if (row.dataset.state === 'untracked') button.disabled = box.disabled = true;
      button.addEventListener('click', function () {
        post({ action: row.dataset.queue ? 'cancel' : 'add', runconfig: runconfig, paths: [path] });
      });
      cell.insertBefore(button, cell.firstChild);
      cell.insertBefore(box, button);
    });
    var bar = el('div', { class: 'livebar', role: 'group', 'aria-label': 'Run scripts' });
    var add = function (label, fn) {
      var b = el('button', { type: 'button' }, label);
      b.addEventListener('click', fn);
      bar.appendChild(b);
    };
    add('Run selected', function () {
      var paths = [];
      rows.forEach(function (row, path) { if (row.querySelector('.pick').checked) paths.push(path); });
      if (paths.length === 0) return say('Tick the scripts to run first.', true);
      post({ action: 'add', runconfig: runconfig, paths: paths }).then(function () {
        rows.forEach(function (row) { row.querySelector('.pick').checked = false; });
      });
    });
    add('Run stale', function () { post({ action: 'add', runconfig: runconfig, which: 'stale' }); });
    add('Run failed', function () { post({ action: 'add', runconfig: runconfig, which: 'failed' }); });
    add('Select shown', function () {
      rows.forEach(function (row) {
        var box = row.querySelector('.pick');
        if (!box.disabled && !row.hidden && !(row.parentElement && row.parentElement.hidden)) box.checked = true;
      });
    });
    add('Clear queue', function () { post({ action: 'clear' }); });
    var wrap = table.closest('.tablewrap');
    wrap.parentNode.insertBefore(bar, wrap);
  }

  // ---- the tracking page: tick boxes to track and untrack, and Rescan ----
  var trackLists = document.querySelectorAll('.grid2 > section');
  if (/\/tracking\.html$/.test(location.pathname) && trackLists.length === 2) {
    var head = document.querySelector('.pagehead');
    var rescan = el('button', { type: 'button', class: 'runbtn' }, 'Rescan');
    rescan.addEventListener('click', function () {
      post({ action: 'rescan' }).then(function (doc) { if (doc) location.reload(); });
    });
    if (head) head.appendChild(rescan);
    // Monitored folders: one more (kept in the ledger, as the original's Tracking page did), or one less of those.
    var monitors = document.querySelector('h2 + .tablewrap, #no-monitors');
    if (monitors) {
      var form = el('form', { class: 'monitorform' });
      var input = el('input', { type: 'text', name: 'dir', placeholder: 'folder in the project, e.g. sims/new', 'aria-label': 'Folder to monitor' });
      form.appendChild(input);
      form.appendChild(el('button', { type: 'submit', class: 'runbtn' }, 'Monitor folder'));
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        post({ action: 'monitor', dir: input.value }).then(function (doc) { if (doc) location.reload(); });
      });
      monitors.after(form);
      document.querySelectorAll('tr[data-monitor]').forEach(function (row) {
        var stop = el('button', { type: 'button', class: 'runbtn' }, 'Stop monitoring');
        stop.addEventListener('click', function () {
          post({ action: 'unmonitor', dir: row.dataset.monitor }).then(function (doc) { if (doc) location.reload(); });
        });
        row.lastElementChild.appendChild(stop);
      });
    }
    [['untrack', 'Untrack selected'], ['track', 'Track selected']].forEach(function (what, i) {
      var section = trackLists[i];
      var picks = [];
      section.querySelectorAll('ul.links li').forEach(function (li) {
        var a = li.querySelector('a');
        if (!a) return;
        var box = el('input', { type: 'checkbox', class: 'pick', 'aria-label': (i ? 'Track ' : 'Untrack ') + a.textContent });
        picks.push([box, a.textContent]);
        li.insertBefore(box, a);
      });
      if (picks.length === 0) return;
      var b = el('button', { type: 'button', class: 'runbtn' }, what[1]);
      b.addEventListener('click', function () {
        var paths = picks.filter(function (p) { return p[0].checked; }).map(function (p) { return p[1]; });
        if (paths.length === 0) return say('Tick the scripts first.', true);
        post({ action: what[0], paths: paths }).then(function (doc) { if (doc) location.reload(); });
      });
      section.querySelector('h2').after(b);
    });
  }

  // ---- a script's page: Run/Cancel, and what it prints while a worker runs it ----
  var script = meta('mreorg-script');
  var panel = null;
  if (script && runconfig) {
    panel = el('section', { class: 'livepanel', 'aria-label': 'Run' });
    var runButton = el('button', { type: 'button', class: 'runbtn' }, 'Run');
    var status = el('span', { class: 'livestatus' });
    var tailBox = el('pre', { class: 'livetail', 'aria-label': 'Output so far', tabindex: '0' });
    tailBox.hidden = true;
    runButton.addEventListener('click', function () {
      post({ action: panel.dataset.queue ? 'cancel' : 'add', runconfig: runconfig, paths: [script] });
    });
    panel.appendChild(runButton);
    panel.appendChild(status);
    panel.appendChild(tailBox);
    var main = document.querySelector('main');
    if (main) main.insertBefore(panel, main.firstChild);
  }
  var tailTimer = null;
  function pollTail() {
    fetch('/_mreorg/tail?path=' + encodeURIComponent(script) + '&runconfig=' + encodeURIComponent(runconfig))
      .then(function (r) { return r.json(); })
      .then(function (doc) {
        if (typeof doc.text !== 'string') return;
        var atEnd = tailBox.scrollTop + tailBox.clientHeight >= tailBox.scrollHeight - 4;
        tailBox.textContent = doc.text;
        tailBox.hidden = false;
        if (atEnd) tailBox.scrollTop = tailBox.scrollHeight;
      })
      .catch(function () {});
  }
  function applyScript(doc) {
    if (!panel) return;
    var e = null;
    doc.queue.forEach(function (q) { if (q.runconfig === doc.runconfig && q.path === script) e = q; });
    panel.dataset.queue = e ? e.status : '';
    runButton.textContent = e ? 'Cancel' : 'Run';
    status.textContent = e ? (e.status === 'running' ? 'running under ' + doc.runconfig + ', for ' + since(e.taker.at) : 'queued under ' + doc.runconfig) : '';
    var isRunning = Boolean(e) && e.status === 'running';
    if (isRunning && !tailTimer) {
      pollTail();
      tailTimer = setInterval(pollTail, 1000);
    } else if (!isRunning && tailTimer) {
      clearInterval(tailTimer);
      tailTimer = null;
      pollTail();
    }
  }

  // ---- the queue page ----
  var queueBox = document.getElementById('mreorg-queue');

  function seconds(fromIso, nowMs) {
    return Math.max(0, Math.round((nowMs - Date.parse(fromIso)) / 1000));
  }
  function since(fromIso) {
    var s = seconds(fromIso, Date.now() - skew);
    return s < 120 ? s + ' s' : Math.round(s / 60) + ' min';
  }

  function renderQueue(doc) {
    if (!queueBox) return;
    queueBox.textContent = '';
    if (doc.queue.length === 0) {
      queueBox.appendChild(el('p', { class: 'empty' }, 'The queue is empty. Run scripts from the overview, or with "mreorg queue add".'));
      return;
    }
    var t = el('div', { class: 'rows queuerows', role: 'table', 'aria-label': 'Queue' });
    var head = el('div', { class: 'rowhead', role: 'row' });
    ['#', 'Status', 'Script', 'Runconfig', 'Worker', ''].forEach(function (h) { head.appendChild(el('div', { role: 'columnheader' }, h)); });
    t.appendChild(head);
    doc.queue.forEach(function (e, i) {
      var r = el('div', { class: 'row ' + (e.status === 'running' ? 'running' : 'queued'), role: 'row', 'data-path': e.path });
      r.appendChild(el('div', { role: 'cell' }, String(i + 1)));
      r.appendChild(el('div', { role: 'cell' }, e.status === 'running' ? (e.cancel ? 'stopping' : 'running') : 'waiting'));
      r.appendChild(el('div', { role: 'cell', class: 'path' }, e.path));
      r.appendChild(el('div', { role: 'cell' }, e.runconfig));
      var who = e.taker ? 'worker ' + e.taker.worker + ' (pid ' + e.taker.pid + ' on ' + e.taker.host + '), ' : '';
      var w = el('div', { role: 'cell', class: 'when' }, e.taker ? who + 'for ' + since(e.taker.at) : '');
      if (e.taker) w.setAttribute('data-since', e.taker.at);
      r.appendChild(w);
      var acts = el('div', { role: 'cell' });
      var cancel = el('button', { type: 'button' }, 'Cancel');
      cancel.addEventListener('click', function () { post({ action: 'cancel-id', id: e.id }); });
      acts.appendChild(cancel);
      if (e.status === 'waiting' && i > 0) {
        var top = el('button', { type: 'button' }, 'Run next');
        top.addEventListener('click', function () { post({ action: 'move', id: e.id, index: 0 }); });
        acts.appendChild(top);
        var up = el('button', { type: 'button', 'aria-label': 'Move ' + e.path + ' up' }, 'Up');
        up.addEventListener('click', function () { post({ action: 'move', id: e.id, index: i - 1 }); });
        acts.appendChild(up);
      }
      r.appendChild(acts);
      t.appendChild(r);
    });
    queueBox.appendChild(t);
  }

  // ---- live state ----
  var skew = 0;
  var running = new Map();
  function apply(doc) {
    skew = Date.now() - Date.parse(doc.now);
    var mine = new Map();
    doc.queue.forEach(function (e) { if (e.runconfig === doc.runconfig) mine.set(e.path, e); });
    running = new Map();
    doc.scripts.forEach(function (s) {
      var row = rows.get(s.path);
      if (!row) return;
      if (row.dataset.state !== s.state) {
        row.classList.remove('st-' + row.dataset.state);
        row.classList.add('st-' + s.state);
        row.dataset.state = s.state;
      }
      var e = mine.get(s.path);
      row.dataset.queue = e ? e.status : '';
      row.classList.toggle('queued', Boolean(e) && e.status === 'waiting');
      row.classList.toggle('running', Boolean(e) && e.status === 'running');
      var pill = row.querySelector('.pill');
      if (e && e.status === 'running') running.set(pill, e.taker.at);
      pill.textContent = e ? (e.status === 'running' ? 'running ' + since(e.taker.at) : 'queued') : s.label;
      var button = row.querySelector('.runbtn');
      button.textContent = e ? 'Cancel' : 'Run';
      button.setAttribute('aria-label', (e ? 'Cancel ' : 'Run ') + s.path);
    });
    // The counts per state above the table follow too.
    var counts = {};
    doc.scripts.forEach(function (s) { if (rows.has(s.path)) counts[s.state] = (counts[s.state] || 0) + 1; });
    document.querySelectorAll('.counts .count[data-set-state]').forEach(function (b) {
      var n = counts[b.getAttribute('data-set-state')] || 0;
      var num = b.querySelector('b');
      if (num && num.textContent !== String(n)) num.textContent = String(n);
      if (b.getAttribute('aria-pressed') !== 'true') b.disabled = n === 0;
    });
    queueBadge.textContent = String(doc.queue.length);
    queueBadge.hidden = doc.queue.length === 0;
    renderQueue(doc);
    applyScript(doc);
    if (doc.error) say('The server could not read the project: ' + doc.error, true);
    body.setAttribute('data-live-version', String(doc.version));
  }

  var busy = false;
  var again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch('/_mreorg/state?runconfig=' + encodeURIComponent(runconfig || ''))
      .then(function (r) { return r.json(); })
      .then(apply)
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  // Elapsed time of running scripts, every second, without asking the server.
  setInterval(function () {
    running.forEach(function (at, pill) { pill.textContent = 'running ' + since(at); });
    if (queueBox) queueBox.querySelectorAll('[data-since]').forEach(function (w) {
      w.textContent = w.textContent.replace(/for [0-9]+ (s|min)$/, 'for ' + since(w.getAttribute('data-since')));
    });
  }, 1000);

  var events = new EventSource('/_mreorg/events');
  events.addEventListener('change', refresh);
  events.addEventListener('error', function () { body.classList.add('offline'); });
  events.addEventListener('open', function () { body.classList.remove('offline'); });
})();
