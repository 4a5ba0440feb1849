/*
 * weir DAC dashboard widget: public metrics of a Direct Air Capture plant.
 *
 *   <script src="…/papaparse.min.js"></script>
 *   <script src="…/dac_dashboard.js"></script>
 *   <script>new DACDashboard('https://api.example.com/api/dac').initialize();</script>
 *
 * Elements it fills (any subset): {metric}_value, {metric}_unit, {metric}_note, last_update,
 * data-quality-indicator, error-message, estimate-note, machine-status; .metric-value.
 *
 * Honest motion: tonnes_removed_total advances from the measured value at the rate measured over
 * the last hour, never decreases and never passes the last value plus one hour at that rate;
 * bidirectional metrics move smoothly inside the last hour's measured min..max. With
 * prefers-reduced-motion the measured values stay still.
 */
(function (global) {
  'use strict';
  var HOUR = 3600000;
  var MINUTE = 60000;

  function byId(root, id) { return root.getElementById ? root.getElementById(id) : root.querySelector('#' + id); }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function hhmm(date) {
    return String(date.getHours()).padStart(2, '0') + ':' + String(date.getMinutes()).padStart(2, '0');
  }

  class DACDashboard {
    constructor(apiBaseUrl, options) {
      this.API_BASE_URL = String(apiBaseUrl).replace(/\/$/, '');
      this.options = Object.assign({
        retries: 3, backoffMs: 1000, retryMs: 30000, maxRetryMs: 600000, tickMs: 250,
        reportEveryMs: 5 * MINUTE, freshnessEveryMs: MINUTE, storageKey: 'weir-dac-dashboard',
        maxCacheAgeMs: 24 * HOUR, root: document
      }, options || {});
      this.root = this.options.root;
      this.config = null;
      this.formatters = {};
      this.latestValues = new Map();
      this.motion = new Map();
      this.shown = new Map();
      this.metadata = {};
      this.state = 'loading';
      this.errorState = false;
      this.metrics = { loadTimes: [], errors: [], cacheHits: 0, cacheMisses: 0 };
      this.reduced = !!(global.matchMedia && global.matchMedia('(prefers-reduced-motion: reduce)').matches);
      this.failures = 0;
      this.timers = {};
    }

    async getPresignedUrl(key) {
      var response = await fetch(this.API_BASE_URL + '/presigned-url?key=' + encodeURIComponent(key));
      if (!response.ok) throw new Error('presigned-url HTTP ' + response.status);
      return (await response.json()).url;
    }

    async fetchText(key) {
      var started = Date.now();
      for (var attempt = 0; attempt < this.options.retries; attempt++) {
        try {
          var response = await fetch(await this.getPresignedUrl(key));
          if (!response.ok) throw new Error('HTTP ' + response.status);
          var text = await response.text();
          this.metrics.loadTimes.push(Date.now() - started);
          return text;
        } catch (error) {
          this.metrics.errors.push({ timestamp: new Date().toISOString(), error: error.message, filename: key });
          if (attempt === this.options.retries - 1) throw error;
          await sleep(Math.pow(2, attempt) * this.options.backoffMs);
        }
      }
    }

    parseCSV(text, fields) {
      var parsed = global.Papa.parse(text, {
        header: true, dynamicTyping: true, skipEmptyLines: true,
        transformHeader: function (h) { return h.trim(); }
      });
      this.validateCSVData(parsed.data, fields);
      return parsed.data;
    }

    validateCSVData(data, fields) {
      if (!Array.isArray(data) || data.length === 0) throw new Error('Invalid data format: expected non-empty array');
      data.forEach(function (row, index) {
        fields.forEach(function (field) {
          if (!(field in row) || row[field] === null || row[field] === '') throw new Error('Missing ' + field + ' at row ' + index);
        });
        if (fields.indexOf('value') >= 0 && typeof row.value !== 'number') throw new Error('Invalid value type at row ' + index);
        if (row.timestamp && isNaN(Date.parse(row.timestamp))) throw new Error('Invalid timestamp at row ' + index);
      });
      return true;
    }

    async loadAll() {
      var config = JSON.parse(await this.fetchText('config/dac_dashboard_config.json'));
      var snapshot = this.parseCSV(await this.fetchText('data/current_snapshot_*.csv'), ['timestamp', 'metric', 'value', 'unit']);
      var trends = this.parseCSV(await this.fetchText('data/hourly_trends_*.csv'), ['timestamp', 'metric', 'hourly_min', 'hourly_max']);
      var metadata = this.parseCSV(await this.fetchText('data/metadata.csv'), ['key', 'timestamp']);
      var machines = [];
      try { machines = this.parseCSV(await this.fetchText('data/machine_status_*.csv'), ['unit_id', 'status', 'since']); } catch (e) { machines = []; }
      return { config: config, snapshot: snapshot, trends: trends, metadata: metadata, machines: machines, savedAt: Date.now() };
    }

    saveCache(data) {
      try { global.localStorage.setItem(this.options.storageKey, JSON.stringify(data)); } catch (e) { /* storage full or off */ }
    }

    readCache() {
      try {
        var data = JSON.parse(global.localStorage.getItem(this.options.storageKey) || 'null');
        if (data && Date.now() - data.savedAt < this.options.maxCacheAgeMs) { this.metrics.cacheHits++; return data; }
      } catch (e) { /* unreadable cache */ }
      this.metrics.cacheMisses++;
      return null;
    }

    setupFormatters(config) {
      this.config = config;
      this.formatters = {};
      Object.keys(config).forEach(function (metric) {
        var c = config[metric];
        this.formatters[metric] = c.formatter === 'integer'
          ? function (v) { return Math.round(v).toString(); }
          : function (v) { return v.toFixed(c.decimal_places == null ? 1 : c.decimal_places); };
      }, this);
    }

    format(metric, value) {
      var f = this.formatters[metric];
      return f ? f(value) : Number(value).toFixed(1);
    }

    apply(data, state) {
      this.setupFormatters(data.config);
      this.metadata = {};
      data.metadata.forEach(function (row) { this.metadata[row.key] = row.value; }, this);
      var lastHour = {};
      data.trends.forEach(function (row) {
        if (!lastHour[row.metric] || row.timestamp > lastHour[row.metric].timestamp) lastHour[row.metric] = row;
      });
      this.motion.clear();
      var newest = null;
      data.snapshot.forEach(function (row) {
        var c = this.config[row.metric];
        if (!c) return;
        var at = new Date(row.timestamp);
        if (!newest || at > newest) newest = at;
        this.latestValues.set(row.metric, row.value);
        this.motion.set(row.metric, this.motionFor(row, c, lastHour[row.metric], at));
        var unit = byId(this.root, row.metric + '_unit');
        if (unit && c.display_unit != null) unit.textContent = c.display_unit;
      }, this);
      this.measuredAt = newest;
      this.renderMachines(data.machines);
      this.setState(state, data);
      this.tick();
      this.updateDataQuality();
    }

    motionFor(row, c, hour, at) {
      var m = { value: row.value, at: at.getTime(), kind: 'still' };
      if (this.reduced || !hour) return m;
      if (c.bidirectional === false) {
        var rate = Math.max(0, (hour.end_value - hour.start_value) / HOUR);
        return { value: row.value, at: at.getTime(), kind: 'rise', rate: rate, cap: row.value + rate * HOUR };
      }
      if (c.bidirectional === true) {
        var lo = Math.min(hour.hourly_min, row.value), hi = Math.max(hour.hourly_max, row.value);
        if (!(hi > lo)) return m;
        var s = Math.max(-1, Math.min(1, 2 * (row.value - lo) / (hi - lo) - 1));
        return { value: row.value, at: at.getTime(), kind: 'wave', lo: lo, hi: hi, phase: Math.asin(s), period: 40000 + (row.metric.length % 7) * 5000 };
      }
      return m;
    }

    valueAt(metric, now) {
      var m = this.motion.get(metric);
      if (!m) return this.latestValues.get(metric);
      if (m.kind === 'rise') {
        var estimate = Math.min(m.cap, m.value + m.rate * Math.max(0, now - m.at));
        var previous = this.shown.has(metric) ? this.shown.get(metric) : -Infinity;
        var v = Math.max(previous, estimate);
        this.shown.set(metric, v);
        return v;
      }
      if (m.kind === 'wave') {
        var p = 0.5 + 0.5 * Math.sin(2 * Math.PI * (now - this.startedAt) / m.period + m.phase);
        return Math.min(m.hi, Math.max(m.lo, m.lo + (m.hi - m.lo) * p));
      }
      return m.value;
    }

    tick() {
      if (this.state === 'error' || !this.config) return;
      var now = Date.now();
      this.motion.forEach(function (m, metric) {
        var el = byId(this.root, metric + '_value');
        if (!el) return;
        el.textContent = this.format(metric, this.valueAt(metric, now));
        el.dataset.measured = this.format(metric, m.value);
        var note = byId(this.root, metric + '_note');
        if (note) note.textContent = (m.kind === 'still' ? 'measured at ' : 'estimated · measured at ') + hhmm(new Date(m.at));
      }, this);
    }

    renderMachines(rows) {
      var el = byId(this.root, 'machine-status');
      if (!el || !rows || !rows.length) return;
      el.textContent = '';
      rows.forEach(function (row) {
        var li = document.createElement('li');
        li.className = 'machine ' + row.status;
        li.textContent = row.unit_id + ': ' + row.status + ' since ' + hhmm(new Date(row.since));
        el.appendChild(li);
      });
    }

    setState(state, data) {
      this.state = state;
      this.errorState = state === 'error';
      if (this.root.documentElement) this.root.documentElement.dataset.dacState = state;
      var values = this.root.querySelectorAll('.metric-value');
      values.forEach(function (el) {
        el.classList.toggle('error', state === 'error');
        el.classList.toggle('cached', state === 'cached');
      });
      var error = byId(this.root, 'error-message');
      var note = byId(this.root, 'estimate-note');
      if (error) {
        if (state === 'cached') {
          error.textContent = 'Live data unavailable: showing the last data received at ' + hhmm(new Date(data.savedAt)) + '.';
        } else if (state === 'error') {
          error.textContent = 'Unable to load data. Please try again later.';
        }
        error.style.display = state === 'live' ? 'none' : 'block';
      }
      if (note && this.measuredAt) {
        note.textContent = (this.reduced ? 'measured at ' : 'between updates values are estimated · measured at ') + hhmm(this.measuredAt);
      }
      var updated = byId(this.root, 'last_update');
      if (updated && this.measuredAt) updated.textContent = this.measuredAt.toLocaleString();
    }

    updateDataQuality() {
      var indicator = byId(this.root, 'data-quality-indicator');
      if (!indicator || !this.measuredAt) return;
      var hours = (Date.now() - this.measuredAt.getTime()) / HOUR;
      var level = hours < 1 ? 'fresh' : hours < 2 ? 'aging' : 'stale';
      indicator.className = 'data-quality ' + level;
      indicator.dataset.level = level;
      indicator.textContent = level === 'fresh' ? 'Live' : level === 'aging' ? 'Slightly outdated' : 'Stale';
      indicator.title = { fresh: 'Data is current', aging: 'Data is slightly outdated', stale: 'Data is stale' }[level] +
        (this.metadata.data_quality ? ' · quality: ' + this.metadata.data_quality : '');
    }

    showErrorState(message) {
      this.setState('error', null);
      this.root.querySelectorAll('.metric-value').forEach(function (el) { el.textContent = '--'; });
      var error = byId(this.root, 'error-message');
      if (error && message) error.textContent = message;
      this.logError({ type: 'data_load_failure', message: message || 'Unable to load data', timestamp: new Date().toISOString() });
    }

    async updateMetrics() {
      clearTimeout(this.timers.refresh);
      try {
        var data = await this.loadAll();
        this.failures = 0;
        this.saveCache(data);
        this.apply(data, 'live');
        this.scheduleRefresh();
      } catch (error) {
        this.failures++;
        var cached = this.readCache();
        if (cached) this.apply(cached, 'cached');
        else if (this.state !== 'cached') this.showErrorState('Unable to load data. Please try again later.');
        var wait = Math.min(this.options.maxRetryMs, this.options.retryMs * Math.pow(2, this.failures - 1));
        this.schedule(wait);
      }
    }

    scheduleRefresh() {
      var next = Date.parse(this.metadata.next_update || '');
      var wait = isNaN(next) ? HOUR : next + MINUTE - Date.now();
      this.schedule(Math.max(MINUTE, wait));
    }

    schedule(wait) {
      var self = this;
      clearTimeout(this.timers.refresh);
      this.timers.refresh = setTimeout(function () {
        if (document.hidden) self.refreshWhenVisible = true;
        else self.updateMetrics();
      }, wait);
    }

    startAnimations() {
      var self = this;
      clearInterval(this.timers.tick);
      if (this.reduced) return;
      this.timers.tick = setInterval(function () { self.tick(); }, this.options.tickMs);
    }

    onVisibility() {
      if (document.hidden) { clearInterval(this.timers.tick); this.timers.tick = null; return; }
      this.startAnimations();
      this.updateDataQuality();
      if (this.refreshWhenVisible) { this.refreshWhenVisible = false; this.updateMetrics(); }
    }

    async logError(report) {
      try {
        await fetch(this.API_BASE_URL + '/log-error', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(Object.assign({}, report, { userAgent: navigator.userAgent.slice(0, 500), url: String(global.location.href).slice(0, 2000) }))
        });
      } catch (e) { /* reporting must never break the page */ }
    }

    async reportMetrics() {
      var m = this.metrics;
      if (!m.loadTimes.length) return;
      var avg = m.loadTimes.reduce(function (a, b) { return a + b; }, 0) / m.loadTimes.length;
      var lookups = m.cacheHits + m.cacheMisses;
      await this.logError({ type: 'performance_metrics', metrics: {
        avgLoadTime: Math.round(avg), errorCount: m.errors.length, totalLoads: m.loadTimes.length,
        cacheHitRate: lookups ? m.cacheHits / lookups : 0 } });
      m.loadTimes = []; m.errors = [];
    }

    async initialize() {
      var self = this;
      this.startedAt = Date.now();
      global.addEventListener('error', function (event) {
        self.logError({ type: 'javascript_error', message: String(event.message).slice(0, 2000),
          filename: event.filename ? String(event.filename).slice(0, 2000) : undefined,
          line: event.lineno || 0, column: event.colno || 0,
          stack: event.error && event.error.stack ? String(event.error.stack).slice(0, 4000) : undefined });
      });
      document.addEventListener('visibilitychange', function () { self.onVisibility(); });
      await this.updateMetrics();
      this.startAnimations();
      this.timers.report = setInterval(function () { self.reportMetrics(); }, this.options.reportEveryMs);
      this.timers.freshness = setInterval(function () { self.updateDataQuality(); }, this.options.freshnessEveryMs);
      return this;
    }
  }

  global.DACDashboard = DACDashboard;
})(window);
