// ganscope's page on a served run: the curves (dygraphs), the grid and its kept history, the run's facts, steering
// with the token, and pix2pix translation. Live from /api/events (or polling with #live=poll); history from the API.
"use strict";

const $ = (id) => document.getElementById(id);
const fmt = (x, digits) => (typeof x === "number" && isFinite(x)) ? x.toFixed(digits) : "-";
const fmtSmall = (x) => (typeof x === "number" && isFinite(x)) ? x.toPrecision(3) : "-";

// ---- the token: from the URL fragment (never sent to the server in a request line) or the box; kept for this tab.
const pollOnly = new URLSearchParams(location.hash.slice(1)).get("live") === "poll";
function tokenFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (!fragment.has("token")) return;
  sessionStorage.setItem("ganscope-token", fragment.get("token").trim());
  fragment.delete("token");
  // The address bar, a bookmark or a shared link keeps no secret.
  const rest = fragment.toString();
  history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
}
tokenFromFragment();
let token = sessionStorage.getItem("ganscope-token") || "";
window.addEventListener("hashchange", () => {
  tokenFromFragment();
  token = sessionStorage.getItem("ganscope-token") || "";
  showAccess();
});
const headers = (extra) => Object.assign(token ? { "Authorization": "Bearer " + token } : {}, extra || {});
function showAccess() {
  $("access").textContent = token ? "token set: steering" : "read-only";
  $("access").className = "badge" + (token ? " steer" : "");
  $("token").value = token;
  $("steer-note").hidden = !!token;
}
$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  token = $("token").value.trim();
  if (token) sessionStorage.setItem("ganscope-token", token); else sessionStorage.removeItem("ganscope-token");
  showAccess();
});
$("forget").addEventListener("click", () => { token = ""; sessionStorage.removeItem("ganscope-token"); showAccess(); });
showAccess();

// ---- metric records, in step order whatever order they arrive in (the stream can be ahead of the history).
const records = [];  // sorted by step, one record a step
const kMaxRecords = 200000;
const kSkipKeys = new Set(["step", "epoch", "seconds"]);
const metricKeys = [];  // every numeric key seen, in first-seen order
function addRecord(r) {
  if (typeof r.step !== "number") return;
  // Names go into the chart's legend as HTML: letters, digits and _ only.
  for (const k in r)
    if (!kSkipKeys.has(k) && typeof r[k] === "number" && /^\w{1,40}$/.test(k) && !metricKeys.includes(k)) metricKeys.push(k);
  const n = records.length;
  if (n === 0 || records[n - 1].step < r.step) { records.push(r); return; }
  let lo = 0, hi = n;  // first index whose step >= r.step
  while (lo < hi) { const mid = (lo + hi) >> 1; if (records[mid].step < r.step) lo = mid + 1; else hi = mid; }
  if (lo < n && records[lo].step === r.step) records[lo] = r; else records.splice(lo, 0, r);
}
function addRecords(list) {
  for (const r of list) addRecord(r);
  // Bounded memory on an endless run: every other record goes, those with a quality figure stay.
  if (records.length > kMaxRecords) {
    const kept = records.filter((r, i) => i % 2 === 0 || "swd" in r || "val_l1" in r || i === records.length - 1);
    records.length = 0; records.push(...kept);
  }
  scheduleDraw();
}
const lastStep = () => records.length ? records[records.length - 1].step : -1;

// ---- charts: one per group of metrics, on one step axis; whatever the run logs later lands in "other".
const groups = [
  { id: "losses", title: "losses", test: (k) => k.startsWith("loss") },
  { id: "scores", title: "D(x) and D(G(z))", test: (k) => k === "d_real" || k === "d_fake" },
  { id: "quality", title: "quality (swd x 1e3, lower is better; val_l1)", test: (k) => /^swd(_\d+)?$/.test(k) || k === "val_l1" },
  { id: "rates", title: "learning rates", test: (k) => k.startsWith("lr") },
  { id: "speed", title: "images/s", test: (k) => k === "images_per_sec" },
  { id: "other", title: "other", test: () => true },
];
const palette = ["#f08c3a", "#4a90e2", "#3fb47a", "#c05fd0", "#e0c030", "#e05a7a", "#40c0c0", "#9a8060", "#8090f0"];
const colourOf = (k) => palette[metricKeys.indexOf(k) % palette.length];
const groupOf = (k) => groups.find((g) => g.test(k)).id;
const hidden = new Set();
const charts = {};  // group id -> { graph, keys }
let syncing = false;
let follow = true;

