// weir forecast: an offline click map (Leaflet + world-atlas countries, no tiles, no CDN).
// Clicks go to the server as input "map_click" {lat, lon}; the server sends the points
// ("forecast_points") and the nearest grid cells of a click ("forecast_cells").
(function () {
  "use strict";
  function wrap(lon) { return ((((lon + 180) % 360) + 360) % 360) - 180; }

  function init(el) {
    if (el._weirMap) return;
    var map = L.map(el, { worldCopyJump: true, attributionControl: false, minZoom: 1 })
      .setView([Number(el.dataset.lat), Number(el.dataset.lon)], Number(el.dataset.zoom));
    el._weirMap = map;
    fetch(el.dataset.atlas).then(function (r) { return r.json(); }).then(function (topo) {
      var land = topojson.feature(topo, topo.objects.countries);
      L.geoJSON(land, {
        interactive: false,
        style: { color: "#777", weight: 0.6, fillColor: "#ece8dc", fillOpacity: 1 },
      }).addTo(map);
      el.dataset.ready = "1";
    });
    var points = L.layerGroup().addTo(map);
    var picked = L.layerGroup().addTo(map);
    map.on("click", function (e) {
      picked.clearLayers();
      L.circleMarker(e.latlng, { radius: 7, color: "#d32f2f" }).addTo(picked);
      Shiny.setInputValue("map_click", { lat: e.latlng.lat, lon: wrap(e.latlng.lng) },
        { priority: "event" });
    });
    Shiny.addCustomMessageHandler("forecast_points", function (list) {
      points.clearLayers();
      list.forEach(function (p) {
        L.circleMarker([p.lat, p.lon], {
          radius: 5, color: p.enabled ? "#1565c0" : "#9e9e9e", fillOpacity: 0.8,
        }).bindTooltip(p.name).addTo(points);
      });
    });
    Shiny.addCustomMessageHandler("forecast_cells", function (cells) {
      cells.forEach(function (c) {
        L.circleMarker([c.lat, c.lon], { radius: 4, color: "#2e7d32" })
          .bindTooltip(c.source + " grid point").addTo(picked);
      });
    });
    $(document).on("shown.bs.tab", function () { map.invalidateSize(); });
    Shiny.setInputValue("map_ready", Date.now());
  }

  $(document).on("shiny:connected", function () {
    document.querySelectorAll(".weir-map").forEach(init);
  });
})();
