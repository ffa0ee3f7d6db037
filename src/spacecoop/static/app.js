// The query page: YASGUI (vendored in /static/yasgui/) pointed at this server's /sparql, with the
// named queries of /queries offered as examples. Every request goes to this same origin.
(function () {
  "use strict";
  var endpoint = new URL("/sparql", window.location.href).href;
  var YasguiClass = window.Yasgui && (window.Yasgui.default || window.Yasgui);

  var yasgui = new YasguiClass(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,          // fresh tabs on every visit; nothing kept in localStorage
    populateFromUrl: false,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
    },
    // Only the completers that work offline: the class and property completers ask a remote
    // vocabulary service, so they are left out.
    yasqe: {
      autocompleters: ["variables", "prefixes"],
      value: [
        "# Which payloads fly on which mission, and who develops them?",
        "PREFIX sc: <https://w3id.org/spacecoop/ns#>",
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
        "",
        "SELECT ?missionLabel ?payloadLabel ?developerLabel WHERE {",
        "  ?mission sc:carries ?payload ; skos:prefLabel ?missionLabel .",
        "  ?payload skos:prefLabel ?payloadLabel .",
        "  OPTIONAL { ?developer sc:develops ?payload ; skos:prefLabel ?developerLabel }",
        "}",
        "ORDER BY ?missionLabel ?payloadLabel ?developerLabel",
      ].join("\n"),
    },
    yasr: { defaultPlugin: "table" },
  });
  window.spacecoopYasgui = yasgui;

  function openExample(q) {
    var tab = yasgui.addTab(true, {
      name: q.name,
      yasqe: { value: q.query },
      requestConfig: { endpoint: endpoint, method: "POST" },
    });
    tab.setEndpoint(endpoint);
    tab.query();
  }

  function showExamples(items) {
    var list = document.getElementById("example-list");
    list.textContent = "";
    items.forEach(function (q) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.dataset.query = q.name;
      button.title = q.description || q.summary;
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = q.name;
      var summary = document.createElement("span");
      summary.className = "summary";
      summary.textContent = q.summary;
      button.appendChild(name);
      button.appendChild(summary);
      button.addEventListener("click", function () { openExample(q); });
      li.appendChild(button);
      list.appendChild(li);
    });
    document.body.dataset.examples = String(items.length);
  }

  fetch("/queries", { headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) { throw new Error("GET /queries answered " + r.status); }
      return r.json();
    })
    .then(showExamples)
    .catch(function (err) {
      var list = document.getElementById("example-list");
      list.textContent = "";
      var li = document.createElement("li");
      li.className = "error";
      li.textContent = "cannot list the named queries: " + err.message;
      list.appendChild(li);
    });
})();
