/* layergrad explorer: replays a recorded training run and steps through backprop.
   Plain ES2017, no build step, no network: everything it shows is in the JSON
   blob of <script id="layergrad-data">, computed by layergrad in Python. */
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('layergrad-data').textContent);
  const P = D.palette;
  const SVGNS = 'http://www.w3.org/2000/svg';
  const app = document.getElementById('app');

  // ---------------------------------------------------------------- helpers
  function el(tag, attrs, parent, text) {
    const e = document.createElement(tag);
    for (const k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function sv(tag, attrs, parent, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function full(v) { return v === null || v === undefined ? 'none' : String(v); }
  function fmt(v, digits) {
    if (v === null || v === undefined) return '—';
    const d = digits || 4;
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(2);
    return String(Number(v.toPrecision(d)));
  }
  function pct(v) { return v === null || v === undefined ? '—' : (100 * v).toFixed(1) + ' %'; }
  // a number for reading, its full value as hover text (SVG: a <title> child; HTML: the title attribute)
  function svgNum(parent, v, attrs, shown) {
    const t = sv('text', attrs, parent);
    sv('title', {}, t, full(v));
    t.appendChild(document.createTextNode(shown !== undefined ? shown : fmt(v)));
    t.setAttribute('data-value', full(v));
    t.classList.add('num');
    return t;
  }
  function htmlNum(parent, v, shown, cls) {
    const s = el('span', { class: 'num' + (cls ? ' ' + cls : ''), title: full(v), 'data-value': full(v) }, parent);
    s.textContent = shown !== undefined ? shown : fmt(v);
    return s;
  }
  function rgb(hex) { return [1, 3, 5].map(function (i) { return parseInt(hex.slice(i, i + 2), 16); }); }
  const ZERO = rgb(P.zero), POS = rgb(P.positive), NEG = rgb(P.negative);
  function mix(a, b, t) { return [0, 1, 2].map(function (i) { return Math.round(a[i] + (b[i] - a[i]) * t); }); }
  function signedRGB(t) { t = Math.max(-1, Math.min(1, t)); return mix(ZERO, t > 0 ? POS : NEG, Math.abs(t)); }
  function css(c) { return 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')'; }
  function classColour(k) { return P.classes[k % P.classes.length]; }
  function gradColour(t) { t = Math.max(0, Math.min(1, t)); return P.gradient[Math.round(t * (P.gradient.length - 1))]; }
  function unpack(p) {
    const raw = atob(p.b64), q = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) q[i] = raw.charCodeAt(i);
    const per = q.length / p.lo.length;
    return { q: q, per: per, lo: p.lo, hi: p.hi,
      at: function (lead, k) { return this.lo[lead] + this.q[lead * this.per + k] / 255 * (this.hi[lead] - this.lo[lead]); } };
  }

  // weights: exact float64s, little-endian, frame by frame, then layer by layer (W row by row, then b)
  function unpackWeights(p) {
    const raw = atob(p.f64), view = new DataView(new ArrayBuffer(raw.length));
    for (let i = 0; i < raw.length; i++) view.setUint8(i, raw.charCodeAt(i));
    let off = 0;
    function next() { const v = view.getFloat64(off, true); off += 8; return v; }
    const out = [];
    for (let f = 0; f < p.frames; f++) {
      out.push(p.shapes.map(function (sh) {
        const W = [];
        for (let i = 0; i < sh[0]; i++) { const row = []; for (let j = 0; j < sh[1]; j++) row.push(next()); W.push(row); }
        const b = [];
        for (let j = 0; j < sh[1]; j++) b.push(next());
        return [W, b];
      }));
    }
    return out;
  }
  D.weights = unpackWeights(D.weights);
  const epochs = D.epochs, F = epochs.length, sizes = D.sizes;
  const maps = unpack(D.maps), bound = unpack(D.boundary), confid = unpack(D.confidence), reps = unpack(D.reps);
  const nNeurons = sizes.slice(1).reduce(function (a, b) { return a + b; }, 0);
  const ext = D.extent, R = D.res;
  let frame = F - 1;

  // ---------------------------------------------------------------- page skeleton
  const head = el('header', {}, app);
  el('h1', {}, head, D.title);
  const playBtn = el('button', { id: 'play', title: 'play the run' }, head, '▶ play');
  const slider = el('input', { id: 'epoch', type: 'range', min: 0, max: F - 1, step: 1, value: F - 1, 'aria-label': 'epoch' }, head);
  const epochLabel = el('span', { id: 'epoch-label' }, head);
  el('span', { class: 'note' }, head, 'network ' + D.architecture + ' · ' + D.points.X.length + ' training, ' +
    D.points.Xt.length + ' test samples');
  const main = el('main', {}, app);
  function panel(title, wide, id) {
    const s = el('section', { class: 'panel' + (wide ? ' wide' : ''), id: id }, main);
    el('h2', {}, s, title);
    return s;
  }

  // ---------------------------------------------------------------- heatmaps
  const off = document.createElement('canvas');
  off.width = R; off.height = R;
  const offCtx = off.getContext('2d');
  const img = offCtx.createImageData(R, R);
  function drawNeuron(canvas, f, k) {
    const lead = f * nNeurons + k;
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < R; j++) {
        const c = signedRGB(maps.at(lead, i * R + j)), o = ((R - 1 - i) * R + j) * 4;
        img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
      }
    }
    offCtx.putImageData(img, 0, 0);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  }
  function drawCoordinate(canvas, axis) {
    const ctx = canvas.getContext('2d'), W = canvas.width, H = canvas.height;
    const m = Math.max(Math.abs(ext[2 * axis]), Math.abs(ext[2 * axis + 1])) || 1;
    for (let px = 0; px < W; px++) {
      for (let py = 0; py < H; py++) {
        const x = ext[0] + (px + 0.5) / W * (ext[1] - ext[0]), y = ext[3] - (py + 0.5) / H * (ext[3] - ext[2]);
        ctx.fillStyle = css(signedRGB((axis === 0 ? x : y) / m));
        ctx.fillRect(px, py, 1, 1);
      }
    }
  }

  // ---------------------------------------------------------------- network diagram
  const netPanel = panel('Network: each neuron\'s output over the input plane', false, 'network');
  el('div', { class: 'note' }, netPanel, 'orange: negative, blue: positive (each map scaled to its largest value); edges: the weight\'s sign and size');
  const deadNote = el('div', { class: 'note', id: 'dead-note' }, netPanel);
  const tallest = Math.max.apply(null, sizes);
  const box = tallest > 12 ? 34 : 48, cols = sizes.length, colGap = 150, rowGap = box + 14;  // wide layers: smaller maps
  const netW = 80 + (cols - 1) * colGap + box + 80, netH = tallest * rowGap + 30;
  const net = el('div', { class: 'net', style: 'width:' + netW + 'px;height:' + netH + 'px' }, netPanel);
  const netSvg = sv('svg', { width: netW, height: netH, id: 'net-svg' }, net);
  function nodePos(c, j) { return [40 + c * colGap, 15 + (tallest - sizes[c]) * rowGap / 2 + j * rowGap]; }
  const edgeEls = [];
  for (let c = 1; c < cols; c++) {
    const layerEdges = [];
    for (let j = 0; j < sizes[c]; j++) {
      for (let i = 0; i < sizes[c - 1]; i++) {
        const a = nodePos(c - 1, i), b = nodePos(c, j);
        const line = sv('line', { x1: a[0] + box, y1: a[1] + box / 2, x2: b[0], y2: b[1] + box / 2, class: 'edge' }, netSvg);
        const t = sv('title', {}, line);
        layerEdges.push({ line: line, title: t, i: i, j: j });
      }
    }
    edgeEls.push(layerEdges);
  }
  const neuronCanvases = [];
  const layerNames = ['input'].concat(D.layers);
  for (let c = 0; c < cols; c++) {
    const p0 = nodePos(c, 0);
    el('div', { class: 'lbl', style: 'left:' + (p0[0] - 10) + 'px;top:0px' }, net, layerNames[c] || '');
    for (let j = 0; j < sizes[c]; j++) {
      const p = nodePos(c, j);
      const cv = el('canvas', { width: box, height: box, style: 'left:' + p[0] + 'px;top:' + p[1] + 'px',
        class: c === 0 ? 'input-node' : 'neuron', title: c === 0 ? 'x' + j + ' (the input coordinate)' : layerNames[c] + ', neuron ' + j }, net);
      if (c === 0) drawCoordinate(cv, j); else neuronCanvases.push(cv);
    }
  }
  function drawNetwork(f) {
    const dead = D.mapScale[f].filter(function (v) { return v === 0; }).length;
    deadNote.textContent = dead ? dead + ' of ' + nNeurons + ' neurons output 0 over the whole plane (plain grey): they pass nothing on' : '';
    for (let k = 0; k < nNeurons; k++) {
      drawNeuron(neuronCanvases[k], f, k);
      const scale = D.mapScale[f][k];
      neuronCanvases[k].setAttribute('title', neuronCanvases[k].getAttribute('title').split(' (')[0] + ' (largest |output| ' + full(scale) + ')');
    }
    for (let l = 0; l < edgeEls.length; l++) {
      const W = D.weights[f][l][0];
      let m = 1e-12;
      for (const row of W) for (const w of row) m = Math.max(m, Math.abs(w));
      for (const e of edgeEls[l]) {
        const w = W[e.i][e.j];
        e.line.setAttribute('stroke', w >= 0 ? P.positive : P.negative);
        e.line.setAttribute('stroke-width', (0.4 + 4 * Math.abs(w) / m).toFixed(2));
        e.line.setAttribute('stroke-opacity', (0.25 + 0.75 * Math.abs(w) / m).toFixed(2));
        e.title.textContent = 'weight ' + (e.i) + '→' + (e.j) + ' of ' + D.layers[l] + ': ' + full(w);
      }
    }
  }

  // ---------------------------------------------------------------- decision boundary
  const bPanel = panel('Decision boundary', false, 'boundary');
  const bSize = 300;
  const bCanvas = el('canvas', { width: bSize, height: bSize, id: 'boundary-canvas' }, bPanel);
  const bNote = el('div', { class: 'note' }, bPanel);
  const legend = el('div', { class: 'note', id: 'class-legend' }, bPanel);
  for (let k = 0; k < D.classes; k++) {
    el('span', { class: 'swatch', style: 'background:' + classColour(k) }, legend);
    legend.appendChild(document.createTextNode('class ' + k + '  '));
  }
  el('div', { class: 'note' }, bPanel, 'filled dots: training data; rings: test data; shade: how sure the model is');
  const B = D.boundaryRes, bOff = document.createElement('canvas');
  bOff.width = B; bOff.height = B;
  const bImg = bOff.getContext('2d').createImageData(B, B);
  function toCanvas(x, y, W, H) { return [(x - ext[0]) / (ext[1] - ext[0]) * W, H - (y - ext[2]) / (ext[3] - ext[2]) * H]; }
  function drawBoundary(f) {
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < B; j++) {
        const k = i * B + j, cls = Math.round(bound.at(f, k)), conf = confid.at(f, k);
        const c = mix(ZERO, rgb(classColour(cls)), 0.2 + 0.6 * conf), o = ((B - 1 - i) * B + j) * 4;
        bImg.data[o] = c[0]; bImg.data[o + 1] = c[1]; bImg.data[o + 2] = c[2]; bImg.data[o + 3] = 255;
      }
    }
    bOff.getContext('2d').putImageData(bImg, 0, 0);
    const ctx = bCanvas.getContext('2d');
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(bOff, 0, 0, bSize, bSize);
    const pts = D.points;
    [[pts.X, pts.y, true], [pts.Xt, pts.yt, false]].forEach(function (set) {
      set[0].forEach(function (x, n) {
        const p = toCanvas(x[0], x[1], bSize, bSize);
        ctx.beginPath();
        ctx.arc(p[0], p[1], 3.2, 0, 2 * Math.PI);
        if (set[2]) { ctx.fillStyle = classColour(set[1][n]); ctx.fill(); ctx.strokeStyle = '#fff'; ctx.lineWidth = 0.8; ctx.stroke(); }
        else { ctx.strokeStyle = classColour(set[1][n]); ctx.lineWidth = 1.8; ctx.stroke(); }
      });
    });
    bNote.textContent = '';
    bNote.appendChild(document.createTextNode('train accuracy '));
    htmlNum(bNote, D.acc[f][0], pct(D.acc[f][0]), 'train-acc');
    bNote.appendChild(document.createTextNode(' · test accuracy '));
    htmlNum(bNote, D.acc[f][1], pct(D.acc[f][1]), 'test-acc');
  }

  // ---------------------------------------------------------------- layer representations
  const rPanel = panel('Each layer\'s representation, with its linear-probe accuracy', false, 'layers');
  el('div', { class: 'note' }, rPanel, 'the data and a grid over the input plane as each layer sees them (its 2 principal axes); ' +
    'probe: the accuracy of a linear classifier trained on that layer\'s output');
  const rWrap = el('div', { class: 'reps' }, rPanel);
  const rSize = 190, nPts = D.nPoints, nLines = D.nLines, perLine = 25, nRep = D.repNames.length;
  const repSvgs = D.repNames.map(function (name) {
    const fig = el('figure', {}, rWrap);
    const s = sv('svg', { width: rSize, height: rSize, class: 'rep' }, fig);
    const cap = el('figcaption', {}, fig);
    return { svg: s, cap: cap, name: name };
  });
  function drawReps(f) {
    const labels = D.points.y.concat(D.points.yt), nTrain = D.points.y.length;
    repSvgs.forEach(function (r, l) {
      while (r.svg.firstChild) r.svg.removeChild(r.svg.firstChild);
      // points and grid share one range per layer and frame (both axes), so the picture keeps its aspect
      const lead = f * nRep + l, pad = 8;
      function at(k, d) { return reps.q[lead * reps.per + 2 * k + d] / 255; }
      function xy(k) { return [pad + at(k, 0) * (rSize - 2 * pad), rSize - pad - at(k, 1) * (rSize - 2 * pad)]; }
      for (let li = 0; li < nLines; li++) {
        const pts = [];
        for (let t = 0; t < perLine; t++) pts.push(xy(nPts + li * perLine + t).map(function (v) { return v.toFixed(1); }).join(','));
        sv('polyline', { points: pts.join(' '), fill: 'none', stroke: P.muted, 'stroke-width': 0.7, 'stroke-opacity': 0.7 }, r.svg);
      }
      for (let k = 0; k < nPts; k++) {
        const p = xy(k), c = classColour(labels[k]);
        sv('circle', k < nTrain ? { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 2.2, fill: c } :
          { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 2.4, fill: 'none', stroke: c, 'stroke-width': 1.2 }, r.svg);
      }
      r.cap.textContent = r.name + ' · probe ';
      htmlNum(r.cap, D.probes[f][l], pct(D.probes[f][l]), 'probe');
    });
  }

  // ---------------------------------------------------------------- curves and gradient health
  const cPanel = panel('Loss and accuracy per epoch', false, 'curves');
  const H = D.history, nE = H.loss.length, cW = 340, cH = 130, left = 44;
  el('div', { class: 'note' }, cPanel, (D.points.Xt.length ? 'solid: training data, dashed: test data' : 'training data (no test data given)') +
    '; the vertical line is the slider\'s epoch');
  // a y axis: linear from 0, or logarithmic (decades) when the values span more than 100×
  function axis(values, yMax, logOK) {
    const pos = values.filter(function (v) { return v !== null && v > 0; });
    const lo = pos.length ? Math.min.apply(null, pos) : 1;
    if (logOK && pos.length && yMax / lo > 100) {
      const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(yMax));
      const ticks = [];
      for (let k = a; k <= b; k++) ticks.push(Math.pow(10, k));
      return { log: true, ticks: ticks, t: function (v) { return (Math.log10(Math.max(v, ticks[0])) - a) / Math.max(1, b - a); } };
    }
    return { log: false, ticks: [0, yMax / 2, yMax], t: function (v) { return v / yMax; } };
  }
  function tickText(v) { return v === 0 ? '0' : (v >= 0.01 && v < 1e4 ? String(Number(v.toPrecision(2))) : '1e' + Math.round(Math.log10(v))); }
  function chart(series, title, yMax, logOK, id) {
    const s = sv('svg', { width: cW, height: cH + 34, class: 'chart', id: id }, cPanel);
    const ax = axis(series.reduce(function (acc, ser) { return acc.concat(ser.values); }, []), yMax, logOK);
    sv('text', { x: 2, y: 12, 'font-weight': 600 }, s, title + (ax.log ? ' (log scale)' : ''));
    const x = function (e) { return left + (nE > 1 ? (e - 1) / (nE - 1) : 0) * (cW - left - 10); };
    const y = function (v) { return 20 + (1 - Math.min(1, ax.t(v))) * (cH - 20); };
    ax.ticks.forEach(function (v) {
      sv('line', { x1: left, y1: y(v), x2: cW - 10, y2: y(v), stroke: '#eee' }, s);
      sv('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end', fill: '#666' }, s, tickText(v));
    });
    sv('text', { x: left, y: cH + 14, fill: '#666' }, s, 'epoch 1');
    sv('text', { x: cW - 10, y: cH + 14, 'text-anchor': 'end', fill: '#666' }, s, String(nE));
    series.forEach(function (ser, i) {
      const pts = [];
      ser.values.forEach(function (v, k) { if (v !== null) pts.push(x(k + 1).toFixed(1) + ',' + y(Math.min(v, yMax)).toFixed(1)); });
      if (pts.length) sv('polyline', { points: pts.join(' '), fill: 'none', stroke: ser.colour, 'stroke-width': ser.dash ? 2 : 1.6, 'stroke-dasharray': ser.dash || '', class: 'series', 'data-series': ser.name }, s);
      if (!pts.length) return;  // no test data: no legend entry either
      const lx = 150 + 95 * i;
      sv('line', { x1: lx, y1: 8, x2: lx + 18, y2: 8, stroke: ser.colour, 'stroke-width': 2, 'stroke-dasharray': ser.dash || '' }, s);
      sv('text', { x: lx + 22, y: 12 }, s, ser.name);
    });
    const marker = sv('line', { y1: 18, y2: cH, stroke: P.line, 'stroke-width': 1, class: 'marker' }, s);
    const readout = sv('g', {}, s);
    return { marker: marker, readout: readout, x: x, series: series };
  }
  const maxLoss = Math.max.apply(null, H.loss.concat(H.val_loss).filter(function (v) { return v !== null; }).concat([1e-9]));
  const lossChart = chart([{ name: 'train loss', values: H.loss, colour: P.line }, { name: 'test loss', values: H.val_loss, colour: P.muted, dash: '5 3' }], 'loss', maxLoss, true, 'loss-chart');
  const accChart = chart([{ name: 'train acc.', values: H.accuracy, colour: P.line }, { name: 'test acc.', values: H.val_accuracy, colour: P.muted, dash: '5 3' }], 'accuracy', 1, false, 'acc-chart');
  function drawCharts(f) {
    const e = Math.max(1, epochs[f]);
    [lossChart, accChart].forEach(function (ch) {
      const x = ch.x(e);
      ch.marker.setAttribute('x1', x); ch.marker.setAttribute('x2', x);
      while (ch.readout.firstChild) ch.readout.removeChild(ch.readout.firstChild);
      sv('text', { x: left, y: cH + 30, fill: '#666' }, ch.readout, epochs[f] === 0 ? 'epoch 0: before training' : 'epoch ' + epochs[f] + ':');
      ch.series.forEach(function (ser, i) {
        const v = epochs[f] === 0 ? null : ser.values[e - 1];
        if (v !== undefined && v !== null) svgNum(ch.readout, v, { x: 120 + 95 * i, y: cH + 30, fill: ser.colour });
      });
    });
  }
  const gPanel = panel('Gradient health: each layer\'s gradient norm', false, 'health');
  el('div', { class: 'note' }, gPanel, 'the size (L2 norm) of each layer\'s weight and bias gradients at the epoch\'s last training step, on a log scale: ' +
    'a layer far below the others learns slowly (vanishing gradients); one far above may blow up');
  const gW0 = 70, gLen = 260;
  const gSvg = sv('svg', { width: gW0 + gLen + 90, height: 24 * D.layers.length + 42, id: 'health-svg' }, gPanel);
  const gVals = [];
  D.gradNorms.forEach(function (row) { row.forEach(function (v) { if (v !== null && v > 0) gVals.push(v); }); });
  const gLo = gVals.length ? Math.floor(Math.log10(Math.min.apply(null, gVals))) : -3;
  const gHi = gVals.length ? Math.max(gLo + 1, Math.ceil(Math.log10(Math.max.apply(null, gVals)))) : 0;
  function gX(v) { return gW0 + Math.max(0, (Math.log10(v) - gLo) / (gHi - gLo)) * gLen; }
  function drawHealth(f) {
    while (gSvg.firstChild) gSvg.removeChild(gSvg.firstChild);
    const base = 24 * D.layers.length + 8;
    for (let k = gLo; k <= gHi; k++) {
      const xx = gX(Math.pow(10, k));
      sv('line', { x1: xx, y1: 4, x2: xx, y2: base, stroke: '#eee' }, gSvg);
      sv('text', { x: xx, y: base + 14, 'text-anchor': 'middle', fill: '#666' }, gSvg, '1e' + k);
    }
    D.layers.forEach(function (name, l) {
      const v = D.gradNorms[f][l], yy = 8 + 24 * l;
      sv('text', { x: 0, y: yy + 13 }, gSvg, name);
      if (v === null) { sv('text', { x: gW0, y: yy + 13, fill: P.muted }, gSvg, 'no gradient yet (before training)'); return; }
      const w = Math.max(1, gX(Math.max(v, Math.pow(10, gLo))) - gW0);
      sv('rect', { x: gW0, y: yy, width: w.toFixed(1), height: 16, fill: gradColour(0.25 + 0.75 * w / gLen), class: 'gbar' }, gSvg);
      svgNum(gSvg, v, { x: gW0 + w + 5, y: yy + 13, class: 'gnorm' });
    });
    sv('text', { x: gW0, y: base + 26, fill: P.muted }, gSvg, 'gradient norm (log scale; the same axis for every epoch)');
  }

  // ---------------------------------------------------------------- the time slider
  function setFrame(f) {
    frame = Math.max(0, Math.min(F - 1, f | 0));
    slider.value = frame;
    epochLabel.textContent = 'epoch ' + epochs[frame] + (epochs[frame] === 0 ? ' (before training)' : '') + ' · frame ' + (frame + 1) + '/' + F;
    drawNetwork(frame); drawBoundary(frame); drawReps(frame); drawCharts(frame); drawHealth(frame);
  }
  slider.addEventListener('input', function () { setFrame(Number(slider.value)); });
  let timer = null;
  function stopPlay() { if (timer !== null) { clearInterval(timer); timer = null; } playBtn.textContent = '▶ play'; playBtn.classList.remove('on'); }
  playBtn.addEventListener('click', function () {
    if (timer !== null) { stopPlay(); return; }
    if (frame >= F - 1) setFrame(0);
    playBtn.textContent = '❚❚ pause'; playBtn.classList.add('on');
    timer = setInterval(function () { if (frame >= F - 1) stopPlay(); else setFrame(frame + 1); }, 150);
  });

  // ---------------------------------------------------------------- backprop, step by step
  const T = D.trace, N = T.nodes, S = T.backward;
  const bpPanel = panel('Backprop, step by step: every node of one sample\'s graph', true, 'backprop');
  const who = el('div', { class: 'note' }, bpPanel, 'sample ' + D.sample + ', x = (');
  T.x.forEach(function (v, k) { if (k) who.appendChild(document.createTextNode(', ')); htmlNum(who, v); });
  who.appendChild(document.createTextNode('), class ' + T.label + ', with the weights of epoch ' + T.epoch + '; its loss L = '));
  htmlNum(who, T.loss, undefined, 'sample-loss');
  el('div', { class: 'note' }, bpPanel, 'Forward fills each node\'s value in topological order. Backward visits the nodes in reverse ' +
    'order: a node\'s gradient ∂L/∂node times the local derivative of its op gives what it sends to each parent, and ' +
    'the parent adds it to its own gradient (the chain rule). Hover a number for its exact value.');
  const ctl = el('div', { class: 'bp-controls' }, bpPanel);
  const fwdBtn = el('button', { id: 'bp-forward' }, ctl, 'forward');
  const bwdBtn = el('button', { id: 'bp-backward' }, ctl, 'backward');
  const startBtn = el('button', { id: 'bp-start', title: 'to the start' }, ctl, '|◀ start');
  const backBtn = el('button', { id: 'bp-back', title: 'one step back' }, ctl, '◀ back');
  const stepBtn = el('button', { id: 'bp-step', title: 'one step' }, ctl, 'step ▶');
  const bpPlayBtn = el('button', { id: 'bp-play' }, ctl, '▶ play');
  const endBtn = el('button', { id: 'bp-end', title: 'to the end' }, ctl, 'end ▶|');
  const stepLabel = el('span', { id: 'bp-label', class: 'note' }, ctl);
  const zoomBox = el('span', { class: 'bp-zoom' }, ctl);
  const zoomOut = el('button', { id: 'bp-zoom-out', title: 'zoom out', 'aria-label': 'zoom out' }, zoomBox, '−');
  const zoomLabel = el('span', { id: 'bp-zoom', class: 'note' }, zoomBox);
  const zoomIn = el('button', { id: 'bp-zoom-in', title: 'zoom in', 'aria-label': 'zoom in' }, zoomBox, '+');
  const zoomFit = el('button', { id: 'bp-zoom-fit', title: 'fit the graph\'s width in the panel' }, zoomBox, 'fit width');
  el('span', { class: 'note' }, ctl, 'keys: ← → step, Home/End, f forward, b backward');
  const explain = el('div', { class: 'explain', id: 'bp-explain' }, bpPanel);
  const wrap = el('div', { class: 'bp-wrap' }, bpPanel);

  // layout: a box per neuron (columns: inputs, layers, loss); leaves on the left of a box, ops on the right
  const chipW = 100, chipH = 46, boxPad = 6, headH = 16, opGap = 26;
  const groups = {};
  N.forEach(function (n, i) {
    const g = groups[n.group] || (groups[n.group] = { name: n.group, col: n.col, row: n.row, leaves: 0, ops: 0, members: [] });
    g.members.push(i);
    if (n.op === 'leaf') g.leaves = Math.max(g.leaves, n.slot + 1); else g.ops = Math.max(g.ops, n.slot + 1);
  });
  const gList = Object.keys(groups).map(function (k) { return groups[k]; });
  gList.sort(function (a, b) { return a.col - b.col || a.row - b.row; });
  const colHeights = {}, colWidths = {};
  gList.forEach(function (g) {
    g.leafPerRow = g.leaves > 4 ? 2 : (g.leaves ? 1 : 0);
    const leafRows = g.leafPerRow ? Math.ceil(g.leaves / g.leafPerRow) : 0;
    g.opX = boxPad + g.leafPerRow * (chipW + boxPad) + (g.leafPerRow && g.ops ? opGap : 0);
    g.h = headH + boxPad + Math.max(leafRows, g.ops) * chipH + boxPad;
    g.w = g.opX + (g.ops ? chipW + boxPad : 0);
    g.y = 10 + (colHeights[g.col] || 0);
    colHeights[g.col] = (colHeights[g.col] || 0) + g.h + 14;
    colWidths[g.col] = Math.max(colWidths[g.col] || 0, g.w);
  });
  const colX = {};
  let xAcc = 10;
  Object.keys(colWidths).map(Number).sort(function (a, b) { return a - b; }).forEach(function (c) { colX[c] = xAcc; xAcc += colWidths[c] + 60; });
  gList.forEach(function (g) { g.x = colX[g.col]; });
  const gW = xAcc;
  const gH = 20 + Math.max.apply(null, Object.keys(colHeights).map(function (k) { return colHeights[k]; }));
  const gSvg2 = sv('svg', { width: gW, height: gH, viewBox: '0 0 ' + gW + ' ' + gH, id: 'bp-svg' }, wrap);
  let zoom = 1;
  function setZoom(z) {
    zoom = Math.max(0.3, Math.min(1.5, z));
    gSvg2.setAttribute('width', (gW * zoom).toFixed(0)); gSvg2.setAttribute('height', (gH * zoom).toFixed(0));
    zoomLabel.textContent = Math.round(100 * zoom) + ' %';
  }
  function fitZoom() { return Math.min(1, Math.max(0.45, (wrap.clientWidth - 4) / gW)); }
  const edgeLayer = sv('g', {}, gSvg2), boxLayer = sv('g', {}, gSvg2);
  const pos = [];
  N.forEach(function (n, i) {
    const g = groups[n.group];
    let x, y;
    if (n.op === 'leaf') { x = g.x + boxPad + (n.slot % g.leafPerRow) * (chipW + boxPad); y = g.y + headH + boxPad + Math.floor(n.slot / g.leafPerRow) * chipH; }
    else { x = g.x + g.opX; y = g.y + headH + boxPad + n.slot * chipH; }
    pos[i] = [x, y];
  });
  gList.forEach(function (g) {
    sv('rect', { x: g.x, y: g.y, width: g.w, height: g.h, rx: 5, class: 'box' }, boxLayer);
    sv('text', { x: g.x + 4, y: g.y + 12, class: 'boxlabel' }, boxLayer, g.name.replace(/^[^/]+\//, ''));
  });
  const edges = [];  // [child, parent index in child's list, line]
  N.forEach(function (n, i) {
    n.parents.forEach(function (p, k) {
      const a = pos[p], b = pos[i];
      const line = sv('line', { x1: a[0] + chipW, y1: a[1] + chipH / 2 - 2, x2: b[0], y2: b[1] + chipH / 2 - 2, stroke: '#ccc', 'stroke-width': 0.7 }, edgeLayer);
      edges.push({ child: i, k: k, parent: p, line: line });
    });
  });
  const nodeEls = N.map(function (n, i) {
    const g = sv('g', { class: 'node', 'data-node': i, id: 'bp-node-' + i, 'data-group': n.group, 'data-name': n.name, 'data-op': n.op }, boxLayer);
    const rect = sv('rect', { x: pos[i][0], y: pos[i][1], width: chipW, height: chipH - 4, rx: 3, fill: '#fff' }, g);
    const tt = sv('title', {}, rect, n.group + ' · ' + n.name + (n.op === 'leaf' ? ' (leaf)' : ' (op ' + n.op + ')'));
    sv('text', { x: pos[i][0] + 3, y: pos[i][1] + 11, 'font-weight': 600 }, g, n.name.length > 16 ? n.name.slice(0, 15) + '…' : n.name);
    const valSlot = sv('g', {}, g), gradSlot = sv('g', {}, g);
    return { g: g, rect: rect, title: tt, valSlot: valSlot, gradSlot: gradSlot };
  });
  const byId = {};
  edges.forEach(function (e) { (byId[e.child] = byId[e.child] || []).push(e); });

  let mode = 'forward', bpPos = 0, bpTimer = null;
  function maxPos() { return mode === 'forward' ? N.length : S.length; }
  function clear(g) { while (g.firstChild) g.removeChild(g.firstChild); }
  function render() {
    fwdBtn.classList.toggle('on', mode === 'forward');
    bwdBtn.classList.toggle('on', mode === 'backward');
    const shownValue = N.map(function (n, i) { return mode === 'backward' || i < bpPos; });
    const grads = N.map(function () { return null; });
    let cur = -1, step = null;
    if (mode === 'backward') {
      grads[N.length - 1] = 1.0;
      for (let s = 0; s < bpPos; s++) {
        const st = S[s];
        N[st.node].parents.forEach(function (p, k) { if (st.sent[k] !== null) grads[p] = st.after[k]; });
      }
      if (bpPos > 0) { step = S[bpPos - 1]; cur = step.node; }
    } else if (bpPos > 0) cur = bpPos - 1;
    const parentsOfCur = cur >= 0 ? N[cur].parents : [];
    N.forEach(function (n, i) {
      const ne = nodeEls[i];
      clear(ne.valSlot); clear(ne.gradSlot);
      ne.g.classList.toggle('cur', i === cur);
      ne.g.classList.toggle('par', parentsOfCur.indexOf(i) >= 0);
      ne.rect.setAttribute('stroke', i === cur ? P.line : (parentsOfCur.indexOf(i) >= 0 ? P.gradient[6] : '#999'));
      if (shownValue[i] && n.value !== null) {
        const c = signedRGB(Math.tanh(n.value));
        ne.rect.setAttribute('fill', css(mix([255, 255, 255], c, 0.45)));
        svgNum(ne.valSlot, n.value, { x: pos[i][0] + 3, y: pos[i][1] + 22, class: 'num value', 'data-node': i }, '= ' + fmt(n.value));
      } else ne.rect.setAttribute('fill', '#fff');
      if (grads[i] !== null) {
        svgNum(ne.gradSlot, grads[i], { x: pos[i][0] + 3, y: pos[i][1] + 36, fill: P.gradient[7], class: 'num grad', 'data-node': i }, '∂L = ' + fmt(grads[i]));
      }
    });
    edges.forEach(function (e) {
      const hot = e.child === cur;
      e.line.setAttribute('stroke', hot ? (mode === 'backward' ? P.gradient[5] : P.line) : '#ccc');
      e.line.setAttribute('stroke-width', hot ? 2 : 0.7);
    });
    stepLabel.textContent = mode + ' step ' + bpPos + ' / ' + maxPos();
    explainStep(cur, step, grads);
    if (cur >= 0) {  // keep the current node in sight
      const y = pos[cur][1] * zoom, x = pos[cur][0] * zoom;
      if (y < wrap.scrollTop || y > wrap.scrollTop + wrap.clientHeight - chipH * zoom) wrap.scrollTop = y - wrap.clientHeight / 2;
      if (x < wrap.scrollLeft || x > wrap.scrollLeft + wrap.clientWidth - chipW * zoom) wrap.scrollLeft = x - wrap.clientWidth / 2;
    }
  }
  function nodeName(i) { return N[i].name + ' (' + N[i].group.replace(/^[^/]+\//, '') + ')'; }
  function explainStep(cur, step, grads) {
    clear(explain);
    if (cur < 0) {
      explain.textContent = mode === 'forward' ? 'Press step to compute the first node.' :
        'Backward starts at the loss: ∂L/∂L = 1. Press step to send it to the loss\'s parents.';
      return;
    }
    const n = N[cur];
    const line = el('div', {}, explain);
    if (mode === 'forward') {
      line.appendChild(document.createTextNode('node ' + nodeName(cur) + ' = '));
      htmlNum(line, n.value);
      if (n.op === 'leaf') { line.appendChild(document.createTextNode(' (a leaf: an input or a parameter)')); return; }
      const t = el('div', {}, explain, 'op ' + n.op + ' of its parents: ');
      n.parents.forEach(function (p, k) {
        if (k) t.appendChild(document.createTextNode(', '));
        t.appendChild(document.createTextNode(N[p].name + ' = ')); htmlNum(t, N[p].value);
      });
      return;
    }
    line.appendChild(document.createTextNode('node ' + nodeName(cur) + ': incoming gradient ∂L/∂node = '));
    htmlNum(line, step.g, undefined, 'incoming');
    el('div', { class: 'note' }, explain, 'rule of ' + n.op + ': ' + (T.rules[n.op] || ''));
    const tab = el('table', {}, explain);
    const hr = el('tr', {}, tab);
    ['parent', 'local derivative', '× incoming = sent', 'parent\'s gradient now'].forEach(function (h) { el('th', {}, hr, h); });
    n.parents.forEach(function (p, k) {
      const tr = el('tr', {}, tab);
      el('td', {}, tr, N[p].name);
      htmlNum(el('td', {}, tr), step.local[k], undefined, 'local');
      const td = el('td', {}, tr);
      if (step.sent[k] === null) { td.textContent = 'none: an input needs no gradient'; }
      else {
        htmlNum(td, step.local[k]); td.appendChild(document.createTextNode(' × ')); htmlNum(td, step.g);
        td.appendChild(document.createTextNode(' = ')); htmlNum(td, step.sent[k], undefined, 'sent');
      }
      htmlNum(el('td', {}, tr), step.after[k], undefined, 'after');
    });
  }
  function setMode(m) { stopBp(); mode = m; bpPos = 0; render(); }
  function go(p) { bpPos = Math.max(0, Math.min(maxPos(), p)); render(); }
  function stopBp() { if (bpTimer !== null) { clearInterval(bpTimer); bpTimer = null; } bpPlayBtn.textContent = '▶ play'; bpPlayBtn.classList.remove('on'); }
  fwdBtn.addEventListener('click', function () { setMode('forward'); });
  bwdBtn.addEventListener('click', function () { setMode('backward'); });
  startBtn.addEventListener('click', function () { stopBp(); go(0); });
  endBtn.addEventListener('click', function () { stopBp(); go(maxPos()); });
  backBtn.addEventListener('click', function () { stopBp(); go(bpPos - 1); });
  stepBtn.addEventListener('click', function () { stopBp(); go(bpPos + 1); });
  bpPlayBtn.addEventListener('click', function () {
    if (bpTimer !== null) { stopBp(); return; }
    if (bpPos >= maxPos()) go(0);
    bpPlayBtn.textContent = '❚❚ pause'; bpPlayBtn.classList.add('on');
    bpTimer = setInterval(function () { if (bpPos >= maxPos()) stopBp(); else go(bpPos + 1); }, 200);
  });

  zoomIn.addEventListener('click', function () { setZoom(zoom * 1.25); });
  zoomOut.addEventListener('click', function () { setZoom(zoom / 1.25); });
  zoomFit.addEventListener('click', function () { setZoom(fitZoom()); });
  // keyboard: anywhere in the backprop panel (not while typing in a field)
  bpPanel.setAttribute('tabindex', '0');
  bpPanel.addEventListener('keydown', function (ev) {
    const keys = { ArrowRight: stepBtn, ArrowLeft: backBtn, Home: startBtn, End: endBtn, f: fwdBtn, b: bwdBtn, p: bpPlayBtn };
    const btn = keys[ev.key];
    if (!btn || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    ev.preventDefault();
    btn.click();
  });

  setZoom(fitZoom());
  setFrame(F - 1);
  render();
  document.body.setAttribute('data-ready', '1');
})();