function smoothed(key, alpha) {
  // TensorBoard's debiased exponential moving average, over the points this series has.
  const out = new Array(records.length);
  let acc = 0, weight = 0;
  for (let i = 0; i < records.length; ++i) {
    const v = records[i][key];
    if (typeof v !== "number" || !isFinite(v)) { out[i] = null; continue; }
    acc = alpha * acc + (1 - alpha) * v; weight = alpha * weight + (1 - alpha);
    out[i] = alpha > 0 ? acc / weight : v;
  }
  return out;
}
// Rows for a chart: every record inside the visible steps [lo, hi] while there are at most kDetail buckets' worth,
// else the minimum and the maximum of each series in each of kDetail buckets (the envelope: no spike is lost); the
// steps outside the window more coarsely. Dygraphs then draws a few thousand points whatever the run's length, and a
// zoom asks again at the finer resolution.
const kDetail = 1500, kOutside = 150;
function chartData(keys, alpha, lo, hi) {
  // Rates are set, not measured: drawn as they are.
  const columns = keys.map((k) => smoothed(k, k.startsWith("lr") ? 0 : alpha));
  const n = records.length, steps = new Float64Array(n);
  for (let i = 0; i < n; ++i) steps[i] = records[i].step;
  const first = n ? steps[0] : 0, last = lastStep();
  lo = Math.max(lo, first); hi = Math.min(hi, last);
  const inner = Math.max(1, (hi - lo) / kDetail), outer = Math.max(1, (last - first) / kOutside);
  const bucketOf = (step) => step < lo ? Math.floor((step - first) / outer)
                           : step > hi ? 2e9 + Math.floor((step - hi) / outer) : 1e9 + Math.floor((step - lo) / inner);
  const rows = [];
  const pushRow = (row) => { for (let j = 1; j < row.length; ++j) if (row[j] !== null) return rows.push(row); };
  for (let start = 0; start < n;) {
    const bucket = bucketOf(steps[start]);
    let end = start + 1;
    while (end < n && bucketOf(steps[end]) === bucket) ++end;
    if (end - start <= 2) {
      for (let i = start; i < end; ++i) pushRow([steps[i], ...columns.map((c) => c[i])]);
    } else {
      const low = [steps[start]], high = [steps[end - 1]];
      for (const c of columns) {
        let min = null, max = null;
        for (let i = start; i < end; ++i) {
          const v = c[i];
          if (v === null) continue;
          if (min === null || v < min) min = v;
          if (max === null || v > max) max = v;
        }
        low.push(min); high.push(max);
      }
      pushRow(low); pushRow(high);
    }
    start = end;
  }
  return rows;
}
function style(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
function syncWindow(source) {
  if (syncing) return;
  syncing = true;
  const range = source.xAxisRange();
  for (const c of Object.values(charts)) if (c.graph !== source) c.graph.updateOptions({ dateWindow: range });
  syncing = false;
}
function newestWindow() {
  // Follow newest: the width the user zoomed to, slid to the last step; the whole run when not zoomed.
  const any = Object.values(charts)[0];
  if (!any || !any.zoomed) return null;
  const [a, b] = any.graph.xAxisRange();
  return [lastStep() - (b - a), lastStep()];
}
function drawCharts() {
  const alpha = Number($("smoothing").value);
  const log = $("logscale").checked;
  $("curves-empty").hidden = records.length > 0;
  const byGroup = {};
  for (const k of metricKeys) (byGroup[groupOf(k)] = byGroup[groupOf(k)] || []).push(k);
  for (const g of groups) {
    const keys = byGroup[g.id];
    if (!keys) continue;
    let c = charts[g.id];
    const range = follow ? newestWindow() : undefined;
    const shown = range || (c && c.zoomed ? c.graph.xAxisRange() : [-Infinity, Infinity]);
    const data = chartData(keys, alpha, shown[0], shown[1]);
    if (!data.length) continue;
    const visibility = keys.map((k) => !hidden.has(k));
    const options = { file: data, labels: ["step", ...keys], colors: keys.map(colourOf), visibility, logscale: log,
                      includeZero: g.id === "rates" && !log };
    if (range !== undefined) options.dateWindow = range;
    if (c && c.keys.join() === keys.join()) { c.graph.updateOptions(options); continue; }
    if (c) { c.graph.destroy(); c.element.remove(); }
    const element = document.createElement("div");
    element.className = "chart";
    element.innerHTML = "<h3></h3><div class='plot'></div>";
    element.querySelector("h3").textContent = g.title;
    $("charts").appendChild(element);
    c = charts[g.id] = { keys, element, zoomed: false };
    c.graph = new Dygraph(element.querySelector(".plot"), data, Object.assign(options, {
      xlabel: "", legend: "follow", labelsSeparateLines: true, connectSeparatedPoints: true, strokeWidth: 1.4,
      axisLabelFontSize: 11, gridLineColor: style("--line"), axisLineColor: style("--line"), highlightCircleSize: 3,
      digitsAfterDecimal: 4, labelsKMB: false, animatedZooms: false,
      axes: { x: { axisLabelWidth: 60, gridLineColor: style("--line") },
              y: { axisLabelWidth: 52, valueFormatter: fmtSmall, gridLineColor: style("--line"),
                   axisLabelFormatter: (v) => String(+Number(v).toPrecision(3)) } },
      zoomCallback: (lo, hi) => {
        // A double-click (the whole run) follows the newest again; a zoom that reaches the newest step keeps
        // following with its width; one that stops short of it stays where it is.
        const whole = !c.graph.isZoomed("x");
        for (const other of Object.values(charts)) other.zoomed = !whole;
        setFollow(whole || hi >= lastStep());
        syncWindow(c.graph);
        scheduleDraw();  // the new window at its own resolution
      },
      drawCallback: (graph, initial) => { if (!initial && !syncing && c.panning) syncWindow(graph); },
      interactionModel: Object.assign({}, Dygraph.defaultInteractionModel, {
        mousedown: (event, g, context) => { c.panning = event.shiftKey; Dygraph.defaultInteractionModel.mousedown(event, g, context); },
        mouseup: (event, g, context) => {
          Dygraph.defaultInteractionModel.mouseup && Dygraph.defaultInteractionModel.mouseup(event, g, context);
          if (c.panning) {
            for (const other of Object.values(charts)) other.zoomed = true;
            setFollow(g.xAxisRange()[1] >= lastStep());
            syncWindow(g);
            scheduleDraw();
          }
          c.panning = false;
        },
      }),
    }));
  }
  drawSeriesToggles();
}
function setFollow(on) { follow = on; $("follow").checked = on; }
function drawSeriesToggles() {
  const box = $("series");
  if (box.dataset.keys === metricKeys.join()) return;
  box.dataset.keys = metricKeys.join();
  box.textContent = "";
  for (const k of metricKeys) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox"; input.checked = !hidden.has(k);
    input.addEventListener("change", () => { if (input.checked) hidden.delete(k); else hidden.add(k); drawCharts(); });
    const swatch = document.createElement("span");
    swatch.className = "swatch"; swatch.style.background = colourOf(k);
    label.append(input, swatch, k);
    box.appendChild(label);
  }
}
// However fast records come: at most one redraw per 400 ms, or per ten times what the last one took (a long run's
// 100,000 points), so drawing never takes more than a tenth of the page's time; none while the tab is hidden.
let drawPending = false, lastDraw = 0, drawGap = 400;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  setTimeout(() => {
    drawPending = false;
    if (document.hidden) return;
    lastDraw = performance.now();
    drawCharts();
    drawGap = Math.max(400, 10 * (performance.now() - lastDraw));
  }, Math.max(0, drawGap - (performance.now() - lastDraw)));
}
document.addEventListener("visibilitychange", () => { if (!document.hidden) scheduleDraw(); });
$("smoothing").addEventListener("input", () => { $("smoothing-value").textContent = fmt(Number($("smoothing").value), 2); scheduleDraw(); });
$("logscale").addEventListener("change", drawCharts);
$("follow").addEventListener("change", () => {
  follow = $("follow").checked;
  if (follow) for (const c of Object.values(charts)) { c.zoomed = false; c.graph.updateOptions({ dateWindow: null }); }
  drawCharts();
});

