/* The comparison page: a sortable table and a schematic tile map, from the answer written into the page.
   Every name is written with textContent (never as markup); nothing is loaded from elsewhere. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("compare-config").textContent);
  var data = config.data, layout = config.layout;
  var rows = data.cities.slice();
  var SOURCE = { yours: "你的数据", illustrative: "示例", public: "公开" };
  var SOURCE_EN = { yours: "yours", illustrative: "illustrative", public: "public lists only" };
  var MEASURE_OF = { sai: "sai", coverage: "coverage", targets: "targets_met", coupling: "coupling" };
  var NO_DATA = "无数据";
  var GAP_ZH = { unmet_demand: "无供给", shortage: "短缺", surplus: "过剩", uncovered_segment: "未覆盖环节",
                 no_cooperation: "无合作", no_training_base: "无基地", target_shortfall: "目标差距" };
  var state = { measure: MEASURE_OF[data.measure] || "sai", key: "rank", dir: "asc" };
  var SORT_OF = { sai: "sai", coverage: "coverage", targets_met: "targets", coupling: "coupling" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function value(r, key) {
    if (key === "rank") { return r._rank; }
    if (key === "completeness") {
      var c = r.completeness || {};
      return c.has_programs && c.institutions_total ? c.institutions_with_programs / c.institutions_total : null;
    }
    var v = r[key];
    return v === undefined ? null : v;
  }
  function fmt(v, key) {
    if (v === null || v === undefined) { return NO_DATA; }
    if (key === "targets_met" || key === "gaps_total") { return String(v); }
    return Number(v).toFixed(4);
  }
  /* the rank by a measure: cities with a value, highest first (ties by code); the others none — never 0 */
  function rankBy(measure) {
    var have = rows.filter(function (r) { return value(r, measure) !== null; });
    have.sort(function (a, b) { return value(b, measure) - value(a, measure) || (a.city < b.city ? -1 : 1); });
    rows.forEach(function (r) { r._rank = null; });
    have.forEach(function (r, k) { r._rank = k + 1; });
  }
  function sortRows() {
    var key = state.key, dir = state.dir === "asc" ? 1 : -1, text = key === "name" || key === "source";
    rows.sort(function (a, b) {
      if (a.has_data !== b.has_data) { return a.has_data ? -1 : 1; }  /* a city without data: last in every order */
      var va = value(a, key), vb = value(b, key);
      if (va === null && vb === null) { return a.city < b.city ? -1 : 1; }
      if (va === null) { return 1; }   /* no data: always last, whichever way */
      if (vb === null) { return -1; }
      var c = text ? String(va).localeCompare(String(vb), "zh-CN") : va - vb;
      return c * dir || (a.city < b.city ? -1 : 1);
    });
  }
  function drawTable() {
    var body = document.querySelector("#compare-table tbody");
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = el("tr", r.has_data ? "" : "nodata-row");
      tr.dataset.city = r.city;
      tr.appendChild(el("td", "num rank", r._rank === null ? "—" : r._rank));
      var name = el("td", "name", r.name);
      name.title = r.city;
      tr.appendChild(name);
      var src = el("td");
      var tag = el("span", "tag " + r.source, SOURCE[r.source] || r.source);
      tag.title = SOURCE_EN[r.source] || "";
      src.appendChild(tag);
      tr.appendChild(src);
      ["sai", "sai_observed", "coverage"].forEach(function (k) {
        var v = value(r, k);
        tr.appendChild(el("td", v === null ? "num nodata" : "num", fmt(v, k)));
      });
      tr.appendChild(el("td", r.targets_met === null ? "num nodata" : "num",
                        r.targets_met === null ? NO_DATA : r.targets_met + "/" + r.targets_total));
      tr.appendChild(el("td", r.coupling === null ? "num nodata" : "num",
                        r.coupling === null ? NO_DATA : Number(r.coupling).toFixed(4) + " " + (r.coupling_grade || "")));
      var g = el("td", r.gaps === null ? "num nodata" : "num", r.gaps === null ? NO_DATA : r.gaps_total);
      if (r.gaps) {
        g.title = Object.keys(r.gaps).filter(function (k) { return r.gaps[k]; })
          .map(function (k) { return (GAP_ZH[k] || k) + " " + r.gaps[k]; }).join("、");
      }
      tr.appendChild(g);
      var c = r.completeness || {};
      var comp = !r.has_data ? (c.public_only ? "只在公开名单中" : data.year + " 年无专业点和需求数据")
        : "院校 " + c.institutions_with_programs + "/" + c.institutions_total + " 有专业点" +
          (c.has_demand ? "" : "；无需求数据") + (c.partial ? "；年份数据偏少" : "");
      tr.appendChild(el("td", r.has_data ? "" : "nodata", comp));
      body.appendChild(tr);
    });
    document.querySelectorAll("#compare-table th").forEach(function (th) {
      if (th.dataset.key === state.key) {
        th.setAttribute("aria-sort", state.dir === "asc" ? "ascending" : "descending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
    document.body.dataset.sortKey = state.key;
    document.body.dataset.sortDir = state.dir;
  }
  function colour(t) {  /* light to dark blue */
    var a = [219, 234, 254], b = [30, 58, 138];
    var c = a.map(function (x, i) { return Math.round(x + (b[i] - x) * t); });
    return "rgb(" + c.join(",") + ")";
  }
  function drawMap() {
    var map = document.getElementById("tilemap");
    map.textContent = "";
    map.style.gridTemplateColumns = "repeat(" + layout.cols + ", minmax(44px, 1fr))";
    var m = state.measure;
    var vals = rows.map(function (r) { return value(r, m); }).filter(function (v) { return v !== null; });
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    rows.slice().sort(function (a, b) { return a.city < b.city ? -1 : 1; }).forEach(function (r) {
      var pos = layout.tiles[r.city];
      if (!pos) { return; }
      var v = value(r, m);
      var t = el("div", "tile" + (v === null ? " nodata" : "") + (layout.unplaced.indexOf(r.city) >= 0 ? " unplaced" : ""));
      t.dataset.city = r.city;
      t.style.gridRow = String(pos.row + 1);
      t.style.gridColumn = String(pos.col + 1);
      t.appendChild(el("span", "n", r.name));
      t.appendChild(el("span", "v", v === null ? NO_DATA : fmt(v, m)));
      if (v !== null) {
        var k = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        t.style.background = colour(k);
        t.style.color = k > 0.55 ? "#fff" : "#111827";
      }
      t.title = r.name + " " + r.city + " · " + (SOURCE[r.source] || r.source) + " · " +
        (v === null ? NO_DATA : fmt(v, m)) + (r._rank ? " · 第 " + r._rank + " 名" : "");
      map.appendChild(t);
    });
    var legend = document.getElementById("legend");
    legend.textContent = "";
    if (vals.length) {
      legend.appendChild(el("span", "", fmt(lo, m)));
      var ramp = el("span", "ramp");
      ramp.style.background = "linear-gradient(90deg," + colour(0) + "," + colour(1) + ")";
      legend.appendChild(ramp);
      legend.appendChild(el("span", "", fmt(hi, m)));
    }
    legend.appendChild(el("span", "nd"));
    legend.appendChild(el("span", "", NO_DATA + "（不按 0 着色 no data, not 0）"));
  }
  function redraw() {
    rankBy(state.measure);
    sortRows();
    drawTable();
    drawMap();
  }
  document.querySelectorAll("#compare-table th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.dataset.key;
      if (state.key === key) {
        state.dir = state.dir === "asc" ? "desc" : "asc";
      } else {
        state.key = key;
        state.dir = th.dataset.dir || (th.dataset.type === "text" ? "asc" : "desc");
      }
      sortRows();
      drawTable();
    });
  });
  var select = document.getElementById("measure");
  select.value = state.measure;
  select.addEventListener("change", function () {
    state.measure = select.value;
    state.key = "rank";
    state.dir = "asc";
    links();
    redraw();
  });
  /* the downloads (CSV, xlsx): the page's answer ranked by the measure chosen (the API's sort; SAI by default
     and for a measure the API does not rank by) */
  function links() {
    var base = config.download.replace(/([?&])format=csv$/, "$1");
    if (base === config.download) {
      document.getElementById("download").href = config.download;
      document.getElementById("download-xlsx").href = config.download.replace(/format=csv/, "format=xlsx");
      return;
    }
    var sort = SORT_OF[state.measure];
    var query = base + (sort && sort !== "sai" ? "sort=" + sort + "&" : "");
    document.getElementById("download").href = query + "format=csv";
    document.getElementById("download-xlsx").href = query + "format=xlsx";
  }
  links();
  document.getElementById("to-dashboard").href = config.routes.dashboard;
  document.getElementById("year-note").textContent = (data.year ? data.year + " 年" : "") +
    " · " + rows.length + " 个城市，" + data.unranked + " 个无数据";
  var notes = [data.note, data.coupling_note ? "耦合协调度：" + data.coupling_note : null].filter(Boolean);
  document.getElementById("notes").textContent = notes.join(" ");
  document.getElementById("layout-note").textContent = layout.grid_note +
    (layout.unplaced.length ? "；布局中没有的城市（虚线框）按代码排在下方，位置不表示方位" : "");
  redraw();
  document.body.dataset.ready = "1";
})();
