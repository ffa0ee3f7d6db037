// Load a spacecoop export with the JavaScript tools analysts use, and print what they read as JSON
// on stdout (tests/test_export_tools.py compares it with networkx). No network: a JSON-LD context
// that is not inline is refused instead of fetched.
//
//   node load.mjs nquads   FILE.jsonld   -> N-Quads from jsonld.js (toRDF), on stdout as text
//   node load.mjs graphml  FILE.graphml  -> {order, size, nodes, edges} as graphology reads it
//   node load.mjs gexf     FILE.gexf     -> the same, through graphology-gexf
//   node load.mjs cytoscape FILE.cyjs    -> the same, from cytoscape({elements, headless: true})
import { readFileSync } from "node:fs";
import jsonld from "jsonld";
import Graph from "graphology";
import gexf from "graphology-gexf";
import graphml from "graphology-graphml";
import cytoscape from "cytoscape";

const [mode, file] = process.argv.slice(2);
const text = readFileSync(file, "utf-8");

function fromGraphology(graph) {
  const nodes = {};
  graph.forEachNode((key, attrs) => { nodes[key] = attrs; });
  const edges = [];
  graph.forEachEdge((key, attrs, source, target) => { edges.push({ key, source, target, attrs }); });
  return { order: graph.order, size: graph.size, type: graph.type, multi: graph.multi,
           attributes: graph.getAttributes(), nodes, edges };
}

async function main() {
  if (mode === "nquads") {
    const documentLoader = async (url) => { throw new Error(`refusing to fetch ${url}`); };
    const nq = await jsonld.toRDF(JSON.parse(text), { format: "application/n-quads", documentLoader });
    process.stdout.write(nq);
    return;
  }
  let out;
  if (mode === "graphml") {
    out = fromGraphology(graphml.parse(Graph, text));
  } else if (mode === "gexf") {
    out = fromGraphology(gexf.parse(Graph, text));
  } else if (mode === "cytoscape") {
    const data = JSON.parse(text);
    const cy = cytoscape({ elements: data.elements, headless: true, styleEnabled: false });
    const nodes = {};
    cy.nodes().forEach((n) => { nodes[n.id()] = n.data(); });
    const edges = cy.edges().map((e) => ({ key: e.id(), source: e.source().id(), target: e.target().id(),
                                           attrs: e.data() }));
    out = { order: cy.nodes().length, size: cy.edges().length, attributes: data.data || {}, nodes, edges };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => { process.stderr.write(`${err.stack || err}\n`); process.exit(1); });
