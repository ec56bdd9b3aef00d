/* global document, window, EventSource, getComputedStyle, uPlot */
// The health dashboard: renders snapshots pushed over server-sent events (polling if the
// browser has no EventSource). Plain DOM and uPlot; no build step. Text goes in through
// textContent only, so nothing from a report can inject markup.
'use strict';

(function dashboard() {
  const $ = (id) => document.getElementById(id);
  const cards = new Map(); // component name → { el, charts }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function ago(ms) {
    if (ms === null || ms === undefined) return '—';
    const s = Math.max(0, (Date.now() - ms) / 1000);
    if (s < 60) return `${Math.round(s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
  const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(v >= 0.9995 || v === 0 ? 0 : 1)}%`);
  const ms = (v) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);
  const num = (v) => (v === null || v === undefined ? '—' : String(v));
  const time = (t) => new Date(t).toLocaleTimeString();
  const color = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function sparkline(container, label, stroke) {
    const wrap = el('div', { class: 'spark' }, el('div', { class: 'label', text: label }));
    container.append(wrap);
    const opts = {
      width: 110,
      height: 34,
      cursor: { show: false },
      legend: { show: false },
      select: { show: false },
      scales: { x: { time: false } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: color(stroke), width: 1.5, fill: null, spanGaps: true, points: { show: false } }],
    };
    return { chart: new uPlot(opts, [[0], [null]], wrap), wrap };
  }

  function facts(entry) {
    const h = entry.windows['1h'];
    const d = entry.windows['24h'];
    const rows = [
      ['last ok', ago(entry.last_success)],
      ['instances', `${entry.instances.healthy}/${entry.instances.total}`],
      ['p50', ms(entry.latency_ms.p50)],
      ['p95', ms(entry.latency_ms.p95)],
      ['errors 1h', pct(h.error_rate)],
      ['errors 24h', pct(d.error_rate)],
      ['avail 1h', pct(h.availability)],
      ['avail 24h', pct(d.availability)],
    ];
    if (h.throughput_per_min !== null) rows.push(['items/min', num(h.throughput_per_min)]);
    if (entry.consumer_lag) rows.push(['lag', num(entry.consumer_lag.total)]);
    const dl = el('dl', { class: 'facts' });
    for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', { text: v }));
    return dl;
  }

  function renderCard(name, entry, series) {
    let card = cards.get(name);
    if (!card) {
      const sparks = el('div', { class: 'sparks' });
      const node = el('article', { class: 'card', 'data-component': name });
      node.append(
        el('header', {}, el('span', { class: 'name', title: name, text: name }), el('span', { class: 'pill' })),
        el('div', { class: 'message' }),
        el('div', { class: 'facts-slot' }),
        sparks,
      );
      card = {
        el: node,
        latency: sparkline(sparks, 'latency p95 (1 h)', '--line-latency'),
        errors: sparkline(sparks, 'error rate (1 h)', '--line-errors'),
      };
      cards.set(name, card);
    }
    const { el: node } = card;
    node.dataset.status = entry.status;
    node.dataset.kind = entry.kind;
    const pill = node.querySelector('.pill');
    pill.dataset.status = entry.status;
    pill.textContent = entry.status;
    const message = node.querySelector('.message');
    message.textContent = entry.message;
    message.title = `${entry.status} since ${new Date(entry.since).toLocaleString()}: ${entry.message}`;
    node.querySelector('.facts-slot').replaceChildren(facts(entry));
    if (series) {
      card.latency.chart.setData([series.t, series.latency_p95_ms]);
      card.errors.chart.setData([series.t, series.error_rate]);
      // Heartbeats carry no latency: no empty chart for them.
      card.latency.wrap.hidden = series.latency_p95_ms.every((v) => v === null);
    }
    return node;
  }

  function renderGrid(container, entries, sparklines) {
    const nodes = entries.map(([name, entry]) => renderCard(name, entry, sparklines[name]));
    if (nodes.length === 0) container.replaceChildren(el('p', { class: 'empty', text: 'nothing has reported yet' }));
    else container.replaceChildren(...nodes);
  }

  function renderAlerts(alerts) {
    const count = $('alert-count');
    count.textContent = String(alerts.length);
    count.dataset.zero = String(alerts.length === 0);
    const items = alerts.map((a) =>
      el(
        'li',
        { class: 'alert', 'data-severity': a.severity, 'data-fingerprint': a.fingerprint, 'data-status': a.status },
        el('div', { class: 'title', text: a.name }),
        el('div', { class: 'meta', text: `${a.severity} · ${a.status} · ${a.source} · ${ago(a.timestamp)}` }),
        a.description ? el('div', { class: 'meta', text: a.description }) : null,
      ),
    );
    if (items.length === 0) $('alerts').replaceChildren(el('li', { class: 'empty', text: 'no open alerts' }));
    else $('alerts').replaceChildren(...items);
  }

  function renderDeliveries(deliveries) {
    $('channels').replaceChildren(
      ...deliveries.channels.map((c) =>
        el(
          'tr',
          { 'data-channel': c.channel },
          el('td', { text: c.channel }),
          el('td', { text: String(c.attempts) }),
          el('td', { text: String(c.failures) }),
          el('td', { text: pct(c.failure_rate), class: c.high ? 'rate-high' : '' }),
        ),
      ),
    );
    $('deliveries').replaceChildren(
      ...deliveries.recent.map((d) =>
        el(
          'tr',
          { 'data-delivery': d.id },
          el('td', { text: time(d.timestamp) }),
          el('td', { text: d.channel }),
          el('td', { text: d.target, title: d.error || d.target }),
          el('td', { text: d.outcome, class: `outcome-${d.outcome}` }),
          el('td', { text: num(d.latency_ms === undefined ? null : Math.round(d.latency_ms)) }),
        ),
      ),
    );
  }

  function render(snapshot) {
    const { report } = snapshot;
    const overall = $('overall');
    overall.dataset.status = report.overall_status;
    overall.textContent = report.overall_status;
    const s = report.summary;
    $('summary').replaceChildren(
      ...[
        ['healthy', s.healthy],
        ['degraded', s.degraded],
        ['down', s.down],
        ['unknown', s.unknown],
      ].map(([k, v]) => el('span', {}, el('b', { text: String(v) }), document.createTextNode(` ${k}`))),
    );
    const entries = Object.entries(report.integrations);
    const names = new Set(entries.map(([n]) => n));
    for (const [name, card] of cards) {
      if (names.has(name)) continue;
      card.latency.chart.destroy();
      card.errors.chart.destroy();
      cards.delete(name);
    }
    renderGrid(
      $('services'),
      entries.filter(([, e]) => e.kind === 'service'),
      snapshot.sparklines,
    );
    renderGrid(
      $('integrations'),
      entries.filter(([, e]) => e.kind === 'integration'),
      snapshot.sparklines,
    );
    renderAlerts(snapshot.alerts);
    renderDeliveries(snapshot.deliveries);
    $('updated').textContent = `updated ${time(report.timestamp)}`;
    document.body.dataset.overall = report.overall_status;
  }

  function setConnection(state) {
    const node = $('connection');
    node.dataset.state = state;
    node.textContent = state;
  }

  function poll() {
    setConnection('polling');
    const once = () =>
      fetch('/api/v1/health/dashboard')
        .then((r) => r.json())
        .then(render)
        .catch(() => setConnection('reconnecting'));
    once();
    window.setInterval(once, 5000);
  }

  function stream() {
    const source = new EventSource('/api/v1/health/stream');
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('error', () => setConnection('reconnecting'));
    source.addEventListener('snapshot', (event) => {
      setConnection('live');
      render(JSON.parse(event.data));
    });
  }

  if (typeof EventSource === 'function') stream();
  else poll();
})();
