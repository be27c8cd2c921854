/*
 * mreorg report: the only script of the report. Plain JavaScript, no framework, no network.
 * Sorting, filtering (state, group, text), the overview's collapsible folders, the runconfig switch keeping the
 * filters, relative times, collapsible output, the figure lightbox, and the self-refresh while a build runs.
 * Filters and sort live in location.hash, so a refresh or a runconfig switch keeps them.
 * It never builds HTML from strings: everything it shows goes through textContent or attributes.
 */
(function (global) {
  'use strict';

  var UNITS = [
    ['year', 365 * 24 * 3600],
    ['month', 30 * 24 * 3600],
    ['week', 7 * 24 * 3600],
    ['day', 24 * 3600],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];

  /** "3 hours ago", "in 5 minutes", "just now"; whole units, rounded down. */
  function relativeTime(thenMs, nowMs) {
    var diff = Math.round((nowMs - thenMs) / 1000);
    var future = diff < 0;
    var s = Math.abs(diff);
    if (s < 10) return 'just now';
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i];
      var n = Math.floor(s / unit[1]);
      if (n >= 1) {
        var text = n + ' ' + unit[0] + (n === 1 ? '' : 's');
        return future ? 'in ' + text : text + ' ago';
      }
    }
    return 'just now';
  }

  var api = { relativeTime: relativeTime };
  global.mreorgReport = api;
  if (typeof document === 'undefined') return; // loaded by the unit tests

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  // ---- relative times ----
  function updateTimes() {
    var now = Date.now();
    $all('time[datetime]').forEach(function (el) {
      var ms = Date.parse(el.getAttribute('datetime'));
      if (isNaN(ms)) return;
      var text = relativeTime(ms, now);
      if (el.textContent !== text) el.textContent = text;
    });
  }
  // The exact local time on hover, made when first hovered: 10k toLocaleString calls up front cost a second.
  function exactTimeOnHover(e) {
    var el = e.target && e.target.closest ? e.target.closest('time[datetime]') : null;
    if (!el || el.title) return;
    var ms = Date.parse(el.getAttribute('datetime'));
    if (!isNaN(ms)) el.title = new Date(ms).toLocaleString();
  }

  // ---- hash state: #state=failed&group=2&q=fig&sort=3:desc&open=0.4 ----
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
      if (!pair) return;
      var i = pair.indexOf('=');
      if (i < 0) return;
      try {
        out[decodeURIComponent(pair.slice(0, i))] = decodeURIComponent(pair.slice(i + 1));
      } catch (e) { /* ignore a malformed hash */ }
    });
    return out;
  }
  function writeHash(values) {
    var parts = [];
    Object.keys(values).forEach(function (k) {
      if (values[k]) parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(values[k]));
    });
    var hash = parts.length ? '#' + parts.join('&') : '';
    if (hash !== location.hash && !(hash === '' && location.hash === '')) {
      history.replaceState(null, '', hash || location.pathname + location.search);
    }
    // The runconfig switch keeps filters and sort.
    $all('[data-keep-hash] a').forEach(function (a) {
      a.href = a.getAttribute('href').split('#')[0] + hash;
    });
  }
  var hashState = {};

  // ---- filtering ----
  function setupFilters() {
    var form = document.querySelector('form[data-filters]');
    if (!form) return;
    var items = $all('[data-item]');
    var shown = document.querySelector('[data-shown]');
    var texts = null; // lower-cased text per item, built on the first search
    var folders = $all('[data-folder]');
    var table = document.querySelector('[data-sortable=main]');
    var fields = ['state', 'group', 'q'];
    fields.forEach(function (name) {
      var field = form.elements[name];
      if (field && hashState[name] !== undefined) field.value = hashState[name];
    });
    function apply() {
      var state = form.elements.state ? form.elements.state.value : '';
      var group = form.elements.group ? form.elements.group.value : '';
      var q = form.elements.q ? form.elements.q.value.trim().toLowerCase() : '';
      if (q && !texts) texts = items.map(function (el) { return el.textContent.toLowerCase(); });
      var visible = 0;
      var folderShown = {};
      for (var i = 0; i < items.length; i++) {
        var el = items[i];
        var ok = (!state || el.dataset.state === state) &&
          (!group || (el.dataset.g || '').indexOf(' ' + group + ' ') >= 0) &&
          (!q || texts[i].indexOf(q) >= 0);
        if (el.hidden === ok) el.hidden = !ok;
        if (ok) {
          visible++;
          if (el.parentNode.dataset.folder !== undefined) folderShown[el.parentNode.dataset.folder] = true;
        }
      }
      // A folder without a match is hidden; while a filter is on, matches show in collapsed folders too.
      folders.forEach(function (f) {
        var hide = !folderShown[f.dataset.folder];
        if (f.hidden !== hide) f.hidden = hide;
      });
      var filtering = Boolean(state || group || q);
      if (table) table.classList.toggle('filtering', filtering);
      $all('[data-fold], [data-fold-all]').forEach(function (b) {
        b.disabled = filtering;
        b.title = filtering ? 'every match is shown while a filter is on' : '';
      });
      if (shown) shown.textContent = visible === items.length ? items.length + ' shown' : visible + ' of ' + items.length + ' shown';
      $all('[data-set-state]').forEach(function (b) {
        b.setAttribute('aria-pressed', String(b.dataset.setState === state));
      });
      fields.forEach(function (name) {
        hashState[name] = form.elements[name] ? form.elements[name].value : '';
      });
      writeHash(hashState);
    }
    form.addEventListener('input', apply);
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    $all('[data-set-state]').forEach(function (button) {
      button.addEventListener('click', function () {
        var select = form.elements.state;
        if (!select) return;
        select.value = select.value === button.dataset.setState ? '' : button.dataset.setState;
        apply();
      });
    });
    apply();
  }

  // ---- sorting ----
  function setupSorting() {
    // Tables (<table>) and grids of rows ([role=table] with a [data-rows] body) sort the same way: the body's
    // children are the rows, a row's children its cells, in header order.
    // The overview has one body per folder: each is sorted on its own, its folder row ([data-fixed]) staying first.
    $all('[data-sortable]').forEach(function (table) {
      var headers = $all('thead th, [role=columnheader]', table);
      var bodies = table.tBodies ? [table.tBodies[0]] : $all('[data-rows]', table);
      if (!bodies.length || !bodies[0]) return;
      function sortBody(tbody, col, numeric, sign) {
        var rows = Array.prototype.slice.call(tbody.children).filter(function (row) { return !row.hasAttribute('data-fixed'); });
        var keyed = rows.map(function (row, i) {
          var cell = row.children[col];
          var raw = cell ? (cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim()) : '';
          return { row: row, i: i, key: numeric ? parseFloat(raw) || 0 : raw.toLowerCase() };
        });
        keyed.sort(function (a, b) {
          if (a.key < b.key) return -sign;
          if (a.key > b.key) return sign;
          return a.i - b.i; // stable
        });
        var fragment = document.createDocumentFragment();
        keyed.forEach(function (k) { fragment.appendChild(k.row); });
        tbody.appendChild(fragment);
      }
      function sortBy(col, dir) {
        var th = headers[col];
        if (!th || !th.dataset.sort) return;
        var numeric = th.dataset.sort === 'num';
        var sign = dir === 'desc' ? -1 : 1;
        bodies.forEach(function (tbody) { sortBody(tbody, col, numeric, sign); });
        headers.forEach(function (h, i) {
          h.setAttribute('aria-sort', i === col ? (dir === 'desc' ? 'descending' : 'ascending') : 'none');
        });
        hashState.sort = col + ':' + dir;
        writeHash(hashState);
      }
      headers.forEach(function (th, col) {
        var button = th.querySelector('button');
        if (!button || !th.dataset.sort) return;
        button.addEventListener('click', function () {
          var current = th.getAttribute('aria-sort');
          // Numbers (durations, times) are most useful largest first.
          var first = th.dataset.sort === 'num' ? 'desc' : 'asc';
          var dir = current === 'ascending' ? 'desc' : current === 'descending' ? 'asc' : first;
          sortBy(col, dir);
        });
      });
      var saved = (hashState.sort || '').split(':');
      if (saved.length === 2 && table.dataset.sortable === 'main') sortBy(parseInt(saved[0], 10), saved[1]);
    });
  }

  // ---- the overview's folders: collapsible; which are open is kept in the hash (`open=0.3`, `-` for none) ----
  function setupFolders() {
    var folders = $all('[data-folder]').filter(function (f) { return f.querySelector('[data-fold]'); });
    if (!folders.length) return;
    function setOpen(folder, open) {
      folder.classList.toggle('collapsed', !open);
      folder.querySelector('[data-fold]').setAttribute('aria-expanded', String(open));
    }
    function save() {
      var open = folders.filter(function (f) { return !f.classList.contains('collapsed'); });
      hashState.open = open.length ? open.map(function (f) { return f.dataset.folder; }).join('.') : '-';
      writeHash(hashState);
    }
    if (hashState.open) {
      var ids = hashState.open.split('.');
      folders.forEach(function (f) { setOpen(f, ids.indexOf(f.dataset.folder) >= 0); });
    }
    folders.forEach(function (folder) {
      folder.querySelector('[data-fold]').addEventListener('click', function () {
        setOpen(folder, folder.classList.contains('collapsed'));
        save();
      });
    });
    $all('[data-fold-all]').forEach(function (button) {
      button.addEventListener('click', function () {
        var open = button.dataset.foldAll === 'open';
        folders.forEach(function (f) { setOpen(f, open); });
        save();
      });
    });
  }

  // ---- long output: collapsed, never cut ----
  function setupOutputs() {
    $all('[data-expand]').forEach(function (button) {
      var target = document.getElementById(button.getAttribute('aria-controls'));
      if (!target) return;
      button.hidden = false;
      button.addEventListener('click', function () {
        var expanded = target.classList.toggle('expanded');
        button.setAttribute('aria-expanded', String(expanded));
        button.textContent = expanded ? 'Collapse' : 'Expand all ' + button.dataset.lines + ' lines';
      });
    });
  }

  // ---- Changes page: blink the "after" pane between after and before ----
  function setupBlink() {
    $all('[data-blink]').forEach(function (button) {
      var pane = button.closest('.pane');
      var after = pane && pane.querySelector('img[data-side=after]');
      var before = pane && pane.querySelector('img[data-blink-before]');
      var label = pane && pane.querySelector('[data-blink-label]');
      if (!after || !before || !label) return;
      button.hidden = false;
      button.addEventListener('click', function () {
        var showBefore = button.getAttribute('aria-pressed') !== 'true';
        button.setAttribute('aria-pressed', String(showBefore));
        after.hidden = showBefore;
        before.hidden = !showBefore;
        label.textContent = showBefore ? 'before' : 'after';
      });
    });
  }

  // ---- lightbox ----
  var dialog = null;
  function setupLightbox() {
    var links = $all('a[data-lightbox]');
    if (!links.length) return;
    var current = 0;
    dialog = document.createElement('dialog');
    dialog.className = 'lightbox';
    var img = document.createElement('img');
    img.alt = '';
    var bar = document.createElement('div');
    bar.className = 'lightbox-bar';
    var caption = document.createElement('span');
    var open = document.createElement('a');
    open.textContent = 'Open file';
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Close';
    bar.appendChild(caption);
    bar.appendChild(open);
    bar.appendChild(close);
    dialog.appendChild(img);
    dialog.appendChild(bar);
    document.body.appendChild(dialog);
    function show(i) {
      current = (i + links.length) % links.length;
      var link = links[current];
      img.src = link.getAttribute('href');
      img.alt = link.dataset.caption || '';
      caption.textContent = (link.dataset.caption || '') + ' (' + (current + 1) + '/' + links.length + ')';
      open.href = link.getAttribute('href');
    }
    links.forEach(function (link, i) {
      link.addEventListener('click', function (e) {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        show(i);
        if (!dialog.open) dialog.showModal();
      });
    });
    close.addEventListener('click', function () { dialog.close(); });
    dialog.addEventListener('click', function (e) { if (e.target === dialog) dialog.close(); });
    dialog.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowRight') show(current + 1);
      if (e.key === 'ArrowLeft') show(current - 1);
    });
  }

  // ---- self-refresh while a build runs ----
  function setupRefresh() {
    var seconds = parseFloat(document.body.dataset.refresh);
    if (!(seconds > 0)) return;
    function tick() {
      // Do not pull the page from under someone looking at a figure.
      if (dialog && dialog.open) return setTimeout(tick, seconds * 1000);
      location.reload();
    }
    setTimeout(tick, seconds * 1000);
  }

  function init() {
    hashState = readHash();
    setupFilters();
    setupFolders();
    setupSorting();
    setupOutputs();
    setupBlink();
    setupLightbox();
    updateTimes();
    setInterval(updateTimes, 30000);
    document.addEventListener('mouseover', exactTimeOnHover);
    document.addEventListener('focusin', exactTimeOnHover);
    setupRefresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})(typeof window !== 'undefined' ? window : globalThis);