// ---- status and the run's facts.
let status = {};
const kStates = ["running", "paused", "failed", "finished"];
function row(name, value) {
  const tr = document.createElement("tr");
  const a = document.createElement("td"), b = document.createElement("td");
  a.textContent = name; b.textContent = value;
  tr.append(a, b);
  return tr;
}
function duration(seconds) {
  if (!(seconds > 0) || !isFinite(seconds)) return "-";
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = Math.floor(seconds % 60);
  return (h ? h + " h " : "") + (h || m ? m + " min " : "") + s + " s";
}
// Status comes up to ten times a second; the page shows it at most twice a second (the latest), since every change
// to the page costs the browser a layout and a paint, on the machine that trains when the browser runs there.
let statusShown = 0, statusTimer = 0;
function takeStatus(s) {
  const first = status.step === undefined;
  status = s;
  if (s.alerts_raised > alertsRaised) loadAlerts();
  clearTimeout(statusTimer);
  const wait = 500 - (performance.now() - statusShown);
  if (first || wait <= 0 || s.state !== $("state").textContent) showStatus(first);
  else statusTimer = setTimeout(() => showStatus(false), wait);
}
function showStatus(first) {
  statusShown = performance.now();
  const s = status;
  $("state").textContent = s.state;
  $("dot").className = "dot " + (kStates.includes(s.state) ? s.state : "");
  $("run").textContent = s.run || "";
  $("progress").textContent = "step " + s.step + (s.total_steps > 0 ? " / " + s.total_steps : "") + " · epoch " + s.epoch;
  document.title = "ganscope · " + s.state + " · step " + s.step;
  const alert = [s.error, s.message && /fail|error|not finite|cannot/i.test(s.message) ? s.message : ""].filter(Boolean).join("\n");
  $("alert").hidden = !alert; $("alert").textContent = alert;
  const facts = $("facts");
  facts.textContent = "";
  const add = (name, value) => facts.appendChild(row(name, value));
  add("model", (s.model || "-") + (s.image_size ? ", " + s.image_size + " px" : ""));
  add("device", s.device || "-");
  add("data", s.data || "-");
  add("images", (s.dataset_size ?? "-") + (s.batches_per_epoch ? " (" + s.batches_per_epoch + " batches an epoch)" : "") +
                (s.skipped_files ? ", " + s.skipped_files + " files skipped" : ""));
  add("batch", s.batch_size ?? "-");
  add("learning rates", fmtSmall(s.lr_g) + " / " + fmtSmall(s.lr_d) + " (now " + fmtSmall(s.lr_g_now) + " / " + fmtSmall(s.lr_d_now) + ")");
  add("loss G / D", fmt(s.loss_g, 3) + " / " + fmt(s.loss_d, 3));
  add("D(x) / D(G(z))", fmt(s.d_real, 2) + " / " + fmt(s.d_fake, 2));
  add("speed", fmt(s.images_per_sec, 1) + " images/s, " + fmt(s.step_ms, 1) + " ms a step");
  add("time left", duration(s.eta_seconds));
  add("distributed", s.dist_backend ? s.dist_backend + (s.allreduce_ms ? ", all-reduce " + fmt(s.allreduce_ms, 2) + " ms" : "") : "one process");
  if (s.snapshot_step !== undefined) add("generator snapshot", "step " + s.snapshot_step);
  if (s.message) add("message", s.message);
  if (first && s.batch_size) { $("batch").value = s.batch_size; $("lr-g").value = s.lr_g; $("lr-d").value = s.lr_d; }
  if (first && s.model) loadConfig();
  if (!datasetPages && s.dataset_size) $("dataset-count").textContent = s.dataset_size + " images";
  $("translate-card").hidden = s.model !== "pix2pix";
  if (s.grid_step >= 0 && s.grid_step !== liveGridStep && atLive()) refreshGrid(s.grid_step);
}
function loadConfig() {
  fetch("/api/config", { headers: headers() }).then((r) => r.json()).then((j) => {
    $("config").textContent = JSON.stringify(j, null, 2);
  }).catch(() => {});
}
// The data set's pages are read on the server, where the data is: only once someone opens them.
let datasetPages = 0, datasetPage = 1;
function showDatasetPage() {
  if (!$("dataset-box").open) return;
  if (!datasetPages) {
    $("page-label").textContent = "reading the data set on the server";
    fetch("/api/dataset?per_page=64&columns=8", { headers: headers() }).then((r) => r.json().then((j) => {
      if (!r.ok) return void ($("page-label").textContent = "refused (" + r.status + "): " + (j.error || r.statusText));
      datasetPages = j.pages;
      $("dataset-count").textContent = j.images + " images, " + j.pages + " pages";
      if (datasetPages) showDatasetPage();
    })).catch((e) => { $("page-label").textContent = "no answer from the server (" + e.message + ")"; });
    return;
  }
  $("page-label").textContent = "page " + datasetPage + " of " + datasetPages;
  $("dataset-page").src = "/api/dataset?page=" + datasetPage + "&per_page=64&columns=8";
}
$("dataset-box").addEventListener("toggle", showDatasetPage);
$("page-prev").addEventListener("click", () => { if (datasetPage > 1) { datasetPage--; showDatasetPage(); } });
$("page-next").addEventListener("click", () => { if (datasetPage < datasetPages) { datasetPage++; showDatasetPage(); } });

