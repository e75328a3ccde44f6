/* The live dashboard page: draws each widget from the data embedded in the page, then polls
 * each widget's data endpoint every refreshInterval seconds with If-None-Match, so a widget
 * whose data did not change costs a 304 and no redraw. How to draw a widget comes from its
 * type's module (widget.kind: chart/number/table/markdown, widget.chart: the Chart.js type);
 * this script knows kinds, not types. The dashboard's variables live in the page's URL
 * (`?var-timeRange=last_7_days`, the API's own parameters): a picker changes the URL
 * (pushState, so the back button returns to the previous values) and every widget is asked
 * again with them. On a share link's page
 * (page.sharedUrl) one request to /api/shared/{token} refreshes every widget instead, and
 * a new dashboard version reloads the page. Plain JavaScript, no build step. */
(function () {
  "use strict";

  const page = JSON.parse(document.getElementById("dashboard-page").textContent);
  const statusEl = document.getElementById("refresh-status");
  const button = document.getElementById("refresh-button");
  const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  const charts = new Map();
  const form = document.getElementById("variables");
  const prefix = page.queryPrefix;

  // The variables part of the page's URL, as the widget data endpoint takes it.
  function variableParams() {
    const params = new URLSearchParams();
    for (const [key, value] of new URLSearchParams(location.search)) {
      if (key.startsWith(prefix)) params.append(key, value);
    }
    return params;
  }

  function dataUrl(widget, extra) {
    const params = new URLSearchParams(extra || {});
    for (const [key, value] of variableParams()) params.append(key, value);
    const query = params.toString();
    return query ? `${widget.url}?${query}` : widget.url;
  }

  // A control's value as the URL says it: absent means the variable's default.
  function valueFromControl(variable, control) {
    const raw = control.value.trim();
    if (variable.type === "timeRange") return raw === "" ? null : raw;
    return raw === "" || raw === page.all ? null : raw;
  }

  function controlValue(variable, value) {
    if (value !== null) return value;
    return variable.type === "dimension" && variable.choices ? page.all : "";
  }

  function urlFromControls() {
    const url = new URL(location.href);
    for (const variable of page.variables) {
      const value = valueFromControl(variable, form.elements[variable.name]);
      const key = prefix + variable.name;
      if (value === variable.default) url.searchParams.delete(key);
      else url.searchParams.set(key, value === null ? page.all : value);
    }
    return url;
  }

  function controlsFromUrl() {
    const params = new URLSearchParams(location.search);
    for (const variable of page.variables) {
      const given = params.get(prefix + variable.name);
      let value = given === null ? variable.default : given;
      if (value === page.all) value = null;
      form.elements[variable.name].value = controlValue(variable, value);
    }
  }

  function card(widget) {
    return document.querySelector(`[data-widget="${CSS.escape(widget.id)}"]`);
  }

  function part(el, role) {
    return el.querySelector(`[data-role="${role}"]`);
  }

  function label(item) {
    if (item.dimension !== undefined) return item.dimension;
    if (item.month !== undefined) return `${item.month} ${item.period.slice(0, 4)}`;
    return item.period;
  }

  function showEmpty(el, empty) {
    const note = part(el, "empty");
    if (note) note.hidden = !empty;
    const box = el.querySelector(".chart-box, .table-box");
    if (box) box.hidden = empty;
  }

  function drawNumber(el, data) {
    const value = data && data.value !== null && data.value !== undefined ? data.value : null;
    part(el, "value").textContent = value === null ? "—" : numbers.format(value);
    const meta = [];
    if (data && data.aggregation) meta.push(data.aggregation);
    if (data && data.asOf) meta.push(`as of ${new Date(data.asOf).toLocaleString()}`);
    part(el, "meta").textContent = meta.join(" · ");
    showEmpty(el, value === null);
  }

  function drawTable(el, series) {
    const table = document.createElement("table");
    const byDimension = series.length && series[0].dimension !== undefined;
    const head = table.createTHead().insertRow();
    for (const title of [byDimension ? "Value of dimension" : "Period", "Value"]) {
      const th = document.createElement("th");
      th.textContent = title;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const item of series) {
      const row = body.insertRow();
      row.insertCell().textContent = byDimension ? item.dimension : item.period;
      const cell = row.insertCell();
      cell.className = "num";
      cell.textContent = numbers.format(item.value);
    }
    part(el, "table").replaceChildren(table);
  }

  function drawChart(el, widget, series) {
    const labels = series.map(label);
    const values = series.map((item) => item.value);
    const existing = charts.get(widget.id);
    if (existing) {
      existing.data.labels = labels;
      existing.data.datasets[0].data = values;
      existing.update("none");
      return;
    }
    const kind = widget.chart || "bar";
    const round = kind === "doughnut";
    charts.set(
      widget.id,
      new Chart(part(el, "chart"), {
        type: kind,
        data: { labels, datasets: [{ label: widget.unit || widget.title, data: values, tension: 0.25 }] },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: round, position: "right" } },
          scales: round ? {} : { y: { beginAtZero: true } },
        },
      })
    );
  }

  // A widget whose data could not be computed keeps what it showed and says why.
  function showError(el, error) {
    const note = part(el, "error");
    if (!note) return;
    note.hidden = !error;
    note.textContent = error ? error.message : "";
  }

  function draw(widget, data, error) {
    const el = card(widget);
    if (!el || !widget.hasData) return;
    showError(el, error);
    if (error) return;
    if (widget.kind === "number") {
      drawNumber(el, data);
      return;
    }
    const series = (data && data.series) || [];
    showEmpty(el, series.length === 0);
    if (widget.kind === "table") drawTable(el, series);
    else drawChart(el, widget, series);
  }

  // One widget: true when its data changed, false on a 304.
  async function refresh(widget) {
    const headers = { Accept: "application/json" };
    if (widget.etag) headers["If-None-Match"] = widget.etag;
    // no-store: the browser's cache must not answer for us, or we would never see the 304.
    const response = await fetch(dataUrl(widget), { headers, credentials: "same-origin", cache: "no-store" });
    if (response.status === 304) return false;
    if (response.status === 401 || response.status === 403) throw new Error("session");
    if (response.status === 503) {
      const failed = await response.json().catch(() => null);
      if (failed && failed.error) {
        draw(widget, null, failed.error);
        throw new Error("widget");
      }
    }
    if (response.status === 400) {
      const refused = await response.json().catch(() => null);
      throw new Error((refused && refused.error && refused.error.message) || "HTTP 400");
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    widget.etag = response.headers.get("ETag");
    draw(widget, body.data, null);
    return true;
  }

  // A share link's page: the whole dashboard in one answer; a 304 when nothing changed.
  async function refreshShared() {
    const headers = { Accept: "application/json" };
    if (page.etag) headers["If-None-Match"] = page.etag;
    const response = await fetch(page.sharedUrl, { headers, credentials: "omit", cache: "no-store" });
    if (response.status === 304) return [];
    if (response.status === 404) throw new Error("gone");
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    if (body.version !== page.version) {
      // Widgets added, removed or rearranged: the page itself has changed.
      location.reload();
      return [];
    }
    page.etag = response.headers.get("ETag");
    // One entry per widget with data: true when it changed (and was redrawn).
    return body.widgets
      .filter((fresh) => fresh.hasData)
      .map((fresh) => {
        const widget = page.widgets.find((w) => w.id === fresh.id);
        const state = JSON.stringify([fresh.data, fresh.error || null]);
        if (!widget || JSON.stringify([widget.data, widget.error || null]) === state) return false;
        widget.data = fresh.data;
        widget.error = fresh.error || null;
        draw(widget, fresh.data, widget.error);
        return true;
      });
  }

  async function refreshWidgets() {
    if (!page.sharedUrl) return Promise.allSettled(page.widgets.filter((w) => w.hasData).map(refresh));
    try {
      return (await refreshShared()).map((value) => ({ status: "fulfilled", value }));
    } catch (reason) {
      return [{ status: "rejected", reason }];
    }
  }

  let timer = null;
  let running = false;
  let again = false;

  function updateDownloads() {
    for (const widget of page.widgets) {
      const link = card(widget) && part(card(widget), "csv");
      if (link) link.href = dataUrl(widget, { format: "csv" });
    }
  }

  async function refreshAll() {
    if (running) {
      again = true; // values changed meanwhile: ask once more when this round ends
      return;
    }
    running = true;
    button.disabled = true;
    const results = await refreshWidgets();
    running = false;
    button.disabled = false;
    if (again) {
      again = false;
      refreshAll();
      return;
    }
    const failed = results.filter((r) => r.status === "rejected");
    const changed = results.filter((r) => r.status === "fulfilled" && r.value).length;
    const time = new Date().toLocaleTimeString();
    if (failed.some((r) => r.reason && r.reason.message === "gone")) {
      statusEl.textContent = "This link is no longer valid";
      statusEl.classList.add("error");
      return;
    }
    if (failed.some((r) => r.reason && r.reason.message === "session")) {
      statusEl.innerHTML = "";
      const link = document.createElement("a");
      link.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`;
      link.textContent = "Session expired: log in again";
      statusEl.appendChild(link);
      return;
    }
    const refused = failed.find((r) => r.reason && r.reason.message.startsWith("var-"));
    statusEl.textContent = refused
      ? refused.reason.message
      : failed.length
      ? `Refresh failed at ${time}; retrying`
      : `Updated ${time}` + (changed ? ` · ${changed} changed` : "");
    statusEl.classList.toggle("error", failed.length > 0);
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    if (page.refreshInterval > 0) timer = setTimeout(tick, page.refreshInterval * 1000);
  }

  function tick() {
    // A hidden tab does not poll; it catches up when shown again.
    if (document.hidden) schedule();
    else refreshAll();
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && page.refreshInterval > 0) refreshAll();
  });
  button.addEventListener("click", refreshAll);

  if (form) {
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("change", () => {
      const url = urlFromControls();
      if (url.href === location.href) return;
      history.pushState(null, "", url);
      updateDownloads();
      refreshAll();
    });
    window.addEventListener("popstate", () => {
      controlsFromUrl();
      updateDownloads();
      refreshAll();
    });
  }

  for (const widget of page.widgets) draw(widget, widget.data, widget.error);
  schedule();
})();
