// Parley live monitor: one WebSocket of state updates (the first one carries the server's recent
// history), three charts, a lane table, a lane's queue as cards (drag to reorder, a priority per
// card, tick to cancel several) and operator controls over the REST API. Every destructive action asks first. Every
// piece of data reaches the DOM through textContent.
(function () {
  'use strict';

  const TOKEN_KEY = 'parley.monitor.token';
  const DEFAULT_WINDOW_SECONDS = 900;
  const MIN_AXIS_SECONDS = 60;
  const RECENT_MS = 2000; // an event seen running, or a lane that finished some, shows this long
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
      if (update && update.type === 'state') {
        if (update.history) setHistory(update.history);
        render(update);
      }
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
    if (kind === 'mib' && typeof value === 'number') {
      return value < 0 ? '–' : (value / 1048576).toFixed(1) + ' MiB';
    }
    if (kind === 'percent' && typeof value === 'number') {
      return value < 0 ? '–' : (value * 100).toFixed(1) + ' %';
    }
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
    // Buttons that match the state: everything paused shows Resume all, else Pause all.
    const allPaused = state.isRunning === false;
    $('pause-all').hidden = allPaused;
    $('resume-all').hidden = !allPaused;
    renderLanes(state.workerPool || {}, at.getTime());
    renderNodes(Array.isArray(state.nodes) ? state.nodes : []);
    addPoint(state);
    refreshLanePanel();
  }

  // ---- lanes: one row per lane key, updated in place ------------------------------------------

  const rows = new Map();
  const recent = new Map(); // lane → {running, processed, doneId, done, until}

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
    tr.className = 'lane-row';
    tr.title = 'Show the queue of ' + lane;
    cell(tr, 'lane').textContent = lane;
    cell(tr, 'node');
    cell(tr, 'depth num');
    cell(tr, 'health');
    cell(tr, 'running');
    const actions = cell(tr, 'actions');
    // A lane's key is its space id, or its group's name: the REST path takes either.
    actions.appendChild(button('pause', 'Pause', 'Pause lane ' + lane));
    actions.appendChild(button('resume', 'Resume', 'Resume lane ' + lane));
    return tr;
  }

  // What the Running column shows: the running event; else, for RECENT_MS after an update saw the
  // lane finish some, the event the update before had running ("<id> (done)") and how many others
  // finished ("+N done"): events shorter than the monitor interval are never running when an update
  // is taken, and would otherwise never show.
  function runningText(lane, entry, now) {
    const seen = recent.get(lane) || { running: null, processed: null, doneId: null, done: 0, until: 0 };
    const id = entry && entry.running != null ? String(entry.running) : null;
    const processed = entry && typeof entry.processed === 'number' ? entry.processed : null;
    if (seen.processed != null && processed != null && processed > seen.processed) {
      seen.done = processed - seen.processed;
      seen.doneId = seen.running !== id ? seen.running : null;
      seen.until = now + RECENT_MS;
    }
    seen.running = id;
    seen.processed = processed;
    recent.set(lane, seen);
    if (id != null) return { text: id, recent: false };
    const parts = [];
    if (now < seen.until) {
      if (seen.doneId) parts.push(seen.doneId + ' (done)');
      const others = seen.doneId ? seen.done - 1 : seen.done;
      if (others > 0) parts.push('+' + others + ' done');
    }
    return { text: parts.join(' · '), recent: parts.length > 0 };
  }

  function renderLanes(pool, now) {
    const depths = pool.queueLengths || {};
    const health = pool.workerHealth || {};
    const running = pool.running || {};
    const details = new Map((pool.lanes || []).map((entry) => [entry.lane, entry]));
    const lanes = new Set([...Object.keys(depths), ...Object.keys(health), ...Object.keys(running)]);
    const order = [...lanes].sort((a, b) => (depths[b] || 0) - (depths[a] || 0) || a.localeCompare(b));

    for (const [lane, tr] of rows) {
      if (!lanes.has(lane)) {
        tr.remove();
        rows.delete(lane);
        recent.delete(lane);
      }
    }
    const tbody = $('lanes').tBodies[0];
    order.forEach((lane, index) => {
      let tr = rows.get(lane);
      if (!tr) {
        tr = createRow(lane);
        rows.set(lane, tr);
      }
      const detail = details.get(lane);
      setText(tr.querySelector('td.node'), detail && detail.node != null ? String(detail.node) : '');
      setText(tr.querySelector('td.depth'), String(depths[lane] || 0));
      const word = healthWord(health[lane]);
      const healthCell = tr.querySelector('td.health');
      setText(healthCell, health[lane] == null ? '–' : word);
      const healthClass = 'health health-' + word;
      if (healthCell.className !== healthClass) healthCell.className = healthClass;
      const entry = details.get(lane) || { running: running[lane] };
      const shown = runningText(lane, entry, now);
      const runningCell = tr.querySelector('td.running');
      setText(runningCell, shown.text);
      runningCell.classList.toggle('recent', shown.recent);
      // Pause or Resume, whichever applies.
      tr.querySelector('button.pause').hidden = word === 'paused';
      tr.querySelector('button.resume').hidden = word !== 'paused';
      tr.classList.toggle('selected', lane === selectedLane);
      // Move a row only when it is out of place, so a row being clicked stays put.
      if (tbody.rows[index] !== tr) tbody.insertBefore(tr, tbody.rows[index] || null);
    });
    $('lanes-empty').hidden = order.length > 0;
  }

  // ---- cluster mode: the node of each lane, and each node's figures ---------------------------

  // A cluster's updates list its nodes; one JVM's do not, and the node column and card stay hidden.
  function renderNodes(nodes) {
    $('lanes').classList.toggle('clustered', nodes.length > 0);
    $('nodes-card').hidden = nodes.length === 0;
    const tbody = $('nodes').tBodies[0];
    while (tbody.rows.length > nodes.length) tbody.deleteRow(-1);
    nodes.forEach((node, index) => {
      let tr = tbody.rows[index];
      if (!tr) {
        tr = tbody.insertRow();
        ['node', 'state', 'queue num', 'in-flight num', 'lanes num'].forEach((name) => cell(tr, name));
      }
      tr.dataset.node = String(node.node);
      setText(tr.cells[0], String(node.node));
      setText(tr.cells[1], node.up ? 'up' : 'not up');
      tr.cells[1].className = 'state ' + (node.up ? 'health-healthy' : 'health-unhealthy');
      setText(tr.cells[2], String(node.queueLength));
      setText(tr.cells[3], String(node.inFlight));
      setText(tr.cells[4], String(node.lanes));
    });
  }

  // ---- charts (uPlot): the server's history, then one point per update ------------------------

  const FIELDS = ['ts', 'acceptedPerSec', 'completedPerSec', 'failedPerSec', 'queueLength',
    'inFlight', 'queueWaitMsP50', 'queueWaitMsP99', 'handlerMsP50', 'handlerMsP99'];
  const series = {};
  FIELDS.forEach((field) => { series[field] = []; });
  const charts = [];
  let windowSeconds = DEFAULT_WINDOW_SECONDS;

  const num = (v) => (typeof v === 'number' ? v : null);

  function pointOf(state) {
    return {
      ts: (typeof state.ts === 'number' ? state.ts : Date.now()) / 1000,
      acceptedPerSec: num(pick(state, 'throughput.acceptedPerSec')),
      completedPerSec: num(pick(state, 'throughput.completedPerSec')),
      failedPerSec: num(pick(state, 'throughput.failedPerSec')),
      queueLength: num(state.queueLength),
      inFlight: num(pick(state, 'admission.inFlight')),
      queueWaitMsP50: num(pick(state, 'latency.queueWaitMsP50')),
      queueWaitMsP99: num(pick(state, 'latency.queueWaitMsP99')),
      handlerMsP50: num(pick(state, 'latency.handlerMsP50')),
      handlerMsP99: num(pick(state, 'latency.handlerMsP99')),
    };
  }

  function push(point) {
    const last = series.ts[series.ts.length - 1];
    if (last !== undefined && point.ts <= last) return false;
    FIELDS.forEach((field) => series[field].push(point[field]));
    return true;
  }

  function trim() {
    const newest = series.ts[series.ts.length - 1];
    let drop = 0;
    while (drop < series.ts.length && series.ts[drop] < newest - windowSeconds) drop++;
    if (drop > 0) FIELDS.forEach((field) => series[field].splice(0, drop));
  }

  function redraw() {
    charts.forEach((chart) => chart.plot.setData(chart.data()));
    const status = $('history-status');
    status.dataset.points = String(series.ts.length);
    status.dataset.firstTs = series.ts.length ? String(Math.round(series.ts[0] * 1000)) : '';
    if (series.ts.length) {
      status.textContent = series.ts.length + ' points since '
        + new Date(series.ts[0] * 1000).toLocaleTimeString();
    }
  }

  // The server's recent past, sent with the first update of a connection: it replaces what the
  // page held (a reconnect gets the whole window again).
  function setHistory(history) {
    const fields = Array.isArray(history.fields) ? history.fields : [];
    const points = Array.isArray(history.points) ? history.points : [];
    if (typeof history.windowMs === 'number' && history.windowMs >= 1000) {
      windowSeconds = Math.max(MIN_AXIS_SECONDS, history.windowMs / 1000);
      const words = windowSeconds >= 120 ? Math.round(windowSeconds / 60) + ' min'
        : Math.round(windowSeconds) + ' s';
      document.querySelectorAll('.window').forEach((el) => setText(el, words));
    }
    FIELDS.forEach((field) => { series[field].length = 0; });
    for (const row of points) {
      const point = {};
      FIELDS.forEach((field) => {
        const at = fields.indexOf(field);
        point[field] = at < 0 ? null : num(row[at]);
      });
      if (point.ts != null) {
        point.ts /= 1000;
        push(point);
      }
    }
    trim();
    redraw();
  }

  function addPoint(state) {
    if (push(pointOf(state))) {
      trim();
      redraw();
    }
  }

  function chartSize(el) {
    return { width: Math.max(el.clientWidth, 240), height: 200 };
  }

  // The x axis spans the data, but at least MIN_AXIS_SECONDS ending at the newest point: one point
  // reads as "now". Taken from the data, not from the range uPlot proposes, which stretches a lone
  // time point over a thousand days; the clock only while there is no data.
  function timeRange(u) {
    const ts = u.data[0];
    const newest = ts.length ? ts[ts.length - 1] : Date.now() / 1000;
    const oldest = ts.length ? ts[0] : newest;
    return [Math.min(oldest, newest - MIN_AXIS_SECONDS), newest];
  }

  // One line of clock time per tick (seconds only when the axis spans less than ten minutes):
  // uPlot's default adds a second line of dates that collides at the edges of short windows.
  function timeLabels(u, splits) {
    const span = (u.scales.x.max || 0) - (u.scales.x.min || 0);
    const style = span < 600
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { hour: '2-digit', minute: '2-digit' };
    return splits.map((t) => new Date(t * 1000).toLocaleTimeString([], style));
  }

  // The time axis as drawn, in ms ("min..max"), for whoever checks that it reads sensibly. Noted
  // when uPlot commits a scale (after setData returns), in one attribute so that it reads whole.
  function noteTimeAxis(el, u, key) {
    if (key !== 'x') return;
    el.dataset.xRange =
      Math.round(u.scales.x.min * 1000) + '..' + Math.round(u.scales.x.max * 1000);
  }

  function makeChart(id, lines, data) {
    const el = $(id);
    const size = chartSize(el);
    const opts = {
      width: size.width,
      height: size.height,
      scales: {
        x: { time: true, range: timeRange },
        y: { range: (u, min, max) => [0, Math.max(1, (max || 0) * 1.1)] },
      },
      series: [{}, ...lines.map(([label, stroke, dash]) =>
        ({ label, stroke, width: 2, spanGaps: true, dash }))],
      axes: [{ values: timeLabels, space: 70 }, { size: 50 }],
      hooks: { setScale: [(u, key) => noteTimeAxis(el, u, key)] },
    };
    charts.push({ el, data, plot: new uPlot(opts, data(), el) });
  }

  function initCharts() {
    if (typeof uPlot !== 'function') return; // the page still works without its charts
    makeChart('chart-throughput',
      [['accepted', '#2563eb'], ['completed', '#16a34a'], ['failed', '#dc2626']],
      () => [series.ts, series.acceptedPerSec, series.completedPerSec, series.failedPerSec]);
    makeChart('chart-queue',
      [['queue length', '#9333ea'], ['in flight', '#ea580c']],
      () => [series.ts, series.queueLength, series.inFlight]);
    makeChart('chart-latency',
      [['queue wait p50', '#0891b2'], ['queue wait p99', '#0891b2', [6, 4]],
        ['handler p50', '#ca8a04'], ['handler p99', '#ca8a04', [6, 4]]],
      () => [series.ts, series.queueWaitMsP50, series.queueWaitMsP99,
        series.handlerMsP50, series.handlerMsP99]);
    let pending = null;
    window.addEventListener('resize', () => {
      clearTimeout(pending);
      pending = setTimeout(() => charts.forEach((c) => c.plot.setSize(chartSize(c.el))), 150);
    });
  }

  // ---- Export: the server's queue status (GET /v1/export) as a JSON file ----------------------

  async function exportQueue() {
    const label = 'export';
    showStatus(label + ': sending…', true, null);
    let response;
    let text;
    try {
      response = await fetch('/v1/export', { headers: requestHeaders('GET') });
      text = await response.text();
    } catch (e) {
      showStatus(label + ': request failed (' + e.message + ')', false, null);
      return;
    }
    const head = label + ': ' + response.status + ' ' + response.statusText;
    if (!response.ok) {
      let reason = summary(text);
      try {
        const problem = JSON.parse(text);
        reason = problem.detail || problem.title || reason;
      } catch (e) {
        // not JSON: the text as it came
      }
      showStatus(head + ' — nothing downloaded' + (reason ? ': ' + reason : ''), false, response.status);
      return;
    }
    const blob = new Blob([text], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'parley-export-' + new Date().toISOString().replace(/[:.]/g, '-') + '.json';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 0);
    showStatus(head + ' ' + link.download + ' (' + blob.size + ' bytes)', true, response.status);
  }

  // ---- confirmation: every destructive action asks first ---------------------------------------

  // Resolves true when the operator confirms, false when they keep things as they are.
  function confirmAction(message) {
    const dialog = $('confirm-dialog');
    setText($('confirm-message'), message);
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
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

  function requestHeaders(method) {
    const headers = { Accept: 'application/json, application/problem+json' };
    // The server takes mutating requests as JSON only, an empty body included.
    if (method !== 'GET') headers['Content-Type'] = 'application/json';
    if (token()) headers.Authorization = 'Bearer ' + token();
    return headers;
  }

  async function request(method, path, payload) {
    const init = { method, headers: requestHeaders(method) };
    if (payload !== undefined) init.body = JSON.stringify(payload);
    const response = await fetch(path, init);
    let body = null;
    const type = response.headers.get('Content-Type') || '';
    try {
      body = type.includes('json') ? await response.json() : await response.text();
    } catch (e) {
      body = null;
    }
    return { response, body };
  }

  // Calls the API and reports the answer in #control-status (a 2xx body through describe, if
  // given); resolves to the body when 2xx, else to undefined.
  async function call(method, path, label, describe = summary, payload = undefined) {
    showStatus(label + ': sending…', true, null);
    let answer;
    try {
      answer = await request(method, path, payload);
    } catch (e) {
      showStatus(label + ': request failed (' + e.message + ')', false, null);
      return undefined;
    }
    const { response, body } = answer;
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

  function eventPath(spaceId, id) {
    return '/v1/spaces/' + segment(spaceId) + '/events/' + segment(id);
  }

  async function cancelEvent(spaceId, id) {
    const ok = await confirmAction('Cancel pending event ' + id + ' of space ' + spaceId + '?');
    if (!ok) {
      showStatus('cancel ' + id + ': kept', true, null);
      return;
    }
    await call('DELETE', eventPath(spaceId, id), 'cancel ' + id);
    refreshLanePanel(true);
  }

  // PATCH the pending event's priority; the server's answer (a 409 once it runs, a 403 without the
  // admin role) shows in the control status, and the lane view is reloaded either way.
  async function reprioritize(select) {
    const li = select.closest('li');
    const id = li.dataset.id;
    const priority = select.value;
    const changed = await call('PATCH', eventPath(li.dataset.space, id), 'priority ' + id + ' ' + priority,
      (view) => (view && view.priority ? 'now ' + view.priority : ''), { priority });
    if (changed === undefined) select.value = select.dataset.priority;
    refreshLanePanel(true);
  }

  function initControls() {
    $('export').addEventListener('click', exportQueue);
    $('pause-all').addEventListener('click', () => call('POST', '/v1/admin/pause', 'pause all'));
    $('resume-all').addEventListener('click', () => call('POST', '/v1/admin/resume', 'resume all'));
    $('emergency-stop').addEventListener('click', async () => {
      if (await confirmAction('Emergency stop: cancel every pending event and interrupt running ones?')) {
        call('POST', '/v1/admin/emergency-stop', 'emergency stop');
      } else {
        showStatus('emergency stop: not sent', true, null);
      }
    });
    $('lanes').addEventListener('click', (event) => {
      const tr = event.target.closest('tr[data-lane]');
      if (!tr) return;
      const lane = tr.dataset.lane;
      const b = event.target.closest('button');
      if (!b) {
        selectLane(lane);
        return;
      }
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
      cancelEvent(space, id);
    });
    $('load-dead-letters').addEventListener('click', loadDeadLetters);
    $('purge-dead-letters').addEventListener('click', async () => {
      if (!(await confirmAction('Purge every dead letter? They cannot be redriven afterwards.'))) {
        showStatus('purge dead letters: kept', true, null);
        return;
      }
      const done = await call('DELETE', '/v1/dead-letters', 'purge dead letters',
        (answer) => (answer && typeof answer.purged === 'number' ? answer.purged + ' purged' : ''));
      if (done !== undefined) loadDeadLetters(false);
    });
    $('dead-letter-list').addEventListener('click', async (event) => {
      const b = event.target.closest('button.redrive');
      if (!b) return;
      const id = b.closest('tr').dataset.id;
      const done = await call('POST', '/v1/dead-letters/' + segment(id) + '/redrive', 'redrive ' + id);
      if (done !== undefined) loadDeadLetters(false);
    });
    initLanePanel();
  }

  // ---- a lane's queue: its running event and pending events as cards --------------------------

  let selectedLane = null;
  let laneView = null;
  const selectedIds = new Set();
  let loading = false;
  let reloadAgain = false;
  let dragging = null;

  function selectLane(lane) {
    if (lane !== selectedLane) {
      selectedLane = lane;
      laneView = null;
      selectedIds.clear();
      $('lane-cards').replaceChildren();
    }
    $('lane-panel').hidden = false;
    setText($('lane-name'), lane);
    rows.forEach((tr, key) => tr.classList.toggle('selected', key === lane));
    refreshLanePanel(true);
  }

  // Reloads the selected lane's view from the REST API; never while a card is dragged or a dialog
  // is open (the operator is looking at the cards as they are), and one request at a time.
  async function refreshLanePanel(force) {
    if (!selectedLane || dragging || $('confirm-dialog').open) return;
    if (loading) {
      reloadAgain = reloadAgain || force === true;
      return;
    }
    loading = true;
    const lane = selectedLane;
    try {
      const { response, body } = await request('GET', lanePath(lane));
      if (lane !== selectedLane || dragging) return;
      if (response.ok && body && typeof body === 'object') {
        laneView = body;
        renderLanePanel();
      } else {
        laneView = null;
        renderLanePanel((body && body.detail) || ('lane view: ' + response.status));
      }
    } catch (e) {
      // the next update tries again
    } finally {
      loading = false;
      if (reloadAgain) {
        reloadAgain = false;
        refreshLanePanel();
      }
    }
  }

  function eta(ms) {
    if (typeof ms !== 'number' || ms < 0) return '–';
    return ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(1) + ' s';
  }

  function field(card, name, value) {
    const span = document.createElement('span');
    span.className = 'field field-' + name;
    const label = document.createElement('small');
    label.textContent = name;
    const text = document.createElement('b');
    text.textContent = value;
    span.append(label, text);
    card.appendChild(span);
    return span;
  }

  function eventCard(view, running) {
    const li = document.createElement('li');
    li.className = 'event-card ' + (running ? 'card-running' : 'card-pending');
    li.dataset.id = String(view.id);
    li.dataset.space = String(view.spaceId);
    const head = document.createElement('div');
    head.className = 'card-head';
    if (!running) {
      const handle = document.createElement('span');
      handle.className = 'handle';
      handle.title = 'Drag to reorder';
      handle.textContent = '⠿';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.className = 'select';
      box.title = 'Select ' + view.id;
      box.checked = selectedIds.has(li.dataset.id);
      head.append(handle, box);
    }
    const id = document.createElement('span');
    id.className = 'event-id';
    id.textContent = String(view.id);
    head.appendChild(id);
    if (view.priority) {
      const badge = document.createElement('span');
      badge.className = 'priority priority-' + String(view.priority).toLowerCase();
      badge.textContent = String(view.priority);
      head.appendChild(badge);
    }
    li.appendChild(head);
    field(li, 'space', String(view.spaceId));
    if (running) {
      field(li, 'status', 'running');
    } else {
      field(li, 'position', String(view.position));
      field(li, 'eta', eta(view.etaMs));
    }
    field(li, 'attempts', String(view.attempts == null ? 0 : view.attempts));
    if (!running) {
      const actions = document.createElement('div');
      actions.className = 'card-actions';
      const priority = document.createElement('select');
      priority.className = 'reprioritize';
      priority.title = 'Change the priority of ' + view.id;
      priority.dataset.priority = String(view.priority || '');
      ['P0', 'P1', 'P2', 'P3'].forEach((p) => priority.add(new Option(p, p, false, p === view.priority)));
      actions.append(priority, button('cancel', 'Cancel', 'Cancel ' + view.id));
      li.appendChild(actions);
    }
    return li;
  }

  // Updates the cards in place: a card stays the same element while its event stays in the lane,
  // so that a pointer on it (a click, a drag, a ticked box) never lands on a replaced node.
  function renderLanePanel(problem) {
    const list = $('lane-cards');
    const view = laneView;
    const paused = !!(view && view.paused);
    setText($('lane-state'), view
      ? (paused ? 'paused' : view.health || '') + (view.group ? ' · group ' + view.group : '')
      : (problem || ''));
    $('lane-pause').hidden = paused;
    $('lane-resume').hidden = !paused;
    const views = [];
    if (view && view.running) views.push({ event: view.running, running: true });
    const pending = view && Array.isArray(view.pending) ? view.pending : [];
    pending.forEach((p) => views.push({ event: p, running: false }));
    const live = new Set(pending.map((p) => String(p.id)));
    [...selectedIds].forEach((id) => { if (!live.has(id)) selectedIds.delete(id); });

    const existing = new Map([...list.children].map((li) => [li.dataset.key, li]));
    const cards = views.map(({ event, running }) => {
      const key = (running ? 'running:' : 'pending:') + event.id + ':' + (event.priority || '');
      let li = existing.get(key);
      if (!li) {
        li = eventCard(event, running);
        li.dataset.key = key;
      }
      updateCard(li, event, running);
      return li;
    });
    const keep = new Set(cards);
    [...list.children].forEach((li) => { if (!keep.has(li)) li.remove(); });
    cards.forEach((li, index) => {
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
    });
    $('lane-empty').hidden = cards.length > 0;
    updateSelection();
  }

  function updateCard(li, event, running) {
    const set = (name, value) => {
      const el = li.querySelector('.field-' + name + ' b');
      if (el) setText(el, value);
    };
    set('space', String(event.spaceId));
    set('attempts', String(event.attempts == null ? 0 : event.attempts));
    if (!running) {
      set('position', String(event.position));
      set('eta', eta(event.etaMs));
      const box = li.querySelector('input.select');
      if (box) box.checked = selectedIds.has(li.dataset.id);
    }
  }

  function updateSelection() {
    setText($('selected-count'), String(selectedIds.size));
    $('bulk-cancel').disabled = selectedIds.size === 0;
  }

  function pendingCards() {
    return [...$('lane-cards').querySelectorAll('li.card-pending')];
  }

  function initLanePanel() {
    const list = $('lane-cards');
    $('lane-close').addEventListener('click', () => {
      selectedLane = null;
      laneView = null;
      $('lane-panel').hidden = true;
      rows.forEach((tr) => tr.classList.remove('selected'));
    });
    $('lane-pause').addEventListener('click', async () => {
      const lane = selectedLane;
      await call('POST', lanePath(lane) + '/pause', 'pause ' + lane);
      refreshLanePanel(true);
    });
    $('lane-resume').addEventListener('click', async () => {
      const lane = selectedLane;
      await call('POST', lanePath(lane) + '/resume', 'resume ' + lane);
      refreshLanePanel(true);
    });
    list.addEventListener('change', (event) => {
      const select = event.target.closest('select.reprioritize');
      if (select) {
        reprioritize(select);
        return;
      }
      const box = event.target.closest('input.select');
      if (!box) return;
      const id = box.closest('li').dataset.id;
      if (box.checked) selectedIds.add(id); else selectedIds.delete(id);
      updateSelection();
    });
    list.addEventListener('click', (event) => {
      const b = event.target.closest('button.cancel');
      if (!b) return;
      const li = b.closest('li');
      cancelEvent(li.dataset.space, li.dataset.id);
    });
    $('bulk-cancel').addEventListener('click', bulkCancel);

    // Reordering by dragging a pending card (pointer events: mouse, pen and touch alike).
    list.addEventListener('pointerdown', (event) => {
      const card = event.target.closest('li.card-pending');
      if (!card || event.button !== 0 || event.target.closest('button, input, select')) return;
      event.preventDefault();
      dragging = { card, from: pendingCards().indexOf(card), pointer: event.pointerId };
      card.classList.add('dragging');
    });
    // On the document, not the list: moving the card in the list would lose a pointer capture, and
    // the pointer may leave the list before it is released.
    document.addEventListener('pointermove', (event) => {
      if (!dragging || event.pointerId !== dragging.pointer) return;
      const others = pendingCards().filter((c) => c !== dragging.card);
      const before = others.find((c) => {
        const box = c.getBoundingClientRect();
        return event.clientY < box.top + box.height / 2;
      });
      if (before) {
        if (dragging.card.nextElementSibling !== before) list.insertBefore(dragging.card, before);
      } else if (others.length && list.lastElementChild !== dragging.card) {
        list.appendChild(dragging.card);
      }
    });
    const drop = async (event) => {
      if (!dragging || event.pointerId !== dragging.pointer) return;
      const { card, from } = dragging;
      card.classList.remove('dragging');
      const to = pendingCards().indexOf(card);
      dragging = null;
      if (to !== from && to >= 0) {
        const id = card.dataset.id;
        const moved = await call('POST', eventPath(card.dataset.space, id) + '/move?position=' + to,
          'move ' + id + ' to ' + to, () => '');
        if (moved && typeof moved === 'object') {
          laneView = moved;
          renderLanePanel();
        }
      }
      refreshLanePanel(true);
    };
    document.addEventListener('pointerup', drop);
    document.addEventListener('pointercancel', drop);
  }

  async function bulkCancel() {
    const targets = pendingCards().filter((card) => selectedIds.has(card.dataset.id))
      .map((card) => ({ id: card.dataset.id, space: card.dataset.space }));
    if (targets.length === 0) return;
    const ok = await confirmAction('Cancel ' + targets.length + ' pending events ('
      + targets.map((t) => t.id).join(', ') + ')?');
    if (!ok) {
      showStatus('bulk cancel: kept ' + targets.length + ' events', true, null);
      return;
    }
    let cancelled = 0;
    const failed = [];
    for (const target of targets) {
      try {
        const { response } = await request('DELETE', eventPath(target.space, target.id));
        if (response.ok) {
          cancelled++;
          selectedIds.delete(target.id);
        } else {
          failed.push(target.id + ' (' + response.status + ')');
        }
      } catch (e) {
        failed.push(target.id + ' (' + e.message + ')');
      }
    }
    showStatus('bulk cancel: ' + cancelled + ' cancelled' + (failed.length ? ', failed: '
      + failed.join(', ') : ''), failed.length === 0, failed.length === 0 ? 200 : null);
    updateSelection();
    refreshLanePanel(true);
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

  // Loads the list; after an action (report false) quietly, so that the action's answer stays in
  // the control status.
  async function loadDeadLetters(report = true) {
    let body;
    if (report === false) {
      try {
        const { response, body: answer } = await request('GET', '/v1/dead-letters');
        body = response.ok ? answer : undefined;
      } catch (e) {
        body = undefined;
      }
    } else {
      body = await call('GET', '/v1/dead-letters', 'dead letters',
        (answer) => deadLetterItems(answer).length + ' entries');
    }
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