// ---- samples: the live grid, and a slider through the grids the run kept (its last place is "live").
let liveGridStep = -1, gridInFlight = false, gridWanted = -1;
let kept = [];  // [{step, url}]
let keptAt = 0;  // when the list was last read
function atLive() { return Number($("history").value) >= kept.length; }
function setGridImage(blob, label, padding) {
  const img = $("grid");
  const old = img.src;
  img.src = URL.createObjectURL(blob);
  img.dataset.padding = padding;
  if (old.startsWith("blob:")) URL.revokeObjectURL(old);
  $("grid-label").textContent = label;
}
// At most one grid a second, the newest: the server encodes a grid's PNG only when someone asks for it, on the
// cores that train.
let gridFetched = -1e9;
function refreshGrid(step) {
  gridWanted = step;
  if (gridInFlight) return;
  gridInFlight = true;
  const wait = Math.max(0, 1000 - (performance.now() - gridFetched));
  setTimeout(() => {
    gridFetched = performance.now();
    const wanted = gridWanted;
    fetch("/api/grid.png", { headers: headers() }).then((r) => r.ok ? r.blob() : null).then((b) => {
      liveGridStep = wanted;
      if (b && atLive()) setGridImage(b, "step " + wanted + " (live)", status.grid_padding ?? 2);
    }).catch(() => {}).finally(() => {
      gridInFlight = false;
      if (gridWanted !== liveGridStep) refreshGrid(gridWanted);
    });
  }, wait);
  if (Date.now() - keptAt > 5000) loadKept();
}
function loadKept() {
  keptAt = Date.now();
  fetch("/api/samples", { headers: headers() }).then((r) => r.json()).then((list) => {
    const live = atLive();
    kept = list;
    const slider = $("history");
    slider.max = kept.length;
    if (live) slider.value = kept.length;
    showHistoryLabel();
  }).catch(() => {});
}
function showHistoryLabel() {
  const i = Number($("history").value);
  $("history-label").textContent = i >= kept.length ? "live (" + kept.length + " kept)" : "kept " + (i + 1) + " of " + kept.length;
}
let keptWanted = null;
$("history").addEventListener("input", () => {
  showHistoryLabel();
  const i = Number($("history").value);
  if (i >= kept.length) { liveGridStep = -1; refreshGrid(status.grid_step ?? 0); return; }
  const entry = kept[i];
  keptWanted = entry.step;
  fetch(entry.url, { headers: headers() }).then((r) => r.ok ? r.blob() : null).then((b) => {
    if (b && keptWanted === entry.step && !atLive()) setGridImage(b, "step " + entry.step + " (kept)", 2);
  }).catch(() => {});
});
// A click on a cell shows it large: cells are image_size pixels with `padding` between them (make_grid).
$("grid").addEventListener("click", (e) => {
  const img = $("grid"), cell = status.image_size, padding = Number(img.dataset.padding || 2);
  if (!cell || !img.naturalWidth) return;
  const x = (e.offsetX / img.clientWidth) * img.naturalWidth, y = (e.offsetY / img.clientHeight) * img.naturalHeight;
  const pitch = cell + padding;
  const col = Math.floor((x - padding) / pitch), rowIndex = Math.floor((y - padding) / pitch);
  const columns = Math.floor((img.naturalWidth - padding) / pitch);
  if (col < 0 || rowIndex < 0 || col >= columns) return;
  const canvas = $("cell");
  canvas.width = cell; canvas.height = cell;
  canvas.getContext("2d").drawImage(img, padding + col * pitch, padding + rowIndex * pitch, cell, cell, 0, 0, cell, cell);
  $("cell-label").textContent = "cell " + (rowIndex * columns + col + 1) + ", " + $("grid-label").textContent;
  $("cell-dialog").showModal();
});
$("cell-close").addEventListener("click", () => $("cell-dialog").close());

