// newsflow dashboard: polls /stats, reads /articles/{id} and /articles/{id}/related
// (which names each neighbour's title, language and source: no request per neighbour).
//
// Article strings (titles, bodies, ids, errors, entity names) are untrusted. They only ever
// reach the page as text nodes (textContent / createTextNode) or as SVG <text> content;
// nothing here assigns innerHTML, and a link gets an href only for http(s) URLs.
"use strict";

(() => {
  const REFRESH_MS = 3000;
  const OUTPUT_TOPICS = [
    ["articles.clean", "clean articles", ""],
    ["articles.enriched", "enriched", ""],
    ["articles.unique", "unique", ""],
    ["articles.duplicates", "duplicates", "dup"],
    ["articles.verdicts", "verdicts", ""],
    ["graph.edges", "graph edges", ""],
    ["articles.dead-letter", "dead letters", "dead"],
  ];
  const titles = new Map(); // article id -> title (or null while unknown)
  let timer = null;

  // --- DOM helpers: text only ---------------------------------------------------------------

  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "className") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "onclick") node.addEventListener("click", value);
      else if (key === "title" || key === "dir" || key === "id") node.setAttribute(key, String(value));
      else throw new Error("unsupported property " + key);
    }
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function fill(target, ...children) {
    const node = typeof target === "string" ? document.getElementById(target) : target;
    node.replaceChildren();
    append(node, children);
    return node;
  }

  const fmt = new Intl.NumberFormat("en");
  const num = (n) => (n === null || n === undefined ? "–" : fmt.format(n));
  const clip = (text, n) => (text && text.length > n ? text.slice(0, n - 1) + "…" : text || "");
  const ms = (v) => (v === null || v === undefined ? "–" : v < 1000 ? Math.round(v) + " ms" : (v / 1000).toFixed(1) + " s");
  const mib = (b) => (b === null || b === undefined ? "–" : Math.round(b / 1048576) + " MiB");
  const duration = (s) => (s === null || s === undefined ? "–" : s < 120 ? Math.round(s) + " s" : s < 7200 ? Math.round(s / 60) + " min" : Math.round(s / 3600) + " h");
  const ago = (at, now) => {
    const s = Math.max(0, Math.round(now - at));
    return s < 60 ? s + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
  };

  function articleLink(id, label) {
    return h("span", { className: "link", dir: "auto", title: id, onclick: () => showArticle(id) }, label || id);
  }

  function safeHref(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  // --- data ---------------------------------------------------------------------------------

  async function getJSON(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error((body && body.error) || response.status + " " + response.statusText);
    return body;
  }

  async function titleOf(id) {
    if (titles.has(id)) return titles.get(id);
    titles.set(id, null);
    try {
      const body = await getJSON("/articles/" + encodeURIComponent(id));
      titles.set(id, body.article.title || null);
    } catch (_) {
      /* not in the catalog (yet): show the id */
    }
    return titles.get(id);
  }

  function withTitle(id, known, render) {
    if (known) titles.set(id, known);
    const node = render(known || titles.get(id) || id);
    if (!known && !titles.get(id)) {
      titleOf(id).then((title) => {
        if (title) node.replaceWith(render(title));
      });
    }
    return node;
  }

  // --- panels -------------------------------------------------------------------------------

  function renderCounts(stats) {
    const clean = stats.steps.find((s) => s.step === "clean");
    const cards = [h("div", { className: "card", dataset: { topic: "articles.raw" } },
      h("div", { className: "value" }, num(clean ? clean.in : 0)), h("div", { className: "label" }, "raw messages read"))];
    for (const [topic, label, kind] of OUTPUT_TOPICS) {
      cards.push(h("div", { className: "card " + kind, dataset: { topic }, title: topic },
        h("div", { className: "value" }, num(stats.topics[topic] || 0)), h("div", { className: "label" }, label)));
    }
    fill("counts", cards);
  }

  function sparkline(values, cls) {
    const width = 160, height = 28;
    const clean = values.map((v) => (v === null || v === undefined ? 0 : v));
    const max = Math.max(1, ...clean);
    const step = clean.length > 1 ? width / (clean.length - 1) : width;
    const points = clean.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
    return svg("svg", { class: "spark", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" },
      svg("title", {}, `max ${max}`), svg("polyline", { class: cls, points: points.join(" ") }));
  }

  function renderStages(stats) {
    const minutes = Math.round(stats.window_s / 60);
    fill("window-label", `last ${minutes} min, ${stats.bucket_s} s buckets`);
    const body = document.querySelector("#stages tbody");
    fill(body, stats.steps.map((s) => h("tr", { dataset: { step: s.step } },
      h("td", {}, s.step), h("td", { className: "muted" }, s.source),
      h("td", { className: "num" }, num(s.in)), h("td", { className: "num" }, num(s.out)),
      h("td", { className: "num" }, s.rate_per_s.toFixed(2)), h("td", { className: "num" }, num(s.lag)),
      h("td", {}, sparkline(s.series_in, "in")), h("td", {}, sparkline(s.series_lag, "lag")))));
  }

  function renderDeadLetters(stats) {
    const dead = stats.dead_letters;
    const body = document.querySelector("#dead-reasons tbody");
    fill(body, dead.by_reason.length ? dead.by_reason.map((r) => h("tr", {},
      h("td", {}, r.stage), h("td", { className: "reason" }, r.reason), h("td", { className: "num" }, num(r.count))))
      : h("tr", {}, h("td", { className: "muted" }, "none")));
    fill("dead-latest", dead.latest.map((d) => h("li", {},
      h("span", { className: "reason" }, d.reason), " in ", d.stage, " · ",
      d.article_id ? h("span", { dir: "auto" }, d.article_id) : h("span", { className: "muted" }, "no id"),
      " · ", h("span", { className: "muted" }, `${num(d.bytes)} bytes, ${ago(d.at, stats.now)}`),
      h("div", { className: "code" }, clip(d.error, 240)),
      d.excerpt ? h("div", { className: "code", dir: "auto" }, clip(d.excerpt, 160)) : null)));
  }

  function renderDuplicates(stats) {
    const dup = stats.duplicates;
    const ratio = Object.entries(dup.ratio).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(" · ");
    fill("dup-ratio", `${num(dup.verdicts)} verdicts · ${ratio}`);
    if (!dup.latest.length) return fill("duplicates", h("p", { className: "muted" }, "no duplicates yet"));
    fill("duplicates", dup.latest.slice(0, 8).map((d) => {
      const sim = d.similarity === null || d.similarity === undefined ? null : Number(d.similarity);
      const side = (id, title, label) => h("div", { className: "side" },
        h("div", { className: "muted" }, label),
        withTitle(id, title, (t) => h("div", { className: "title", dir: "auto" }, articleLink(id, clip(t, 140)))),
        h("div", { className: "code" }, id));
      return h("div", { className: "pair", dataset: { article: d.article_id } },
        side(d.article_id, d.title, "duplicate"),
        h("div", { className: "sim" }, sim === null ? "–" : (sim * 100).toFixed(0) + "%",
          h("div", { className: "bar" }, barOf(sim)), h("div", { className: "muted" }, `${d.kind || ""} ${d.rule || ""}`)),
        side(d.duplicate_of, d.matched_title, "matches"));
    }));
  }

  function barOf(fraction) {
    const span = h("span", {});
    span.style.width = Math.round(Math.max(0, Math.min(1, fraction || 0)) * 100) + "%";
    return span;
  }

  function renderTop(stats) {
    fill("top-stories", stats.top_stories.length ? stats.top_stories.map((s) => h("li", {},
      withTitle(s.story_id, s.title, (t) => articleLink(s.story_id, clip(t, 120))),
      h("span", { className: "muted" }, ` · ${s.articles} article${s.articles === 1 ? "" : "s"}`)))
      : h("li", { className: "muted" }, "none in the window"));
    fill("top-entities", stats.top_entities.length ? stats.top_entities.map((e) => h("li", {},
      h("span", { dir: "auto" }, e.name), h("span", { className: "muted" }, ` ${e.type} · ${e.articles}`)))
      : h("li", { className: "muted" }, "none in the window"));
  }

  function renderLatency(stats) {
    fill("latency-window", `last ${Math.round(stats.window_s / 60)} min`);
    const rows = OUTPUT_TOPICS.map(([topic]) => [topic, (stats.latency || {})[topic] || {}]);
    fill(document.querySelector("#latency tbody"), rows.map(([topic, l]) => h("tr", { dataset: { topic } },
      h("td", {}, topic), h("td", { className: "num" }, ms(l.p50_ms)),
      h("td", { className: "num" + (l.p99_ms > 5000 ? " warn" : "") }, ms(l.p99_ms)),
      h("td", { className: "num" }, num(l.count || 0)))));
  }

  function renderWorkers(stats) {
    const workers = stats.workers || [stats.worker];
    const down = workers.filter((w) => w.up === false).length;
    fill("workers-summary", `${workers.length} in the group` + (down ? ` · ${down} down` : ""));
    fill(document.querySelector("#workers tbody"), workers.map((w) => h("tr", { dataset: { url: w.url || "", up: String(w.up !== false) } },
      h("td", {}, w.url || "?", w.self ? h("span", { className: "muted" }, " (this one)") : null),
      h("td", {}, w.up === false
        ? h("span", { className: "badge bad" }, `down ${duration(stats.now - (w.down_since || stats.now))}`)
        : h("span", { className: "badge ok" }, w.ready === false ? "up, not ready" : "up")),
      h("td", { className: "num" }, w.pid || "–"),
      h("td", {}, (w.partitions || []).length ? `${w.partitions.length}: ${w.partitions.join(", ")}` : "–"),
      h("td", { className: "num" }, mib(w.rss_bytes)),
      h("td", { className: "num" }, duration(w.uptime_s)))));
  }

  function renderLag(stats) {
    const lag = stats.lag || [];
    const total = lag.reduce((sum, row) => sum + row.total, 0);
    fill("lag-summary", total ? `${num(total)} messages behind on this worker` : "none on this worker");
    fill(document.querySelector("#lag tbody"), lag.length ? lag.map((row) => h("tr", { dataset: { topic: row.topic } },
      h("td", {}, row.topic), h("td", { className: "num" + (row.total ? " warn" : "") }, num(row.total)),
      h("td", { className: "num" }, num(row.max)), h("td", { className: "num" }, `${row.lagging} of ${row.partitions}`)))
      : h("tr", {}, h("td", { className: "muted" }, "no partition assigned yet")));
    fill(document.querySelector("#partitions tbody"), stats.partitions.map((p) => h("tr", {},
      h("td", {}, p.topic), h("td", { className: "num" }, p.partition), h("td", { className: "num" }, num(p.highwater)),
      h("td", { className: "num" }, num(p.next_offset)), h("td", { className: "num" }, num(p.lag)))));
  }

  function renderTables(stats) {
    fill("graph-size", `graph: ${num(stats.graph.nodes)} articles, ${num(stats.graph.edges)} edges`);
    const rows = Object.entries(stats.tables).sort((a, b) => b[1] - a[1]);
    fill(document.querySelector("#tables tbody"), rows.map(([name, keys]) => h("tr", { dataset: { table: name } },
      h("td", {}, name), h("td", { className: "num" }, num(keys)))));
  }

  function renderLatest(stats) {
    const latest = stats.latest_stories || [];
    fill("latest-stories", latest.length ? latest.map((s) => h("li", { dataset: { story: s.story_id } },
      withTitle(s.story_id, s.title, (t) => articleLink(s.story_id, clip(t, 120))),
      h("span", { className: "muted" }, ` · ${s.articles} article${s.articles === 1 ? "" : "s"} · ${ago(s.at, stats.now)}`)))
      : h("li", { className: "muted" }, "no story yet: ingest some articles (newsflow ingest FILE)"));
  }

  function renderBroker(stats) {
    const b = stats.broker || {};
    const badge = document.getElementById("broker");
    if (b.up === null || b.up === undefined) {
      badge.className = "badge";
      fill(badge, "broker: not probed yet");
    } else if (b.up) {
      badge.className = "badge ok";
      fill(badge, "broker up");
    } else {
      badge.className = "badge bad";
      fill(badge, `broker unreachable for ${Math.round(stats.now - b.down_since)} s`);
    }
  }

  async function refresh() {
    const status = document.getElementById("status");
    try {
      const stats = await getJSON("/stats");
      const w = stats.worker;
      fill("worker", `worker ${w.id || "?"} · pid ${w.pid} · up ${duration(w.uptime_s)}`);
      renderCounts(stats);
      renderStages(stats);
      renderDeadLetters(stats);
      renderDuplicates(stats);
      renderTop(stats);
      renderLatency(stats);
      renderWorkers(stats);
      renderLag(stats);
      renderTables(stats);
      renderLatest(stats);
      renderBroker(stats);
      status.className = "badge ok";
      fill(status, "live " + new Date(stats.now * 1000).toLocaleTimeString());
      document.body.dataset.loaded = "true";
    } catch (error) {
      status.className = "badge bad";
      fill(status, "offline: " + clip(String(error.message || error), 80));
    }
  }

  // --- article search and neighbourhood -----------------------------------------------------

  async function showArticle(id) {
    id = (id || "").trim();
    if (!id) return;
    document.getElementById("search-id").value = id;
    if (location.hash !== "#article=" + encodeURIComponent(id)) {
      history.replaceState(null, "", "#article=" + encodeURIComponent(id));
    }
    const box = fill("article", h("p", { className: "muted" }, "loading ", id, "…"));
    document.getElementById("neighbourhood").hidden = false;
    let found, related;
    try {
      [found, related] = await Promise.all([
        getJSON("/articles/" + encodeURIComponent(id)),
        getJSON("/articles/" + encodeURIComponent(id) + "/related").catch(() => ({ related: [] })),
      ]);
    } catch (error) {
      fill(box, h("p", { className: "reason" }, String(error.message || error)));
      fill("related");
      fill("graph");
      return;
    }
    const a = found.article, v = found.verdict;
    titles.set(a.article_id, a.title || null);
    const href = a.url ? safeHref(a.url) : null;
    const url = a.url ? (href ? (() => { const l = h("a", { dir: "auto" }, clip(a.url, 100)); l.href = href; l.rel = "noreferrer noopener"; l.target = "_blank"; return l; })() : h("span", { className: "muted", dir: "auto" }, clip(a.url, 100))) : null;
    fill(box,
      h("div", { className: "title", dir: "auto" }, a.title || "(no title)"),
      h("div", { className: "meta" }, [a.article_id, a.source, a.language, a.published_at].filter(Boolean).join(" · ")),
      url ? h("div", { className: "meta" }, url) : null,
      v ? h("div", { className: "meta" }, v.status === "duplicate"
        ? ["duplicate of ", articleLink(v.duplicate_of), ` (${v.kind}, ${Math.round((v.similarity || 0) * 100)}%, ${v.rule})`]
        : ["unique · story ", v.story_id]) : null,
      a.entities && a.entities.length ? h("div", { className: "chips" }, a.entities.map((e) => h("span", { dir: "auto", title: e.type }, e.name))) : null,
      h("div", { className: "text", dir: "auto" }, clip(a.text, 800)));
    renderNeighbourhood(a.article_id, a.title, related.related || []);
  }

  function renderNeighbourhood(id, title, related) {
    fill("related", related.length ? related.map((r) => h("li", { dataset: { article: r.article_id } },
      articleLink(r.article_id, clip(r.title || r.article_id, 90)),
      h("span", { className: "muted" }, ` · ${[r.language, r.source].filter(Boolean).join(" · ")}`),
      h("span", { className: "muted" }, ` · ${Number(r.score).toFixed(2)} · ${(r.reasons || []).join(", ")}`)))
      : h("li", { className: "muted" }, "no related articles"));
    const width = 640, height = 360, cx = width / 2, cy = height / 2;
    const shown = related.slice(0, 12);
    const nodes = [];
    shown.forEach((r, i) => {
      const angle = (2 * Math.PI * i) / Math.max(shown.length, 1) - Math.PI / 2;
      const radius = 120 + 20 * (1 - Math.min(1, Number(r.score) || 0));
      const x = cx + Math.cos(angle) * radius * 1.6, y = cy + Math.sin(angle) * radius;
      const label = svg("text", { x, y: y + 16, "text-anchor": "middle" }, clip(r.title || r.article_id, 34));
      nodes.push(svg("line", { x1: cx, y1: cy, x2: x, y2: y, "stroke-width": 1 + 3 * (Number(r.score) || 0) }));
      const dot = svg("circle", { cx: x, cy: y, r: 6 }, svg("title", {}, `${r.article_id} · ${(r.reasons || []).join(", ")}`));
      dot.addEventListener("click", () => showArticle(r.article_id));
      nodes.push(dot, label);
    });
    nodes.push(svg("circle", { cx, cy, r: 10, class: "centre" }),
      svg("text", { x: cx, y: cy - 16, "text-anchor": "middle" }, clip(title || id, 40)));
    fill("graph", nodes);
  }

  // --- wiring -------------------------------------------------------------------------------

  function schedule() {
    clearInterval(timer);
    if (document.getElementById("auto-refresh").checked) timer = setInterval(refresh, REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    fill("refresh-s", REFRESH_MS / 1000);
    document.getElementById("auto-refresh").addEventListener("change", schedule);
    document.getElementById("search").addEventListener("submit", (event) => {
      event.preventDefault();
      showArticle(document.getElementById("search-id").value);
    });
    const match = /^#article=(.+)$/.exec(location.hash);
    if (match) showArticle(decodeURIComponent(match[1]));
    refresh();
    schedule();
  });
})();
