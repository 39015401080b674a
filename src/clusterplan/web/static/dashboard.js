/* clusterplan dashboard: plain JavaScript over the JSON API (no build step, no other origin). */
"use strict";

(function () {
  // Okabe-Ito colours (distinguishable with every common colour-vision deficiency).
  const REGION_COLOUR = "#0072B2";
  const BENCHMARK_COLOUR = "#D55E00";
  // ColorBrewer PuOr, 5 classes: diverging around LQ 1, colour-blind safe; classes also named in the legend.
  const LQ_CLASSES = [
    { upTo: 0.5, colour: "#5e3c99", label: "below 0.5" },
    { upTo: 0.8, colour: "#b2abd2", label: "0.5 to 0.8" },
    { upTo: 1.25, colour: "#f7f7f7", label: "0.8 to 1.25 (about average)" },
    { upTo: 2, colour: "#fdb863", label: "1.25 to 2" },
    { upTo: Infinity, colour: "#e66101", label: "2 or more" },
  ];
  const US_TABLE_ROWS = 25;
  // LISA classes of the hotspot map: Okabe-Ito colours (as clusterplan.geography.hotspots.LISA_COLOURS), the
  // letters' ink and halo, and hatching (high values "/", low values "\"), so the map reads without colour.
  const LISA_CLASSES = [
    { key: "HH", colour: "#D55E00", ink: "#ffffff", halo: "#000000", hatch: 45, label: "HH high among high" },
    { key: "HL", colour: "#E69F00", ink: "#000000", halo: "#ffffff", hatch: 45, label: "HL high among low" },
    { key: "LH", colour: "#56B4E9", ink: "#000000", halo: "#ffffff", hatch: -45, label: "LH low among high" },
    { key: "LL", colour: "#0072B2", ink: "#ffffff", halo: "#000000", hatch: -45, label: "LL low among low" },
    { key: "not significant", colour: "#E6E6E6", ink: null, halo: null, hatch: null, label: "not significant" },
  ];
  const LISA_WORDS = {
    HH: "high among high neighbours (HH)",
    HL: "high among low neighbours (HL, an outlier)",
    LH: "low among high neighbours (LH, an outlier)",
    LL: "low among low neighbours (LL)",
    "not significant": "not significant",
  };
  const HOTSPOT_MEASURES = {
    lq: { label: "location quotient", format: (v) => fmt(v, 2) },
    share: { label: "share of the area's employment", format: (v) => pct(v, 2) },
    employment: { label: "employment", format: (v) => fmt(v) },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    region: null,
    taxonomy: null,
    year: null,
    base_year: null,
    benchmark: "national",
    denominator: "all",
    convention: "clusterplan",
    cells: "reconstructed",
    cluster: null,
    sort: { key: "lq", descending: true },
    target_year: null,
    method: null,
    comparator_rule: null,
    high: null,
    low: null,
    weights: null,
    hotspot_measure: null,
  };
  const cache = {
    regions: [],
    taxonomies: {},
    taxonomyDetail: {},
    boundaries: null,
    usBoundaries: null,
    regionDetail: null,
    profile: null,
    scenarioParameters: null,
    scenarioView: null,
    supplyChains: {},
    subregional: {},
    hotspots: {},
  };
  let generation = 0; // answers to superseded requests are dropped
  let scenarioGeneration = 0;
  let hotspotGeneration = 0;
  const STATISTIC_LABELS = {
    leader: "the fastest-growing comparator",
    top_quartile: "the top quarter of comparators",
    median: "the median comparator",
    mean: "the comparators' mean",
  };

  // -- formatting ---------------------------------------------------------------------------------------
  const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
  const fmt = (v, digits = 0) =>
    isNumber(v) ? v.toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "–";
  const pct = (v, digits = 1) => (isNumber(v) ? (v * 100).toFixed(digits) + "%" : "–");
  const signedPct = (v, digits = 1) => (isNumber(v) ? (v >= 0 ? "+" : "−") + Math.abs(v * 100).toFixed(digits) + "%" : "–");
  const compact = (v) =>
    isNumber(v) ? (v >= 1e6 ? (v / 1e6).toFixed(1) + "m" : v >= 1e3 ? Math.round(v / 1e3) + "k" : String(Math.round(v))) : "–";

  // "West Midlands (TLG3)", "Detroit-Warren-Dearborn, MI (19820)"; a name that already holds its code is kept as is.
  const regionLabel = (region) => (region.name && !region.name.includes(region.code) ? `${region.name} (${region.code})` : region.name || region.code);

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    return node;
  }

  // -- API ------------------------------------------------------------------------------------------------
  async function api(path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") query.set(key, String(value));
    }
    const url = query.toString() ? `${path}?${query}` : path;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (_error) {
      body = null;
    }
    if (!response.ok) {
      throw new Error(body && body.error ? body.error : `${response.status} ${response.statusText} from ${path}`);
    }
    return body;
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  function showError(message) {
    const box = $("error");
    if (message) {
      box.textContent = message;
      box.hidden = false;
    } else {
      box.textContent = "";
      box.hidden = true;
    }
  }

  function fillSelect(select, options, value) {
    select.replaceChildren();
    for (const option of options) {
      if (option.group) {
        const group = el("optgroup", { label: option.group });
        for (const child of option.options) group.append(el("option", { value: child.value, text: child.label }));
        select.append(group);
      } else {
        select.append(el("option", { value: option.value, text: option.label }));
      }
    }
    const values = Array.from(select.options).map((o) => o.value);
    select.value = values.includes(String(value)) ? String(value) : values[0] || "";
    return select.value;
  }

  // -- state in the address bar, so a view can be shared ---------------------------------------------------
  const HASH_KEYS = [
    "region",
    "taxonomy",
    "year",
    "base_year",
    "benchmark",
    "denominator",
    "convention",
    "cells",
    "cluster",
    "target_year",
    "method",
    "comparator_rule",
    "high",
    "low",
    "weights",
    "hotspot_measure",
    "sort",
  ];

  // Defaults of the settings that have one (a new address that does not say goes back to them); the US-only ones
  // are left out of the address when at their default, so GB addresses stay as they were.
  const HASH_DEFAULTS = { benchmark: "national", denominator: "all", convention: "clusterplan", cells: "reconstructed" };
  const HASH_OMITTED = { convention: "clusterplan", cells: "reconstructed" };

  // What the address asked for that could not be shown; said in a visible box until the next address.
  const addressProblems = [];
  // Values the address gave, checked once the controls that offer them are filled.
  let asked = {};

  function readHash(reset = false) {
    // reset: a new address replaces the whole view, so what it does not say goes back to the defaults.
    const params = new URLSearchParams(window.location.hash.slice(1));
    addressProblems.length = 0;
    asked = {};
    for (const key of HASH_KEYS) {
      if (params.has(key)) {
        asked[key] = params.get(key);
        if (key === "sort") state.sort = parseSort(params.get(key));
        else state[key] = params.get(key);
      } else if (reset) {
        if (key === "sort") state.sort = { key: "lq", descending: true };
        else state[key] = key in HASH_DEFAULTS ? HASH_DEFAULTS[key] : null;
      }
    }
    const unknown = Array.from(params.keys()).filter((key) => !HASH_KEYS.includes(key));
    if (unknown.length) {
      addressProblems.push(`The address has settings the dashboard does not know (${unknown.join(", ")}); they were ignored.`);
    }
  }

  function parseSort(text) {
    const [key, order] = String(text || "").split(".");
    if (!/^[a-z_]+$/.test(key || "") || !["asc", "desc"].includes(order)) {
      addressProblems.push(`The address asks to sort by "${text}", which is not column.asc or column.desc; sorted by location quotient instead.`);
      return { key: "lq", descending: true };
    }
    return { key, descending: order === "desc" };
  }

  function writeHash() {
    const params = new URLSearchParams();
    for (const key of HASH_KEYS) {
      if (key === "sort") params.set("sort", `${state.sort.key}.${state.sort.descending ? "desc" : "asc"}`);
      else if (state[key] !== null && state[key] !== "" && state[key] !== HASH_OMITTED[key]) params.set(key, state[key]);
    }
    history.replaceState(null, "", "#" + params.toString());
  }

  // A value the address gave for a control that does not offer it: say so, naming what is shown instead.
  function checkAsked(key, label, select) {
    if (!(key in asked) || asked[key] === "" || String(asked[key]) === String(state[key])) return;
    const option = select && Array.from(select.options).find((o) => o.value === String(state[key]));
    const shown = option ? option.textContent : state[key] || "none";
    addressProblems.push(`The address asks for ${label} "${asked[key]}", which is not available here; showing ${shown} instead.`);
    delete asked[key];
  }

  function showAddressProblems() {
    const box = $("address-problem");
    box.textContent = addressProblems.join(" ");
    box.hidden = addressProblems.length === 0;
  }

  // -- controls ---------------------------------------------------------------------------------------------
  function regionOptions() {
    const gb = cache.regions.filter((r) => r.geography === "uk").sort((a, b) => a.label.localeCompare(b.label));
    const largestFirst = (level) =>
      cache.regions
        .filter((r) => r.geography === "us" && r.level === level)
        .sort((a, b) => (b.total_employment || 0) - (a.total_employment || 0));
    const withJobs = (r) => ({ value: r.code, label: `${r.label} (${compact(r.total_employment)} jobs)` });
    return [
      { group: "Great Britain: ITL2 areas", options: gb.map((r) => ({ value: r.code, label: r.label })) },
      {
        group: "United States: metropolitan and micropolitan areas (CBSAs), largest first",
        options: largestFirst("cbsa").map(withJobs),
      },
      {
        group: "United States: combined statistical areas (CSAs, their CBSAs analysed as one), largest first",
        options: largestFirst("csa").map(withJobs),
      },
    ];
  }

  async function onRegionChosen(fromAddress = false) {
    const detail = await api(`/api/regions/${encodeURIComponent(state.region)}`);
    const previous = cache.regionDetail;
    cache.regionDetail = detail;
    // Another dataset (GB <-> US) has other years: show its latest, not the year the last region happened to
    // show (2019 for a US metro), unless the address asked for a year.
    if (!fromAddress && previous && previous.dataset.name !== detail.dataset.name) {
      state.year = null;
      state.base_year = null;
    }
    const taxonomies = detail.taxonomies.map((name) => ({
      value: name,
      label: cache.taxonomies[name] ? `${cache.taxonomies[name].title}` : name,
    }));
    const wanted = detail.taxonomies.includes(state.taxonomy) ? state.taxonomy : detail.default_taxonomy;
    state.taxonomy = fillSelect($("taxonomy"), taxonomies, wanted);
    const years = detail.dataset.years;
    state.year = fillSelect(
      $("year"),
      years.slice().reverse().map((y) => ({ value: y, label: String(y) })),
      state.year || years[years.length - 1]
    );
    const baseSelect = $("base_year");
    if (years.length > 1) {
      baseSelect.disabled = false;
      const earlier = years.filter((y) => y < Number(state.year));
      state.base_year = fillSelect(
        baseSelect,
        earlier.map((y) => ({ value: y, label: String(y) })),
        state.base_year && Number(state.base_year) < Number(state.year) ? state.base_year : earlier[0]
      );
    } else {
      fillSelect(baseSelect, [{ value: "", label: "one year of data" }], "");
      baseSelect.disabled = true;
      state.base_year = null;
    }
    state.benchmark = fillSelect(
      $("benchmark"),
      detail.benchmarks.map((b) => ({
        value: b.value,
        label: b.contains_region && b.value !== "national" ? `${b.label}, this region's` : b.label,
      })),
      state.benchmark
    );
    refreshUsControls();
  }

  function refreshBaseYears() {
    const years = cache.regionDetail ? cache.regionDetail.dataset.years : [];
    if (years.length <= 1) return;
    const earlier = years.filter((y) => y < Number(state.year));
    if (!earlier.length) {
      fillSelect($("base_year"), [{ value: "", label: "no earlier year" }], "");
      $("base_year").disabled = true;
      state.base_year = null;
      return;
    }
    $("base_year").disabled = false;
    state.base_year = fillSelect(
      $("base_year"),
      earlier.map((y) => ({ value: y, label: String(y) })),
      state.base_year && Number(state.base_year) < Number(state.year) ? state.base_year : earlier[0]
    );
  }

  function isUs() {
    return Boolean(cache.regionDetail && cache.regionDetail.dataset.geography === "us");
  }

  function profileParams() {
    const params = {
      region: state.region,
      taxonomy: state.taxonomy,
      year: state.year,
      base_year: state.base_year,
      benchmark: state.benchmark,
      denominator: state.denominator,
    };
    // US metros only: County Business Patterns cells and the Cluster Mapping portal's convention (traded totals).
    if (isUs()) {
      if (state.convention === "cluster-mapping") {
        params.convention = state.convention;
        params.denominator = "traded";
      }
      if (state.cells === "published") params.cells = state.cells;
    }
    return params;
  }

  // The US-only controls: shown for a US metro, back at their defaults (and hidden) for a GB region.
  function refreshUsControls() {
    const us = isUs();
    $("convention-field").hidden = !us;
    $("cells-field").hidden = !us;
    if (!us) {
      state.convention = "clusterplan";
      state.cells = "reconstructed";
    }
    state.convention = fillSelect($("convention"), optionsOf($("convention")), state.convention);
    state.cells = fillSelect($("cells"), optionsOf($("cells")), state.cells);
    // The portal's measures are out of traded employment: the totals control says so and waits.
    const portal = us && state.convention === "cluster-mapping";
    $("denominator").disabled = portal;
    if (portal) $("denominator").value = "traded";
    else $("denominator").value = state.denominator;
  }

  function optionsOf(select) {
    return Array.from(select.options).map((o) => ({ value: o.value, label: o.textContent }));
  }

  // -- loading --------------------------------------------------------------------------------------------------
  async function loadProfile() {
    const mine = ++generation;
    showError(null);
    const chosen = $("region").selectedOptions[0] ? $("region").selectedOptions[0].textContent : state.region;
    setStatus(`Loading the profile of ${chosen}…`);
    document.body.setAttribute("aria-busy", "true");
    try {
      const profile = await api("/api/profile", profileParams());
      if (mine !== generation) return;
      cache.profile = profile;
      if (!cache.taxonomyDetail[profile.taxonomy.name]) {
        cache.taxonomyDetail[profile.taxonomy.name] = await api(`/api/taxonomies/${profile.taxonomy.name}`);
      }
      if (mine !== generation) return;
      const ids = profile.clusters.map((c) => c.cluster_id);
      if (!ids.includes(state.cluster)) state.cluster = topCluster(profile.clusters);
      if ("cluster" in asked) {
        if (asked.cluster !== state.cluster) {
          const shown = profile.clusters.find((c) => c.cluster_id === state.cluster);
          addressProblems.push(
            `The address asks for cluster "${asked.cluster}", which ${profile.taxonomy.title} does not have; showing ${shown ? shown.cluster : state.cluster} instead.`
          );
        }
        delete asked.cluster;
        showAddressProblems();
      }
      if ("target_year" in asked) {
        // Checked with the profile (whose year the target must follow), not when the scenarios are first shown.
        fillTargetYears(Number(profile.parameters.year));
        checkAsked("target_year", "scenario target year", $("target_year"));
        delete asked.target_year;
        showAddressProblems();
      }
      renderSummary(profile);
      renderRanking(profile);
      renderClusterChoices(profile);
      renderCluster(profile);
      renderProvenance(profile);
      writeHash();
      await loadMap(mine);
      if (mine !== generation) return;
      loadSubregional(profile);
      loadHotspots(profile);
      loadSupplyChain(profile);
      loadScenarios(profile);
      watchScenarioPanel();
      const p = profile.parameters;
      setStatus(
        `Showing ${regionLabel(profile.region)}: ${profile.clusters.length} clusters, ${p.year}` +
          (p.base_year ? ` (growth since ${p.base_year})` : "") +
          `, against ${p.benchmark_label}.`
      );
    } catch (error) {
      if (mine !== generation) return;
      showError(error.message);
      setStatus("The last change could not be shown; the message above says why.");
    } finally {
      if (mine === generation) document.body.removeAttribute("aria-busy");
    }
  }

  function topCluster(clusters) {
    const ranked = clusters.filter((c) => isNumber(c.lq)).sort((a, b) => b.lq - a.lq);
    return (ranked[0] || clusters[0]).cluster_id;
  }

  async function loadMap(mine) {
    const params = { ...profileParams(), cluster: state.cluster };
    const answer = await api("/api/profile/regions", params);
    if (mine !== generation) return;
    const rows = answer.rows;
    const geography = answer.region.geography;
    if (geography === "uk") {
      if (!cache.boundaries) cache.boundaries = await api("/api/boundaries/itl2");
      if (mine !== generation) return;
      drawMap(cache.boundaries, rows, answer.region.code, answer.cluster.name, "uk");
    } else {
      // US metros: CBSA shapes of the contiguous states (counties dissolved by the OMB delineation).
      if (!cache.usBoundaries) cache.usBoundaries = await api("/api/boundaries/cbsa");
      if (mine !== generation) return;
      drawMap(cache.usBoundaries, rows, answer.region.code, answer.cluster.name, "us", answer.region.members);
      appendAreaRanking(rows, answer.region.code, answer.cluster.name);
    }
    renderAreaTable(rows, answer.region.code, geography);
  }

  // -- summary ------------------------------------------------------------------------------------------------
  function renderSummary(profile) {
    const t = profile.totals;
    const p = profile.parameters;
    $("summary-title").textContent = `${regionLabel(profile.region)}, ${t.year}`;
    const strong = profile.clusters.filter((c) => c.strong_cluster === true).length;
    const items = [
      [p.denominator_choice === "traded" ? "Employment, traded industries" : "Employment, all industries", fmt(t.region_total_employment)],
      ["In the clusters (each job counted once)", fmt(t.clusters_employment_without_double_counting)],
      ["Clusters' share of the region", pct(t.clusters_share_of_region)],
      ["Clusters with LQ above 1", `${profile.clusters.filter((c) => isNumber(c.lq) && c.lq > 1).length} of ${profile.clusters.length}`],
      ["Strong clusters (US Cluster Mapping rule)", `${strong} of ${profile.clusters.length}`],
      ["Benchmark", p.benchmark_label],
    ];
    if (profile.region.geography === "us") {
      items.push([
        "Measured as",
        p.convention === "cluster_mapping" ? "US Cluster Mapping portal (traded jobs)" : "clusterplan (all jobs)",
      ]);
      items.push(["County Business Patterns cells", p.cells === "published" ? "published only" : "withheld rebuilt"]);
      // NAICS 2017 codes no Cluster Mapping definition names (no concordance in the data): counted, not allocated.
      if (isNumber(t.unclassified_employment) && t.unclassified_employment > 0) {
        items.push([
          "Jobs in NAICS 2017 codes no cluster definition names",
          `${fmt(t.unclassified_employment)} (${fmt(t.unclassified_employment_beside_clusters)} beside a cluster's industries)`,
        ]);
      }
    }
    $("headline").replaceChildren(...items.map(([label, value]) => el("div", {}, el("dt", { text: label }), el("dd", { text: value }))));
  }

  // -- ranking table ----------------------------------------------------------------------------------------
  function rankingColumns(profile) {
    const clusters = profile.clusters;
    const hasGrowth = clusters.some((c) => isNumber(c.growth_cagr));
    const hasRange = clusters.some((c) => isNumber(c.lq_low) && isNumber(c.lq_high) && c.lq_high - c.lq_low > 1e-9);
    const columns = [
      { key: "cluster", label: "Cluster", type: "text" },
      { key: "employment", label: "Employment", render: (c) => fmt(c.employment) },
      { key: "employment_share", label: "Share of region", render: (c) => pct(c.employment_share) },
      { key: "lq", label: "LQ", render: (c) => fmt(c.lq, 2) },
    ];
    if (hasRange) {
      columns.push({
        key: "lq_low",
        label: "LQ range",
        title: "Lowest and highest LQ the published rounding and suppression allow",
        render: (c) => `${fmt(c.lq_low, 2)}–${fmt(c.lq_high, 2)}`,
      });
    }
    columns.push({ key: "lq_rank", label: "LQ rank", render: (c) => `${fmt(c.lq_rank)} of ${fmt(c.n_regions)}` });
    if (hasGrowth) {
      columns.push({ key: "growth_cagr", label: "Growth a year", render: (c) => signedPct(c.growth_cagr) });
      const benchmark = (profile.parameters && profile.parameters.benchmark_short) || "benchmark";
      columns.push({ key: "benchmark_growth_cagr", label: `${benchmark} growth a year`, render: (c) => signedPct(c.benchmark_growth_cagr) });
    }
    if (clusters.some((c) => isNumber(c.cmp_lq_rank))) {
      columns.push({
        key: "cmp_lq_rank",
        label: "Portal LQ rank",
        title: "US Cluster Mapping portal: rank of the traded-employment LQ among areas of the same type (1 = highest)",
        render: (c) => fmt(c.cmp_lq_rank),
      });
      columns.push({
        key: "cmp_strong",
        label: "Portal strong",
        title: "US Cluster Mapping portal's strong-cluster flag",
        render: (c) => el("span", { className: c.cmp_strong ? "tag tag-yes" : "tag tag-no", text: c.cmp_strong ? "yes" : "no" }),
      });
    }
    columns.push({
      key: "stars",
      label: "Stars",
      title: "European Cluster Observatory stars (size, specialisation, focus), 0 to 3",
      render: (c) => el("span", { className: "stars", "aria-label": `${fmt(c.stars)} of 3 stars`, text: "★".repeat(c.stars || 0) + "☆".repeat(3 - (c.stars || 0)) }),
    });
    columns.push({
      key: "strong_cluster",
      label: "Strong",
      title: "US Cluster Mapping strong-cluster rule",
      render: (c) => el("span", { className: c.strong_cluster ? "tag tag-yes" : "tag tag-no", text: c.strong_cluster ? "yes" : "no" }),
    });
    return columns;
  }

  function sortRows(rows, key, descending) {
    const value = (row) => (typeof row[key] === "boolean" ? Number(row[key]) : row[key]);
    return rows.slice().sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const xMissing = x === null || x === undefined || (typeof x === "number" && !Number.isFinite(x));
      const yMissing = y === null || y === undefined || (typeof y === "number" && !Number.isFinite(y));
      if (xMissing || yMissing) return xMissing === yMissing ? 0 : xMissing ? 1 : -1; // missing values last
      const order = typeof x === "string" ? x.localeCompare(y) : x - y;
      return descending ? -order : order;
    });
  }

  function renderRanking(profile) {
    const columns = rankingColumns(profile);
    const table = $("ranking-table");
    $("ranking-caption").textContent = `Clusters of ${profile.region.name}, ${profile.parameters.year}, sorted by ${
      (columns.find((c) => c.key === state.sort.key) || columns[0]).label
    }`;
    const headRow = el("tr");
    for (const column of columns) {
      const active = state.sort.key === column.key;
      const th = el("th", {
        scope: "col",
        "aria-sort": active ? (state.sort.descending ? "descending" : "ascending") : "none",
        title: column.title,
      });
      const button = el(
        "button",
        { type: "button", className: "sort-button", "data-key": column.key },
        column.label,
        el("span", { className: "arrow", "aria-hidden": "true", text: active ? (state.sort.descending ? "▼" : "▲") : "" })
      );
      button.addEventListener("click", () => {
        if (state.sort.key === column.key) state.sort.descending = !state.sort.descending;
        else state.sort = { key: column.key, descending: column.type !== "text" };
        writeHash();
        renderRanking(cache.profile);
        table.querySelector(`button[data-key="${column.key}"]`).focus();
      });
      th.append(button);
      headRow.append(th);
    }
    table.tHead.replaceChildren(headRow);
    const rows = sortRows(profile.clusters, state.sort.key, state.sort.descending);
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const cluster of rows) {
      const tr = el("tr", { "data-cluster": cluster.cluster_id });
      if (cluster.cluster_id === state.cluster) {
        tr.className = "selected";
        tr.setAttribute("aria-current", "true");
      }
      for (const column of columns) {
        if (column.key === "cluster") {
          const button = el("button", { type: "button", className: "link-button", text: cluster.cluster });
          button.addEventListener("click", () => selectCluster(cluster.cluster_id));
          tr.append(el("th", { scope: "row" }, button));
        } else {
          const value = column.render(cluster);
          tr.append(el("td", { "data-key": column.key }, value));
        }
      }
      body.append(tr);
    }
  }

  function renderClusterChoices(profile) {
    const options = profile.clusters
      .slice()
      .sort((a, b) => a.cluster.localeCompare(b.cluster))
      .map((c) => ({ value: c.cluster_id, label: c.cluster }));
    fillSelect($("map-cluster"), options, state.cluster);
  }

  async function selectCluster(clusterId) {
    state.cluster = clusterId;
    $("map-cluster").value = clusterId;
    renderRanking(cache.profile);
    renderCluster(cache.profile);
    renderSubregional();
    renderSupplyChain();
    loadHotspots(cache.profile);
    writeHash();
    const mine = ++generation;
    try {
      await loadMap(mine);
    } catch (error) {
      if (mine === generation) showError(error.message);
    }
  }

  // -- map ------------------------------------------------------------------------------------------------------
  function lqColour(lq) {
    if (!isNumber(lq)) return "url(#no-data)";
    return LQ_CLASSES.find((c) => lq < c.upTo).colour;
  }

  function lqClassLabel(lq) {
    return isNumber(lq) ? LQ_CLASSES.find((c) => lq < c.upTo).label : "no data";
  }

  // Equirectangular projection scaled by cos(latitude) at the middle of Great Britain: fine at this size.
  function geoFrame(geojson, width, latitude = 54.5) {
    const k = Math.cos((latitude * Math.PI) / 180); // equirectangular, true to scale at this latitude
    const project = ([lon, lat]) => [lon * k, -lat];
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    const polygonsOf = (geometry) =>
      geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    for (const feature of geojson.features) {
      for (const polygon of polygonsOf(feature.geometry)) {
        for (const ring of polygon) {
          for (const point of ring) {
            const [x, y] = project(point);
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
          }
        }
      }
    }
    const scale = width / (maxX - minX);
    const height = Math.round((maxY - minY) * scale);
    const xy = (point) => {
      const [x, y] = project(point);
      return [(x - minX) * scale, (y - minY) * scale];
    };
    const pathOf = (geometry) =>
      polygonsOf(geometry)
        .map((polygon) =>
          polygon
            .map(
              (ring) =>
                "M" +
                ring
                  .map((point) => {
                    const [x, y] = xy(point);
                    return `${x.toFixed(1)},${y.toFixed(1)}`;
                  })
                  .join("L") +
                "Z"
            )
            .join("")
        )
        .join("");
    // Where a label goes: the centroid of the area's largest polygon (its outer ring), on the screen.
    const labelPoint = (geometry) => {
      let best = null;
      let bestArea = 0;
      for (const polygon of polygonsOf(geometry)) {
        const ring = polygon[0].map(xy);
        let area = 0;
        let cx = 0;
        let cy = 0;
        for (let i = 0; i < ring.length - 1; i += 1) {
          const cross = ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
          area += cross;
          cx += (ring[i][0] + ring[i + 1][0]) * cross;
          cy += (ring[i][1] + ring[i + 1][1]) * cross;
        }
        if (area && Math.abs(area) > bestArea) {
          bestArea = Math.abs(area);
          best = [cx / (3 * area), cy / (3 * area)];
        }
      }
      return best;
    };
    return { width, height, pathOf, labelPoint };
  }

  function drawMap(geojson, rows, focusCode, clusterName, geography = "uk", members = []) {
    const areas = geography === "us" ? "US metropolitan and micropolitan area (CBSA)" : "GB ITL2 area";
    const container = $("map");
    const byCode = new Map(rows.map((r) => [r.area_code, r]));
    // A region of several areas (a US combined statistical area) is one row, analysed as one area: each of its
    // member areas' shapes shows that row's value and is outlined as the selected region.
    const focusRow = byCode.get(focusCode);
    const memberOf = new Set(members && members.length > 1 ? members : []);
    const { width, height, pathOf } = geography === "us" ? geoFrame(geojson, 640, 38) : geoFrame(geojson, 400);

    const root = svg("svg", {
      viewBox: `-4 -4 ${width + 8} ${height + 8}`,
      role: "group",
      "aria-label": `Map of the location quotient of ${clusterName} in each ${areas}; select an area to profile it`,
    });
    const defs = svg("defs");
    const pattern = svg("pattern", { id: "no-data", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    pattern.append(svg("rect", { width: 6, height: 6, fill: "#ffffff" }), svg("rect", { width: 3, height: 6, fill: "#d9d9d9" }));
    defs.append(pattern);
    root.append(defs);
    const focusPaths = [];
    const features = geojson.features.slice().sort((a, b) => String(a.properties.name).localeCompare(String(b.properties.name)));
    for (const feature of features) {
      const code = feature.properties.code;
      const member = memberOf.has(code) && focusRow !== undefined;
      const row = member ? focusRow : byCode.get(code);
      const lq = row ? row.lq : null;
      const place = member ? `${feature.properties.name} (${code}), part of ${focusRow.area_name || focusCode} (${focusCode})` : `${feature.properties.name} (${code})`;
      const description = row
        ? `${place}: LQ ${fmt(lq, 2)}, ${fmt(row.employment)} jobs${member ? " in the whole region" : ""}, rank ${fmt(row.lq_rank)} of ${fmt(row.n_regions)}`
        : `${place}: no data`;
      const focus = code === focusCode || member;
      const path = svg("path", {
        d: pathOf(feature.geometry),
        fill: lqColour(lq),
        class: "area" + (focus ? " focus-area" : ""),
        "data-code": code,
        "data-lq": isNumber(lq) ? lq.toFixed(4) : "",
        tabindex: row ? 0 : -1,
        role: row ? "button" : "img",
        "aria-label": description + (row ? `; ${lqClassLabel(lq)}` : ""),
      });
      const title = svg("title");
      title.textContent = description;
      path.append(title);
      if (row) {
        const choose = () => chooseRegion(code);
        path.addEventListener("click", choose);
        path.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            choose();
          }
        });
      }
      if (focus) focusPaths.push(path);
      else root.append(path);
    }
    root.append(...focusPaths); // drawn last so their outlines are not covered
    container.replaceChildren(root);
    $("map-caption").textContent =
      `${clusterName}: location quotient in each ${areas}; the selected region is outlined in black. ` +
      (geography === "us"
        ? "Contiguous states only; white space is outside any CBSA."
        : "Hatched areas have no data (Northern Ireland is not in BRES).");
    const legend = $("legend");
    legend.replaceChildren(
      el("span", { className: "legend-title", text: "LQ:" }),
      ...LQ_CLASSES.map((c) => el("span", {}, el("span", { className: "swatch", style: `background:${c.colour}` }), c.label)),
      el("span", {}, el("span", { className: "swatch no-data" }), "no data"),
      el("span", {}, el("span", { className: "swatch focus-swatch" }), "selected region")
    );
    legend.hidden = false;
  }

  // Under the US map: the CBSAs with the highest LQ and the selected one (small metros are hard to see on a map).
  function appendAreaRanking(rows, focusCode, clusterName) {
    const ranked = sortRows(rows, "lq", true);
    const top = ranked.slice(0, US_TABLE_ROWS);
    const focus = ranked.find((r) => r.area_code === focusCode);
    if (focus && !top.includes(focus)) top.push(focus);
    const table = el("table", { className: "data-table", id: "us-lq-table" });
    table.append(el("caption", { text: `${clusterName}: the ${US_TABLE_ROWS} CBSAs with the highest LQ, and the selected one` }));
    table.append(
      el(
        "thead",
        {},
        el("tr", {}, ...["CBSA", "LQ rank", "LQ", "Employment"].map((h) => el("th", { scope: "col", text: h })))
      )
    );
    const body = el("tbody");
    for (const row of top) {
      const tr = el(
        "tr",
        { className: row.area_code === focusCode ? "focus-row selected" : "" },
        el("th", { scope: "row", text: row.area_name ? `${row.area_name} (${row.area_code})` : `CBSA ${row.area_code}` }),
        el("td", { text: fmt(row.lq_rank) }),
        el("td", { text: fmt(row.lq, 2) }),
        el("td", { text: fmt(row.employment) })
      );
      body.append(tr);
    }
    table.append(body);
    $("map").append(el("div", { className: "table-wrap" }, table));
  }

  function renderAreaTable(rows, focusCode, geography) {
    const details = $("map-table-details");
    details.hidden = geography !== "uk";
    if (geography !== "uk") return;
    const table = $("map-table");
    table.tHead.replaceChildren(
      el("tr", {}, ...["Area", "LQ", "LQ class", "Employment", "LQ rank"].map((h) => el("th", { scope: "col", text: h })))
    );
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const row of sortRows(rows, "lq", true)) {
      body.append(
        el(
          "tr",
          { className: row.area_code === focusCode ? "focus-row selected" : "" },
          el("th", { scope: "row", text: `${row.area_name} (${row.area_code})` }),
          el("td", { text: fmt(row.lq, 2) }),
          el("td", { text: lqClassLabel(row.lq) }),
          el("td", { text: fmt(row.employment) }),
          el("td", { text: `${fmt(row.lq_rank)} of ${fmt(row.n_regions)}` })
        )
      );
    }
  }

  async function chooseRegion(code) {
    if (code === state.region) return;
    state.region = code;
    $("region").value = code;
    await regionChanged();
  }

  // -- cluster profile ---------------------------------------------------------------------------------------
  function renderCluster(profile) {
    const cluster = profile.clusters.find((c) => c.cluster_id === state.cluster);
    if (!cluster) return;
    const p = profile.parameters;
    const definitions = cache.taxonomyDetail[profile.taxonomy.name];
    const definition = definitions ? definitions.cluster_list.find((c) => c.id === cluster.cluster_id) : null;
    $("cluster-title").textContent = `${cluster.cluster} in ${profile.region.name}`;
    $("cluster-description").textContent = definition
      ? `${definition.description || ""} Industry codes: ${definition.codes.join(", ")}.${
          definition.confidence ? ` Confidence in the definition: ${definition.confidence}.` : ""
        }`
      : "";
    const facts = [
      ["Employment", `${fmt(cluster.employment)} (${pct(cluster.employment_share)} of the region)`],
      ["Location quotient", `${fmt(cluster.lq, 2)}` + (isNumber(cluster.lq_low) && cluster.lq_high - cluster.lq_low > 1e-9 ? ` (range ${fmt(cluster.lq_low, 2)}–${fmt(cluster.lq_high, 2)})` : "")],
      ["LQ rank", `${fmt(cluster.lq_rank)} of ${fmt(cluster.n_regions)} areas`],
    ];
    if (isNumber(cluster.growth_cagr)) {
      facts.push(["Growth a year", `${signedPct(cluster.growth_cagr)} since ${p.base_year} (benchmark ${signedPct(cluster.benchmark_growth_cagr)})`]);
    }
    if (isNumber(cluster.shift_share_change)) {
      facts.push([
        "Shift-share of the change",
        `${fmt(cluster.shift_share_change)} jobs: national ${fmt(cluster.shift_share_national_share)}, ` +
          `industry mix ${fmt(cluster.shift_share_industry_mix)}, competitive ${fmt(cluster.shift_share_competitive)}`,
      ]);
    }
    if (isNumber(cluster.gva_per_job_gbp)) {
      facts.push(["GVA per job (estimate)", `£${fmt(cluster.gva_per_job_gbp)} (${fmt(cluster.relative_productivity, 2)} × GB)`]);
    }
    if (cluster.strong_cluster_reason) facts.push(["Strong cluster?", cluster.strong_cluster_reason]);
    if (cluster.stars_reason) facts.push(["Stars", cluster.stars_reason]);
    $("cluster-facts").replaceChildren(...facts.map(([label, value]) => el("div", {}, el("dt", { text: label }), el("dd", { text: value }))));
    renderCharts(profile, cluster);
  }

  function chartNote(id, text) {
    const node = $(id);
    if (window.Plotly && node.classList.contains("js-plotly-plot")) window.Plotly.purge(node);
    node.replaceChildren(el("p", { className: "chart-note", text }));
  }

  function renderCharts(profile, cluster) {
    const trend = profile.trend.filter((t) => t.cluster_id === cluster.cluster_id).sort((a, b) => a.year - b.year);
    const p = profile.parameters;
    const years = trend.map((t) => t.year);
    if (trend.length < 2) {
      chartNote("trend-chart", "One year of data: no trend to draw.");
      chartNote("lq-chart", `LQ in ${p.year}: ${fmt(cluster.lq, 2)}.`);
      $("trend-caption").textContent = "";
      $("lq-caption").textContent = "";
      return;
    }
    const first = trend[0];
    const last = trend[trend.length - 1];
    const index = (value, base) => (isNumber(value) && isNumber(base) && base > 0 ? (100 * value) / base : null);
    $("trend-caption").textContent =
      `Employment in ${cluster.cluster}, index ${first.year} = 100: ${profile.region.name} went from ${fmt(first.employment)} ` +
      `to ${fmt(last.employment)} jobs; ${p.benchmark_label} from ${fmt(first.benchmark_employment)} to ${fmt(last.benchmark_employment)}.`;
    $("lq-caption").textContent =
      `Location quotient of ${cluster.cluster} in ${profile.region.name} each year, from ${fmt(first.lq, 2)} in ${first.year} ` +
      `to ${fmt(last.lq, 2)} in ${last.year}; 1 is the benchmark's concentration.`;
    if (!window.Plotly) {
      chartNote("trend-chart", "Charts need plotly.js on the server (pip install plotly); the numbers are in the caption.");
      chartNote("lq-chart", "Charts need plotly.js on the server (pip install plotly); the numbers are in the caption.");
      return;
    }
    const config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
    const layout = (title, yTitle) => ({
      title: { text: title, font: { size: 15 } },
      margin: { l: 60, r: 20, t: 45, b: 40 },
      xaxis: { tickmode: "array", tickvals: years, fixedrange: true },
      yaxis: { title: { text: yTitle }, fixedrange: true, zeroline: false },
      legend: { orientation: "h", y: -0.15 },
      font: { family: "system-ui, sans-serif" },
      paper_bgcolor: "#fff",
      plot_bgcolor: "#fff",
    });
    for (const id of ["trend-chart", "lq-chart"]) {
      const node = $(id);
      if (!node.classList.contains("js-plotly-plot")) node.replaceChildren();
    }
    window.Plotly.react(
      "trend-chart",
      [
        {
          x: years,
          y: trend.map((t) => index(t.employment, first.employment)),
          name: profile.region.name,
          mode: "lines+markers",
          line: { color: REGION_COLOUR, width: 3 },
          marker: { symbol: "circle", size: 8 },
          customdata: trend.map((t) => t.employment),
          hovertemplate: "%{x}: %{y:.1f} (%{customdata:,.0f} jobs)<extra>%{fullData.name}</extra>",
        },
        {
          x: years,
          y: trend.map((t) => index(t.benchmark_employment, first.benchmark_employment)),
          name: p.benchmark_label,
          mode: "lines+markers",
          line: { color: BENCHMARK_COLOUR, width: 2, dash: "dash" },
          marker: { symbol: "square", size: 7 },
          customdata: trend.map((t) => t.benchmark_employment),
          hovertemplate: "%{x}: %{y:.1f} (%{customdata:,.0f} jobs)<extra>%{fullData.name}</extra>",
        },
      ],
      layout(`Employment, index ${first.year} = 100`, "Index"),
      config
    );
    const lqLayout = layout("Location quotient", "LQ");
    lqLayout.shapes = [
      { type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1, line: { color: "#444", width: 1, dash: "dot" } },
    ];
    lqLayout.showlegend = false;
    window.Plotly.react(
      "lq-chart",
      [
        {
          x: years,
          y: trend.map((t) => t.lq),
          name: "LQ",
          mode: "lines+markers",
          line: { color: REGION_COLOUR, width: 3 },
          marker: { symbol: "diamond", size: 8 },
          hovertemplate: "%{x}: LQ %{y:.2f}<extra></extra>",
        },
      ],
      lqLayout,
      config
    );
  }

  // -- provenance -----------------------------------------------------------------------------------------------
  function renderProvenance(profile) {
    const body = $("provenance-body");
    const p = profile.parameters;
    const definition = (pairs) =>
      el("dl", {}, ...pairs.flatMap(([label, value]) => [el("dt", { text: label }), el("dd", { text: value === null || value === undefined ? "–" : value })]));
    const parts = [
      el("h3", { text: "Parameters" }),
      definition([
        ["Region", regionLabel(profile.region)],
        ["Dataset", p.dataset],
        ["Year", p.year],
        ["Growth since", p.base_year === null ? "no growth period (one year of data)" : p.base_year],
        ["Benchmark", p.benchmark_label],
        ["Totals over", p.denominator],
        ["Taxonomy", `${profile.taxonomy.title} (${profile.taxonomy.name})`],
        ["Taxonomy source", profile.taxonomy.source],
      ]),
      el("h3", { text: "Sources" }),
    ];
    for (const input of profile.inputs) {
      parts.push(
        definition([
          ["Dataset", `${input.title} (${input.dataset})`],
          ["Publisher", input.publisher],
          ["Source", input.source],
          ["Vintage", input.vintage],
          ["Licence", input.licence],
          ["SHA-256", input.sha256],
        ])
      );
    }
    body.replaceChildren(...parts);
  }

  // -- where the cluster sits inside the region (ITL3 areas) ---------------------------------------------------
  async function loadSubregional(profile) {
    const box = $("subregional");
    if (profile.region.geography !== "uk") {
      box.replaceChildren();
      return;
    }
    const key = `${profile.region.code}|${profile.taxonomy.name}|${profile.parameters.year}`;
    if (!cache.subregional[key]) box.replaceChildren(el("p", { className: "help", text: "Loading the ITL3 breakdown…" }));
    try {
      if (!cache.subregional[key]) {
        cache.subregional[key] = await api("/api/subregional", {
          region: profile.region.code,
          taxonomy: profile.taxonomy.name,
          year: profile.parameters.year,
        });
      }
      cache.subregional.current = key;
      renderSubregional();
    } catch (error) {
      box.replaceChildren(el("p", { className: "help", text: `The ITL3 breakdown is not available: ${error.message}` }));
    }
  }

  function renderSubregional() {
    const box = $("subregional");
    const data = cache.subregional[cache.subregional.current];
    if (!data || !cache.profile || cache.profile.region.geography !== "uk") return;
    const rows = data.rows.filter((r) => r.cluster_id === state.cluster).sort((a, b) => (b.value ?? -1) - (a.value ?? -1));
    if (!rows.length) {
      box.replaceChildren();
      return;
    }
    const table = el("table", { className: "data-table", id: "subregional-table" });
    table.append(
      el("caption", { text: `Where ${rows[0].cluster_name} sits inside ${data.region.name} (ITL3 areas, ${rows[0].year})` }),
      el("thead", {}, el("tr", {}, ...["ITL3 area", "GVA, £m", "Share of region's cluster", "LQ vs region", "LQ vs GB"].map((h) => el("th", { scope: "col", text: h }))))
    );
    const body = el("tbody");
    for (const row of rows) {
      body.append(
        el(
          "tr",
          { "data-area": row.area_code },
          el("th", { scope: "row", text: `${row.area_name} (${row.area_code})` }),
          el("td", { text: fmt(row.value, 1) }),
          el("td", { text: pct(row.share_of_region) }),
          el("td", { text: fmt(row.lq_region, 2) }),
          el("td", { text: fmt(row.lq_gb, 2) })
        )
      );
    }
    table.append(body);
    box.replaceChildren(
      el("div", { className: "table-wrap" }, table),
      el("p", { className: "help", text: "Cluster GVA estimated from the ONS ITL3 GVA table and the ITL2 employment mix (BRES)." })
    );
  }

  // -- hotspots: local Moran (LISA) classes of the cluster across GB ITL2 areas or US CBSAs ---------------------
  async function loadHotspots(profile) {
    const section = $("hotspots");
    if (!profile) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    const us = profile.region.geography === "us";
    $("hotspots-title").textContent = us ? "Hotspots across US metropolitan and micropolitan areas" : "Hotspots across Great Britain";
    $("hotspots-areas").textContent = us ? "US metropolitan or micropolitan area (CBSA)" : "GB ITL2 area";
    $("hotspot-measure").options[0].textContent = us ? "location quotient against all CBSAs" : "location quotient against Great Britain";
    const measure = HOTSPOT_MEASURES[state.hotspot_measure] ? state.hotspot_measure : "lq";
    $("hotspot-measure").value = measure;
    const params = {
      cluster: state.cluster,
      taxonomy: profile.taxonomy.name,
      measure,
      level: us ? "cbsa" : "itl2",
      year: profile.parameters.year,
      permutations: 999,
    };
    // US maps read the same County Business Patterns cells as the profile (published only, or withheld rebuilt).
    if (us) params.cells = profile.parameters.cells || "reconstructed";
    const key = JSON.stringify(params);
    const mine = ++hotspotGeneration;
    if (!cache.hotspots[key]) {
      $("hotspot-summary").textContent = "Computing the hotspots (999 permutations)…";
      $("hotspot-figure").classList.add("stale");
    }
    try {
      if (!cache.hotspots[key]) cache.hotspots[key] = await api("/api/hotspots", params);
      if (us && !cache.usBoundaries) cache.usBoundaries = await api("/api/boundaries/cbsa");
      if (!us && !cache.boundaries) cache.boundaries = await api("/api/boundaries/itl2");
      if (mine !== hotspotGeneration) return;
      renderHotspots(cache.hotspots[key], profile, measure);
    } catch (error) {
      if (mine !== hotspotGeneration) return;
      $("hotspot-map").replaceChildren();
      $("hotspot-legend").replaceChildren();
      $("hotspot-caption").textContent = "";
      $("hotspot-table").tBodies[0].replaceChildren();
      $("hotspot-summary").textContent = `The hotspots are not available: ${error.message}`;
      section.removeAttribute("data-cluster");
    } finally {
      if (mine === hotspotGeneration) $("hotspot-figure").classList.remove("stale");
    }
  }

  function hatchPattern(id, colour, angle, lines) {
    const pattern = svg("pattern", { id, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: `rotate(${angle})` });
    pattern.append(svg("rect", { width: 6, height: 6, fill: colour }), svg("rect", { width: 1.4, height: 6, fill: lines }));
    return pattern;
  }

  function lisaFill(key) {
    const found = LISA_CLASSES.find((c) => c.key === key);
    return found && found.hatch !== null ? `url(#hs-${key})` : found ? found.colour : "url(#hs-no-data)";
  }

  function renderHotspots(answer, profile, measure) {
    const section = $("hotspots");
    const p = answer.parameters;
    const rows = answer.rows;
    const byCode = new Map(rows.map((r) => [r.area_code, r]));
    const focusCode = profile.region.code;
    const us = profile.region.geography === "us";
    // A US region of several metros (a combined statistical area) is outlined by its member CBSAs.
    const focusCodes = new Set(us ? profile.region.members : [focusCode]);
    const areas = us ? "US metropolitan and micropolitan areas (CBSAs)" : "GB ITL2 areas";
    const spec = HOTSPOT_MEASURES[measure];
    const label = us && measure === "lq" ? "location quotient against all CBSAs" : spec.label;
    const clusterName = p.cluster_name || state.cluster;
    const counts = Object.fromEntries(LISA_CLASSES.map((c) => [c.key, rows.filter((r) => r.lisa_class === c.key).length]));
    const geojson = us ? cache.usBoundaries : cache.boundaries;
    const { width, height, pathOf, labelPoint } = us ? geoFrame(geojson, 640, 38) : geoFrame(geojson, 400);
    const root = svg("svg", {
      viewBox: `-4 -4 ${width + 8} ${height + 8}`,
      role: "img",
      "aria-label":
        `Hotspot map of the ${label} of ${clusterName} across the ${areas}: ` +
        LISA_CLASSES.map((c) => `${counts[c.key]} ${c.key}`).join(", ") +
        ". The table after the map lists every area.",
    });
    const defs = svg("defs");
    for (const c of LISA_CLASSES) {
      if (c.hatch !== null) defs.append(hatchPattern(`hs-${c.key}`, c.colour, c.hatch, c.ink === "#ffffff" ? "rgba(255,255,255,.5)" : "rgba(0,0,0,.3)"));
    }
    defs.append(hatchPattern("hs-no-data", "#ffffff", 45, "#d9d9d9"));
    root.append(defs);
    const letters = [];
    const focusPaths = [];
    const features = geojson.features.slice().sort((a, b) => String(a.properties.name).localeCompare(String(b.properties.name)));
    for (const feature of features) {
      const code = feature.properties.code;
      const row = byCode.get(code);
      const lisa = row ? row.lisa_class : "no data";
      const path = svg("path", {
        d: pathOf(feature.geometry),
        fill: row ? lisaFill(lisa) : "url(#hs-no-data)",
        class: "area" + (focusCodes.has(code) ? " focus-area" : ""),
        "data-code": code,
        "data-class": lisa,
      });
      const title = svg("title");
      title.textContent = row
        ? `${feature.properties.name} (${code}): ${spec.format(row.value)}; ${LISA_WORDS[lisa] || lisa}` +
          (row.hotspot && row.hotspot !== "not significant" ? `; Gi* ${row.hotspot}` : "")
        : `${feature.properties.name} (${code}): no data`;
      path.append(title);
      if (focusCodes.has(code)) focusPaths.push(path);
      else root.append(path);
      const found = LISA_CLASSES.find((c) => c.key === lisa);
      // Some 900 CBSAs: letters would cover the map, so the US map reads by colour, hatching and the table.
      const point = found && found.ink && !us ? labelPoint(feature.geometry) : null;
      if (point) {
        const text = svg("text", { x: point[0].toFixed(1), y: point[1].toFixed(1), class: "lisa-letter", fill: found.ink, stroke: found.halo, "data-code": code });
        text.textContent = lisa;
        letters.push(text);
      }
    }
    root.append(...focusPaths); // drawn last so their outline is not covered
    root.append(...letters);
    $("hotspot-map").replaceChildren(root);

    const alpha = isNumber(p.alpha) ? p.alpha : 0.05;
    const g = answer.global;
    const hhAll = rows.filter((r) => r.lisa_class === "HH").sort((a, b) => b.value - a.value).map((r) => r.area_name);
    // Many US areas: the ten strongest named, the rest counted (the table lists them all).
    const hh = us && hhAll.length > 10 ? [...hhAll.slice(0, 10), `and ${hhAll.length - 10} more (see the table)`] : hhAll;
    const focus = byCode.get(focusCode);
    const clustered = isNumber(g.moran_p) && g.moran_p < alpha;
    $("hotspot-summary").replaceChildren(
      el("strong", { text: `${clusterName}, ${label}, ${p.year}: ` }),
      `global Moran's I ${fmt(g.moran_i, 3)}, pseudo p ${fmt(g.moran_p, 3)} (${fmt(p.permutations)} permutations): ` +
        (clustered
          ? "areas with similar values sit next to each other more than chance would give. "
          : "no significant spatial clustering (the values are arranged much as chance would give). ") +
        (hh.length
          ? `Significant high-high (HH) areas after false-discovery-rate correction at ${alpha * 100}%: ${hh.join(", ")}. `
          : `No area is a significant high-high (HH) area after false-discovery-rate correction at ${alpha * 100}%. `) +
        (focus
          ? `${profile.region.name} is ${LISA_WORDS[focus.lisa_class] || focus.lisa_class}` +
            (focus.hotspot && focus.hotspot !== "not significant" ? `, and a Getis-Ord ${focus.hotspot}.` : ".")
          : "")
    );
    const swatch = (fill) => {
      const box = svg("svg", { viewBox: "0 0 18 14", "aria-hidden": "true" });
      box.append(svg("rect", { width: 18, height: 14, fill }));
      return box;
    };
    const missing = geojson.features.filter((f) => !byCode.has(f.properties.code)).length;
    $("hotspot-legend").replaceChildren(
      el("span", { className: "legend-title", text: "LISA class (areas):" }),
      ...LISA_CLASSES.map((c) => el("span", { "data-class": c.key }, swatch(lisaFill(c.key)), `${c.label} (${counts[c.key]})`)),
      el("span", { "data-class": "no data" }, swatch("url(#hs-no-data)"), `no data (${missing})`),
      el("span", {}, el("span", { className: "swatch focus-swatch" }), "selected region")
    );
    $("hotspot-caption").textContent = us
      ? `Each CBSA of the contiguous states by the local Moran (LISA) class of its ${label} of ${clusterName} ` +
        `(County Business Patterns ${p.year}, withheld cells rebuilt; neighbours: the ${p.weights || "nearest CBSAs"}), ` +
        `at a false-discovery rate of ${alpha * 100}%. Significant areas are hatched (/ high values, \\ low values) ` +
        `and have a dark border; ${profile.region.name} is outlined in black. White space is outside any CBSA` +
        (missing ? `; hatched grey CBSAs (${missing}) have no County Business Patterns data.` : ".")
      : `Each GB ITL2 area by the local Moran (LISA) class of its ${spec.label} of ${clusterName} (BRES ${p.year}` +
        (measure === "lq" ? "; against Great Britain whatever the benchmark above" : "") +
        `), at a false-discovery rate of ${alpha * 100}%. Significant areas carry their letters and hatching ` +
        `(/ high values, \\ low values); ${profile.region.name} is outlined in black. ` +
        (missing ? "Hatched grey areas have no data (Northern Ireland is not in BRES)." : "");

    const table = $("hotspot-table");
    $("hotspot-table-caption").textContent = `Hotspots of ${clusterName} (${label}) by ${us ? "CBSA" : "GB ITL2 area"}, ${p.year}`;
    table.tHead.replaceChildren(
      el(
        "tr",
        {},
        ...["Area", label[0].toUpperCase() + label.slice(1), "LISA class", "Local Moran p (FDR)", "Gi* z-score", "Gi* result"].map(
          (h) => el("th", { scope: "col", text: h })
        )
      )
    );
    const order = Object.fromEntries(LISA_CLASSES.map((c, i) => [c.key, i]));
    const sorted = rows.slice().sort((a, b) => (order[a.lisa_class] ?? 9) - (order[b.lisa_class] ?? 9) || (b.value ?? -Infinity) - (a.value ?? -Infinity));
    table.tBodies[0].replaceChildren(
      ...sorted.map((r) =>
        el(
          "tr",
          { className: focusCodes.has(r.area_code) ? "focus-row selected" : "", "data-area": r.area_code },
          el("th", { scope: "row", text: `${r.area_name} (${r.area_code})` }),
          el("td", { text: spec.format(r.value) }),
          el("td", { text: r.lisa_class }),
          el("td", { text: fmt(r.local_moran_p_fdr, 3) }),
          el("td", { text: isNumber(r.gi_star_z) ? (r.gi_star_z >= 0 ? "+" : "−") + Math.abs(r.gi_star_z).toFixed(2) : "–" }),
          el("td", { text: r.hotspot })
        )
      )
    );
    section.setAttribute("data-cluster", state.cluster);
    section.setAttribute("data-measure", measure);
  }

  // -- supply chains (regional input-output model) --------------------------------------------------------------
  async function loadSupplyChain(profile) {
    const box = $("supply-chain");
    const key = `${profile.region.code}|${profile.taxonomy.name}`;
    if (!cache.supplyChains[key]) box.replaceChildren(el("p", { className: "help", text: "Loading the supply chains…" }));
    try {
      if (!cache.supplyChains[key]) {
        cache.supplyChains[key] = await api("/api/supply-chains", { region: profile.region.code, taxonomy: profile.taxonomy.name });
      }
      cache.supplyChains.current = key;
      renderSupplyChain();
    } catch (error) {
      box.replaceChildren(el("p", { className: "help", text: `Supply chains not available: ${error.message}` }));
    }
  }

  function renderSupplyChain() {
    const box = $("supply-chain");
    const data = cache.supplyChains[cache.supplyChains.current];
    if (!data || !cache.profile) return;
    // GB regions: the UK IOAT regionalised with BRES (£); US metros: the BEA tables regionalised with CBP ($).
    const us = data.parameters.unit === "$ million";
    const money = us ? "$" : "£";
    const rows = data.suppliers_and_customers.filter((r) => r.cluster_id === state.cluster);
    const list = (relation) =>
      el(
        "ol",
        {},
        ...rows
          .filter((r) => r.relation === relation)
          .sort((a, b) => a.rank - b.rank)
          .map((r) => el("li", { text: `${r.partner_name} (${r.partner_code}): ${money}${fmt(us ? r.flow_usd_m : r.flow_gbp_m, 1)}m, ${pct(r.share)}` }))
      );
    const sourcing = data.input_sourcing.find((r) => r.cluster_id === state.cluster);
    const p = data.parameters;
    box.replaceChildren(
      el("div", {}, el("h3", { text: `Main suppliers in the region (${money} million a year${us ? "" : `, ${p.year}`})` }), list("supplier")),
      el("div", {}, el("h3", { text: "Main customers in the region" }), list("customer")),
      el(
        "p",
        { className: "help" },
        sourcing && sourcing.share_in_region != null
          ? `${pct(sourcing.share_in_region)} of the cluster's inputs from ${us ? "US" : "UK"} industries are bought in the region. `
          : "",
        us
          ? `Regional input-output model: BEA summary use table 2015 (domestic requirements) regionalised with ${String(p.method).toUpperCase()} (δ = ${p.delta}) and County Business Patterns ${p.year}.`
          : `Regional input-output model: UK IOAT 2019 regionalised with ${String(p.method).toUpperCase()} (δ = ${p.delta}).`
      )
    );
  }

  // -- scenarios ------------------------------------------------------------------------------------------------
  function humanise(name) {
    return name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  }

  function setupScenarioControls(parameters) {
    cache.scenarioParameters = parameters;
    const d = parameters.defaults;
    const statistics = (choices) => choices.map((v) => ({ value: v, label: STATISTIC_LABELS[v] || v }));
    state.high = fillSelect($("high"), statistics(parameters.choices.high), state.high || d.high);
    state.low = fillSelect($("low"), statistics(parameters.choices.low), state.low || d.low);
    state.method = fillSelect(
      $("method"),
      Array.from($("method").options).map((o) => ({ value: o.value, label: o.textContent })),
      state.method || d.method || "similar"
    );
    legacyControls();
    state.comparator_rule = fillSelect(
      $("comparator_rule"),
      Array.from($("comparator_rule").options).map((o) => ({ value: o.value, label: o.textContent })),
      state.comparator_rule || d.comparator_rule
    );
    const given = parseWeights(state.weights);
    const fieldset = $("weights");
    fieldset.replaceChildren(fieldset.querySelector("legend") || el("legend", { text: "Priority weights" }));
    for (const criterion of parameters.choices.criteria) {
      const id = `weight-${criterion.name}`;
      const input = el("input", {
        id,
        name: criterion.name,
        type: "number",
        min: 0,
        max: 1,
        step: 0.05,
        value: criterion.name in given ? given[criterion.name] : d.weights[criterion.name] ?? 0,
        "aria-describedby": `${id}-help`,
        "data-criterion": criterion.name,
      });
      input.addEventListener("change", () => {
        state.weights = weightsText();
        writeHash();
        loadScenarios(cache.profile);
      });
      fieldset.append(
        el("div", { className: "field" }, el("label", { for: id, text: humanise(criterion.name) }), input, el("span", { id: `${id}-help`, className: "help", text: criterion.description }))
      );
    }
  }

  function legacyControls() {
    // Comparator rule and high/low statistics belong to the previous (leader) method only.
    const legacy = $("method").value === "leader";
    for (const key of ["comparator_rule", "high", "low"]) $(key).disabled = !legacy;
  }

  // A weight is a number from 0 to 1 (as the inputs allow); anything else in the address is left out.
  function weightProblem(name, value) {
    const criteria = cache.scenarioParameters ? cache.scenarioParameters.choices.criteria.map((c) => c.name) : [];
    if (!criteria.includes(name)) return `there is no criterion "${name}"`;
    const number = Number(value);
    if (value === undefined || String(value).trim() === "" || !Number.isFinite(number) || number < 0 || number > 1) {
      return `${name} must be a number from 0 to 1, not "${value === undefined ? "" : value}"`;
    }
    return null;
  }

  function parseWeights(text) {
    const out = {};
    for (const part of String(text || "").split(",")) {
      const [name, value] = part.split("=");
      if (name && weightProblem(name.trim(), value) === null) out[name.trim()] = Number(value);
    }
    return out;
  }

  // Weights the address gave that cannot be used: said, and the address rewritten to the weights applied.
  function checkWeights() {
    if (!("weights" in asked)) return;
    const problems = String(asked.weights || "")
      .split(",")
      .filter((part) => part.trim() !== "")
      .map((part) => {
        const [name, value] = part.split("=");
        return weightProblem((name || "").trim(), value);
      })
      .filter((problem) => problem !== null);
    if (problems.length) {
      addressProblems.push(`The address gives priority weights that cannot be used (${problems.join("; ")}); the default weights are used for those.`);
    }
    delete asked.weights;
    state.weights = weightsText();
  }

  function weightsText() {
    // Only the weights that differ from the defaults, so equal settings share one cached answer.
    const defaults = cache.scenarioParameters.defaults.weights;
    const parts = [];
    for (const input of $("weights").querySelectorAll("input")) {
      const value = Number(input.value);
      if (!Number.isFinite(value) || value < 0) continue;
      if (Math.abs(value - (defaults[input.dataset.criterion] ?? 0)) > 1e-9) parts.push(`${input.dataset.criterion}=${value}`);
    }
    return parts.join(",") || null;
  }

  function fillTargetYears(profileYear) {
    const d = cache.scenarioParameters.defaults.target_year;
    const last = Math.max(2040, d);
    const years = [];
    for (let y = profileYear + 1; y <= last; y += 1) years.push({ value: y, label: String(y) });
    // A year the list does not offer (before the profile's year, after the last, not a year) gives the default.
    const offered = years.map((y) => String(y.value));
    const wanted = offered.includes(String(state.target_year)) ? state.target_year : d > profileYear ? d : profileYear + 1;
    state.target_year = fillSelect($("target_year"), years, wanted);
  }

  function scenarioParams() {
    const d = cache.scenarioParameters.defaults;
    const chosen = (key, fallback) => (state[key] && String(state[key]) !== String(fallback) ? state[key] : null);
    return {
      ...profileParams(),
      target_year: chosen("target_year", d.target_year),
      method: chosen("method", d.method || "similar"),
      comparator_rule: chosen("comparator_rule", d.comparator_rule),
      high: chosen("high", d.high),
      low: chosen("low", d.low),
      weights: state.weights,
    };
  }

  // Scenarios take seconds to compute, so they are computed once their section has come into view.
  let scenariosSeen = false;
  let scenarioWatch = false;

  function watchScenarioPanel() {
    // Started once the first profile is on screen, so the layout (not the empty page) decides visibility.
    if (scenarioWatch) return;
    scenarioWatch = true;
    const panel = $("scenario-panel");
    if (!("IntersectionObserver" in window)) {
      scenariosSeen = true;
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        scenariosSeen = true;
        loadScenarios(cache.profile);
      }
    });
    observer.observe(panel);
  }

  async function loadScenarios(profile) {
    const mine = ++scenarioGeneration;
    const controls = $("scenario-controls");
    const body = $("scenario-body");
    if (!cache.scenarioParameters || !profile) return;
    if (!scenariosSeen) {
      $("scenario-status").textContent = "The scenarios are computed when this section comes into view.";
      return;
    }
    if (profile.region.geography !== "uk" || profile.parameters.base_year === null) {
      controls.hidden = true;
      body.hidden = true;
      $("scenario-status").textContent =
        "Scenarios need an employment time series; the US data (County Business Patterns 2019) has one year.";
      return;
    }
    controls.hidden = false;
    fillTargetYears(Number(profile.parameters.year));
    $("scenario-status").textContent = "Computing the scenarios (a few seconds the first time)…";
    body.setAttribute("aria-busy", "true");
    // Another region's or taxonomy's numbers must not stay on screen; the same view's are dimmed meanwhile.
    const view = `${profile.region.code}|${profile.taxonomy.name}|${profile.parameters.year}`;
    if (cache.scenarioView !== view) body.hidden = true;
    body.classList.add("stale");
    try {
      const answer = await api("/api/scenarios", scenarioParams());
      if (mine !== scenarioGeneration) return;
      body.hidden = false;
      cache.scenarioView = view;
      renderScenarios(answer);
      const c = answer.scenario_parameters;
      const similar = answer.provenance && answer.provenance.scenario && answer.provenance.scenario.method === "similar";
      if (similar) {
        const s = answer.provenance.scenario;
        const part = (v) => `${v} p${fmt(s.percentiles[v])} (reached by ${pct((s.hit_rates[v] || {}).pooled, 0)})`;
        $("scenario-status").textContent =
          `Scenarios to ${c.target_year} from ${answer.parameters.year}: similar comparators' growth above the national ` +
          `trend, ${["low", "central", "high"].map(part).join(", ")} of GB region-clusters in the backtest; ${s.price_basis}.`;
      } else {
        $("scenario-status").textContent =
          `Scenarios to ${c.target_year} from ${answer.parameters.year} (previous method): comparators by ${c.scenario.comparator_rule}, ` +
          `high = ${STATISTIC_LABELS[c.scenario.high]}, low = ${STATISTIC_LABELS[c.scenario.low]}.`;
      }
    } catch (error) {
      if (mine !== scenarioGeneration) return;
      $("scenario-status").textContent = `Scenarios could not be computed: ${error.message}`;
    } finally {
      if (mine === scenarioGeneration) {
        body.removeAttribute("aria-busy");
        body.classList.remove("stale");
      }
    }
  }

  function renderScenarios(answer) {
    const byVariant = Object.fromEntries(answer.region_summary.map((r) => [r.variant, r]));
    const target = answer.scenario_parameters.target_year;
    const rankText = (r) => (r ? `${signedPct(r.growth_cagr, 2)} a year, rank ${fmt(r.rank)} of ${fmt(r.regions)}` : "–");
    const b = byVariant.baseline;
    const variant = (name, label) =>
      byVariant[name] ? [[label, rankText(byVariant[name]) + ` (+${fmt(byVariant[name].additional_jobs)} jobs)`]] : [];
    const items = [
      [`Region's jobs growth to ${target}: baseline`, rankText(b)],
      ...variant("scenario_low", "Low scenario"),
      ...variant("scenario_central", "Central scenario"),
      ...variant("scenario_high", "High scenario"),
    ];
    const totals = answer.provenance && answer.provenance.scenario && answer.provenance.scenario.region_totals;
    if (totals) {
      const three = (key) => ["low", "central", "high"].map((v) => fmt(totals[v][key])).join(" / ");
      items.push(["Direct jobs, low / central / high", `${three("direct_jobs")} (${pct(totals.high.direct_share_of_region_jobs, 1)} of the region's jobs, high)`]);
      items.push(["Indirect jobs, low / central / high", three("indirect_jobs")]);
    }
    if (b && b.fastest_outside_london_name) {
      items.push([
        "Fastest-growing region outside London (baseline)",
        `${b.fastest_outside_london_name}, ${signedPct(b.fastest_outside_london_growth_cagr, 2)} a year`,
      ]);
    }
    $("scenario-headline").replaceChildren(...items.map(([label, value]) => el("div", {}, el("dt", { text: label }), el("dd", { text: value }))));
    const warnings = answer.warnings || [];
    const box = $("scenario-warnings");
    box.hidden = warnings.length === 0;
    box.replaceChildren(
      el("strong", { text: "Check before publishing:" }),
      el("ul", {}, ...warnings.map((w) => el("li", { text: w.message })))
    );

    const scenarios = Object.fromEntries(answer.scenarios.map((r) => [r.cluster_id, r]));
    const priorities = answer.priorities.slice().sort((a, b) => a.rank - b.rank);
    const jumpOff = answer.parameters.year;
    const table = $("scenario-table");
    table.tHead.replaceChildren(
      el(
        "tr",
        {},
        ...["Priority", "Cluster", `Jobs ${jumpOff}`, `Baseline ${target}`, "Additional jobs, low–(central)–high", "Comparators", "Leading comparator", "Score"].map((h) =>
          el("th", { scope: "col", text: h })
        )
      )
    );
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const priority of priorities) {
      const row = scenarios[priority.cluster_id] || {};
      body.append(
        el(
          "tr",
          { "data-cluster": priority.cluster_id, className: priority.cluster_id === state.cluster ? "selected" : "" },
          el("td", { "data-key": "rank", text: fmt(priority.rank) }),
          el("th", { scope: "row", text: priority.cluster }),
          el("td", { "data-key": "jump_off_jobs", text: fmt(row.jump_off_jobs) }),
          el("td", { "data-key": "baseline_jobs", text: fmt(row.baseline_jobs) }),
          el("td", {
            "data-key": "additional_jobs",
            text:
              row.additional_jobs_central !== undefined
                ? `${fmt(row.additional_jobs_low)}–(${fmt(row.additional_jobs_central)})–${fmt(row.additional_jobs_high)}`
                : `${fmt(row.additional_jobs_low)}–${fmt(row.additional_jobs_high)}`,
          }),
          el("td", {
            "data-key": "comparators",
            text: `${fmt(row.comparators)}${row.size_band ? `, ${row.size_band}` : ""}${row.capped ? "; capped" : ""}`,
          }),
          el("td", {
            "data-key": "leader",
            text: row.leading_region
              ? `${row.leading_region_name || row.leading_region} (${signedPct(row.leader_differential_growth ?? row.leader_growth_cagr)} a year${row.leader_differential_growth !== undefined ? " above GB; a sensitivity" : ""})`
              : "none",
          }),
          el("td", { "data-key": "score", text: fmt(priority.score, 2) })
        )
      );
    }
    const ordered = priorities.map((p) => scenarios[p.cluster_id]).filter(Boolean).reverse();
    $("scenario-caption").textContent =
      `Additional jobs by ${target} above the baseline, low to high scenario (the diamond is the central case), for each cluster (best priority at the top); ` +
      "the same numbers are in the table above.";
    if (!window.Plotly) {
      chartNote("scenario-chart", "Charts need plotly.js on the server (pip install plotly); the numbers are in the table.");
      return;
    }
    const node = $("scenario-chart");
    if (!node.classList.contains("js-plotly-plot")) node.replaceChildren();
    window.Plotly.react(
      "scenario-chart",
      [
        {
          type: "bar",
          orientation: "h",
          y: ordered.map((r) => r.cluster),
          base: ordered.map((r) => r.additional_jobs_low),
          x: ordered.map((r) => Math.max(0, (r.additional_jobs_high ?? 0) - (r.additional_jobs_low ?? 0))),
          marker: { color: REGION_COLOUR, opacity: 0.75, line: { color: "#00324f", width: 1 } },
          customdata: ordered.map((r) => [r.additional_jobs_low, r.additional_jobs_high]),
          hovertemplate: "%{y}: %{customdata[0]:,.0f} to %{customdata[1]:,.0f} additional jobs<extra></extra>",
          name: "low to high",
        },
        ...(ordered.some((r) => r.additional_jobs_central !== undefined)
          ? [
              {
                type: "scatter",
                mode: "markers",
                y: ordered.map((r) => r.cluster),
                x: ordered.map((r) => r.additional_jobs_central),
                marker: { symbol: "diamond", size: 11, color: "#E69F00", line: { color: "#00324f", width: 1 } },
                hovertemplate: "%{y}: central %{x:,.0f} additional jobs<extra></extra>",
                name: "central",
              },
            ]
          : []),
      ],
      {
        title: { text: `Additional jobs by ${target}: low to high scenario`, font: { size: 15 } },
        margin: { l: 230, r: 20, t: 45, b: 45 },
        xaxis: { title: { text: "Additional jobs" }, fixedrange: true, rangemode: "tozero" },
        yaxis: { fixedrange: true, automargin: true },
        showlegend: false,
        font: { family: "system-ui, sans-serif" },
        paper_bgcolor: "#fff",
        plot_bgcolor: "#fff",
      },
      { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] }
    );
  }

  // -- events --------------------------------------------------------------------------------------------------
  async function regionChanged() {
    state.region = $("region").value;
    try {
      await onRegionChosen();
    } catch (error) {
      showError(error.message);
      setStatus("The last change could not be shown; the message above says why.");
      return;
    }
    await loadProfile();
  }

  // The controls set from the address, each checked against what it offers; then the profile.
  async function applyAddress() {
    // An unknown region falls back to the default one, the West Midlands, and the message says so.
    const known = cache.regions.some((r) => r.code === state.region);
    state.region = fillSelect($("region"), regionOptions(), known ? state.region : "TLG3");
    checkAsked("region", "region", $("region"));
    state.denominator = fillSelect(
      $("denominator"),
      Array.from($("denominator").options).map((o) => ({ value: o.value, label: o.textContent })),
      state.denominator
    );
    checkAsked("denominator", "denominator", $("denominator"));
    await onRegionChosen(true);
    checkAsked("convention", "convention", $("convention"));
    checkAsked("cells", "County Business Patterns cells", $("cells"));
    for (const [key, label] of [
      ["taxonomy", "cluster definitions"],
      ["year", "year"],
      ["base_year", "growth start year"],
      ["benchmark", "benchmark"],
    ]) {
      checkAsked(key, label, $(key));
    }
    for (const [key, label] of [
      ["method", "scenario method"],
      ["comparator_rule", "comparator rule"],
      ["high", "high scenario"],
      ["low", "low scenario"],
    ]) {
      checkAsked(key, label, $(key));
    }
    checkWeights();
    if ("hotspot_measure" in asked) {
      const offered = Array.from($("hotspot-measure").options).map((o) => o.value);
      if (!offered.includes(asked.hotspot_measure)) {
        addressProblems.push(`The address asks for hotspot measure "${asked.hotspot_measure}", which is not available here; showing ${$("hotspot-measure").options[0].textContent} instead.`);
        state.hotspot_measure = null;
      }
    }
    showAddressProblems();
  }

  function bindControls() {
    $("region").addEventListener("change", regionChanged);
    $("taxonomy").addEventListener("change", () => {
      state.taxonomy = $("taxonomy").value;
      state.cluster = null;
      loadProfile();
    });
    $("year").addEventListener("change", () => {
      state.year = $("year").value;
      refreshBaseYears();
      loadProfile();
    });
    $("base_year").addEventListener("change", () => {
      state.base_year = $("base_year").value || null;
      loadProfile();
    });
    $("benchmark").addEventListener("change", () => {
      state.benchmark = $("benchmark").value;
      loadProfile();
    });
    $("denominator").addEventListener("change", () => {
      state.denominator = $("denominator").value;
      loadProfile();
    });
    for (const key of ["convention", "cells"]) {
      $(key).addEventListener("change", () => {
        state[key] = $(key).value;
        refreshUsControls();
        loadProfile();
      });
    }
    $("map-cluster").addEventListener("change", () => selectCluster($("map-cluster").value));
    $("hotspot-measure").addEventListener("change", () => {
      state.hotspot_measure = $("hotspot-measure").value;
      writeHash();
      loadHotspots(cache.profile);
    });
    for (const key of ["target_year", "method", "comparator_rule", "high", "low"]) {
      $(key).addEventListener("change", () => {
        state[key] = $(key).value;
        if (key === "method") legacyControls();
        writeHash();
        loadScenarios(cache.profile);
      });
    }
    $("scenario-controls").addEventListener("submit", (event) => event.preventDefault());
    $("controls").addEventListener("submit", (event) => event.preventDefault());
  }

  async function start() {
    readHash();
    bindControls();
    try {
      const [regions, taxonomies, scenarioParameters] = await Promise.all([
        api("/api/regions"),
        api("/api/taxonomies"),
        api("/api/scenarios/parameters"),
      ]);
      setupScenarioControls(scenarioParameters);
      cache.regions = regions.regions;
      for (const t of taxonomies.taxonomies) cache.taxonomies[t.name] = t;
      await applyAddress();
    } catch (error) {
      showError(error.message);
      setStatus("The dashboard could not start.");
      return;
    }
    await loadProfile();
  }

  // A link or an edited address (not our own replaceState) changes the hash: show what it asks for.
  window.addEventListener("hashchange", async () => {
    readHash(true);
    setupScenarioControls(cache.scenarioParameters);
    try {
      await applyAddress();
    } catch (error) {
      showError(error.message);
      setStatus("The address could not be shown; the message above says why.");
      return;
    }
    await loadProfile();
  });

  document.addEventListener("DOMContentLoaded", start);
})();