// ---- the run's alerts (docs/alerts.md): a banner with the newest (its step, kind, message and the curve segment
// that shows it) and the list, newest first. From /api/alerts when the status counts more than the page has (on
// opening, and while polling), and from the stream's alert events as they are raised.
const alerts = [];  // oldest first
let alertsRaised = 0, alertsFetching = false, alertDismissed = "";
const alertKey = (a) => a.kind + "@" + a.step + ":" + a.message;
function addAlerts(list) {
  let added = false;
  for (const a of list) {
    if (!a || typeof a.step !== "number" || typeof a.kind !== "string" || typeof a.message !== "string") continue;
    if (alerts.some((b) => alertKey(b) === alertKey(a))) continue;
    alerts.push(a); added = true;
  }
  if (!added) return;
  alerts.sort((a, b) => a.step - b.step);
  alertsRaised = Math.max(alertsRaised, alerts.length);
  showAlerts();
}
function loadAlerts() {
  if (alertsFetching) return;
  alertsFetching = true;
  fetch("/api/alerts", { headers: headers() }).then((r) => r.json()).then((j) => {
    addAlerts(j.alerts || []);
    alertsRaised = Math.max(alertsRaised, j.raised || 0);
  }).catch(() => {}).finally(() => { alertsFetching = false; });
}
const evidenceOf = (a) => (Array.isArray(a.evidence) ? a.evidence : [])
  .filter((p) => Array.isArray(p) && typeof p[0] === "number" && typeof p[1] === "number" && isFinite(p[1]));
