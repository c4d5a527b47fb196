/**
 * A self-contained HTML page rendering the OpenAPI document: no CDN, no framework, the document is
 * inlined (with "<" escaped so it cannot close the script element).
 */
export function renderDocsPage(document: unknown): string {
  const json = JSON.stringify(document).replace(/</g, "\\u003c");
  const title = escapeHtml(String((document as { info?: { title?: string } }).info?.title ?? "API"));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — reference</title>
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
header{padding:16px 24px;background:#0d1b2a;color:#fff}header a{color:#9cc9ff}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
h2{margin-top:32px;border-bottom:1px solid #d0d7de}
details.op{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:8px 0}
details.op>summary{cursor:pointer;padding:8px 12px;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:60px;font-weight:700}.GET{color:#0a7d32}.POST{color:#0550ae}.PUT,.PATCH{color:#9a6700}.DELETE{color:#cf222e}
.body{padding:0 12px 12px}pre{white-space:pre-wrap;background:#f6f8fa;padding:8px;border-radius:4px}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace}
</style></head>
<body><header><strong>${title}</strong> · <a href="/openapi.json">openapi.json</a></header><main id="root"></main>
<script type="application/json" id="openapi">${json}</script>
<script>
(function(){
  var doc = JSON.parse(document.getElementById("openapi").textContent);
  var root = document.getElementById("root");
  function el(tag, attrs, children){ var e = document.createElement(tag); for (var k in attrs||{}) e.setAttribute(k, attrs[k]); (children||[]).forEach(function(c){ e.append(c); }); return e; }
  function typeOf(s){ if(!s) return ""; if(s.$ref) return s.$ref.split("/").pop(); if(s.type==="array") return typeOf(s.items)+"[]"; return [].concat(s.type||"any").join("|")+(s.format?" ("+s.format+")":""); }
  function schemaBlock(s){ if(!s) return el("span"); var name = s.$ref ? s.$ref.split("/").pop() : null; var target = name ? doc.components.schemas[name] : s;
    var pre = el("pre", {}, [(name ? name + " " : "") + JSON.stringify(target, null, 2)]); return pre; }
  root.append(el("p", {}, [doc.info.description || ""]));
  var byTag = {};
  Object.keys(doc.paths).forEach(function(path){ Object.keys(doc.paths[path]).forEach(function(verb){ var op = doc.paths[path][verb]; (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push([verb.toUpperCase(), path, op]); }); });
  (doc.tags||[]).forEach(function(tag){
    var ops = byTag[tag.name]; if(!ops) return;
    root.append(el("h2", {id: tag.name}, [tag.name]));
    if (tag.description) root.append(el("p", {}, [tag.description]));
    ops.forEach(function(o){
      var op = o[2], body = el("div", {class: "body"});
      if (op.description) body.append(el("p", {}, [op.description]));
      if (op.security && op.security.length === 0) body.append(el("p", {}, [el("em", {}, ["No credentials needed."])]));
      if (op.parameters && op.parameters.length) {
        var t = el("table", {}, [el("tr", {}, [el("th",{},["name"]), el("th",{},["in"]), el("th",{},["type"]), el("th",{},["description"])])]);
        op.parameters.forEach(function(p){ t.append(el("tr", {}, [el("td",{},[el("code",{},[p.name])]), el("td",{},[p.in]), el("td",{},[typeOf(p.schema)]), el("td",{},[p.description||""])])); });
        body.append(el("h4", {}, ["Parameters"]), t);
      }
      if (op.requestBody) { body.append(el("h4", {}, ["Request body"]), schemaBlock(op.requestBody.content["application/json"].schema)); }
      var ok = op.responses["200"], content = ok.content || {}, first = Object.keys(content)[0];
      body.append(el("h4", {}, ["Response (" + (first||"") + ")"]), el("p", {}, [ok.description]));
      if (first) body.append(schemaBlock(content[first].schema.properties && content[first].schema.properties.result || content[first].schema));
      root.append(el("details", {class: "op", id: op.operationId}, [el("summary", {}, [el("span", {class: "m " + o[0]}, [o[0]]), " " + o[1] + " — " + (op.summary||"")]), body]));
    });
  });
})();
</script></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
