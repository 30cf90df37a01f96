// Parley live monitor: one WebSocket of state updates, two charts, a lane table and operator
// controls over the REST API. Every piece of data reaches the DOM through textContent.
(function () {
  'use strict';

  const TOKEN_KEY = 'parley.monitor.token';
  const WINDOW_SECONDS = 300;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const HEALTH_WORDS = ['healthy', 'busy', 'unhealthy', 'restarting', 'paused', 'starting'];

  const $ = (id) => document.getElementById(id);

  // ---- settings: token (sessionStorage), lane prefix and top (from the page's query) ----------

  function token() {
    return $('token').value.trim();
  }

  function initSettings() {
    $('token').value = sessionStorage.getItem(TOKEN_KEY) || '';
    const query = new URLSearchParams(location.search);
    $('prefix').value = query.get('prefix') || '';
    $('top').value = query.get('top') || '';
    $('token').addEventListener('change', () => {
      if (token()) {
        sessionStorage.setItem(TOKEN_KEY, token());
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
      }
      reconnect();
    });
    $('settings').addEventListener('submit', (event) => {
      event.preventDefault();
      reconnect();
    });
  }

  function socketUrl() {
    const params = new URLSearchParams();
    if (token()) params.set('access_token', token());
    const prefix = $('prefix').value.trim();
    if (prefix) params.set('prefix', prefix);
    const top = $('top').value.trim();
    if (/^[1-9][0-9]*$/.test(top)) params.set('top', top);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = params.toString();
    return scheme + '//' + location.host + '/monitor/ws' + (query ? '?' + query : '');
  }

  // ---- connection: auto-reconnect with exponential backoff ------------------------------------

  let socket = null;
  let retryTimer = null;
  let backoffMs = BACKOFF_MIN_MS;

  function setConnection(state, text) {
    const el = $('connection');
    el.textContent = text || state;
    el.className = 'conn conn-' + state;
    $('figures-root').classList.toggle('stale', state !== 'connected');
  }

  function connect() {
    clearTimeout(retryTimer);
    setConnection('connecting');
    const ws = new WebSocket(socketUrl());
    socket = ws;
    ws.onopen = () => {
      if (ws !== socket) return;
      backoffMs = BACKOFF_MIN_MS;
      setConnection('connected');
    };
    ws.onmessage = (message) => {
      if (ws !== socket) return;
      let update;
      try {
        update = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (update && update.type === 'state') render(update);
    };
    ws.onclose = () => {
      if (ws !== socket) return;
      socket = null;
      scheduleReconnect();
    };
    ws.onerror = () => {}; // onclose follows and schedules the retry
  }

  function scheduleReconnect() {
    const delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    setConnection('reconnecting', 'reconnecting in ' + Math.round(delay / 1000) + ' s');
    retryTimer = setTimeout(connect, delay);
  }

  function reconnect() {
    const old = socket;
    socket = null;
    if (old) old.close();
    backoffMs = BACKOFF_MIN_MS;
    connect();
  }

  // ---- figures --------------------------------------------------------------------------------

  function pick(obj, path) {
    return path.split('.').reduce((o, key) => (o == null ? undefined : o[key]), obj);
  }

  function format(value, kind) {
    if (kind === 'limit' && value == null) return 'unlimited';
    if (value == null || value === '') return '–';
    if (kind === 'running') return value ? 'running' : 'stopped';
    if (kind === 'decimal' && typeof value === 'number') return value.toFixed(1);
    return String(value);
  }

  function setText(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }

  function render(state) {
    document.querySelectorAll('[data-field]').forEach((el) => {
      setText(el, format(pick(state, el.dataset.field), el.dataset.format));
    });
    const at = typeof state.ts === 'number' ? new Date(state.ts) : new Date();
    setText($('last-update'), 'updated ' + at.toLocaleTimeString());
    renderLanes(state.workerPool || {});
    addPoint(state);
  }

  // ---- lanes: one row per lane key, updated in place ------------------------------------------

  const rows = new Map();

  function healthWord(value) {
    return HEALTH_WORDS.includes(value) ? value : 'unknown';
  }

  function cell(tr, className) {
    const td = document.createElement('td');
    td.className = className;
    tr.appendChild(td);
    return td;
  }

  function button(className, label, title) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = className;
    b.textContent = label;
    b.title = title;
    return b;
  }

  function createRow(lane) {
    const tr = document.createElement('tr');
    tr.dataset.lane = lane;
    cell(tr, 'lane').textContent = lane;
    cell(tr, 'depth num');
    cell(tr, 'health');
    cell(tr, 'running');
    const actions = cell(tr, 'actions');
    // A lane's key is its space id, or its group's name: the REST path takes either.
    actions.appendChild(button('pause', 'Pause', 'Pause lane ' + lane));
    actions.appendChild(button('resume', 'Resume', 'Resume lane ' + lane));
    return tr;
  }

  function renderLanes(pool) {
    const depths = pool.queueLengths || {};
    const health = pool.workerHealth || {};
    const running = pool.running || {};
    const lanes = new Set([...Object.keys(depths), ...Object.keys(health), ...Object.keys(running)]);
    const order = [...lanes].sort((a, b) => (depths[b] || 0) - (depths[a] || 0) || a.localeCompare(b));

    for (const [lane, tr] of rows) {
      if (!lanes.has(lane)) {
        tr.remove();
        rows.delete(lane);
      }
    }
    const tbody = $('lanes').tBodies[0];
    order.forEach((lane, index) => {
      let tr = rows.get(lane);
      if (!tr) {
        tr = createRow(lane);
        rows.set(lane, tr);
      }
      setText(tr.querySelector('td.depth'), String(depths[lane] || 0));
      const word = healthWord(health[lane]);
      const healthCell = tr.querySelector('td.health');
      setText(healthCell, health[lane] == null ? '–' : word);
      const healthClass = 'health health-' + word;
      if (healthCell.className !== healthClass) healthCell.className = healthClass;
      setText(tr.querySelector('td.running'), running[lane] == null ? '' : String(running[lane]));
      // Move a row only when it is out of place, so a row being clicked stays put.
      if (tbody.rows[index] !== tr) tbody.insertBefore(tr, tbody.rows[index] || null);
    });
    $('lanes-empty').hidden = order.length > 0;
  }

  // ---- charts (uPlot), the last WINDOW_SECONDS of updates -------------------------------------

  const series = { t: [], accepted: [], completed: [], failed: [], queue: [], inFlight: [] };
  const charts = [];

  function addPoint(state) {
    const t = (typeof state.ts === 'number' ? state.ts : Date.now()) / 1000;
    const last = series.t[series.t.length - 1];
    if (last !== undefined && t <= last) return;
    const num = (v) => (typeof v === 'number' ? v : null);
    series.t.push(t);
    series.accepted.push(num(pick(state, 'throughput.acceptedPerSec')));
    series.completed.push(num(pick(state, 'throughput.completedPerSec')));
    series.failed.push(num(pick(state, 'throughput.failedPerSec')));
    series.queue.push(num(state.queueLength));
    series.inFlight.push(num(pick(state, 'admission.inFlight')));
    let drop = 0;
    while (drop < series.t.length && series.t[drop] < t - WINDOW_SECONDS) drop++;
    if (drop > 0) Object.values(series).forEach((values) => values.splice(0, drop));
    charts.forEach((chart) => chart.plot.setData(chart.data()));
  }

  function chartSize(el) {
    return { width: Math.max(el.clientWidth, 240), height: 200 };
  }

  function makeChart(id, lines, data) {
    const el = $(id);
    const size = chartSize(el);
    const opts = {
      width: size.width,
      height: size.height,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, (max || 0) * 1.1)] } },
      series: [{}, ...lines.map(([label, stroke]) => ({ label, stroke, width: 2, spanGaps: true }))],
      axes: [{}, { size: 50 }],
    };
    charts.push({ el, data, plot: new uPlot(opts, data(), el) });
  }

  function initCharts() {
    if (typeof uPlot !== 'function') return; // the page still works without its charts
    makeChart('chart-throughput',
      [['accepted', '#2563eb'], ['completed', '#16a34a'], ['failed', '#dc2626']],
      () => [series.t, series.accepted, series.completed, series.failed]);
    makeChart('chart-queue',
      [['queue length', '#9333ea'], ['in flight', '#ea580c']],
      () => [series.t, series.queue, series.inFlight]);
    let pending = null;
    window.addEventListener('resize', () => {
      clearTimeout(pending);
      pending = setTimeout(() => charts.forEach((c) => c.plot.setSize(chartSize(c.el))), 150);
    });
  }

  // ---- REST controls ---------------------------------------------------------------------------

  function showStatus(text, ok, status) {
    const el = $('control-status');
    el.textContent = text;
    el.className = 'control-status ' + (ok ? 'ok' : 'error');
    el.dataset.status = status == null ? '' : String(status);
  }

  function summary(body) {
    if (body == null || body === '') return '';
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return text.length > 300 ? text.slice(0, 300) + '…' : text;
  }

  // Calls the API and reports the answer in #control-status (a 2xx body through describe, if
  // given); resolves to the body when 2xx, else to undefined.
  async function call(method, path, label, describe = summary) {
    const headers = { Accept: 'application/json, application/problem+json' };
    // The server takes mutating requests as JSON only, an empty body included.
    if (method !== 'GET') headers['Content-Type'] = 'application/json';
    if (token()) headers.Authorization = 'Bearer ' + token();
    showStatus(label + ': sending…', true, null);
    let response;
    try {
      response = await fetch(path, { method, headers });
    } catch (e) {
      showStatus(label + ': request failed (' + e.message + ')', false, null);
      return undefined;
    }
    let body = null;
    const type = response.headers.get('Content-Type') || '';
    try {
      body = type.includes('json') ? await response.json() : await response.text();
    } catch (e) {
      body = null;
    }
    const head = label + ': ' + response.status + ' ' + response.statusText;
    if (response.ok) {
      const text = body ? describe(body) : '';
      showStatus(head + (text ? ' ' + text : ''), true, response.status);
      return body;
    }
    const problem = body && typeof body === 'object' ? body : {};
    const reason = problem.detail || problem.title || summary(body);
    showStatus(head + (reason ? ' — ' + reason : ''), false, response.status);
    return undefined;
  }

  const segment = encodeURIComponent;

  function lanePath(lane) {
    return '/v1/spaces/' + segment(lane);
  }

  function initControls() {
    $('pause-all').addEventListener('click', () => call('POST', '/v1/admin/pause', 'pause all'));
    $('resume-all').addEventListener('click', () => call('POST', '/v1/admin/resume', 'resume all'));
    $('emergency-stop').addEventListener('click', () => {
      if (confirm('Emergency stop: cancel every pending event and interrupt running ones?')) {
        call('POST', '/v1/admin/emergency-stop', 'emergency stop');
      }
    });
    $('lanes').addEventListener('click', (event) => {
      const b = event.target.closest('button');
      const tr = b && b.closest('tr[data-lane]');
      if (!tr) return;
      const lane = tr.dataset.lane;
      if (b.classList.contains('pause')) call('POST', lanePath(lane) + '/pause', 'pause ' + lane);
      if (b.classList.contains('resume')) call('POST', lanePath(lane) + '/resume', 'resume ' + lane);
    });
    $('cancel-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const space = $('cancel-space').value.trim();
      const id = $('cancel-id').value.trim();
      if (!space || !id) {
        showStatus('cancel: give a space id and an event id', false, null);
        return;
      }
      call('DELETE', '/v1/spaces/' + segment(space) + '/events/' + segment(id), 'cancel ' + id);
    });
    $('load-dead-letters').addEventListener('click', loadDeadLetters);
    $('dead-letter-list').addEventListener('click', async (event) => {
      const b = event.target.closest('button.redrive');
      if (!b) return;
      const id = b.closest('tr').dataset.id;
      const done = await call('POST', '/v1/dead-letters/' + segment(id) + '/redrive', 'redrive ' + id);
      if (done !== undefined) loadDeadLetters();
    });
  }

  // ---- dead letters ----------------------------------------------------------------------------

  // The gateway answers {"deadLetters":[…]}; accept a bare array or any first array field too.
  function deadLetterItems(body) {
    if (Array.isArray(body)) return body;
    if (body && typeof body === 'object') {
      if (Array.isArray(body.deadLetters)) return body.deadLetters;
      const first = Object.values(body).find(Array.isArray);
      if (first) return first;
    }
    return [];
  }

  function errorText(error) {
    if (error == null) return '';
    if (typeof error !== 'object') return String(error);
    return [error.type, error.message].filter((part) => part != null).join(': ');
  }

  async function loadDeadLetters() {
    const body = await call('GET', '/v1/dead-letters', 'dead letters',
      (answer) => deadLetterItems(answer).length + ' entries');
    if (body === undefined) return;
    const items = deadLetterItems(body);
    const tbody = $('dead-letter-list').tBodies[0];
    tbody.replaceChildren();
    for (const item of items) {
      const entry = item && typeof item === 'object' ? item : { id: item };
      const tr = document.createElement('tr');
      const text = (v) => (v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
      cell(tr, 'id').textContent = text(entry.id);
      cell(tr, 'space').textContent = text(entry.spaceId);
      cell(tr, 'lane').textContent = text(entry.lane);
      cell(tr, 'error').textContent = errorText(entry.error);
      cell(tr, 'attempts num').textContent = text(entry.attempts);
      cell(tr, 'last-failure').textContent = text(entry.lastFailureAt);
      const actions = cell(tr, 'actions');
      if (entry.id != null && entry.id !== '') {
        tr.dataset.id = String(entry.id);
        actions.appendChild(button('redrive', 'Redrive', 'Run event ' + entry.id + ' again'));
      }
      tbody.appendChild(tr);
    }
    setText($('dead-letters-count'), items.length + ' loaded at ' + new Date().toLocaleTimeString());
  }

  // ---- start -----------------------------------------------------------------------------------

  initSettings();
  initControls();
  initCharts();
  connect();
})();