function evidenceText(a) {
  const p = evidenceOf(a);
  if (!p.length) return "";
  const first = p[0], last = p[p.length - 1];
  return (a.series || "") + " " + fmtSmall(first[1]) + " at step " + first[0] +
         (p.length > 1 ? " → " + fmtSmall(last[1]) + " at step " + last[0] : "");
}
function sparkline(a, width, height) {
  // The curve segment the alert is about, as the window's bar draws it; hover for its points.
  const ns = "http://www.w3.org/2000/svg", p = evidenceOf(a);
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("width", width); svg.setAttribute("height", height);
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  if (!p.length) return svg;
  const x0 = p[0][0], x1 = p[p.length - 1][0];
  let lo = Math.min(...p.map((q) => q[1])), hi = Math.max(...p.map((q) => q[1]));
  if (hi - lo < 1e-12) { lo -= 1; hi += 1; }
  const x = (s) => 3 + (x1 > x0 ? (s - x0) / (x1 - x0) : 0.5) * (width - 6);
  const y = (v) => height - 3 - (v - lo) / (hi - lo) * (height - 6);
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", p.map((q) => x(q[0]).toFixed(1) + "," + y(q[1]).toFixed(1)).join(" "));
  const dot = document.createElementNS(ns, "circle");
  dot.setAttribute("cx", x(x1).toFixed(1)); dot.setAttribute("cy", y(p[p.length - 1][1]).toFixed(1)); dot.setAttribute("r", 2.5);
  const title = document.createElementNS(ns, "title");
  title.textContent = (a.series || "") + ": " + p.map((q) => "step " + q[0] + " " + fmtSmall(q[1])).join(", ");
  svg.append(title, line, dot);
  return svg;
}
function showAlerts() {
  const newest = alerts[alerts.length - 1];
  const banner = $("run-alert");
  banner.hidden = !newest || alertKey(newest) === alertDismissed;
  if (newest) {
    $("run-alert-title").textContent = "alert (" + newest.kind + ") at step " + newest.step + ":";
    $("run-alert-message").textContent = newest.message;
    $("run-alert-evidence").textContent = evidenceText(newest);
    $("run-alert-spark").replaceChildren(sparkline(newest, 180, 40));
  }
  $("alerts-card").hidden = !alerts.length;
  $("alerts-count").textContent = alerts.length + (alertsRaised > alerts.length ? " (of " + alertsRaised + " raised)" : "");
  const list = $("alerts");
  list.textContent = "";
  for (let i = alerts.length - 1; i >= 0; --i) {
    const a = alerts[i], li = document.createElement("li"), head = document.createElement("b"), text = document.createElement("span");
    li.dataset.step = a.step; li.dataset.kind = a.kind;
    head.textContent = "step " + a.step + " · " + a.kind;
    text.textContent = " " + a.message;
    const evidence = document.createElement("div");
    evidence.className = "muted evidence-text";
    evidence.textContent = evidenceText(a);
    li.append(head, text, evidence, sparkline(a, 160, 28));
    list.appendChild(li);
  }
}
$("run-alert-dismiss").addEventListener("click", () => {
  // Hidden until the next alert, as the window's Dismiss.
  if (alerts.length) alertDismissed = alertKey(alerts[alerts.length - 1]);
  $("run-alert").hidden = true;
});

