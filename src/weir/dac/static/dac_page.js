/* Starts the widget on weir's demo page; the API base comes from the page (no inline script). */
(function () {
  'use strict';
  var base = document.body.getAttribute('data-api-base');
  var options = {};
  var retry = document.body.getAttribute('data-retry-ms');
  if (retry) { options.retryMs = Number(retry); options.backoffMs = Number(retry) / 4; }
  window.dacDashboard = new DACDashboard(new URL(base, window.location.href).href, options);
  window.dacDashboard.initialize();
})();
