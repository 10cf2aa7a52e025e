/* iekg dashboard: plain JavaScript, no library, no external load.
   The routes it calls are in ROUTES (set from Python: iekg.viz.dashboard.DASHBOARD_ROUTES). */
(function () {
  "use strict";
  var CONFIG = JSON.parse(document.getElementById("dashboard-config").textContent);
  var ROUTES = CONFIG.routes;
  var ASSUMPTION = "参考值（本工具假设，可在设置中修改）";  // {cities, alignment, readiness, gaps, attachments, plan, vizCity, vizChain, vizEgo}

  var STATUS = {
    unmet: ["无供给", "unmet demand"], shortage: ["短缺", "shortage"], balanced: ["平衡", "balanced"],
    surplus: ["过剩", "surplus"], no_demand: ["无需求", "no demand"], none: ["—", "no data"],
    no_supply_data: ["无数据", "no supply data"]
  };
  var STATUS_COLOUR = { unmet: "#b71c1c", shortage: "#d32f2f", balanced: "#2e7d32", surplus: "#c68400",
    no_demand: "#78909c", none: "#b0bec5" };
  var GAP_TYPES = {
    unmet_demand: ["无供给", "unmet demand"], shortage: ["短缺", "shortage"], surplus: ["过剩", "surplus"],
    uncovered_segment: ["链条环节无供给", "uncovered segment"], no_cooperation: ["企业无合作院校", "no school partner"],
    no_training_base: ["无实训基地", "no training base"], target_shortfall: ["目标差距", "target shortfall"]
  };
  var CMP = { ">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=" };
  var NF = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 0 });
  var NF2 = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var NF3 = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  var NF4 = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 4, maximumFractionDigits: 4 });

  var state = { city: null, year: "", target: "", dataYear: null, align: null, showAll: false, sort: "gap", seq: 0,
    scenario: "" };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") { n.textContent = attrs[k]; } else if (k === "cls") { n.className = attrs[k]; } else { n.setAttribute(k, attrs[k]); }
      });
    }
    (children || []).forEach(function (c) { if (c) { n.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return n;
  }
  function url(path, params) {
    var q = Object.keys(params || {}).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); });
    return path + (q.length ? "?" + q.join("&") : "");
  }
  function num(x, f) { return (x === null || x === undefined || isNaN(x)) ? "—" : (f || NF).format(x); }
  function pct(x) { return (x === null || x === undefined) ? "—" : Math.round(x * 100) + "%"; }
  function getJSON(u) {
    return fetch(u, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        return r.text().then(function (t) {
          var detail = t;
          try { var j = JSON.parse(t); detail = j.detail || j.title || t; } catch (e) { /* not JSON */ }
          throw new Error(r.status + " " + u + ": " + detail);
        });
      }
      return r.json();
    });
  }
  function showError(msg) {
    var e = $("error");
    if (!msg) { e.hidden = true; e.textContent = ""; return; }
    e.hidden = false;
    e.textContent = "无法读取数据 could not load: " + msg;
  }

  // ------------------------------------------------------------------------------ cities
  function loadCities() {
    if (CONFIG.cities && CONFIG.cities.length) { return Promise.resolve(CONFIG.cities); }
    return getJSON(url(ROUTES.cities, { limit: 100 })).then(function (r) { return r.items || r; });
  }
  function fillCities(cities) {
    var sel = $("city");
    sel.textContent = "";
    cities.forEach(function (c) { sel.appendChild(el("option", { value: c.id, text: c.name + " " + c.id })); });
    var wanted = new URLSearchParams(window.location.search).get("city") || CONFIG.default_city;
    if (wanted && cities.some(function (c) { return c.id === wanted; })) { sel.value = wanted; }
    sel.addEventListener("change", function () { select(sel.value); });
    select(sel.value);
  }

  // ------------------------------------------------------------------------------ one city
  // the chosen city and year as query parameters (no year: each answer's latest year)
  function scoped(code, extra) {
    var p = { city: code };
    if (state.year) { p.year = state.year; }
    Object.keys(extra || {}).forEach(function (k) { p[k] = extra[k]; });
    return p;
  }
  // every panel's table as a file (the API's ?format=xlsx: the same figures, headers in Chinese, with the
  // data coverage and the illustrative note in the file)
  function setDownloads(code) {
    var tgt = state.target ? { format: "xlsx", target_year: state.target } : { format: "xlsx" };
    var dl = {
      alignment: url(ROUTES.alignment, scoped(code, tgt)),
      readiness: url(ROUTES.readiness, scoped(code, tgt)),
      gaps: url(ROUTES.gaps, scoped(code, { limit: 500, format: "xlsx" })),
      ranking: url(ROUTES.ranking, Object.assign(state.year ? { year: state.year } : {}, tgt)),
      trend: ROUTES.trend ? url(ROUTES.trend, { city: code, format: "xlsx" }) : null
    };
    var names = { alignment: "产教匹配", readiness: "试点准备度", gaps: "缺口", ranking: "准备度排名", trend: "历年趋势" };
    Object.keys(dl).forEach(function (k) {
      var a = $("dl-" + k);
      if (!a) { return; }
      a.hidden = !dl[k];
      if (dl[k]) {
        a.href = dl[k];
        a.setAttribute("download", names[k] + "_" + (k === "ranking" ? "全部城市" : code) + (state.year && k !== "trend" ? "_" + state.year : "") +
          (state.target && (k === "alignment" || k === "readiness") ? "_预测" + state.target : "") + ".xlsx");
      }
    });
  }
  function fillYears(a) {
    var sel = $("year");
    var years = ((a.data_coverage || {}).years || {}).programs || [];
    var want = state.year;
    sel.textContent = "";
    sel.appendChild(el("option", { value: "", text: "最新 latest" + (years.length ? "（" + years[years.length - 1] + "）" : "") }));
    years.slice().reverse().forEach(function (y) { sel.appendChild(el("option", { value: String(y), text: String(y) })); });
    sel.value = years.map(String).indexOf(want) >= 0 ? want : "";
  }

  function select(code) {
    state.city = code;
    var seq = ++state.seq;
    try { history.replaceState(null, "", url(window.location.pathname, pageParams(code))); } catch (e) { /* file:// */ }
    $("link-network").href = ROUTES.vizCity + encodeURIComponent(code);
    if (ROUTES.compare) { $("link-compare").href = url(ROUTES.compare, { province: code.slice(0, 2) + "0000" }); } else { $("link-compare").hidden = true; }
    setDownloads(code);
    $("dl-attachments").href = url(ROUTES.attachments, { city: code });
    $("dl-attachments").setAttribute("download", "附件1-2_" + code + ".xlsx");
    $("dl-plan").href = url(ROUTES.plan, { city: code });
    document.body.setAttribute("data-loading", "1");
    $("chart").textContent = "";
    $("chart").appendChild(el("div", { cls: "loading-state", text: "读取中 loading…" }));
    var targetErrors = [];
    Promise.all([
      withTarget(ROUTES.alignment, scoped(code), targetErrors),
      withTarget(ROUTES.readiness, scoped(code), targetErrors),
      getJSON(url(ROUTES.gaps, scoped(code, { limit: 100 }))),
      ROUTES.chartSupplyDemand ? getJSON(url(ROUTES.chartSupplyDemand, scoped(code, { format: "vl.json" }))).catch(function () { return null; }) : null
    ]).then(function (res) {
      if (seq !== state.seq) { return; }  // a newer choice is on its way
      showError(null);
      state.align = res[0];
      state.spec = res[3];
      state.dataYear = res[0].year || null;
      fillYears(res[0]);
      renderHead(res[0], res[1], res[2]);
      renderChart();
      renderReadiness(res[1]);
      renderTarget(res[0], res[1], targetErrors);
      loadScenarios(code, seq);
      renderGaps(res[2], code);
      renderRanking(code);
      renderTrend(code, seq);
      document.body.setAttribute("data-loading", "0");
      document.body.setAttribute("data-city", code);
    }).catch(function (err) {
      if (seq !== state.seq) { return; }
      showError(String(err.message || err));
      document.body.setAttribute("data-loading", "0");
    });
  }

  function renderHead(a, r, g) {
    var illustrative = !!(a.illustrative || r.illustrative || g.illustrative);
    $("illustrative-banner").hidden = !illustrative;
    $("city-name").textContent = (a.scope_name || r.name || state.city) + " · " + (a.year || "");
    $("city-meta").textContent = "城市代码 city code " + state.city + " · 数据年份 year " + (a.year || "—") +
      (a.estimates ? " · 含 " + a.estimated_programs + " 个专业点按在校生估算 (estimates)" : "");
    $("kpi-sai").textContent = a.sai === null || a.sai === undefined ? "—" : NF3.format(a.sai);
    var req = (r.items || []).filter(function (i) { return i.metric === "condition_major_industry_relevance"; })[0];
    var obs = a.sai_observed === null || a.sai_observed === undefined ? "" :
      (a.sai_note ? " · 观测 SAI observed " + NF3.format(a.sai_observed) + "（仅有需求数据的行业）" : "");
    var refLabel = req && req.threshold_basis === "assumption" ? (req.threshold_label || ASSUMPTION) : "通知目标 notice target";
    $("kpi-sai-note").textContent = (req ? refLabel + " ≥ " + req.threshold + (a.sai !== null && a.sai >= req.threshold ? "，已达到 reached" : "，未达到 not reached")
      : "0–1，越高越匹配 higher is better") + obs;
    var pilot = r.pilot || null;
    var pel = $("pilot-status");
    if (pel) {
      pel.textContent = "";
      pel.hidden = !pilot;
      if (pilot) {
        pel.appendChild(document.createTextNode("试点身份（公开信息）pilot status: " + (pilot.selected ? (r.name || "") : "") + pilot.text));
        if (pilot.source) {
          pel.appendChild(document.createTextNode(" · 来源 source: "));
          pel.appendChild(el("a", { href: pilot.source, target: "_blank", rel: "noopener", text: pilot.source }));
        }
        pel.setAttribute("data-selected", String(pilot.selected));
      }
    }
    $("kpi-coverage").textContent = pct(a.coverage);
    var seg = a.segments || { covered: 0, total: 0 };
    $("kpi-coverage-note").textContent = seg.total ? (seg.covered === null ? "供给无数据，未计算 not graded (no supply data)" : seg.covered + " / " + seg.total + " 个环节有本地专业供给 segments supplied")
      : "本市无重点产业链 no focus chain";
    $("kpi-sd").textContent = (a.S === null ? "无数据 no data" : num(a.S)) + " / " + num(a.D);
    renderCoverage(a);
    $("kpi-sd-note").textContent = "行业 industries " + (a.industries || []).length + " · 年份 year " + (a.year || "—");
    $("kpi-targets").textContent = r.targets_met + " / " + r.targets_total;
    $("kpi-targets-note").textContent = "条件 conditions " + r.conditions_met + " / " + r.conditions_total +
      (r.targets_unmeasurable ? " · 无法衡量 unmeasurable " + r.targets_unmeasurable : "");
    var counts = g.counts || {};
    var total = Object.keys(counts).reduce(function (s, k) { return s + counts[k]; }, 0);
    $("kpi-gaps").textContent = num(total);
    $("kpi-gaps-note").textContent = "短缺 " + ((counts.shortage || 0) + (counts.unmet_demand || 0)) + " · 过剩 " + (counts.surplus || 0) +
      " · 链条 " + ((counts.uncovered_segment || 0) + (counts.no_training_base || 0)) + " · 目标 " + (counts.target_shortfall || 0);
    var t = a.thresholds || {};
    $("thresholds").textContent = "< " + t.shortage_below + " 短缺，> " + t.surplus_above + " 过剩（" + (a.thresholds_label || ASSUMPTION) + "）";
  }

  // What the figures rest on (issue 18): programs without figures (listed), supply that is no data, a thin
  // year, entries only in the public lists — each a line of its own, never shown as 0.
  function renderCoverage(a) {
    var box = $("data-coverage");
    if (!box) { return; }
    box.textContent = "";
    var cov = a.data_coverage || {}, p = cov.programs || {}, y = cov.years || {}, c = cov.cities || {}, i = cov.institutions || {};
    var lines = [];
    if (a.supply_data === false && a.supply_reason) { lines.push(["no-supply", "供给无数据 no supply data: " + a.supply_reason]); }
    if (p.note) { lines.push(["no-figures", "无数字 no figures: " + p.note]); }
    if (y.note) { lines.push(["thin-year", "年份数据偏少 partial year: " + y.note]); }
    var pub = (c.public_only || []).length, pubi = i.public_only || 0;
    if (pub || pubi) {
      lines.push(["public-only", "另有" + (pub ? "城市 " + pub + " 个" : "") + (pub && pubi ? "、" : "") + (pubi ? "院校 " + pubi + " 所" : "") +
        "只在公开名单中、不在你的数据里，不算缺数据 (in the public lists, not in your data)"]);
    }
    lines.forEach(function (l) { box.appendChild(el("li", { cls: l[0], "data-kind": l[0], text: l[1] })); });
    box.hidden = !lines.length;
  }

  // ------------------------------------------------------------------------------ chart
  // An industry without demand data has no gap (its demand is no data, not 0): sorted "by gap", such
  // industries form their own group after those with demand data, largest supply first (issue 18).
  function noDemandData(r) { return r.demand_data === false; }
  function leftOutText(x) {  // ended and not-begun cooperations are not counted in the density
    if (!x || !(x.ended || x.in_preparation)) { return ""; }
    return "\n未计入 left out: " + [x.ended ? "已结束 " + x.ended + " 项" : "", x.in_preparation ? "筹建中 " + x.in_preparation + " 项" : ""]
      .filter(Boolean).join("、") + " (ended / in preparation)";
  }
  function sorted(rows) {
    var by = {
      gap: function (x, y) { return Math.abs(y.demand - y.supply) - Math.abs(x.demand - x.supply); },
      demand: function (x, y) { return y.demand - x.demand; },
      supply: function (x, y) { return y.supply - x.supply; },
      code: function (x, y) { return x.code < y.code ? -1 : (x.code > y.code ? 1 : 0); }
    }[state.sort];
    var tie = function (x, y) { return x.code < y.code ? -1 : 1; };
    if (state.sort !== "gap") { return rows.slice().sort(function (x, y) { return by(x, y) || tie(x, y); }); }
    var known = rows.filter(function (r) { return !noDemandData(r); }).sort(function (x, y) { return by(x, y) || tie(x, y); });
    var unknown = rows.filter(noDemandData).sort(function (x, y) { return ((y.supply || 0) - (x.supply || 0)) || tie(x, y); });
    return known.concat(unknown);
  }

  // The supply/demand chart is the Vega-Lite chart of GET /charts/supply-demand (the same one `iekg chart`
  // exports as PNG/SVG), drawn by the vendored vega-embed; the sort and "show all" reorder and filter its rows
  // here. An industry without demand data has no demand bar (its value is no data, not 0).
  function chartLabel(r) { return (r.code + " " + (r.name || "")).trim(); }
  function renderChart() {
    var a = state.align;
    var box = $("chart");
    if (!a) { box.textContent = ""; return; }
    var all = sorted(a.industries || []);
    var rows = state.showAll ? all : all.slice(0, 20);
    $("toggle-all").textContent = state.showAll ? "只看前 20 top 20" : "显示全部 show all (" + all.length + ")";
    $("toggle-all").hidden = all.length <= 20;
    box.setAttribute("data-order", rows.map(function (r) { return r.code; }).join(","));
    box.setAttribute("data-rendered", "0");
    if (!rows.length) {
      box.textContent = "";
      box.appendChild(el("div", { cls: "loading-state", text: "无供需数据 no supply or demand data" }));
    } else if (state.spec) {
      drawSpec(box, shaped(state.spec, rows.map(chartLabel)));
    }
    $("chart-note").textContent = "供给 = 毕业生 × 专业—行业对应权重；需求 = 人才需求人数。S = " + (a.S === null ? "无数据 no data" : num(a.S)) + "，D = " + num(a.D) +
      "。Supply = graduates × crosswalk weight; demand = headcount asked for." + (a.unmapped_programs ? " 另有 " + a.unmapped_programs + " 个专业点缺对应权重 (unmapped)。" : "");
    var nUnknown = all.filter(noDemandData).length;
    if (state.sort === "gap" && nUnknown) {
      var shown = rows.filter(noDemandData).length;
      $("chart-note").textContent += " 按供需差额排序：" + nUnknown + " 个行业没有需求数据，单列在有需求数据的行业之后" +
        (shown ? "（图中标“无需求数据”）" : "（显示全部可见）") + " · sorted by gap: " + nUnknown + " industries without demand data are grouped last.";
    }
    var co = a.cooperation || {};
    if (co.note) { $("chart-note").textContent += " 合作密度 cooperation density: " + co.note; }
  }
  // the spec with only the given industries, in the given order
  function shaped(spec, labels) {
    var s = JSON.parse(JSON.stringify(spec));
    var keep = {};
    labels.forEach(function (l) { keep[l] = true; });
    Object.keys(s.datasets || {}).forEach(function (k) {
      s.datasets[k] = s.datasets[k].filter(function (d) { return keep[d.industry]; });
    });
    if (s.data && s.data.values) { s.data.values = s.data.values.filter(function (d) { return keep[d.industry]; }); }
    (s.layer || [s]).forEach(function (l) { if (l.encoding && l.encoding.y) { l.encoding.y.sort = labels; } });
    return s;
  }
  function drawSpec(box, spec) {
    if (typeof window.vegaEmbed !== "function") {
      box.textContent = "";
      box.appendChild(el("div", { cls: "loading-state", text: "图表库未加载 the chart library did not load" }));
      return Promise.resolve(null);
    }
    return window.vegaEmbed(box, spec, CONFIG.embed || { renderer: "svg", ast: true }).then(function (res) {
      box.setAttribute("data-rendered", "1");
      return res;
    }).catch(function (err) {
      box.textContent = "";
      box.appendChild(el("div", { cls: "loading-state", text: "图表无法绘制 chart failed: " + String(err.message || err) }));
    });
  }

  // ------------------------------------------------------------------------------ readiness
  // The verdict (达成, 差距) comes right after the item, so that it is on screen however narrow the card; every
  // threshold carries its basis (issue 21): the notice's number, our reading of vague words, or our assumption.
  var BASIS = { notice: ["通知", "the notice's number"], reading: ["解读", "our reading"], assumption: ["假设", "our assumption"] };
  function renderReadiness(r) {
    var tb = document.querySelector("#readiness tbody");
    tb.textContent = "";
    var t = r.target || null;
    var tItems = {};
    ((t && t.items) || []).forEach(function (i) { tItems[i.target] = i; });
    targetColumn(t);
    var kinds = [["target", "目标", "targets by 2025"], ["condition", "条件", "conditions to apply"]];
    kinds.forEach(function (k) {
      var items = (r.items || []).filter(function (i) { return (i.kind || "target") === k[0]; });
      if (!items.length) { return; }
      tb.appendChild(el("tr", { cls: "group" }, [el("td", { colspan: t ? "6" : "5", text: k[1] + " " + k[2] })]));
      items.forEach(function (i) {
        var met = i.effective_met === undefined ? i.met : i.effective_met;  // an either/or member: by its group
        var mark = met === null || met === undefined ? el("span", { cls: "na", text: "— 无法衡量" })
          : (met ? el("span", { cls: "met", text: "✓ 达成" }) : el("span", { cls: "unmet-mark", text: "✗ 未达成" }));
        var ratio = i.unit === "SAI" || i.unit === "比率";
        var value = i.measurable ? (ratio ? NF3.format(i.value) : num(i.value)) : "—";
        var group = i.any_of ? "二选一 either/or：" + (i.group_met ? "组内已达成 group met" : (i.group_met === false ? "组内未达成 group not met" : "无法衡量")) : null;
        var nameCell = el("td", { cls: "item" }, [i.name || i.target, group ? el("span", { cls: "note", text: group }) : null,
          i.note ? el("span", { cls: "note", text: i.note }) : null]);
        var basis = BASIS[i.threshold_basis] || BASIS.notice;
        tb.appendChild(el("tr", { "data-metric": i.metric || "", "data-basis": i.threshold_basis || "" }, [
          nameCell,
          el("td", { cls: "verdict met-cell" }, [mark]),
          el("td", { cls: "num verdict shortfall", text: i.measurable && i.shortfall ? (ratio ? NF3.format(i.shortfall) : num(i.shortfall)) : "" }),
          el("td", { cls: "num", text: value }),
          el("td", { cls: "threshold" }, [(CMP[i.comparison] || i.comparison || "") + " " + (i.threshold === null ? "" : i.threshold) + " " + (i.unit || ""),
            el("span", { cls: "note basis basis-" + (i.threshold_basis || "notice") }, [
              el("span", { cls: "basis-tag " + (i.threshold_basis || "notice"), title: basis[1], text: basis[0] }), i.threshold_label || ""])]),
          t ? targetCell(tItems[i.target]) : null
        ]));
      });
    });
  }

  // ------------------------------------------------------------------------------ ranking
  // All cities ranked; each row says where its figures come from (yours / illustrative 示例 / public 公开),
  // rather than one mark for the whole table when your city is ranked among demo cities.
  var SOURCE = { yours: "你的数据", illustrative: "示例", public: "公开" };
  var SOURCE_EN = { yours: "yours", illustrative: "illustrative", public: "public lists only" };
  var sourceOf = {};
  (CONFIG.cities || []).forEach(function (c) { if (c.source) { sourceOf[c.id] = c.source; } });
  function rowSource(row) {
    if (row.public_only) { return "public"; }
    return sourceOf[row.city] || (row.illustrative === true ? "illustrative" : (row.illustrative === false ? "yours" : null));
  }
  var rankingLoad = null, rankingSeen = false, rankingCity = null, rankingWatched = false;
  // every city's readiness takes a moment: asked for once, when the ranking first comes into view (watched
  // from the first city's figures on, when the page has its full height)
  function watchRanking() {
    var card = $("ranking-card");
    rankingWatched = true;
    if (!("IntersectionObserver" in window)) { rankingSeen = true; return; }
    new IntersectionObserver(function (entries, obs) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        obs.disconnect();
        rankingSeen = true;
        if (rankingCity) { renderRanking(rankingCity); }
      }
    }, { rootMargin: "200px" }).observe(card);
  }
  function renderRanking(code) {
    if (!ROUTES.ranking) { $("ranking-card").hidden = true; return; }
    rankingCity = code;
    if (!rankingWatched) { watchRanking(); }
    if (!rankingSeen) { return; }
    document.body.setAttribute("data-ranking", "0");
    if (!rankingLoad || rankingLoad.year !== state.year || rankingLoad.target !== state.target) {
      var q = {};
      if (state.year) { q.year = state.year; }
      if (state.target) { q.target_year = state.target; }  // each row also its targets met in that year (预测)
      rankingLoad = getJSON(Object.keys(q).length ? url(ROUTES.ranking, q) : ROUTES.ranking);
      rankingLoad.year = state.year;
      rankingLoad.target = state.target;
    }
    rankingLoad.then(function (res) {
      var tb = document.querySelector("#ranking tbody");
      tb.textContent = "";
      var head = document.querySelector("#ranking thead tr");
      var old = $("ranking-target-th");
      if (old) { old.remove(); }
      if (state.target) {
        var th = el("th", { cls: "num", id: "ranking-target-th" }, [document.createTextNode(state.target + " 预测目标达成"),
          el("br"), el("span", { cls: "en", text: "targets met, projected" })]);
        head.insertBefore(th, head.children[4]);
      }
      (res.cities || []).forEach(function (row) {
        var src = rowSource(row);
        var noData = row.has_data === false;
        var tr = el("tr", { cls: row.city === code ? "current" : "", "data-city": row.city, "data-source": src || "" }, [
          el("td", { cls: "num", text: String(row.rank) }),
          el("td", { text: (row.name || row.city) + " " + row.city }),
          el("td", null, [src ? el("span", { cls: "src-tag " + src, title: SOURCE_EN[src], text: SOURCE[src] }) : "—"]),
          el("td", { cls: "num", text: noData ? "无数据 no data" : row.targets_met + " / " + row.targets_total })
        ].concat(state.target ? [el("td", { cls: "num proj", "data-projected": "1",
          text: row.target ? row.target.targets_met + " / " + row.target.targets_total : "—" })] : []).concat([
          el("td", { cls: "num", text: noData ? "" : row.conditions_met + " / " + row.conditions_total }),
          el("td", { cls: "num", text: noData ? "" : String(row.targets_unmeasurable) })
        ]));
        tb.appendChild(tr);
      });
      document.body.setAttribute("data-ranking", "1");
    }).catch(function (err) { $("ranking-note").textContent = "排名无法读取 ranking could not load: " + String(err.message || err); });
  }

  // ------------------------------------------------------------------------------ trend
  // The city's years side by side: a year without data is not in the list (never a 0), a thin year is marked.
  function renderTrend(code, seq) {
    document.body.setAttribute("data-trend", "0");
    if (!ROUTES.trend) { $("trend-card").hidden = true; return; }
    var tb = document.querySelector("#trend tbody");
    tb.textContent = "";
    $("trend-note").textContent = "读取中 loading…";
    getJSON(url(ROUTES.trend, { city: code })).then(function (t) {
      if (seq !== state.seq) { return; }
      (t.years || []).forEach(function (y) {
        var note = y.partial ? "数据偏少 partial" + (y.partial_reason ? "：" + y.partial_reason : "") : "";
        tb.appendChild(el("tr", { "data-year": String(y.year), cls: (y.partial ? "partial" : "") + (String(y.year) === String(state.align && state.align.year) ? " current" : "") }, [
          el("td", { cls: "num", text: String(y.year) }),
          el("td", { cls: "num", text: y.S === null || y.S === undefined ? "无数据" : num(y.S) }),
          el("td", { cls: "num", text: y.D === null || y.D === undefined ? "无数据" : num(y.D) }),
          el("td", { cls: "num", text: y.sai === null || y.sai === undefined ? "—" : NF3.format(y.sai) }),
          el("td", { cls: "num", text: pct(y.coverage) }),
          el("td", { cls: "note", text: note })
        ]));
      });
      var missing = t.missing_years || [];
      $("trend-note").textContent = (t.years || []).length < 2 ? "只有一年的数据，无法看出趋势 only one year of data" :
        (missing.length ? "无数据的年份 years without data: " + missing.join("、") + "（不计为 0 not counted as 0）" : "");
      var done = function () { if (seq === state.seq) { document.body.setAttribute("data-trend", "1"); } };
      if (ROUTES.chartTrend && (t.years || []).length) {
        getJSON(url(ROUTES.chartTrend, { city: code, format: "vl.json" })).then(function (spec) {
          return seq === state.seq ? drawSpec($("trend-chart"), spec) : null;
        }).catch(function (err) { $("trend-note").textContent += " 趋势图无法读取 trend chart: " + String(err.message || err); })
          .then(done);
      } else { done(); }
    }).catch(function (err) { $("trend-note").textContent = "趋势无法读取 trend could not load: " + String(err.message || err); });
  }

  // ------------------------------------------------------------------------------ gaps
  function gapLinks(g, city) {
    var links = [];
    var ent = String(g.entity || "");
    var d = g.detail || {};
    if (g.type === "unmet_demand" || g.type === "shortage" || g.type === "surplus") {
      links.push(["城市网络 network", ROUTES.vizCity + encodeURIComponent(city)]);
      links.push(["行业关系 industry links", ROUTES.vizEgo + encodeURIComponent(ent)]);
    } else if (g.type === "uncovered_segment" && d.chain) {
      links.push(["产业链 chain", url(ROUTES.vizChain + encodeURIComponent(d.chain), { city: city })]);
    } else if (g.type === "no_training_base") {
      links.push(["产业链 chain", url(ROUTES.vizChain + encodeURIComponent(ent.replace(/^IndustryChain:/, "")), { city: city })]);
    } else if (g.type === "no_cooperation") {
      links.push(["企业关系 enterprise links", ROUTES.vizEgo + encodeURIComponent(ent)]);
      if (d.segment) { links.push(["城市网络 network", ROUTES.vizCity + encodeURIComponent(city)]); }
    }
    return links;
  }

  function renderGaps(g, city) {
    var ol = $("gaps");
    ol.textContent = "";
    var list = g.gaps || [];
    var counts = g.counts || {};
    var total = Math.max(list.length, g.total || 0, Object.keys(counts).reduce(function (s, k) { return s + counts[k]; }, 0));
    var shown = list.slice(0, 40);
    shown.forEach(function (x) {
      var t = GAP_TYPES[x.type] || [x.type, x.type];
      var pr = x.priority === undefined ? x.severity : x.priority;
      var first = (x.evidence_items || [])[0];
      var meta = el("div", { cls: "g-meta" }, [
        el("span", null, ["优先度 priority " + NF2.format(pr) + (x.minor ? "（次要 minor）" : ""), el("span", { cls: "sev" }, [el("i", { style: "width:" + Math.round(100 * Math.min(1, pr)) + "%" })])]),
        el("span", { text: "幅度 " + num(x.magnitude) + " " + (x.unit || "") }),
        el("span", { text: "证据 evidence " + x.evidence_total + (first && first.label ? "：" + first.label + (x.evidence_total > 1 ? " …" : "") : "") })
      ]);
      gapLinks(x, city).forEach(function (l) { meta.appendChild(el("a", { href: l[1], target: "_blank", rel: "noopener", text: l[0] + " →" })); });
      ol.appendChild(el("li", null, [
        el("span", { cls: "g-rank", text: String(x.rank) }),
        el("div", null, [
          el("div", { cls: "g-title" }, [el("span", { cls: "g-type " + x.type, text: t[0] }), x.name]),
          el("div", { cls: "g-msg", text: x.message }),
          x.note ? el("div", { cls: "g-msg note", text: x.note }) : null,
          meta
        ])
      ]));
    });
    $("gaps-note").textContent = total > shown.length ? "显示最严重的 " + shown.length + " 项，共 " + total + " 项 (showing " + shown.length + " of " + total + "; all in the attachments workbook)" : "共 " + total + " 项 gaps";
    if (!list.length) { ol.appendChild(el("li", null, [el("span"), el("div", { text: "未发现缺口 no gaps found" + (g.reason ? "：" + g.reason : "") })])); }
  }

  // ------------------------------------------------------------------------------ target year (issue 23)
  // A target year (目标年份) asks the alignment and readiness routes for ?target_year=: their answers then carry
  // ``target``, the same measures projected to that year (预测, the methods named), shown beside today's.  A
  // target year the routes refuse (not after the data's year) leaves today's page as it was, with the reason.
  function pageParams(code) {
    var p = scoped(code);
    if (state.target) { p.target_year = state.target; }
    if (state.scenario) { p.scenario = state.scenario; }
    return p;
  }
  function copy(o) { var c = {}; Object.keys(o || {}).forEach(function (k) { c[k] = o[k]; }); return c; }
  function withTarget(route, params, errors) {
    if (!state.target) { return getJSON(url(route, params)); }
    if (state.dataYear && +state.target <= +state.dataYear) {
      errors.push("目标年份 " + state.target + " 须晚于数据年份 " + state.dataYear + " (the target year must come after the data's year)");
      return getJSON(url(route, params));
    }
    var p = copy(params);
    p.target_year = state.target;
    return getJSON(url(route, p)).catch(function (err) {
      errors.push(String(err.message || err));
      return getJSON(url(route, params));
    });
  }
  function readTarget(v) {
    var s = String(v || "").trim();
    return /^\d{4}$/.test(s) && +s >= 2000 && +s <= 2100 ? s : "";
  }
  function badge(text, cls) { return el("span", { cls: "badge " + (cls || "projection"), text: text || "预测" }); }
  function signed(d, f) {
    if (d === null || d === undefined || isNaN(d)) { return "—"; }
    var t = (f || NF).format(Math.abs(d));
    return Math.abs(d) < 1e-12 || t === (f || NF).format(0) ? "±0" : (d > 0 ? "+" : "−") + t;
  }
  // a KPI card's second value: the target year's, with the 预测 badge (removed when the target year is off)
  function kpiTarget(id, text) {
    var box = $(id).parentNode;
    var old = box.querySelector(".k-target");
    if (old) { box.removeChild(old); }
    if (text === null) { return; }
    box.insertBefore(el("div", { cls: "k-target", "data-kpi": id }, [badge(state.target + " 预测"), " " + text]), $(id).nextSibling);
  }
  var TARGET_ROWS = [
    ["S", "供给 S（人）", "supply", "num"], ["D", "需求 D（人）", "demand", "num"], ["sai", "结构匹配指数 SAI", "structural alignment", "ratio"],
    ["sai_observed", "观测 SAI（有需求数据的行业）", "observed SAI", "ratio"], ["coverage", "重点产业链环节覆盖率", "chain coverage", "pct"],
    ["targets_met", "试点目标达成（项）", "targets met", "count"], ["conditions_met", "申报条件满足（项）", "conditions met", "count"]
  ];
  function fmtKind(x, kind) {
    if (x === null || x === undefined || (typeof x === "number" && isNaN(x))) { return "无数据"; }
    return kind === "ratio" ? NF3.format(x) : (kind === "pct" ? pct(x) : num(x));
  }
  function renderTarget(a, r, errors) {
    var card = $("target-card");
    var ta = a.target || null, tr = r.target || null;
    var on = !!(state.target && (ta || tr));
    card.hidden = !state.target;
    document.body.setAttribute("data-target", on ? state.target : "");
    var s = (a.segments || {});
    kpiTarget("kpi-sai", on && ta ? fmtKind(ta.sai, "ratio") : null);
    kpiTarget("kpi-coverage", on && ta ? fmtKind(ta.coverage, "pct") : null);
    kpiTarget("kpi-sd", on && ta ? (ta.S === null ? "无数据" : num(ta.S)) + " / " + num(ta.D) : null);
    kpiTarget("kpi-targets", on && tr ? tr.targets_met + " / " + tr.targets_total : null);
    var tb = document.querySelector("#target-figures tbody");
    tb.textContent = "";
    $("target-methods").textContent = "";
    $("target-note").textContent = errors.length ? "无法预测目标年份 no projection: " + errors.join("；") : "";
    if (!state.target) { return; }
    $("target-title").textContent = state.target;
    var today = a.year || "—";
    $("target-today-head").firstChild.textContent = "今天（" + today + " 年）";
    $("target-year-head").firstChild.textContent = state.target + " 年 预测";
    if (!on) { return; }
    var now = { S: a.S, D: a.D, sai: a.sai, sai_observed: a.sai_observed, coverage: s.covered === null ? null : a.coverage,
      targets_met: r.targets_met, conditions_met: r.conditions_met };
    var then = { S: ta && ta.S, D: ta && ta.D, sai: ta && ta.sai, sai_observed: ta && ta.sai_observed,
      coverage: ta && ((ta.segments || {}).covered === null ? null : ta.coverage),
      targets_met: tr && tr.targets_met, conditions_met: tr && tr.conditions_met };
    var totals = { targets_met: [r.targets_total, tr && tr.targets_total], conditions_met: [r.conditions_total, tr && tr.conditions_total] };
    TARGET_ROWS.forEach(function (row) {
      var k = row[0], kind = row[3];
      if ((k === "targets_met" || k === "conditions_met") && !tr) { return; }
      if (k !== "targets_met" && k !== "conditions_met" && !ta) { return; }
      var x = now[k], y = then[k];
      var tot = totals[k];
      var show = function (v, t) { return fmtKind(v, kind) + (t !== undefined && t !== null && v !== null && v !== undefined ? " / " + t : ""); };
      var both = x !== null && x !== undefined && y !== null && y !== undefined;
      tb.appendChild(el("tr", { "data-key": k }, [
        el("td", null, [row[1], el("span", { cls: "en", text: " " + row[2] })]),
        el("td", { cls: "num today", "data-value": x === null || x === undefined ? "" : String(x), text: show(x, tot && tot[0]) }),
        el("td", { cls: "num target", "data-value": y === null || y === undefined ? "" : String(y) }, [el("span", { cls: "v", text: show(y, tot && tot[1]) }), " ", badge()]),
        el("td", { cls: "num", text: both ? (kind === "pct" ? signed(100 * (y - x), NF) + " 个百分点" : signed(y - x, kind === "ratio" ? NF4 : NF)) : "—" })
      ]));
    });
    $("target-methods").textContent = (ta && ta.methods_text) || (tr && tr.methods_text) || "";
    var note = (ta && ta.note) || (tr && tr.note) || "";
    $("target-note").textContent = note + (errors.length ? " 部分无法预测 partly not projected: " + errors.join("；") : "");
    renderTargetMoves(a, ta);
  }
  // the industries whose status differs in the target year (supply and demand today → then, demand's method)
  var DEMAND_METHOD = { plan: "规划数", trend: "趋势外推", held: "按最近一年", none: "无数据" };
  function renderTargetMoves(a, ta) {
    var old = $("target-moves");
    if (old) { old.parentNode.removeChild(old); }
    if (!ta) { return; }
    var now = {};
    (a.industries || []).forEach(function (i) { now[i.code] = i; });
    var rows = (ta.industries || []).filter(function (i) { var b = now[i.code]; return b && b.status !== i.status; });
    if (!rows.length) { return; }
    var tb = el("tbody");
    rows.forEach(function (i) {
      var b = now[i.code];
      tb.appendChild(el("tr", { "data-code": i.code }, [
        el("td", { text: i.code + " " + (i.name || "") }),
        el("td", { cls: "num", text: num(b.supply) + " → " + num(i.supply) }),
        el("td", { cls: "num", text: (b.demand_data === false ? "无数据" : num(b.demand)) + " → " + (i.demand_data === false ? "无数据" : num(i.demand)) }),
        el("td", { text: (DEMAND_METHOD[i.demand_method] || i.demand_method || "—") }),
        el("td", { text: statusWord(b.status) + " → " + statusWord(i.status) })
      ]));
    });
    var box = el("details", { id: "target-moves", cls: "target-moves" }, [
      el("summary", { text: "到 " + state.target + " 年状态变化的行业 " + rows.length + " 个 (industries whose status changes by then)" }),
      el("div", { cls: "table-wrap" }, [el("table", { cls: "grid" }, [
        el("thead", null, [el("tr", null, [el("th", { text: "行业" }), el("th", { cls: "num", text: "供给 今天 → 预测" }),
          el("th", { cls: "num", text: "需求 今天 → 预测" }), el("th", { text: "需求预测方法" }), el("th", { text: "状态 今天 → 预测" })])]),
        tb])])
    ]);
    $("target-note").parentNode.insertBefore(box, $("target-note"));
  }
  function statusWord(s) { return s ? (STATUS[s] || [s])[0] : "—"; }
  // the readiness table's extra column (the target year's value and verdict), there only when a target year is on
  function targetColumn(t) {
    var table = $("readiness");
    var th = table.querySelector("th.target-col"), col = table.querySelector("col.c-target");
    if (!t) {
      if (th) { th.parentNode.removeChild(th); }
      if (col) { col.parentNode.removeChild(col); }
      table.classList.remove("with-target");
      return;
    }
    table.classList.add("with-target");
    if (!col) { table.querySelector("colgroup").appendChild(el("col", { cls: "c-target" })); }
    if (!th) { th = el("th", { cls: "num target-col" }); table.querySelector("thead tr").appendChild(th); }
    th.textContent = "";
    th.appendChild(document.createTextNode(t.target_year + " 预测"));
    th.appendChild(el("br"));
    th.appendChild(el("span", { cls: "en", text: "projected" }));
  }
  function targetCell(i) {
    if (!i) { return el("td", { cls: "num target-cell", text: "—" }); }
    var met = i.effective_met === undefined ? i.met : i.effective_met;
    var ratio = i.unit === "SAI" || i.unit === "比率";
    var value = i.measurable ? (ratio ? NF3.format(i.value) : num(i.value)) : "—";
    var mark = met === null || met === undefined || !i.measurable ? el("span", { cls: "na", text: "无法衡量" }) :
      (met ? el("span", { cls: "met", text: "✓" }) : el("span", { cls: "unmet-mark", text: "✗" }));
    return el("td", { cls: "num target-cell" + (i.projected ? " projected" : " held"), "data-value": i.measurable ? String(i.value) : "",
      "data-met": met === null || met === undefined ? "" : String(met), "data-projected": String(!!i.projected),
      title: i.projected ? "预测 projected" : (i.held_note || "同今天 today's value") }, [
      mark, i.measurable ? " " + value : null, i.projected ? badge() : el("span", { cls: "note", text: "同今天 held" })]);
  }

  // ------------------------------------------------------------------------------ scenarios (issue 23)
  // The stored what-if scenarios whose scope takes in the city shown (the city itself, a list of cities with
  // it, or its province): a scenario of another scope would compare figures of another place on this city's
  // page.  The chosen one's evaluation (GET /scenarios/{name}) side by side with the baseline, the industries
  // that move, the chart (GET /charts/scenario, built with iekg.charts.specs) and its table as a file.
  function covers(scope, code) {
    if (!scope) { return false; }
    if (scope.city) { return scope.city === code; }
    if (scope.cities) { return scope.cities.indexOf(code) >= 0; }
    if (scope.province) { return code.slice(0, 2) + "0000" === scope.province; }
    return false;
  }
  function scopeWords(scope) {
    if (!scope) { return ""; }
    if (scope.city) { return "城市 " + scope.city; }
    if (scope.province) { return "全省 province " + scope.province; }
    return (scope.cities || []).length + " 个城市 cities " + (scope.cities || []).join("、");
  }
  var scenarioSeq = 0;
  function scenarioState(s, name) {
    var card = $("scenario-card");
    card.setAttribute("data-state", s);
    card.setAttribute("data-name", name || "");
  }
  var scenariosOf = null;  // the city whose scenarios are listed (a new year or target year keeps them)
  function loadScenarios(code, seq) {
    if (!ROUTES.scenarios) { $("scenario-card").hidden = true; return; }
    if (scenariosOf === code) { return; }
    scenariosOf = code;
    var sel = $("scenario");
    scenarioState("loading", "");
    getJSON(ROUTES.scenarios).then(function (res) {
      if (seq !== state.seq) { scenariosOf = null; return; }
      var all = res.scenarios || [];
      var mine = all.filter(function (d) { return covers(d.scope, code); });
      sel.textContent = "";
      mine.forEach(function (d) {
        var extra = [d.scope && !d.scope.city ? scopeWords(d.scope) : "", d.target_year ? "目标年 " + d.target_year : "",
          d.changes + " 项变动"].filter(Boolean).join("，");
        sel.appendChild(el("option", { value: d.name, text: d.name + "（" + extra + "）" }));
      });
      sel.hidden = !mine.length;
      var others = all.length - mine.length;
      if (!mine.length) {
        showNoScenario(code, all.length, others);
        return;
      }
      var wanted = state.scenario && mine.some(function (d) { return d.name === state.scenario; }) ? state.scenario : mine[0].name;
      sel.value = wanted;
      $("scenario-note").setAttribute("data-others", others ? "另有 " + others + " 个情景属于其他范围，不在此列 (" + others + " more for other scopes)。" : "");
      showScenario(wanted);
    }).catch(function (err) {
      if (seq !== state.seq) { return; }
      scenariosOf = null;
      sel.hidden = true;
      $("scenario-body").hidden = true;
      $("dl-scenario").hidden = true;
      $("scenario-empty").hidden = false;
      $("scenario-empty").textContent = "情景无法读取 scenarios could not load: " + String(err.message || err);
      scenarioState("error", "");
    });
  }
  function showNoScenario(code, total, others) {
    $("scenario-body").hidden = true;
    $("scenario-illustrative").hidden = true;
    $("dl-scenario").hidden = true;
    $("scenario-meta").textContent = "";
    $("scenario-note").textContent = "";
    var box = $("scenario-empty");
    box.hidden = false;
    box.textContent = "";
    box.appendChild(el("p", { text: total ? "本市还没有情景（另有 " + others + " 个属于其他范围） no scenario for this city yet" :
      "还没有情景 no scenarios yet. 新建一个 make one:" }));
    box.appendChild(el("pre", { cls: "cmd", text: "iekg scenario new 名称 --city " + code + "\n" +
      "iekg scenario add 名称 --add-program 院校 专业 --graduates 150" }));
    box.appendChild(el("p", { cls: "en", text: "或 or: POST " + ROUTES.scenarios + " (X-API-Key)；情景不改变图谱 a scenario never changes the graph." }));
    scenarioState("empty", "");
  }
  var FIGURE_ROWS = [
    ["S", "供给 S（人）", "supply", "num"], ["D", "需求 D（人）", "demand", "num"], ["sai", "结构匹配指数 SAI", "structural alignment", "ratio"],
    ["sai_observed", "观测 SAI（有需求数据的行业）", "observed SAI", "ratio"], ["coverage", "重点产业链环节覆盖率", "chain coverage", "pct"],
    ["unmet_demand", "未满足需求（人）", "unmet demand", "num"], ["targets_met", "试点目标达成（项）", "targets met", "count"],
    ["conditions_met", "申报条件满足（项）", "conditions met", "count"], ["cooperating_enterprises", "有对口合作的企业（家）", "cooperating enterprises", "count"]
  ];
  var KIND_ZH = { add_program: "新增专业点", set_program: "调整专业点人数", close_program: "撤销专业点", add_demand: "新增需求",
    add_cooperation: "新增校企合作", add_training_base: "新增实训基地" };
  function changeWords(c) {
    var parts = [KIND_ZH[c.kind] || c.kind];
    ["institution", "major", "city", "industry", "enterprise", "name"].forEach(function (k) { if (c[k]) { parts.push(String(c[k])); } });
    if (c.graduates !== null && c.graduates !== undefined) { parts.push("毕业生 " + c.graduates); }
    if (c.enrollment !== null && c.enrollment !== undefined) { parts.push("在校生 " + c.enrollment); }
    if (c.headcount !== null && c.headcount !== undefined) { parts.push("需求 " + c.headcount + " 人"); }
    return parts.join(" · ");
  }
  // an industry with no demand (status no_demand) says so, rather than 0 or a dash: no demand data, or none asked
  function demandWord(d, status) {
    if (d === null || d === undefined) { return status === "no_demand" ? "无需求数据" : "无数据"; }
    return status === "no_demand" && !d ? "无需求" : num(d);
  }
  function showScenario(name) {
    var mySeq = ++scenarioSeq;
    state.scenario = name;
    try { history.replaceState(null, "", url(window.location.pathname, pageParams(state.city))); } catch (e) { /* file:// */ }
    scenarioState("loading", name);
    $("scenario-empty").hidden = true;
    var dl = $("dl-scenario");
    dl.hidden = false;
    dl.href = url(ROUTES.scenarios + "/" + encodeURIComponent(name), { format: "xlsx" });
    dl.setAttribute("download", "情景_" + name.replace(/[\\/:*?"<>|]/g, "_") + ".xlsx");
    $("scenario-meta").textContent = "读取中 loading…";
    var chartBox = $("scenario-chart");
    chartBox.textContent = "";
    chartBox.setAttribute("data-rendered", "0");
    getJSON(ROUTES.scenarios + "/" + encodeURIComponent(name)).then(function (res) {
      if (mySeq !== scenarioSeq) { return; }
      renderScenario(res);
      var done = function () { if (mySeq === scenarioSeq) { scenarioState("shown", name); } };
      if (!ROUTES.chartScenario) { done(); return; }
      return getJSON(url(ROUTES.chartScenario, { name: name, format: "vl.json" })).then(function (spec) {
        return mySeq === scenarioSeq ? drawSpec(chartBox, spec) : null;
      }).catch(function (err) {
        chartBox.textContent = "";
        chartBox.appendChild(el("div", { cls: "loading-state", text: "情景图无法读取 scenario chart: " + String(err.message || err) }));
      }).then(done);
    }).catch(function (err) {
      if (mySeq !== scenarioSeq) { return; }
      $("scenario-body").hidden = true;
      $("scenario-meta").textContent = "";
      $("scenario-empty").hidden = false;
      $("scenario-empty").textContent = "情景无法计算 scenario could not be evaluated: " + String(err.message || err);
      scenarioState("error", name);
    });
  }
  function renderScenario(res) {
    var doc = res.scenario || {}, ev = res.evaluation || {};
    var b = ev.baseline || {}, s = ev.scenario || {};
    $("scenario-illustrative").hidden = !res.illustrative;
    $("scenario-body").hidden = false;
    var meta = $("scenario-meta");
    meta.textContent = "";
    meta.appendChild(el("strong", { cls: "scenario-name", text: doc.name || "" }));
    meta.appendChild(document.createTextNode(" · 范围 scope " + (ev.scope_name || "") + " " + (ev.scope_id || "") +
      " · 数据年份 year " + (ev.year || "—") + (ev.target_year ? " · 目标年 target year " + ev.target_year : "") +
      " · " + (doc.origin === "optimiser" ? "优化建议 optimiser" : "手工 manual") + " · 变动 " + (doc.changes || []).length + " 项" +
      (doc.updated ? " · 更新 " + String(doc.updated).slice(0, 10) : "")));
    if (ev.projection) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(badge()); }
    if (doc.note) { meta.appendChild(el("span", { cls: "note", text: "备注 note: " + doc.note })); }
    if ((doc.changes || []).length) {
      var list = el("ol", { cls: "changes" });
      doc.changes.forEach(function (c) { list.appendChild(el("li", { text: changeWords(c) })); });
      meta.appendChild(el("details", { cls: "changes" }, [el("summary", { text: "变动 changes (" + doc.changes.length + ")" }), list]));
    }
    var tb = document.querySelector("#scenario-figures tbody");
    tb.textContent = "";
    FIGURE_ROWS.forEach(function (row) {
      var k = row[0], kind = row[3];
      if (!(k in b) && !(k in s)) { return; }
      var x = b[k], y = s[k];
      var tot = k === "targets_met" ? [b.targets_total, s.targets_total] : (k === "conditions_met" ? [b.conditions_total, s.conditions_total] : null);
      var show = function (v, t) { return fmtKind(v, kind) + (t !== undefined && t !== null && v !== null && v !== undefined ? " / " + t : ""); };
      var both = x !== null && x !== undefined && y !== null && y !== undefined;
      var moved = both && Math.abs(y - x) > 1e-9;
      tb.appendChild(el("tr", { "data-key": k, cls: moved ? "moved" : "" }, [
        el("td", null, [row[1], el("span", { cls: "en", text: " " + row[2] })]),
        el("td", { cls: "num baseline", "data-value": x === null || x === undefined ? "" : String(x), text: show(x, tot && tot[0]) }),
        el("td", { cls: "num scenario", "data-value": y === null || y === undefined ? "" : String(y), text: show(y, tot && tot[1]) }),
        el("td", { cls: "num change", text: both ? (kind === "pct" ? signed(100 * (y - x), NF) + " 个百分点" : signed(y - x, kind === "ratio" ? NF4 : NF)) : "—" })
      ]));
    });
    if (!("targets_met" in b)) {
      tb.appendChild(el("tr", { cls: "note-row" }, [el("td", { colspan: "4", cls: "note", text: "试点目标达成只对单个城市的情景计算 (targets met: one-city scenarios only)" })]));
    }
    var moved = (ev.moved || []).slice().sort(function (p, q) {
      var sp = p.status_before !== p.status_after ? 0 : 1, sq = q.status_before !== q.status_after ? 0 : 1;
      var size = function (m) { return Math.abs((m.supply_after || 0) - (m.supply_before || 0)) + Math.abs((m.demand_after || 0) - (m.demand_before || 0)); };
      return (sp - sq) || (size(q) - size(p)) || (p.code < q.code ? -1 : 1);
    });
    var mb = document.querySelector("#scenario-moved tbody");
    mb.textContent = "";
    moved.forEach(function (m) {
      var changed = m.status_before !== m.status_after;
      mb.appendChild(el("tr", { "data-code": m.code, cls: changed ? "status-moved" : "" }, [
        el("td", { text: m.code + " " + (m.name || "") }),
        el("td", { cls: "num supply", text: num(m.supply_before) + " → " + num(m.supply_after) }),
        el("td", { cls: "num demand", text: demandWord(m.demand_before, m.status_before) + " → " + demandWord(m.demand_after, m.status_after) }),
        el("td", { cls: "status" }, [el("span", { cls: "st " + (m.status_before || "none"), text: statusWord(m.status_before) }), " → ",
          el("span", { cls: "st " + (m.status_after || "none"), text: statusWord(m.status_after) })])
      ]));
    });
    if (!moved.length) { mb.appendChild(el("tr", null, [el("td", { colspan: "4", text: "没有行业的供需因本情景而变 no industry moves" })])); }
    var items = ev.readiness_moved || [];
    $("scenario-items-wrap").hidden = !items.length;
    var ib = document.querySelector("#scenario-items tbody");
    ib.textContent = "";
    items.forEach(function (i) {
      var ratio = typeof i.threshold === "number" && i.threshold <= 1 && i.threshold > 0 && i.threshold % 1 !== 0;
      var f = function (v) { return v === null || v === undefined ? "—" : (ratio ? NF3.format(v) : num(v)); };
      var metWord = function (v) { return v === null || v === undefined ? "无法衡量" : (v ? "✓ 达成" : "✗ 未达成"); };
      ib.appendChild(el("tr", { "data-target": i.target }, [
        el("td", { text: i.name || i.target }), el("td", { cls: "num", text: f(i.value_before) }), el("td", { cls: "num", text: f(i.value_after) }),
        el("td", { text: metWord(i.met_before) + " → " + metWord(i.met_after) })]));
    });
    var notes = [];
    if (ev.projection) {
      var info = ev.projection_info || {};
      notes.push("预测 projection：目标年 " + ev.target_year + " 的供需按预测计算（基年 " + (info.base_year || ev.year) + "）" + (info.note ? "；" + info.note : ""));
    }
    notes.push("基线 = 图谱中的数据，情景 = 基线加上本情景的变动；图谱不因情景而改变 (the baseline is the graph; the scenario is laid over it, the graph is not changed)。");
    var other = $("scenario-note").getAttribute("data-others");
    $("scenario-note").textContent = notes.join(" ") + (other ? " " + other : "");
  }

  // ------------------------------------------------------------------------------ wiring
  $("sort").addEventListener("change", function (e) { state.sort = e.target.value; renderChart(); });
  $("year").addEventListener("change", function (e) { state.year = e.target.value; if (state.city) { select(state.city); } });
  state.year = new URLSearchParams(window.location.search).get("year") || "";
  state.target = readTarget(new URLSearchParams(window.location.search).get("target_year"));
  state.scenario = new URLSearchParams(window.location.search).get("scenario") || "";
  $("target-year").value = state.target;
  $("target-year").addEventListener("change", function (e) {
    var v = readTarget(e.target.value);
    if (e.target.value && !v) { e.target.setCustomValidity("填写四位年份，如 2027 (a year such as 2027)"); e.target.reportValidity(); return; }
    e.target.setCustomValidity("");
    if (v === state.target) { return; }
    state.target = v;
    if (state.city) { select(state.city); }
  });
  $("scenario").addEventListener("change", function (e) { if (e.target.value) { showScenario(e.target.value); } });
  $("toggle-all").addEventListener("click", function () { state.showAll = !state.showAll; renderChart(); });
  window.addEventListener("beforeprint", function () { state.showAll = true; renderChart(); });
  loadCities().then(fillCities).catch(function (err) { showError(String(err.message || err)); });
})();