// ---- steering: every command's answer is shown, refusals with the server's reason.
let answers = 0;
function answer(text, ok) {
  const li = document.createElement("li");
  li.dataset.n = ++answers;
  li.className = ok ? "taken" : "refused";
  li.textContent = new Date().toLocaleTimeString() + " " + text;
  $("answers").prepend(li);
  while ($("answers").children.length > 8) $("answers").lastChild.remove();
}
function command(body) {
  const name = body.command;
  return fetch("/api/control", { method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(body) })
    .then((r) => r.json().catch(() => ({})).then((j) => {
      if (r.ok) return answer(name + ": taken", true);
      const why = j.error || r.statusText;
      const hint = r.status === 401 ? (token ? " (this token is not the run's: see serve.token in the run folder)"
                                               : " (paste the token from serve.token in the run folder, or open the page with #token=...)")
                 : r.status === 503 ? " (the server is busy; try again)" : "";
      answer(name + ": refused (" + r.status + "): " + why + hint, false);
    }))
    .catch((e) => answer(name + ": no answer from the server (" + e.message + ")", false));
}
document.querySelectorAll("button[data-command]").forEach((b) => b.addEventListener("click", () => {
  const body = { command: b.dataset.command };
  if (body.command === "step") body.steps = Number($("steps").value);
  command(body);
}));
// Numbers go as typed (a JSON number when it reads as one), so the server's rules decide and explain.
const asNumber = (text) => { const t = text.trim(); return t !== "" && isFinite(Number(t)) ? Number(t) : t; };
$("lr-form").addEventListener("submit", (e) => {
  e.preventDefault();
  command({ command: "lr", lr_g: asNumber($("lr-g").value), lr_d: asNumber($("lr-d").value) });
});
$("batch-form").addEventListener("submit", (e) => { e.preventDefault(); command({ command: "batch", batch: asNumber($("batch").value) }); });

// ---- translate (pix2pix): draw or upload; the server's model answers; the result can be downloaded.
const canvas = $("canvas"), pen = canvas.getContext("2d");
pen.fillStyle = "#ffffff"; pen.fillRect(0, 0, canvas.width, canvas.height);
let drawing = null, translateTimer = 0;
function canvasPoint(e) {
  const r = canvas.getBoundingClientRect();
  return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
}
canvas.addEventListener("pointerdown", (e) => { canvas.setPointerCapture(e.pointerId); drawing = canvasPoint(e); });
canvas.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  const p = canvasPoint(e);
  pen.strokeStyle = $("brush-colour").value; pen.lineWidth = Number($("brush-size").value); pen.lineCap = "round";
  pen.beginPath(); pen.moveTo(...drawing); pen.lineTo(...p); pen.stroke();
  drawing = p;
});
const endStroke = () => { if (drawing) { drawing = null; clearTimeout(translateTimer); translateTimer = setTimeout(translate, 300); } };
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);
$("canvas-clear").addEventListener("click", () => { pen.fillStyle = "#ffffff"; pen.fillRect(0, 0, canvas.width, canvas.height); });
$("upload").addEventListener("change", () => {
  const file = $("upload").files[0];
  if (!file) return;
  createImageBitmap(file).then((bitmap) => {
    // Centre-cropped to a square, as the trainer crops its images.
    const side = Math.min(bitmap.width, bitmap.height);
    pen.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, canvas.width, canvas.height);
    translate();
  }).catch(() => { $("translate-note").textContent = file.name + ": not an image this browser can read"; });
});
$("translate-now").addEventListener("click", () => translate());
function translate() {
  canvas.toBlob((png) => {
    fetch("/api/translate", { method: "POST", headers: headers({ "Content-Type": "image/png" }), body: png })
      .then((r) => r.ok ? r.blob().then((b) => {
        const url = URL.createObjectURL(b);
        const old = $("translated").src;
        $("translated").src = url; $("download").href = url; $("download").hidden = false;
        if (old.startsWith("blob:")) URL.revokeObjectURL(old);
        $("translate-note").textContent = "by the generator of step " + r.headers.get("X-Ganscope-Step");
        if (status.translate_text) translateText(png);
      }) : r.json().catch(() => ({})).then((j) => {
        $("translate-note").textContent = "refused (" + r.status + "): " + (j.error || r.statusText) +
          (r.status === 401 ? " (translation needs the token)" : "");
      }))
      .catch((e) => { $("translate-note").textContent = "no answer from the server (" + e.message + ")"; });
  }, "image/png");
}

