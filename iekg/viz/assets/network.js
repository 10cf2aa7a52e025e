/* iekg network page: draws the graph data of #graph-data with vis-network, lets the layout settle,
   then switches physics off so the picture stays still. No external loads. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  window.network = network;
  window.iekgGraph = { nodes: nodes, edges: edges, data: data };

  var pct = document.getElementById("loading-pct");
  var done = false;
  function settled() {
    if (done) { return; }
    done = true;
    network.setOptions({ physics: false });
    network.fit({ animation: false });
    document.body.classList.add("settled");
    document.body.setAttribute("data-settled", "1");
  }
  var physics = data.options.physics;
  var usesPhysics = !(physics === false || (physics && physics.enabled === false));
  if (usesPhysics) {
    network.on("stabilizationProgress", function (p) {
      if (pct) { pct.textContent = Math.round(100 * p.iterations / Math.max(1, p.total)) + "%"; }
    });
    network.once("stabilizationIterationsDone", settled);
    network.once("stabilized", settled);  // backup: the simulation came to rest by itself
  } else {
    network.once("afterDrawing", settled);
  }

  var body = document.getElementById("details-body");
  function text(el, cls, s) {
    var d = document.createElement(el);
    if (cls) { d.className = cls; }
    d.textContent = s;
    return d;
  }
  function show(item, isNode) {
    body.textContent = "";
    var title = String(item.title || item.label || "");
    var lines = title.split("\n");
    body.appendChild(text("div", "d-title", lines[0]));
    body.appendChild(text("div", "", lines.slice(1).join("\n")));
    if (isNode && data.linkPrefix && item.uid) {
      var a = document.createElement("a");
      a.href = data.linkPrefix + "/ego/" + encodeURIComponent(item.uid);
      a.textContent = "查看关系网络 open its network →";
      body.appendChild(document.createElement("br"));
      body.appendChild(a);
    }
  }
  network.on("click", function (p) {
    if (p.nodes.length) { show(nodes.get(p.nodes[0]), true); }
    else if (p.edges.length) { show(edges.get(p.edges[0]), false); }
  });
  document.getElementById("btn-fit").addEventListener("click", function () { network.fit({ animation: true }); });
  window.addEventListener("beforeprint", function () { network.fit({ animation: false }); network.redraw(); });
})();
