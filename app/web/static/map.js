/* locmap: the interactive "who meets where" map.
 *
 * Finds every element with a data-locmap-map attribute, reads the payload
 * (built by app/maps) from the <script type="application/json"> whose
 * id is in the element's data-payload attribute (or, when that holds null,
 * fetches it from the data-locmap-map-url of an enclosing element), and builds inside it a
 * search box, filters, the vis-network canvas, a details panel and a key.
 *
 * All text from the data goes into the page with textContent or as vis
 * canvas labels: this file never parses data as HTML.  It runs under
 * "script-src 'self'; style-src 'self'" (colours are set through
 * element.style, which that policy allows) and from a standalone file.
 *
 * Hooks for tests, on the container element:
 *   data-ready="true"        once the map is laid out and drawn
 *   data-total-nodes, data-visible-nodes, data-total-edges, data-visible-edges
 *   data-selected            id of the selected node ("" when none)
 * and window.locmapMaps: [{network, nodes, edges, container, payload,
 *   select(id), clear(), applyFilters()}].
 */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var DIM_NODE_COLOUR = {
    background: '#EEF1F4',
    border: '#D5DBE1',
    highlight: { background: '#EEF1F4', border: '#9AA5B1' },
    hover: { background: '#EEF1F4', border: '#9AA5B1' }
  };
  var DIM_FONT_COLOUR = '#B3BCC6';
  var DIM_EDGE_COLOUR = { color: 'rgba(190,198,207,0.28)', highlight: '#9AA5B1', hover: '#9AA5B1' };
  var KIND_WORDS = { group: 'Group', person: 'Person', agency: 'Agency' };
  /* The map's own choices, kept in the page's address so a view can be linked:
   * ?layout=layered, ?measure=seats and ?summary=agency. */
  var LAYOUT_CHOICES = [['force', 'Spread out'], ['layered', 'In layers: strategy at the top, casework at the bottom']];
  var MEASURE_CHOICES = [['', 'Focus and sector (no measure)'], ['seats', 'Seats'], ['hours', 'Meeting hours a year'], ['betweenness', 'Betweenness'], ['cluster', 'Cluster of meetings (colour)']];
  var SUMMARY_CHOICES = [['', 'Each group'], ['agency', 'By agency'], ['kind', 'By kind of group']];
  var PAGE_CHOICES = { layout: 'force', measure: '', summary: '' };
  var mapCount = 0;

  window.locmapMaps = window.locmapMaps || [];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    return node;
  }

  function tipElement(text) {
    return el('div', 'locmap-tip', text || '');
  }

  function safeUrl(url) {
    return typeof url === 'string' && url.charAt(0) === '/' && url.charAt(1) !== '/' && url.charAt(1) !== '\\';
  }

  /* ------------------------------------------------------------ swatches */

  /* Each group shape as SVG path data in a 26 x 20 box, drawn both as the
   * page's SVG swatches and (through Path2D) in the downloaded picture's key. */
  var SHAPE_PATHS = {
    box: ['M5 4H21A3 3 0 0 1 24 7V13A3 3 0 0 1 21 16H5A3 3 0 0 1 2 13V7A3 3 0 0 1 5 4Z'],
    'box-square': ['M2 4H24V16H2Z'],
    'box-double': ['M4 4H22A2 2 0 0 1 24 6V14A2 2 0 0 1 22 16H4A2 2 0 0 1 2 14V6A2 2 0 0 1 4 4Z'],
    ellipse: ['M2 10A11 6.5 0 1 0 24 10A11 6.5 0 1 0 2 10Z'],
    database: ['M4 5V15A9 3 0 0 0 22 15V5', 'M4 5A9 3 0 1 0 22 5A9 3 0 1 0 4 5Z'],
    square: ['M5 2H21V18H5Z'],
    diamond: ['M13 1L22 10L13 19L4 10Z'],
    triangle: ['M13 2L22 18L4 18Z'],
    hexagon: ['M8 2L18 2L23 10L18 18L8 18L3 10Z'],
    star: ['M13 1L15.6 7.4L22.5 7.7L17.2 12L19 18.8L13 15L7 18.8L8.8 12L3.5 7.7L10.4 7.4Z'],
    'dot-large': ['M4.5 10A8.5 8.5 0 1 0 21.5 10A8.5 8.5 0 1 0 4.5 10Z'],
    dot: ['M7.5 10A5.5 5.5 0 1 0 18.5 10A5.5 5.5 0 1 0 7.5 10Z']
  };

  function shapePaths(shape) { return SHAPE_PATHS[shape] || SHAPE_PATHS.dot; }
  function shapeStroke(shape) { return shape === 'box-double' ? 3.2 : 1.4; }

  function shapeSwatch(shape, fill, stroke, dashes) {
    var s = svg('svg', { width: 26, height: 20, viewBox: '0 0 26 20', 'aria-hidden': 'true', focusable: 'false' });
    s.setAttribute('class', 'locmap-swatch locmap-swatch-shape');
    shapePaths(shape).forEach(function (d) {
      var path = svg('path', { d: d, fill: fill || '#CBD2D9', stroke: stroke || '#3E4C59', 'stroke-width': dashes ? 2 : shapeStroke(shape) });
      if (dashes) path.setAttribute('stroke-dasharray', dashes.join(' '));
      s.appendChild(path);
    });
    return s;
  }

  function colourSwatch(colour, round) {
    var span = el('span', 'locmap-swatch locmap-swatch-colour' + (round ? ' locmap-swatch-round' : ''));
    span.style.backgroundColor = colour;
    span.setAttribute('aria-hidden', 'true');
    return span;
  }

  function lineSwatch(colour, dashes, arrow, width) {
    var s = svg('svg', { width: 38, height: 12, viewBox: '0 0 38 12', 'aria-hidden': 'true', focusable: 'false' });
    s.setAttribute('class', 'locmap-swatch locmap-swatch-line');
    var line = svg('line', { x1: 1, y1: 6, x2: arrow ? 29 : 37, y2: 6, stroke: colour, 'stroke-width': width || 2.5 });
    if (Array.isArray(dashes) && dashes.length) line.setAttribute('stroke-dasharray', dashes.join(' '));
    s.appendChild(line);
    if (arrow) s.appendChild(svg('polygon', { points: '28,1.5 37,6 28,10.5', fill: colour }));
    return s;
  }

  /* ------------------------------------------------------------ the key, as data */

  /* The key's sections, each {title, items: [{label, swatch}]}, where a swatch
   * is {type: 'colour' | 'round' | 'shape' | 'line', ...}: drawn as SVG on the
   * page (domSwatch) and on the canvas of the downloaded picture (map-export). */
  function legendSections(payload) {
    var legend = payload.legend || {};
    var sections = [];
    function add(title, items, swatch) {
      if (items && items.length) {
        sections.push({ title: title, items: items.map(function (item) { return { label: item.label, swatch: swatch(item) }; }) });
      }
    }
    if (legend.measure && legend.measure.categories) {
      // A category (clusters): one colour an entry, named in the key, no range.
      add(legend.measure.label, legend.measure.categories, function (item) { return { type: 'colour', colour: item.color }; });
    } else if (legend.measure) {
      var m = legend.measure;
      add(m.label + ': ' + m.min + ' to ' + m.max, m.steps.map(function (step, i) {
        var next = m.steps[i + 1];
        return { label: next ? 'from ' + step.from : 'up to ' + m.max, color: step.color };
      }), function (item) { return { type: 'colour', colour: item.color }; });
    }
    if (legend.levels) {
      add('Rows, top to bottom', legend.levels.map(function (l) { return { label: (l.value + 1) + '. ' + l.label }; }),
        function () { return { type: 'shape', shape: 'box-square', fill: '#FFFFFF' }; });
    }
    add(legend.measure ? 'Group colour without a measure: focus' : 'Group colour: focus', legend.measure ? [] : legend.focus, function (item) { return { type: 'colour', colour: item.color }; });
    add('Group shape: kind', legend.group_types, function (item) { return { type: 'shape', shape: item.shape }; });
    var extra = [];
    if (legend.external) extra.push({ label: legend.external.label, swatch: { type: 'shape', shape: 'box', fill: '#FFFFFF', dashes: [4, 3] } });
    if (legend.people_size) extra.push({ label: legend.people_size, swatch: { type: 'shape', shape: 'dot-large', fill: '#9AA5B1', stroke: '#FFFFFF' } });
    add('Borders and sizes', extra, function (item) { return item.swatch; });
    if (payload.view === 'people' || payload.view === 'agency') {
      add(payload.view === 'agency' ? 'Agency colour: sector' : 'Person colour: sector', legend.measure ? [] : legend.sectors, function (item) { return { type: 'round', colour: item.color }; });
    }
    add('Lines', (legend.link_kinds || []).concat(legend.edges || []), function (item) {
      if (item.value === 'member') return { type: 'line', colour: item.color, width: 1.5 };
      if (item.value === 'shared') return { type: 'line', colour: item.color, dashes: [3, 4], width: 3 };
      return { type: 'line', colour: item.color, dashes: item.dashes, arrow: true };
    });
    return sections;
  }

  function domSwatch(spec) {
    if (spec.type === 'colour' || spec.type === 'round') return colourSwatch(spec.colour, spec.type === 'round');
    if (spec.type === 'line') return lineSwatch(spec.colour, spec.dashes, spec.arrow, spec.width);
    return shapeSwatch(spec.shape, spec.fill, spec.stroke, spec.dashes);
  }

  function legendBlock(payload) {
    var box = el('section', 'locmap-legend');
    box.setAttribute('aria-label', 'Key');
    box.appendChild(el('h2', 'locmap-panel-title', 'Key'));
    var grid = el('div', 'locmap-legend-grid');
    legendSections(payload).forEach(function (section) {
      var block = el('div', 'locmap-legend-section');
      block.appendChild(el('h3', null, section.title));
      var list = el('ul');
      section.items.forEach(function (item) {
        var li = el('li');
        li.appendChild(domSwatch(item.swatch));
        li.appendChild(el('span', null, item.label));
        list.appendChild(li);
      });
      block.appendChild(list);
      grid.appendChild(block);
    });
    box.appendChild(grid);
    return box;
  }

  /* ------------------------------------------------------------ the map */

  function failed(container) {
    container.appendChild(el('p', 'locmap-error', 'The map could not be loaded.'));
  }

  /* The payload is inline (standalone files), or null with its URL in a
   * data-locmap-map-url attribute on an enclosing element (the service's
   * pages: the data is cached and revalidated apart from the page). */
  /* --------------------------------------------------- names on a big map */

  // A named node's name on screen at the fit zoom, in CSS pixels.
  var NAMED_FONT_PX = 12;
  // An ellipse grows by its label's height twice over, so its name gets wider lines;
  // a database is as tall as it is wide, so its name keeps its narrow ones.
  var WIDE_SHAPES = { ellipse: 1.5 };
  var INSIDE_SHAPES = { box: true, ellipse: true, database: true, circle: true, text: true };
  var measurer = null;

  /* vis focuses the map on each press, for its keys; a browser scrolls an
     element taller than what is left of the window into view when it is
     focused, between the press and the release, and vis then reads the click
     at the wrong place (an edge instead of the node under the pointer).  The
     map is focused without scrolling. */
  function keepStillWhenFocused(frame) {
    if (!frame) return;
    var focus = frame.focus.bind(frame);
    frame.focus = function (how) { focus(Object.assign({ preventScroll: true }, how)); };
  }

  /* The lines vis draws: wrapped between words within the width constraint. */

  function wrapped(label, font, maxWidth) {
    if (!measurer) measurer = document.createElement('canvas').getContext('2d');
    measurer.font = (font.bold ? 'bold ' : '') + font.size + 'px ' + (font.face || 'sans-serif');
    var lines = [];
    String(label).split('\n').forEach(function (part) {
      var line = '';
      part.split(/\s+/).forEach(function (word) {
        var longer = line ? line + ' ' + word : word;
        if (line && maxWidth && measurer.measureText(longer).width > maxWidth) { lines.push(line); line = word; } else line = longer;
      });
      lines.push(line);
    });
    var widest = Math.max.apply(null, lines.map(function (l) { return measurer.measureText(l).width; }));
    return { width: widest, height: lines.length * font.size * 1.2 };
  }

  /* The screen box of a node and its name: around the centre for a name
   * inside its shape, under the shape for the others. */
  function nameBox(n, font, width, centre, scale) {
    var text = wrapped(n.label, font, width && width.maximum);
    var w = text.width * scale;
    var h = text.height * scale;
    if (INSIDE_SHAPES[n.shape]) {
      if (n.shape === 'ellipse') { w += h; h *= 2; }
      if (n.shape === 'database' || n.shape === 'circle') h = w = Math.max(w, h);
      return { left: centre.x - w / 2, right: centre.x + w / 2, top: centre.y - h / 2, bottom: centre.y + h / 2 };
    }
    var r = (n.size || 10) * scale;
    return { left: centre.x - Math.max(w / 2, r), right: centre.x + Math.max(w / 2, r), top: centre.y - r, bottom: centre.y + r + 4 + h };
  }

  function overlaps(a, b) {
    var pad = 3;
    return a.left < b.right + pad && b.left < a.right + pad && a.top < b.bottom + pad && b.top < a.bottom + pad;
  }

  function init(container) {
    if (container.dataset.locmapInitialised) return;
    container.dataset.locmapInitialised = 'true';
    var source = document.getElementById(container.dataset.payload || '');
    if (!source || typeof vis === 'undefined') return failed(container);
    var inline = JSON.parse(source.textContent);
    if (inline) return build(container, inline);
    var holder = container.closest('[data-locmap-map-url]');
    var url = holder ? holder.getAttribute('data-locmap-map-url') : null;
    if (!safeUrl(url) || typeof fetch === 'undefined') return failed(container);
    load(container, withChoices(url));
  }

  function pageChoices() {
    var query = new URLSearchParams(window.location.search);
    var chosen = {};
    Object.keys(PAGE_CHOICES).forEach(function (key) { chosen[key] = query.get(key) || PAGE_CHOICES[key]; });
    chosen.viewChosen = query.has('view');
    return chosen;
  }

  /* The data's address with the reader's choices: a summary replaces the view,
   * and a page that names no view lets the service choose (a big locality
   * opens on its groups). */
  function withChoices(url) {
    var chosen = pageChoices();
    var parts = url.split('?');
    var query = new URLSearchParams(parts[1] || '');
    if (!query.has('ego')) {
      if (chosen.summary === 'agency' || chosen.summary === 'kind') query.set('view', chosen.summary);
      else if (!chosen.viewChosen && query.get('view') === 'people') query.set('view', 'auto');
    }
    if (chosen.layout === 'layered') query.set('layout', 'layered');
    if (chosen.measure) query.set('measure', chosen.measure);
    return parts[0] + '?' + query.toString();
  }

  function choose(key, value) {
    var query = new URLSearchParams(window.location.search);
    if (!value || value === PAGE_CHOICES[key]) query.delete(key); else query.set(key, value);
    var search = query.toString();
    window.history.replaceState(null, '', window.location.pathname + (search ? '?' + search : '') + window.location.hash);
    carryChoices();
  }

  /* The view links keep the choices that still apply there: the layout on
   * the groups view, the measure on both; a link to a view shows each group,
   * so it drops the summary. */
  function carryChoices() {
    var chosen = pageChoices();
    Array.prototype.forEach.call(document.querySelectorAll('.locmap-views a[href]'), function (link) {
      var url = new URL(link.href);
      var view = url.searchParams.get('view');
      ['layout', 'measure', 'summary'].forEach(function (key) { url.searchParams.delete(key); });
      if (view === 'groups' && chosen.layout === 'layered') url.searchParams.set('layout', 'layered');
      if (chosen.measure) url.searchParams.set('measure', chosen.measure);
      link.setAttribute('href', url.pathname + url.search + url.hash);
    });
  }

  function reload(container) {
    var holder = container.closest('[data-locmap-map-url]');
    window.locmapMaps = window.locmapMaps.filter(function (m) {
      if (m.container !== container) return true;
      m.network.destroy();
      return false;
    });
    container.textContent = '';
    delete container.dataset.ready;
    load(container, withChoices(holder.getAttribute('data-locmap-map-url')));
  }

  function load(container, url) {
    var waiting = el('p', 'locmap-loading', 'Loading the map');
    container.appendChild(waiting);
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (answer) {
        if (!answer.ok) throw new Error('map data: HTTP ' + answer.status);
        return answer.json();
      })
      .then(function (payload) {
        container.removeChild(waiting);
        build(container, payload);
      })
      .catch(function () {
        if (waiting.parentNode) container.removeChild(waiting);
        failed(container);
      });
  }

  function build(container, payload) {
    var prefix = 'locmap-' + (mapCount += 1);
    var physicsOn = !!(payload.options && payload.options.physics && payload.options.physics.enabled);
    if (!payload.nodes.length) physicsOn = false;

    container.dataset.view = payload.view;
    container.dataset.layout = payload.layout;

    /* --- data ------------------------------------------------------------ */

    var byId = new Map();
    var original = new Map();
    var nodeRows = payload.nodes.map(function (n) {
      byId.set(n.id, n);
      original.set(n.id, { color: n.color, font: n.font });
      return Object.assign({}, n, { title: tipElement(n.tooltip), hidden: false });
    });
    var edgeById = new Map();
    var edgeOriginal = new Map();
    var edgeRows = payload.edges.map(function (e) {
      edgeById.set(e.id, e);
      edgeOriginal.set(e.id, e.color);
      return Object.assign({}, e, { title: tipElement(e.tooltip), hidden: false });
    });
    var incident = new Map();
    payload.nodes.forEach(function (n) { incident.set(n.id, []); });
    payload.edges.forEach(function (e) {
      if (incident.has(e.from)) incident.get(e.from).push(e);
      if (incident.has(e.to) && e.to !== e.from) incident.get(e.to).push(e);
    });

    var nodes = new vis.DataSet(nodeRows);
    var edges = new vis.DataSet(edgeRows);
    var hiddenNodes = new Set();
    var hiddenEdges = new Set();
    var selected = null;

    /* --- toolbar ----------------------------------------------------------- */

    var toolbar = el('div', 'locmap-toolbar');
    var searchBox = el('div', 'locmap-search');
    var searchLabel = el('label', 'locmap-search-label', 'Find a person or group');
    var searchInput = el('input', 'locmap-search-input');
    var datalist = el('datalist');
    searchInput.type = 'search';
    searchInput.id = prefix + '-search';
    searchInput.autocomplete = 'off';
    searchInput.placeholder = 'Type a name';
    searchInput.setAttribute('data-locmap-search', '');
    datalist.id = prefix + '-names';
    searchInput.setAttribute('list', datalist.id);
    searchLabel.htmlFor = searchInput.id;

    var byName = new Map();
    var sortedNodes = payload.nodes.slice().sort(function (a, b) {
      if (a.kind !== b.kind) return a.kind === 'group' ? -1 : 1;
      return a.label.localeCompare(b.label);
    });
    sortedNodes.forEach(function (n) {
      var key = n.label.trim().toLowerCase();
      if (!byName.has(key)) {
        byName.set(key, []);
        var option = el('option');
        option.value = n.label;
        option.label = n.kind === 'group' ? 'Group' : (n.agency || 'Person');
        datalist.appendChild(option);
      }
      byName.get(key).push(n.id);
    });
    var searchMessage = el('p', 'locmap-search-message');
    searchMessage.setAttribute('aria-live', 'polite');
    searchBox.appendChild(searchLabel);
    searchBox.appendChild(searchInput);
    searchBox.appendChild(datalist);
    searchBox.appendChild(searchMessage);
    toolbar.appendChild(searchBox);

    var buttons = el('div', 'locmap-buttons');
    var fitButton = el('button', 'locmap-btn', 'Fit to screen');
    fitButton.type = 'button';
    fitButton.setAttribute('data-action', 'fit');
    var clearButton = el('button', 'locmap-btn', 'Clear selection');
    clearButton.type = 'button';
    clearButton.setAttribute('data-action', 'clear');
    clearButton.disabled = true;
    var pictureButton = el('button', 'locmap-btn', 'Download map as PNG');
    pictureButton.type = 'button';
    pictureButton.setAttribute('data-action', 'download-png');
    buttons.appendChild(fitButton);
    buttons.appendChild(clearButton);
    buttons.appendChild(pictureButton);
    toolbar.appendChild(buttons);
    if (container.closest('[data-locmap-map-url]')) toolbar.appendChild(choiceControls(container, payload, prefix));

    var notices = el('div', 'locmap-notices');
    (payload.notices || []).forEach(function (text) { notices.appendChild(el('p', 'locmap-notice', text)); });
    var wholeButton = null;
    if (payload.fit_nodes) {
      wholeButton = el('button', 'locmap-btn', 'Show the whole map');
      wholeButton.type = 'button';
      wholeButton.setAttribute('data-action', 'fit-all');
      buttons.appendChild(wholeButton);
    }
    markCurrentView(container, payload.view);
    carryChoices();

    var status = el('p', 'locmap-status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    toolbar.appendChild(status);

    /* --- filters ------------------------------------------------------------ */

    var body = el('div', 'locmap-body');
    // A <details>: folded on a phone, under the map; open beside it on a wide screen.
    var filterPanel = el('details', 'locmap-filters');
    filterPanel.setAttribute('aria-label', 'Filters');
    filterPanel.appendChild(el('summary', 'locmap-panel-title', 'Filters'));
    foldOnNarrowScreens(filterPanel);
    var filterHead = el('div', 'locmap-panel-head');
    var showAll = el('button', 'locmap-linkbtn', 'Show all');
    showAll.type = 'button';
    showAll.setAttribute('data-action', 'show-all');
    filterHead.appendChild(showAll);
    filterPanel.appendChild(filterHead);
    var checkboxes = [];

    function filterSet(title, filterName, items, swatch) {
      if (!items || !items.length) return;
      var fieldset = el('fieldset', 'locmap-filter');
      fieldset.setAttribute('data-filter-group', filterName);
      fieldset.appendChild(el('legend', null, title));
      items.forEach(function (item) {
        var label = el('label', 'locmap-check');
        var box = el('input');
        box.type = 'checkbox';
        box.checked = true;
        box.value = item.value;
        box.setAttribute('data-filter', filterName);
        checkboxes.push(box);
        label.appendChild(box);
        label.appendChild(swatch(item));
        label.appendChild(el('span', 'locmap-check-text', item.label));
        label.appendChild(el('span', 'locmap-count', item.count));
        fieldset.appendChild(label);
      });
      filterPanel.appendChild(fieldset);
    }

    var filters = payload.filters || {};
    filterSet('Kinds of group', 'group_type', filters.group_types, function (item) {
      return shapeSwatch(item.shape);
    });
    if (payload.view === 'people' || payload.view === 'agency') {
      filterSet(payload.view === 'agency' ? 'Agencies by sector' : 'People by sector', 'sector', filters.sectors, function (item) {
        return colourSwatch(item.color, true);
      });
    }
    filterSet('Links between groups', 'link_kind', filters.link_kinds, function (item) {
      return lineSwatch(item.color, item.dashes, true);
    });
    filterSet('Other lines', 'edge', filters.edges, function (item) {
      return lineSwatch(item.color, item.value === 'shared' ? [3, 4] : null, false, item.value === 'shared' ? 3 : 1.5);
    });

    /* --- canvas and details ------------------------------------------------- */

    var canvasWrap = el('div', 'locmap-canvas-wrap');
    var canvas = el('div', 'locmap-canvas');
    canvas.id = prefix + '-canvas';
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-label', 'Map of ' + payload.locality.name +
      '. Use the search box or the details panel to move between groups and people.');
    var loading = el('div', 'locmap-loading', payload.nodes.length ? 'Laying out the map' : 'Nothing to map yet: this locality has no groups.');
    canvasWrap.appendChild(canvas);
    canvasWrap.appendChild(loading);

    var details = el('aside', 'locmap-details');
    details.id = prefix + '-details';
    details.setAttribute('aria-label', 'Details');
    details.setAttribute('aria-live', 'polite');

    body.appendChild(filterPanel);
    body.appendChild(canvasWrap);
    body.appendChild(details);

    var legendBox = legendBlock(payload);

    container.appendChild(toolbar);
    if (notices.childNodes.length) container.appendChild(notices);
    container.appendChild(body);
    container.appendChild(legendBox);

    /* --- network --------------------------------------------------------------- */

    var options = Object.assign({}, payload.options || {});
    if (!payload.nodes.length) options.physics = { enabled: false };
    var network = new vis.Network(canvas, { nodes: nodes, edges: edges }, options);
    keepStillWhenFocused(canvas.querySelector('.vis-network'));

    /* --- state helpers ------------------------------------------------------- */

    function updateCounts() {
      var visibleNodes = payload.nodes.length - hiddenNodes.size;
      var visibleEdges = payload.edges.length - hiddenEdges.size;
      container.dataset.totalNodes = String(payload.nodes.length);
      container.dataset.visibleNodes = String(visibleNodes);
      container.dataset.totalEdges = String(payload.edges.length);
      container.dataset.visibleEdges = String(visibleEdges);
      var groupsShown = 0;
      var peopleShown = 0;
      payload.nodes.forEach(function (n) {
        if (hiddenNodes.has(n.id)) return;
        if (n.kind === 'group') groupsShown += 1; else peopleShown += 1;
      });
      var text = 'Showing ' + groupsShown + ' of ' + payload.counts.groups + ' groups';
      if (payload.view === 'people') text += ' and ' + peopleShown + ' of ' + payload.counts.people + ' people';
      if (payload.view === 'agency') text = 'Showing ' + peopleShown + ' of ' + payload.counts.agencies + ' agencies';
      if (payload.view === 'kind') text = 'Showing ' + groupsShown + ' of ' + payload.counts.nodes + ' kinds of group';
      status.textContent = text + '.';
    }

    function paint() {
      var lit = null;
      if (selected !== null) {
        lit = new Set([selected]);
        incident.get(selected).forEach(function (e) {
          if (!hiddenEdges.has(e.id)) { lit.add(e.from); lit.add(e.to); }
        });
      }
      nodes.update(payload.nodes.map(function (n) {
        var orig = original.get(n.id);
        if (lit === null || lit.has(n.id)) return { id: n.id, color: orig.color, font: orig.font };
        return { id: n.id, color: DIM_NODE_COLOUR, font: Object.assign({}, orig.font, { color: DIM_FONT_COLOUR }) };
      }));
      edges.update(payload.edges.map(function (e) {
        var on = lit === null || e.from === selected || e.to === selected;
        return { id: e.id, color: on ? edgeOriginal.get(e.id) : DIM_EDGE_COLOUR };
      }));
    }

    function applyFilters() {
      var off = { sector: new Set(), group_type: new Set(), link_kind: new Set(), edge: new Set() };
      checkboxes.forEach(function (box) {
        if (!box.checked) off[box.getAttribute('data-filter')].add(box.value);
      });
      var hideNode = new Set();
      payload.nodes.forEach(function (n) {
        if (n.kind === 'group' && off.group_type.has(n.type)) hideNode.add(n.id);
        if ((n.kind === 'person' || n.kind === 'agency') && off.sector.has(n.sector)) hideNode.add(n.id);
      });
      // A person whose every group is hidden has nothing left to show.
      payload.nodes.forEach(function (n) {
        if (n.kind !== 'person' || hideNode.has(n.id)) return;
        var seats = incident.get(n.id).filter(function (e) { return e.kind === 'member'; });
        if (seats.length && seats.every(function (e) { return hideNode.has(e.to); })) hideNode.add(n.id);
      });
      var hideEdge = new Set();
      payload.edges.forEach(function (e) {
        if (hideNode.has(e.from) || hideNode.has(e.to) ||
            (e.kind === 'link' && off.link_kind.has(e.link_kind)) ||
            (e.kind !== 'link' && off.edge.has(e.kind))) {
          hideEdge.add(e.id);
        }
      });
      var nodeChanges = [];
      payload.nodes.forEach(function (n) {
        if (hideNode.has(n.id) !== hiddenNodes.has(n.id)) nodeChanges.push({ id: n.id, hidden: hideNode.has(n.id) });
      });
      var edgeChanges = [];
      payload.edges.forEach(function (e) {
        if (hideEdge.has(e.id) !== hiddenEdges.has(e.id)) edgeChanges.push({ id: e.id, hidden: hideEdge.has(e.id) });
      });
      hiddenNodes = hideNode;
      hiddenEdges = hideEdge;
      if (nodeChanges.length) nodes.update(nodeChanges);
      if (edgeChanges.length) edges.update(edgeChanges);
      if (selected !== null && hiddenNodes.has(selected)) clearSelection();
      else if (selected !== null) { paint(); showDetails(selected); }
      updateCounts();
    }

    function nodeButton(id, extraText) {
      var n = byId.get(id);
      var li = el('li');
      var button = el('button', 'locmap-node-link', n.label);
      button.type = 'button';
      button.setAttribute('data-node', id);
      if (hiddenNodes.has(id)) {
        button.classList.add('locmap-is-hidden');
        button.title = 'Hidden by the filters';
      }
      li.appendChild(button);
      if (extraText) li.appendChild(el('span', 'locmap-note', extraText));
      return li;
    }

    function listSection(title, items) {
      if (!items.length) return;
      details.appendChild(el('h3', 'locmap-details-heading', title + ' (' + items.length + ')'));
      var list = el('ul', 'locmap-neighbours');
      items.forEach(function (item) { list.appendChild(item); });
      details.appendChild(list);
    }

    function showHint() {
      details.textContent = '';
      delete details.dataset.node;
      details.appendChild(el('h2', 'locmap-panel-title', 'Details'));
      details.appendChild(el('p', 'locmap-hint',
        'Click a group or person on the map, or find one by name, to see who and what it connects with.'));
      details.appendChild(el('p', 'locmap-hint',
        'Drag to move around, scroll to zoom, hover for a summary.'));
    }

    function byLabel(a, b) { return byId.get(a.id).label.localeCompare(byId.get(b.id).label); }

    function showDetails(id) {
      var n = byId.get(id);
      details.textContent = '';
      details.dataset.node = id;
      var kindWord = KIND_WORDS[n.kind] || n.kind;
      var typeWord = '';
      if (n.kind === 'group') {
        var gt = (filters.group_types || []).filter(function (t) { return t.value === n.type; })[0];
        typeWord = gt ? gt.label : n.type;
      } else if (n.kind === 'agency') {
        var sector = (filters.sectors || []).filter(function (t) { return t.value === n.sector; })[0];
        typeWord = sector ? sector.label : n.sector;
      } else {
        typeWord = n.agency || 'No agency';
      }
      details.appendChild(el('p', 'locmap-details-kind', kindWord + ' · ' + typeWord));
      details.appendChild(el('h2', 'locmap-details-title', n.label));
      details.appendChild(el('p', 'locmap-details-text', n.tooltip));
      if (hiddenNodes.has(id)) details.appendChild(el('p', 'locmap-note', 'Hidden by the filters.'));
      if (safeUrl(n.url)) {
        var a = el('a', 'locmap-open-page', 'Open page');
        a.href = n.url;
        details.appendChild(a);
      }
      var members = [];
      var seats = [];
      var out = [];
      var inbound = [];
      var shared = [];
      incident.get(id).forEach(function (e) {
        if (e.kind === 'member') {
          if (e.to === id) members.push({ id: e.from, note: e.role.replace(/_/g, ' ') });
          else seats.push({ id: e.to, note: e.role.replace(/_/g, ' ') });
        } else if (e.kind === 'link') {
          var word = linkWord(e.link_kind);
          if (e.from === id) out.push({ id: e.to, note: word });
          if (e.to === id) inbound.push({ id: e.from, note: word });
        } else if (e.kind === 'shared') {
          shared.push({ id: e.from === id ? e.to : e.from, note: e.shared + (e.shared === 1 ? ' member' : ' members') });
        }
      });
      function items(list) {
        return list.sort(byLabel).map(function (x) { return nodeButton(x.id, x.note); });
      }
      listSection('Sits on', items(seats));
      listSection('Members', items(members));
      listSection('Links out', items(out));
      listSection('Links in', items(inbound));
      listSection('Shares members with', items(shared));
    }

    function linkWord(kind) {
      var found = (filters.link_kinds || []).filter(function (k) { return k.value === kind; })[0];
      return found ? found.label : kind;
    }

    function showEdgeDetails(edgeId) {
      var e = edgeById.get(edgeId);
      if (!e) return;
      details.textContent = '';
      details.dataset.edge = edgeId;
      delete details.dataset.node;
      var title = e.kind === 'link' ? linkWord(e.link_kind) : (e.kind === 'member' ? 'Membership' : 'Shared members');
      details.appendChild(el('p', 'locmap-details-kind', 'Line'));
      details.appendChild(el('h2', 'locmap-details-title', title));
      details.appendChild(el('p', 'locmap-details-text', e.tooltip));
      listSection('Between', [nodeButton(e.from), nodeButton(e.to)]);
    }

    function select(id, focus) {
      if (!byId.has(id)) return false;
      selected = id;
      container.dataset.selected = id;
      delete details.dataset.edge;
      clearButton.disabled = false;
      network.selectNodes([id], true);
      paint();
      showDetails(id);
      if (focus) focusOn(id);
      return true;
    }

    function focusOn(id) {
      var animation = { duration: 450, easingFunction: 'easeInOutQuad' };
      var around = [id];
      incident.get(id).forEach(function (e) {
        if (hiddenEdges.has(e.id)) return;
        around.push(e.from === id ? e.to : e.from);
      });
      if (around.length > 1) {
        network.fit({ nodes: around, maxZoomLevel: 1.2, animation: animation });
      } else {
        network.focus(id, { scale: Math.max(network.getScale(), 1), animation: animation });
      }
    }

    function clearSelection() {
      selected = null;
      container.dataset.selected = '';
      delete details.dataset.edge;
      clearButton.disabled = true;
      network.unselectAll();
      paint();
      showHint();
    }

    function search(exactOnly) {
      var query = searchInput.value.trim().toLowerCase();
      searchMessage.textContent = '';
      if (!query) return;
      var ids = byName.get(query);
      if (!ids && !exactOnly) {
        var matches = [];
        byName.forEach(function (value, key) { if (key.indexOf(query) !== -1) matches.push(value[0]); });
        if (matches.length === 1) ids = matches;
        else {
          searchMessage.textContent = matches.length
            ? matches.length + ' names contain "' + searchInput.value.trim() + '"; pick one from the list.'
            : 'No person or group called "' + searchInput.value.trim() + '".';
          return;
        }
      }
      if (ids) {
        select(ids[0], true);
        var n = byId.get(ids[0]);
        searchMessage.textContent = hiddenNodes.has(n.id) ? n.label + ' is hidden by the filters.' : '';
      }
    }

    /* --- events --------------------------------------------------------------- */

    searchInput.addEventListener('input', function () { search(true); });
    searchInput.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') { event.preventDefault(); search(false); }
    });
    searchInput.addEventListener('change', function () { search(false); });
    fitButton.addEventListener('click', function () {
      fitView({ duration: 400, easingFunction: 'easeInOutQuad' });
    });
    if (wholeButton) {
      wholeButton.addEventListener('click', function () {
        network.fit({ animation: { duration: 400, easingFunction: 'easeInOutQuad' } });
      });
    }
    // The few names kept readable at any zoom; vis hides the others until they are big enough.
    var topIds = payload.nodes.filter(function (n) { return n.top_label; })
      .sort(function (a, b) { return (a.label_rank || 0) - (b.label_rank || 0); })
      .map(function (n) { return n.id; });
    var labelCount = payload.label_count || topIds.length;
    var namedIds = new Set();
    /* Each candidate in rank order is named unless its name, at the size it
     * would be drawn, covers a name already kept; the others wait for the
     * reader to zoom in, like every other node. */
    function keepTopLabels() {
      if (!topIds.length) return;
      var scale = network.getScale();
      var at = network.getPositions(topIds);
      var kept = [];
      namedIds = new Set();
      nodes.update(topIds.map(function (id) {
        var n = byId.get(id);
        var size = Math.min(Math.max(n.font.size, NAMED_FONT_PX / scale), 120);
        // The white halo grows with the name, or it vanishes at the fit zoom and the name drowns in the lines.
        var font = Object.assign({}, n.font, { size: size, strokeWidth: (n.font.strokeWidth || 0) * size / n.font.size });
        var width = n.widthConstraint;
        var grown = width && width.maximum ? { maximum: width.maximum * (size / n.font.size) * (WIDE_SHAPES[n.shape] || 1) } : width;
        var box = nameBox(n, font, grown, network.canvasToDOM(at[id]), scale);
        var named = namedIds.size < labelCount && kept.every(function (k) { return !overlaps(k, box); });
        if (named) { kept.push(box); namedIds.add(id); } else { font = n.font; grown = width; }
        original.set(id, { color: original.get(id).color, font: font });
        return { id: id, font: selected === null || selected === id ? font : Object.assign({}, font, { color: DIM_FONT_COLOUR }), widthConstraint: grown || false };
      }));
    }
    network.on('zoom', keepTopLabels);
    clearButton.addEventListener('click', function () { clearSelection(); });
    showAll.addEventListener('click', function () {
      checkboxes.forEach(function (box) { box.checked = true; });
      applyFilters();
    });
    filterPanel.addEventListener('change', function (event) {
      if (event.target && event.target.getAttribute('data-filter')) applyFilters();
    });
    details.addEventListener('click', function (event) {
      var target = event.target.closest ? event.target.closest('[data-node]') : null;
      if (target && target.classList.contains('locmap-node-link')) select(target.getAttribute('data-node'), true);
    });
    container.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && selected !== null) clearSelection();
    });
    network.on('click', function (params) {
      if (params.nodes.length) select(params.nodes[0], false);
      else if (params.edges.length) {
        if (selected !== null) { selected = null; container.dataset.selected = ''; paint(); }
        clearButton.disabled = false;
        showEdgeDetails(params.edges[0]);
      } else clearSelection();
    });

    /* --- ready ------------------------------------------------------------------ */

    var readyDone = false;
    function markReady() {
      if (readyDone) return;
      readyDone = true;
      loading.hidden = true;
      container.dataset.ready = 'true';
    }
    function fitView(animation) {
      var fitNodes = (payload.fit_nodes || []).filter(function (id) { return !hiddenNodes.has(id); });
      var how = fitNodes.length ? { nodes: fitNodes, animation: animation || false } : { animation: animation || false };
      network.fit(how);
      if (animation) return;
      keepTopLabels();
      if (topIds.length) {
        // Names grown for the fit zoom make their shapes bigger: fit again so none runs off the edge.
        network.redraw();
        network.fit(how);
        keepTopLabels();
      }
      hideOtherLabelsAtFit();
    }
    /* At the fit zoom only the top names are drawn: vis skips a label smaller
     * on screen than drawThreshold, so the threshold is set just above the
     * others' size there; zooming in a little brings them back. */
    function hideOtherLabelsAtFit() {
      if (!topIds.length) return;
      var biggest = 0;
      payload.nodes.forEach(function (n) { if (!namedIds.has(n.id) && n.font) biggest = Math.max(biggest, n.font.size || 14); });
      var threshold = Math.max(5, biggest * network.getScale() + 2);
      network.setOptions({ nodes: { scaling: { label: { enabled: false, drawThreshold: threshold, maxVisible: 40 } } } });
    }
    function settle() {
      network.setOptions({ physics: { enabled: false } });
      network.once('afterDrawing', markReady);
      fitView();
      network.redraw();
    }
    if (physicsOn) {
      network.on('stabilizationProgress', function (params) {
        loading.textContent = 'Laying out the map: ' + Math.round(100 * params.iterations / params.total) + '%';
      });
      network.once('stabilizationIterationsDone', settle);
      window.setTimeout(function () { if (!readyDone) settle(); }, 15000);
    } else {
      network.once('afterDrawing', markReady);
      if (payload.nodes.length) fitView();
      network.redraw();
      if (!payload.nodes.length) { markReady(); loading.hidden = false; }
    }

    showHint();
    container.dataset.selected = '';
    updateCounts();

    pictureButton.addEventListener('click', function () { downloadPicture(network, container, payload); });

    window.locmapMaps.push({
      network: network,
      nodes: nodes,
      edges: edges,
      container: container,
      payload: payload,
      select: function (id) { return select(id, true); },
      named: function () { return Array.from(namedIds); },
      clear: clearSelection,
      applyFilters: applyFilters
    });
  }

  /* ------------------------------------------------------------ the reader's choices */

  function choiceSelect(prefix, key, title, choices, current) {
    var box = el('div', 'locmap-choice');
    var label = el('label', 'locmap-search-label', title);
    var select = el('select', 'locmap-select');
    select.id = prefix + '-' + key;
    select.setAttribute('data-choice', key);
    label.htmlFor = select.id;
    choices.forEach(function (choice) {
      var option = el('option', null, choice[1]);
      option.value = choice[0];
      option.selected = choice[0] === current;
      select.appendChild(option);
    });
    box.appendChild(label);
    box.appendChild(select);
    return box;
  }

  /* Layout (the groups view), shade by a measure (people and groups) and
   * summaries (a locality's map, not a neighbourhood): each reloads the data
   * and is remembered in the page's address. */
  function choiceControls(container, payload, prefix) {
    var chosen = pageChoices();
    var box = el('div', 'locmap-choices');
    if (payload.view === 'groups') {
      box.appendChild(choiceSelect(prefix, 'layout', 'Layout', LAYOUT_CHOICES, payload.layout === 'layered' ? 'layered' : 'force'));
    }
    if (payload.view === 'people' || payload.view === 'groups') {
      box.appendChild(choiceSelect(prefix, 'measure', 'Shade and size by', MEASURE_CHOICES, (payload.legend.measure || {}).value || ''));
    }
    if (!payload.ego && payload.view !== 'people') {
      box.appendChild(choiceSelect(prefix, 'summary', 'Summarise', SUMMARY_CHOICES, chosen.summary));
    }
    box.addEventListener('change', function (event) {
      var key = event.target.getAttribute('data-choice');
      if (!key) return;
      choose(key, event.target.value);
      reload(container);
    });
    return box;
  }

  function markCurrentView(container, view) {
    var section = container.closest('section');
    if (!section || (view !== 'people' && view !== 'groups')) return;
    Array.prototype.forEach.call(section.querySelectorAll('.locmap-views a[href]'), function (link) {
      if (new URL(link.href).searchParams.get('view') === view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    });
  }

  /* ------------------------------------------------------------ the map as a picture */

  // Device pixels: 3000 across prints about 25 cm wide at 300 dpi.
  var PICTURE_WIDTH = 3000;
  var PICTURE_HEIGHT = 2000;
  var VIEW_WORDS = { people: 'People and groups', groups: 'Groups and their links' };

  function downloadPicture(network, container, payload) {
    var picture = mapPicture(network, container, payload);
    var name = (payload.locality.id || 'locality') + '-' + payload.view + '-map.png';
    picture.toBlob(function (blob) {
      if (!blob) return;
      var link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 30000);
    }, 'image/png');
  }

  /* The map drawn at print resolution: for one synchronous moment (nothing is
   * painted in between) the canvas is PICTURE_WIDTH device pixels wide and
   * fitted; its pixels are copied under a caption and over the key, and the
   * reader's view is put back as it was. */
  function mapPicture(network, container, payload) {
    var ratio = window.devicePixelRatio || 1;
    var scale = network.getScale();
    var position = network.getViewPosition();
    network.setSize(Math.round(PICTURE_WIDTH / ratio) + 'px', Math.round(PICTURE_HEIGHT / ratio) + 'px');
    network.redraw();
    network.fit({ animation: false });
    network.redraw();
    var picture = composePicture(container.querySelector('.locmap-canvas canvas'), payload);
    network.setSize('100%', '100%');
    network.redraw();
    network.moveTo({ position: position, scale: scale, animation: false });
    return picture;
  }

  function composePicture(source, payload) {
    var width = source.width;
    var unit = width / 1000;
    var sections = legendSections(payload);
    var captionHeight = 80 * unit;
    var keyHeight = drawKey(null, sections, 0, width, unit);
    var picture = document.createElement('canvas');
    picture.width = width;
    picture.height = Math.ceil(captionHeight + source.height + keyHeight);
    var ctx = picture.getContext('2d');
    ctx.fillStyle = '#FFFFFF';
    ctx.fillRect(0, 0, picture.width, picture.height);
    ctx.fillStyle = '#1F2933';
    ctx.textBaseline = 'alphabetic';
    ctx.font = 'bold ' + 26 * unit + 'px system-ui, sans-serif';
    ctx.fillText(payload.locality.name + ': who meets where', 20 * unit, 38 * unit, width - 40 * unit);
    ctx.fillStyle = '#52606D';
    ctx.font = 15 * unit + 'px system-ui, sans-serif';
    var counts = payload.counts || {};
    var sub = (VIEW_WORDS[payload.view] || payload.view) + ' · ' + counts.groups + ' groups' +
      (payload.view === 'people' ? ', ' + counts.people + ' people' : '');
    ctx.fillText(sub, 20 * unit, 64 * unit, width - 40 * unit);
    ctx.drawImage(source, 0, captionHeight);
    drawKey(ctx, sections, captionHeight + source.height, width, unit);
    return picture;
  }

  /* Lays out (and, given a context, draws) the key in columns below the map;
   * returns its height. */
  function drawKey(ctx, sections, top, width, unit) {
    var margin = 20 * unit;
    var column = 245 * unit;
    var row = 24 * unit;
    var columns = Math.max(1, Math.floor((width - 2 * margin) / column));
    var y = top + margin;
    if (ctx) {
      ctx.strokeStyle = '#D3D9E0';
      ctx.lineWidth = unit;
      ctx.beginPath(); ctx.moveTo(margin, y - margin / 2); ctx.lineTo(width - margin, y - margin / 2); ctx.stroke();
      ctx.fillStyle = '#1F2933';
      ctx.font = 'bold ' + 17 * unit + 'px system-ui, sans-serif';
      ctx.fillText('Key', margin, y + 16 * unit);
    }
    y += 30 * unit;
    sections.forEach(function (section) {
      if (ctx) {
        ctx.fillStyle = '#52606D';
        ctx.font = 'bold ' + 12 * unit + 'px system-ui, sans-serif';
        ctx.fillText(section.title.toUpperCase(), margin, y + 12 * unit);
      }
      y += 20 * unit;
      section.items.forEach(function (item, i) {
        var x = margin + (i % columns) * column;
        var iy = y + Math.floor(i / columns) * row;
        if (!ctx) return;
        drawSwatch(ctx, item.swatch, x, iy, unit);
        ctx.fillStyle = '#1F2933';
        ctx.font = 14 * unit + 'px system-ui, sans-serif';
        ctx.fillText(item.label, x + 46 * unit, iy + 15 * unit, column - 52 * unit);
      });
      y += Math.ceil(section.items.length / columns) * row + 10 * unit;
    });
    return y - top + margin;
  }

  function drawSwatch(ctx, spec, x, y, unit) {
    ctx.save();
    ctx.translate(x, y);
    ctx.scale(unit, unit);
    ctx.setLineDash(spec.dashes || []);
    if (spec.type === 'colour' || spec.type === 'round') {
      ctx.fillStyle = spec.colour;
      ctx.strokeStyle = 'rgba(31,41,51,0.35)';
      ctx.beginPath();
      if (spec.type === 'round') ctx.arc(13, 10, 7, 0, 2 * Math.PI); else ctx.rect(4, 3, 18, 14);
      ctx.fill();
      ctx.stroke();
    } else if (spec.type === 'line') {
      ctx.strokeStyle = spec.colour;
      ctx.lineWidth = spec.width || 2.5;
      ctx.beginPath(); ctx.moveTo(1, 10); ctx.lineTo(spec.arrow ? 29 : 37, 10); ctx.stroke();
      if (spec.arrow) {
        ctx.fillStyle = spec.colour;
        ctx.beginPath(); ctx.moveTo(28, 5.5); ctx.lineTo(37, 10); ctx.lineTo(28, 14.5); ctx.closePath(); ctx.fill();
      }
    } else {
      ctx.fillStyle = spec.fill || '#CBD2D9';
      ctx.strokeStyle = spec.stroke || '#3E4C59';
      ctx.lineWidth = spec.dashes ? 2 : shapeStroke(spec.shape);
      shapePaths(spec.shape).forEach(function (d) {
        var path = new Path2D(d);
        ctx.fill(path);
        ctx.stroke(path);
      });
    }
    ctx.restore();
  }

  /* ------------------------------------------------------------ narrow screens */

  var NARROW = '(max-width: 60rem)';

  function foldOnNarrowScreens(panel) {
    if (!window.matchMedia) { panel.open = true; return; }
    var narrow = window.matchMedia(NARROW);
    panel.open = !narrow.matches;
    onChange(narrow, function () { panel.open = !narrow.matches; });
  }

  function onChange(query, handler) {
    if (query.addEventListener) query.addEventListener('change', handler);
    else if (query.addListener) query.addListener(handler);
  }

  /* ------------------------------------------------------------ print */

  /* vis draws on a canvas sized for the screen.  Before printing, the layout
   * for paper is not known yet, so the canvas is drawn at a fixed size of the
   * printed box's shape (map.css gives it aspect-ratio 6 / 5 and stretches
   * the drawing to fill it): the printed map is whole, undistorted and sharp.
   * After printing the reader's view is put back. */
  var PRINT_SIZE = { width: 1800, height: 1500 };

  function printing(on) {
    window.locmapMaps.forEach(function (m) {
      var network = m.network;
      if (on && !m.screenView) {
        m.screenView = { position: network.getViewPosition(), scale: network.getScale() };
        network.setSize(PRINT_SIZE.width + 'px', PRINT_SIZE.height + 'px');
        network.redraw();
        network.fit({ animation: false });
        network.redraw();
      } else if (!on && m.screenView) {
        network.setSize('100%', '100%');
        network.redraw();
        network.moveTo({ position: m.screenView.position, scale: m.screenView.scale, animation: false });
        m.screenView = null;
      }
    });
  }

  function watchPrinting() {
    window.addEventListener('beforeprint', function () { printing(true); });
    window.addEventListener('afterprint', function () { printing(false); });
    if (!window.matchMedia) return;
    var paper = window.matchMedia('print');
    onChange(paper, function () { printing(paper.matches); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-locmap-map]'), init);
  }

  watchPrinting();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