// An ASCII-art run (seed 000): the same drawing's translation read back as text by the server (the glyphs that best
// match the picture, as `ganscope translate` writes NAME.txt), shown and downloadable as a .txt.
let textWanted = null;
function translateText(png) {
  textWanted = png;
  fetch("/api/translate?output=text", { method: "POST", headers: headers({ "Content-Type": "image/png" }), body: png })
    .then((r) => r.ok ? r.text().then((text) => {
      if (textWanted !== png) return;  // a newer drawing's text is on its way
      $("translated-text").textContent = text; $("translated-text").hidden = false;
      const old = $("download-text").href;
      $("download-text").href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
      $("download-text").hidden = false;
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    }) : r.json().catch(() => ({})).then((j) => {
      $("translate-note").textContent += "; no text: refused (" + r.status + "): " + (j.error || r.statusText);
    }))
    .catch((e) => { $("translate-note").textContent += "; no text: no answer from the server (" + e.message + ")"; });
}

// ---- live: the event stream, and the history asked for once the stream has started (the stream begins at the
// newest record, so the history fetched after its first event leaves no gap; both land in step order).
let stream = null;
function fetchSince() {
  return fetch("/api/metrics?since=" + lastStep(), { headers: headers() }).then((r) => r.json()).then(addRecords);
}
function connectStream() {
  $("live").textContent = "live: event stream";
  stream = new EventSource("/api/events");
  let first = true;
  stream.addEventListener("status", (e) => {
    takeStatus(JSON.parse(e.data));
    if (first) { first = false; fetchSince().catch(() => {}); }
  });
  stream.addEventListener("metrics", (e) => addRecords([JSON.parse(e.data)]));
  stream.addEventListener("grid", (e) => refreshGrid(JSON.parse(e.data).step));
  stream.addEventListener("alert", (e) => addAlerts([JSON.parse(e.data)]));
  stream.onopen = () => { first = true; };
  stream.onerror = () => {
    $("state").textContent = "disconnected, retrying"; $("dot").className = "dot";
    // Refused (503: too many watchers) or gone: the browser gives up on a closed stream; try again later.
    if (stream.readyState === EventSource.CLOSED) { stream = null; setTimeout(connectStream, 5000); }
  };
}
// Polling, for tools that wait for a page to be idle (a browser's virtual time never runs while a stream is open).
function poll() {
  $("live").textContent = "live: polling every second";
  fetch("/api/status", { headers: headers() }).then((r) => r.json()).then(takeStatus)
    .then(fetchSince).catch(() => { $("state").textContent = "disconnected, retrying"; })
    .finally(() => setTimeout(poll, 1000));
}
loadKept();
if (pollOnly) poll(); else connectStream();

// For tests and the curious: what each chart holds, read from the charts themselves.
window.ganscope = {
  charts: () => Object.entries(charts).map(([id, c]) => {
    const g = c.graph, steps = [];
    for (let i = 0; i < g.numRows(); ++i) steps.push(g.getValue(i, 0));
    return { id, labels: g.getLabels(), steps };
  }),
  records: () => records.length,
  alerts: () => alerts.map((a) => ({ step: a.step, kind: a.kind })),
  stream: () => stream ? stream.readyState : -1,
};
