// Fish Mouth's live map. Every [data-live-map] box the pages render (also after a client-side
// navigation) becomes a Leaflet map, loaded from our own origin (/vendor/leaflet) only when a
// page has one. The server groups what is in view into clusters (/api/pro/map-points); this
// draws them, and on the scan form a tap fills the form: the circle's middle, or a corner.
// Without this script the boxes stay hidden and the pages show their plain picture or list.
(function () {
  'use strict';
  var leaflet = null;
  var live = [];

  function loadLeaflet() {
    if (!leaflet) {
      var load = function (node) {
        return new Promise(function (resolve, reject) {
          node.onload = resolve;
          node.onerror = reject;
          document.head.appendChild(node);
        });
      };
      var css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = '/vendor/leaflet/leaflet.css';
      var js = document.createElement('script');
      js.src = '/vendor/leaflet/leaflet.js';
      leaflet = Promise.all([load(css), load(js)]).then(function () { return window.L; }, function (e) {
        leaflet = null;
        throw e;
      });
    }
    return leaflet;
  }

  function band(score) {
    return score >= 80 ? 'premium' : score >= 60 ? 'standard' : 'low';
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  function fire(input, type) {
    input.dispatchEvent(new Event(type, { bubbles: true }));
  }

  function mount(el, L) {
    var figure = el.closest('figure');
    if (figure) figure.classList.add('is-live');
    var map = L.map(el, { zoomSnap: 1, maxZoom: 19, minZoom: 3 });
    var groups = L.layerGroup().addTo(map);
    var hail = L.layerGroup().addTo(map);
    // What the scan will cover is drawn above the clusters, and lets taps through.
    map.createPane('drawn').style.zIndex = 650;
    map.getPane('drawn').style.pointerEvents = 'none';
    var drawn = L.layerGroup().addTo(map);
    var tiles = null;
    var pending = null;
    var layer = el.getAttribute('data-live-map');
    var fixed = { layer: layer };
    var scan = el.getAttribute('data-scan');
    if (scan) fixed.scan = scan;
    var filter = new URLSearchParams(el.getAttribute('data-query') || '');
    // On the scan form every tap draws, so its clusters let taps through; elsewhere a tap on
    // a cluster zooms into it.
    var form = el.hasAttribute('data-draw') ? el.closest('form') : null;

    function ask(view) {
      var params = new URLSearchParams(fixed);
      filter.forEach(function (value, key) { params.append('filter[' + key + ']', value); });
      Object.keys(view).forEach(function (key) { params.set(key, view[key]); });
      if (pending) pending.abort();
      pending = new AbortController();
      el.setAttribute('aria-busy', 'true');
      return fetch('/api/pro/map-points?' + params, { signal: pending.signal, headers: { accept: 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (answer) {
          el.setAttribute('aria-busy', 'false');
          if (answer.tiles && !tiles) {
            tiles = L.tileLayer(answer.tiles, { maxZoom: 19, attribution: 'Map tiles: ' + new URL(answer.tiles).host }).addTo(map);
          }
          return answer;
        });
    }

    function gone() { return !document.documentElement.contains(el); }

    // While a lead's popup is open the markers stay as they are: opening it near the edge
    // pans the map, and a redraw would take the popup away from under her finger.
    var popupOpen = false;
    map.on('popupopen', function () { popupOpen = true; });
    map.on('popupclose', function () { popupOpen = false; refresh(); });

    function refresh() {
      // Leaflet may still end a move on a map whose page has been left.
      if (gone() || popupOpen) return;
      var b = map.getBounds();
      var round = function (x, lo, hi) { return Math.min(hi, Math.max(lo, x)).toFixed(5); };
      ask({
        south: round(b.getSouth(), -90, 90), west: round(b.getWest(), -180, 180),
        north: round(b.getNorth(), -90, 90), east: round(b.getEast(), -180, 180), zoom: map.getZoom()
      }).then(draw, function (e) {
        if (e.name === 'AbortError') return;
        el.setAttribute('aria-busy', 'false');
        el.setAttribute('data-state', 'error');
      });
    }

    function draw(answer) {
      // An answer asked for before a popup opened is dropped: closing it asks again.
      if (gone() || popupOpen) return;
      groups.clearLayers();
      hail.clearLayers();
      answer.hail.forEach(function (h) {
        L.circleMarker([h.lat, h.lon], { radius: 3 + 3 * h.inches, className: 'map-hail-ring', interactive: false }).addTo(hail);
      });
      answer.groups.forEach(function (g) {
        var tone = g.score == null ? 'home' : band(g.score);
        if (g.count > 1) {
          var size = Math.round((form ? 18 : 26) + 6 * Math.log10(g.count));
          var icon = L.divIcon({ className: 'map-cluster band-' + tone, html: text('span', String(g.count)), iconSize: [size, size] });
          var noun = g.score == null ? ' homes' : ' leads, best score ' + g.score;
          if (form) {
            L.marker([g.lat, g.lon], { icon: icon, interactive: false, keyboard: false }).addTo(groups);
            return;
          }
          L.marker([g.lat, g.lon], { icon: icon, title: g.count + noun + ': zoom in', alt: g.count + noun })
            .on('click', function () { map.setView([g.lat, g.lon], Math.min(map.getZoom() + 2, 19)); })
            .addTo(groups);
          return;
        }
        if (g.score == null) {
          L.circleMarker([g.lat, g.lon], { radius: 4, className: 'map-dot band-home', interactive: false }).addTo(groups);
          return;
        }
        var dot = L.divIcon({ className: 'map-dot band-' + tone, iconSize: [16, 16] });
        var marker = L.marker([g.lat, g.lon], { icon: dot, title: g.score + ': ' + g.address, alt: 'Score ' + g.score + ', ' + g.address });
        var card = document.createElement('div');
        card.className = 'map-popup';
        card.appendChild(text('strong', String(g.score), 'band-' + tone));
        card.appendChild(text('span', ' ' + g.address));
        if (g.lead) {
          var open = text('a', 'Open the lead');
          open.href = '/pro/leads/' + g.lead;
          card.appendChild(document.createElement('br'));
          card.appendChild(open);
        }
        marker.bindPopup(card).addTo(groups);
      });
      el.setAttribute('data-state', 'ready');
      el.setAttribute('data-renders', String(Number(el.getAttribute('data-renders') || 0) + 1));
    }

    // The scan form around the map: a tap sets the circle's middle or adds a corner, and
    // the circle or the area typed in is drawn as it changes.
    function field(name) { return form && form.elements.namedItem(name); }
    function shape() {
      var chosen = form && form.querySelector('input[name="shape"]:checked');
      return chosen ? chosen.value : 'circle';
    }
    function corners() {
      return (field('polygon').value || '').split(';').map(function (pair) {
        var p = pair.split(',').map(Number);
        return p.length === 2 && isFinite(p[0]) && isFinite(p[1]) && pair.trim() ? L.latLng(p[0], p[1]) : null;
      }).filter(Boolean);
    }
    function drawShape(fit) {
      drawn.clearLayers();
      var outline = null;
      if (shape() === 'polygon') {
        var points = corners();
        if (points.length >= 3) outline = L.polygon(points, { className: 'map-drawn', pane: 'drawn' });
        else if (points.length) outline = L.polyline(points, { className: 'map-drawn', pane: 'drawn' });
        points.forEach(function (p) { L.circleMarker(p, { radius: 4, className: 'map-corner', interactive: false, pane: 'drawn' }).addTo(drawn); });
      } else {
        var lat = parseFloat(field('lat').value), lon = parseFloat(field('lon').value);
        var miles = parseFloat(field('radius_miles').value);
        if (isFinite(lat) && isFinite(lon)) {
          L.circleMarker([lat, lon], { radius: 5, className: 'map-corner', interactive: false, pane: 'drawn' }).addTo(drawn);
          if (miles > 0) outline = L.circle([lat, lon], { radius: miles * 1609.344, className: 'map-drawn', interactive: false, pane: 'drawn' });
        }
      }
      if (outline) {
        outline.addTo(drawn);
        if (fit) map.fitBounds(outline.getBounds(), { maxZoom: 15 });
      }
    }
    if (form) {
      map.on('click', function (e) {
        var at = e.latlng.lat.toFixed(5) + ',' + e.latlng.lng.toFixed(5);
        if (shape() === 'polygon') {
          var area = field('polygon');
          var before = area.value.trim().replace(/;$/, '');
          area.value = before ? before + '; ' + at : at;
          fire(area, 'input');
        } else {
          // A tap is "here": it replaces a place typed above, which would otherwise win.
          if (field('place') && field('place').value) {
            field('place').value = '';
            fire(field('place'), 'input');
          }
          field('lat').value = e.latlng.lat.toFixed(5);
          field('lon').value = e.latlng.lng.toFixed(5);
          fire(field('lat'), 'input');
          fire(field('lon'), 'input');
        }
        drawShape(false);
      });
      form.addEventListener('input', function () { drawShape(false); });
      // Capturing: the place search fills the fields and tells them with a plain change event.
      form.addEventListener('change', function () { drawShape(true); }, true);
      var clear = figure && figure.querySelector('[data-map-clear]');
      if (clear) {
        clear.hidden = false;
        clear.addEventListener('click', function () {
          field('polygon').value = '';
          fire(field('polygon'), 'input');
        });
      }
      el.classList.add('is-drawing');
    }

    map.on('moveend', refresh);
    var box = (el.getAttribute('data-bbox') || '').split(',').map(Number);
    if (box.length === 4 && box.every(isFinite)) {
      map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: [8, 8] });
    } else {
      ask({}).then(function (answer) {
        var e = answer.extent;
        if (e) map.fitBounds([[e.min_lat, e.min_lon], [e.max_lat, e.max_lon]], { padding: [16, 16], maxZoom: 16 });
        else { map.setView([39.8, -98.6], 4); }
      }, function () { el.setAttribute('data-state', 'error'); });
    }
    if (form) drawShape(false);
    return map;
  }

  function sweep() {
    live = live.filter(function (m) {
      if (document.documentElement.contains(m.el)) return true;
      // Removed mid-zoom, Leaflet's 250 ms zoom transition would end on a map that is gone.
      m.map.stop();
      setTimeout(function () { m.map.remove(); }, 400);
      return false;
    });
    var boxes = document.querySelectorAll('[data-live-map]:not([data-mounted])');
    if (!boxes.length) return;
    boxes.forEach(function (el) { el.setAttribute('data-mounted', ''); });
    loadLeaflet().then(function (L) {
      boxes.forEach(function (el) {
        if (document.documentElement.contains(el)) live.push({ el: el, map: mount(el, L) });
      });
    }, function () {
      boxes.forEach(function (el) { el.removeAttribute('data-mounted'); });
    });
  }

  var queued = false;
  new MutationObserver(function () {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; sweep(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  sweep();
})();
