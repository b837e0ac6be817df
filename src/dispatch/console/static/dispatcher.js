// The dispatcher page: the operation on a map, waves and plans in the side panel, live
// from the server-sent-event stream. Plain browser JavaScript, served from the package:
// the page works with no internet (no CDN, and no map tiles unless a tile URL is set).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const mapEl = $("map");
  const PALETTE = JSON.parse(mapEl.dataset.palette);
  const STATUS_COLOURS = {
    placed: "#9e9e9e", confirmed: "#7f7f7f", picked: "#bcbd22", ready: "#ff7f0e",
    planned: "#1f77b4", out_for_delivery: "#17becf", delivered: "#2ca02c",
    failed: "#d62728", cancelled: "#555555", on_hold: "#8c564b",
  };
  const state = {
    token: sessionStorage.getItem("dispatch-token"),
    snapshot: null, plan: null, fitted: false, lastEventId: null,
    driverMarkers: new Map(), stream: null, refreshTimer: null,
  };

  // --- the map -------------------------------------------------------------------------
  const map = L.map(mapEl, { zoomControl: true, preferCanvas: false })
    .setView([43.7384, 7.4246], 13);
  if (mapEl.dataset.tileUrl) {
    L.tileLayer(mapEl.dataset.tileUrl,
      { attribution: mapEl.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  const layers = {
    network: L.layerGroup().addTo(map),   // the legs as a light road sketch (no tiles)
    orders: L.layerGroup().addTo(map),
    routes: L.layerGroup().addTo(map),
    proposal: L.layerGroup().addTo(map),
    warehouses: L.layerGroup().addTo(map),
    drivers: L.layerGroup().addTo(map),
  };

  function colourOf(driverId) {
    const ids = (state.snapshot ? state.snapshot.drivers : []).map((d) => d.id);
    const index = Math.max(0, ids.indexOf(driverId));
    return PALETTE[index % PALETTE.length];
  }

  function icon(className, text, colour, size) {
    const el = document.createElement("div");
    el.className = className;
    el.textContent = text;
    if (colour) { el.style.background = colour; }
    return L.divIcon({ html: el, className: "dsp-icon", iconSize: [size, size],
                       iconAnchor: [size / 2, size / 2] });
  }

  function stopMarker(stop, colour, proposed) {
    const cls = "dsp-stop" + (proposed ? " proposed" : "");
    const marker = L.marker([stop.lat, stop.lon],
      { icon: icon(cls, String(stop.sequence), colour, 20), title: label(stop) });
    marker.bindPopup(label(stop) + (stop.eta ? "<br>ETA " + time(stop.eta) : ""));
    return marker;
  }

  function label(stop) {
    return stop.kind === "pickup" ? "Pickup (return " + stop.return_id + ")"
                                  : "Order " + stop.order_id;
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // A committed route (solid) or a proposed one (dashed): from its warehouse through its
  // numbered stops, over a light grey line that sketches the road network without tiles.
  function drawRoute(route, layer, proposed) {
    const colour = colourOf(route.driver_id);
    const depot = warehouseById(route.warehouse_id);
    const points = (depot ? [[depot.lat, depot.lon]] : [])
      .concat(route.stops.map((s) => [s.lat, s.lon]));
    layers.network.addLayer(L.polyline(points, { color: "#b8bcc2", weight: 7, opacity: 0.6 }));
    layer.addLayer(L.polyline(points, { color: colour, weight: 4, opacity: 0.9,
                                        dashArray: proposed ? "8 6" : null }));
    route.stops.forEach((s) => layer.addLayer(stopMarker(s, colour, proposed)));
  }

  function warehouseById(id) {
    return state.snapshot.warehouses.find((w) => w.id === id);
  }

  function draw() {
    const snap = state.snapshot;
    for (const name of ["network", "orders", "routes", "warehouses", "drivers"]) {
      layers[name].clearLayers();
    }
    state.driverMarkers.clear();
    const bounds = [];
    for (const w of snap.warehouses) {
      layers.warehouses.addLayer(L.marker([w.lat, w.lon],
        { icon: icon("dsp-depot", "W", null, 22), title: w.name }).bindPopup(w.name));
      bounds.push([w.lat, w.lon]);
    }
    for (const o of snap.orders) {
      layers.orders.addLayer(L.circleMarker([o.lat, o.lon], {
        radius: 5, color: "#fff", weight: 1, fillOpacity: 0.9,
        fillColor: STATUS_COLOURS[o.status] || "#000",
      }).bindPopup("Order " + o.id + " — " + o.status.replace(/_/g, " ")));
      bounds.push([o.lat, o.lon]);
    }
    snap.routes.forEach((r) => drawRoute(r, layers.routes, false));
    for (const d of snap.drivers) {
      if (!d.position) { continue; }
      const marker = L.marker([d.position.lat, d.position.lon], {
        icon: icon("dsp-driver", initials(d.name), null, 26), title: d.name,
        zIndexOffset: 1000,
      }).bindPopup(d.name + " (" + d.vehicle + ")");
      layers.drivers.addLayer(marker);
      colourDriver(marker, d.id);
      state.driverMarkers.set(d.id, marker);
    }
    if (!state.fitted && bounds.length) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
      state.fitted = true;
    }
    drawProposal();
    drawPanel();
  }

  function colourDriver(marker, driverId) {
    const el = marker.getElement();
    if (el && el.firstChild) { el.firstChild.style.borderColor = colourOf(driverId); }
  }

  function initials(name) {
    return name.split(/\s+/).filter(Boolean).map((p) => p[0]).join("").slice(0, 2).toUpperCase();
  }

  function drawProposal() {
    layers.proposal.clearLayers();
    const plan = state.plan;
    if (!plan || plan.status !== "done") { return; }
    plan.routes.forEach((r) => drawRoute(r, layers.proposal, true));
  }

  // --- the side panel ------------------------------------------------------------------
  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function driverName(id) {
    const d = state.snapshot.drivers.find((x) => x.id === id);
    return d ? d.name : "driver " + id;
  }

  function swatch(colour) {
    const s = document.createElement("span");
    s.className = "swatch";
    s.style.background = colour;
    return s;
  }

  function drawPanel() {
    const body = $("routes").tBodies[0];
    body.replaceChildren();
    for (const r of state.snapshot.routes) {
      const row = body.insertRow();
      const name = cell(row, driverName(r.driver_id));
      name.prepend(swatch(colourOf(r.driver_id)));
      cell(row, r.kpis.open_stops + "/" + r.kpis.stops);
      cell(row, r.kpis.km.toFixed(1));
      cell(row, r.kpis.hours.toFixed(1));
      cell(row, String(r.kpis.late_stops));
    }
    if (!state.snapshot.routes.length) {
      const row = body.insertRow();
      cell(row, "No active routes").colSpan = 5;
    }
    const legend = $("legend");
    legend.replaceChildren();
    const counts = {};
    state.snapshot.orders.forEach((o) => { counts[o.status] = (counts[o.status] || 0) + 1; });
    for (const [status, n] of Object.entries(counts)) {
      const li = document.createElement("li");
      li.append(swatch(STATUS_COLOURS[status] || "#000"), status.replace(/_/g, " ") + ": " + n);
      legend.appendChild(li);
    }
  }

  function drawPlanPanel() {
    const plan = state.plan;
    const box = $("proposal");
    const list = $("unassigned");
    box.replaceChildren();
    list.replaceChildren();
    $("commit").disabled = !(plan && plan.status === "done");
    $("discard").disabled = !plan;
    if (!plan) {
      box.innerHTML = '<p class="muted">No plan yet.</p>';
      list.innerHTML = '<li class="muted">none</li>';
      return;
    }
    const head = document.createElement("p");
    head.textContent = "Plan " + plan.id + ": " + plan.status +
      (plan.kpis ? " — " + plan.kpis.routes + " routes, " + plan.kpis.stops + " stops, " +
        plan.kpis.distance_km.toFixed(1) + " km, " + plan.kpis.late_stops + " late" : "") +
      (plan.error ? " — " + plan.error : "");
    box.appendChild(head);
    if (plan.routes.length) {
      const table = document.createElement("table");
      table.innerHTML = "<thead><tr><th>Driver</th><th>Stops</th><th>km</th><th>h</th>" +
        "<th>Load</th></tr></thead>";
      const tbody = table.createTBody();
      for (const r of plan.routes) {
        const row = tbody.insertRow();
        cell(row, r.driver_name).prepend(swatch(colourOf(r.driver_id)));
        cell(row, String(r.stops.length));
        cell(row, (r.distance_m / 1000).toFixed(1));
        cell(row, (r.duration_s / 3600).toFixed(1));
        const used = Math.max(r.max_load.weight_g / r.capacity.weight_g,
                              r.max_load.volume_ml / r.capacity.volume_ml);
        cell(row, Math.round(100 * used) + "%");
      }
      box.appendChild(table);
    }
    for (const u of plan.unassigned) {
      const li = document.createElement("li");
      li.textContent = (u.order_id ? "Order " + u.order_id : "Return " + u.return_id) +
        ": " + u.reason + " — " + u.detail;
      list.appendChild(li);
    }
    if (!plan.unassigned.length) { list.innerHTML = '<li class="muted">none</li>'; }
  }

  async function drawWaves() {
    const board = await api("/waves");
    const body = $("waves").tBodies[0];
    body.replaceChildren();
    for (const w of board.warehouses) {
      const row = body.insertRow();
      cell(row, w.warehouse_code);
      cell(row, w.policy.kind.replace(/_/g, " "));
      cell(row, w.ready_orders + " ready, " + w.ready_pickups + " pickups");
      cell(row, w.drivers_on_shift + " on shift");
    }
  }

  // --- talking to the API --------------------------------------------------------------
  async function api(path, options) {
    const opts = Object.assign({ method: "GET" }, options || {});
    opts.headers = Object.assign({ Authorization: "Bearer " + state.token },
      opts.body ? { "Content-Type": "application/json" } : {}, opts.headers || {});
    const response = await fetch(path, opts);
    if (response.status === 401 || response.status === 403) {
      signOut("That token is not a dispatcher's.");
      throw new Error("unauthorised");
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      throw new Error((data && (data.detail || data.title)) || response.statusText);
    }
    return data;
  }

  function say(text, isError) {
    const el = $("status");
    el.textContent = text;
    el.className = isError ? "error" : "";
  }

  function warehouseQuery() {
    const value = $("warehouse").value;
    return value ? "?warehouse_id=" + encodeURIComponent(value) : "";
  }

  async function refresh() {
    state.snapshot = await api("/console/snapshot" + warehouseQuery());
    draw();
    drawHolds();
    drawWaves().catch((e) => say(e.message, true));
  }

  function drawHolds() {
    window.DispatchHolds.draw($("holds"), state.snapshot.holds || [], api,
      (message, isError) => { say(message, isError); refreshSoon(); });
  }

  function refreshSoon() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(() => refresh().catch((e) => say(e.message, true)), 300);
  }

  async function planWave() {
    const ids = $("warehouse").value ? [Number($("warehouse").value)]
      : state.snapshot.warehouses.map((w) => w.id);
    $("plan").disabled = true;
    say("Planning…");
    try {
      let plan = await api("/plans", { method: "POST",
                                       body: JSON.stringify({ warehouse_ids: ids }) });
      while (plan.status === "queued" || plan.status === "running") {
        await new Promise((resolve) => setTimeout(resolve, 400));
        plan = await api("/plans/" + plan.id);
      }
      state.plan = plan;
      say(plan.status === "done" ? "Plan " + plan.id + " ready: inspect it, then commit."
                                 : "Planning failed: " + (plan.error || plan.status),
          plan.status !== "done");
    } catch (e) {
      say(e.message, true);
    } finally {
      $("plan").disabled = false;
      drawPlanPanel();
      drawProposal();
    }
  }

  async function commitPlan() {
    if (!state.plan) { return; }
    $("commit").disabled = true;
    try {
      await api("/plans/" + state.plan.id + "/commit", { method: "POST" });
      say("Plan " + state.plan.id + " committed: stop lists published.");
      state.plan = null;
      drawPlanPanel();
      await refresh();
    } catch (e) {
      say("Commit refused: " + e.message, true);
      $("commit").disabled = false;
    }
  }

  // --- live updates: server-sent events over fetch (EventSource cannot send a token) ---
  async function follow() {
    const controller = new AbortController();
    state.stream = controller;
    const headers = { Accept: "text/event-stream", Authorization: "Bearer " + state.token };
    if (state.lastEventId) { headers["Last-Event-ID"] = state.lastEventId; }
    try {
      const response = await fetch("/stream", { headers, signal: controller.signal });
      if (!response.ok) { throw new Error("stream " + response.status); }
      setLive(true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) { break; }
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          handle(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (e) {
      if (controller.signal.aborted) { return; }
    }
    setLive(false);
    setTimeout(() => { if (state.token) { follow(); } }, 2000);
  }

  function handle(block) {
    let event = "message", data = "", id = null;
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) { event = line.slice(7); }
      else if (line.startsWith("data: ")) { data += line.slice(6); }
      else if (line.startsWith("id: ")) { id = line.slice(4); }
    }
    if (id) { state.lastEventId = id; }
    if (!data) { return; }
    const payload = JSON.parse(data);
    if (event === "driver.position") {
      const marker = state.driverMarkers.get(payload.driver_id);
      if (marker) { marker.setLatLng([payload.lat, payload.lon]); }
      else { refreshSoon(); }
      return;
    }
    refreshSoon();
  }

  function setLive(on) {
    const el = $("live");
    el.className = "live " + (on ? "on" : "off");
    el.textContent = on ? "live" : "offline";
  }

  // --- signing in ----------------------------------------------------------------------
  function signOut(message) {
    sessionStorage.removeItem("dispatch-token");
    state.token = null;
    if (state.stream) { state.stream.abort(); }
    $("controls").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
  }

  async function start() {
    $("login").hidden = true;
    $("controls").hidden = false;
    state.snapshot = await api("/console/snapshot");
    const select = $("warehouse");
    select.replaceChildren(new Option("All warehouses", ""));
    state.snapshot.warehouses.forEach((w) => select.appendChild(new Option(w.name, w.id)));
    draw();
    drawHolds();
    drawPlanPanel();
    await drawWaves();
    follow();
  }

  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem("dispatch-token", state.token);
    start().catch((e) => { if (state.token) { $("login-error").textContent = e.message; } });
  });
  $("signout").addEventListener("click", () => signOut());
  $("plan").addEventListener("click", planWave);
  $("commit").addEventListener("click", commitPlan);
  $("discard").addEventListener("click", () => { state.plan = null; drawPlanPanel(); drawProposal(); });
  $("warehouse").addEventListener("change", () => { state.fitted = false; refreshSoon(); });

  if (state.token) { start().catch(() => signOut()); } else { signOut(); }
})();
