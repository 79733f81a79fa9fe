/// The built-in template of the HTML report (mustache). Every `{{value}}` is
/// HTML-escaped by the template engine; the one triple-stash, `{{{data}}}`, is
/// the findings' JSON, whose `<`, `>` and `&` are written as `\u003c`,
/// `\u003e`, `\u0026` so that it cannot close its `<script>` element. The
/// page's script builds rows with `textContent`, never with HTML strings.
/// A user's template (`--html-template FILE`) gets the same context: see
/// docs/reports.md.
enum HTMLTemplate {
    static let builtin = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{{#phiShown}}<meta name="dcmaudit-notice" content="{{phiNotice}}">{{/phiShown}}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>dcmaudit report — {{verdict}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
.phi{background:#b00020;color:#fff;padding:.6em 1em;font-weight:bold}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;min-width:7em}
.card b{display:block;font-size:1.5em}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f6f6;cursor:pointer;user-select:none}td.n{text-align:right}
.error{color:#b00020}.warning{color:#a15c00}.info{color:#1a5fb4}
.sev-error{fill:#b00020}.sev-warning{fill:#e5a50a}.sev-info{fill:#1a5fb4}
.controls{display:flex;gap:.6em;flex-wrap:wrap;align-items:center;margin:.6em 0}
tr.group td{background:#eef3fa;font-weight:bold}
code,.mono{font-family:ui-monospace,monospace;font-size:12px}
details pre{white-space:pre-wrap}
.muted{color:#777}
.bar{display:flex;width:220px;height:12px;background:#eee;border-radius:2px;overflow:hidden}.bar span{display:block;height:100%}
.b-error{background:#b00020}.b-warning{background:#e5a50a}.b-clean{background:#2e7d32}
.key{display:inline-block;width:10px;height:10px;vertical-align:middle}
</style>
</head>
<body>
{{#phiShown}}<div class="phi" id="phi-notice">{{phiNotice}}</div>{{/phiShown}}{{#incomplete}}<div class="phi" id="incomplete-notice">INCOMPLETE: {{incompleteNotice}}</div>{{/incomplete}}
<h1>dcmaudit: <span class="{{verdictClass}}">{{verdict}}</span></h1>
<p class="muted">dcmaudit {{toolVersion}} · started {{startTime}} · {{duration}} s · fail on {{failOn}} · patient data {{#phiShown}}SHOWN{{/phiShown}}{{^phiShown}}redacted{{/phiShown}}</p>
<div class="cards">
<div class="card"><b>{{files}}</b>files</div>
<div class="card"><b>{{series}}</b>series</div>
<div class="card"><b>{{studies}}</b>studies</div>
<div class="card"><b>{{unreadable}}</b>unreadable</div>
<div class="card"><b>{{notDicom}}</b>not DICOM</div>
<div class="card error"><b>{{errors}}</b>errors</div>
<div class="card warning"><b>{{warnings}}</b>warnings</div>
<div class="card info"><b>{{infos}}</b>info</div>
{{#hasWaivers}}<div class="card muted"><b>{{waivedCount}}</b><a href="#waived">waived</a></div>{{/hasWaivers}}
</div>

<h2>Findings per rule</h2>
{{#chart}}
<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{{width}}" height="{{height}}" role="img" aria-label="findings per rule">
{{#bars}}<g><text x="0" y="{{textY}}" font-size="12">{{label}}</text><rect class="sev-{{severity}}" x="{{x}}" y="{{y}}" width="{{barWidth}}" height="14"><title>{{label}}: {{count}}</title></rect><text x="{{countX}}" y="{{textY}}" font-size="12">{{count}}</text></g>
{{/bars}}
</svg>
{{/chart}}
{{^chart}}<p>No findings.</p>{{/chart}}

<!-- section: compliance (files and series with errors vs clean, per scanner and per series) -->
{{#compliance}}{{#hasFiles}}
<h2 id="compliance">Compliance</h2>
<p class="muted">Files and series by their worst finding: <span class="key b-error"></span> with an error, <span class="key b-warning"></span> with warnings (no error), <span class="key b-clean"></span> clean (no finding, or info only). Unreadable and non-DICOM files are not counted here.</p>
<table id="compliance-totals">
<thead><tr><th></th><th>errors</th><th>warnings</th><th>clean</th><th></th></tr></thead>
<tbody>
{{#files}}<tr><td>files</td><td class="n">{{errors}}</td><td class="n">{{warnings}}</td><td class="n">{{clean}}</td><td><div class="bar" title="files: {{errors}} with errors, {{warnings}} with warnings, {{clean}} clean"><span class="b-error" style="width:{{errorsPct}}%"></span><span class="b-warning" style="width:{{warningsPct}}%"></span><span class="b-clean" style="width:{{cleanPct}}%"></span></div></td></tr>{{/files}}
{{#series}}<tr><td>series</td><td class="n">{{errors}}</td><td class="n">{{warnings}}</td><td class="n">{{clean}}</td><td><div class="bar" title="series: {{errors}} with errors, {{warnings}} with warnings, {{clean}} clean"><span class="b-error" style="width:{{errorsPct}}%"></span><span class="b-warning" style="width:{{warningsPct}}%"></span><span class="b-clean" style="width:{{cleanPct}}%"></span></div></td></tr>{{/series}}
</tbody>
</table>
<h3>Per scanner</h3>
<table id="compliance-scanners">
<thead><tr><th>manufacturer</th><th>model</th><th>station</th><th>software</th><th>files: errors / warnings / clean</th><th></th><th>series: errors / warnings / clean</th><th></th></tr></thead>
<tbody>
{{#scanners}}<tr><td>{{manufacturer}}</td><td>{{model}}</td><td class="mono">{{station}}</td><td>{{softwareVersions}}</td>{{#files}}<td class="n">{{errors}} / {{warnings}} / {{clean}}</td><td><div class="bar"><span class="b-error" style="width:{{errorsPct}}%"></span><span class="b-warning" style="width:{{warningsPct}}%"></span><span class="b-clean" style="width:{{cleanPct}}%"></span></div></td>{{/files}}{{#series}}<td class="n">{{errors}} / {{warnings}} / {{clean}}</td><td><div class="bar"><span class="b-error" style="width:{{errorsPct}}%"></span><span class="b-warning" style="width:{{warningsPct}}%"></span><span class="b-clean" style="width:{{cleanPct}}%"></span></div></td>{{/series}}</tr>
{{/scanners}}
</tbody>
</table>
<h3>Series with errors or warnings ({{problemSeriesCount}})</h3>
<table id="compliance-series">
<thead><tr><th>series</th><th>modality</th><th>scanner</th><th>worst</th><th>files: errors / warnings / clean</th><th></th></tr></thead>
<tbody>
{{#problemSeries}}<tr><td class="mono">{{uid}}</td><td>{{modality}}</td><td>{{scanner}}</td><td class="{{worst}}">{{worst}}</td>{{#files}}<td class="n">{{errors}} / {{warnings}} / {{clean}}</td><td><div class="bar"><span class="b-error" style="width:{{errorsPct}}%"></span><span class="b-warning" style="width:{{warningsPct}}%"></span><span class="b-clean" style="width:{{cleanPct}}%"></span></div></td>{{/files}}</tr>
{{/problemSeries}}
</tbody>
</table>
{{#hasMoreSeries}}<p class="muted">… and {{moreSeries}} more series with errors or warnings: group the findings below by series.</p>{{/hasMoreSeries}}
{{/hasFiles}}{{/compliance}}
<!-- end section: compliance -->

<!-- dcmaudit:protocol-compliance -->
<h2>Packs</h2>
<table id="packs">
<thead><tr><th>pack</th><th>version</th><th>pass</th><th>fail</th><th>n/a</th><th>not evaluated</th><th>findings</th></tr></thead>
<tbody>
{{#packs}}<tr><td><code>{{id}}</code></td><td>{{version}}</td><td class="n">{{pass}}</td><td class="n">{{fail}}</td><td class="n">{{notApplicable}}</td><td class="n">{{notEvaluated}}</td><td class="n">{{findings}}</td></tr>
{{/packs}}
</tbody>
</table>

<h2>Rules</h2>
<table id="rules">
<thead><tr><th>rule</th><th>pack</th><th>severity</th><th>level</th><th>pass</th><th>fail</th><th>n/a</th><th>not evaluated</th><th>findings</th></tr></thead>
<tbody>
{{#rules}}<tr id="rule-{{id}}"><td><details><summary><code>{{id}}</code> {{title}}</summary><pre>{{help}}</pre></details></td><td>{{pack}}</td><td class="{{severity}}">{{severity}}</td><td>{{level}}</td><td class="n">{{pass}}</td><td class="n">{{fail}}</td><td class="n">{{notApplicable}}</td><td class="n">{{notEvaluated}}</td><td class="n">{{#hasFindings}}<a href="#findings" data-rule="{{id}}" class="rule-filter">{{findings}}</a>{{/hasFindings}}{{^hasFindings}}0{{/hasFindings}}</td></tr>
{{/rules}}
</tbody>
</table>

{{#hasWaivers}}
<h2 id="waived">Waived findings</h2>
<p>{{waivedCount}} findings left out by the config's waivers: not in the counts, the findings below or the verdict.</p>
<table id="waivers">
<thead><tr><th>rule</th><th>reason</th><th>expires</th><th>applies to</th><th>findings</th></tr></thead>
<tbody>
{{#waivers}}<tr><td><code>{{rule}}</code></td><td>{{reason}}</td><td>{{expires}}</td><td>{{scope}}</td><td class="n">{{count}}</td></tr>
{{#hasFindings}}<tr><td colspan="5"><details><summary>the {{count}} waived findings</summary><table class="waived-findings"><tbody>
{{#findings}}<tr><td class="{{severity}}">{{severity}}</td><td class="mono">{{file}}</td><td class="mono">{{attribute}}</td><td>{{message}}</td></tr>
{{/findings}}</tbody></table>{{#hasMore}}<p class="muted">… and {{more}} more (all of them in the JSON report)</p>{{/hasMore}}</details></td></tr>{{/hasFindings}}
{{/waivers}}
</tbody>
</table>
{{/hasWaivers}}

{{#hasNotEvaluated}}
{{#notEvaluated}}
<h2 id="not-evaluated">Not evaluated</h2>
<p>{{headline}}: an absent Type 1C/2C attribute or a conditional module whose condition is one of the standard's texts a header cannot answer, or a value that cannot be decoded. Neither a pass nor a failure.</p>
<table id="not-evaluated-rules">
<thead><tr><th>rule</th><th>reason</th><th>files</th><th>e.g.</th></tr></thead>
<tbody>
{{#rules}}<tr><td><code>{{id}}</code></td><td class="muted">(all reasons)</td><td class="n">{{fileCount}}</td><td class="mono">{{examples}}</td></tr>
{{#reasons}}<tr><td></td><td>{{text}}</td><td class="n">{{fileCount}}</td><td class="mono">{{examples}}</td></tr>
{{/reasons}}{{/rules}}</tbody>
</table>
{{#listed}}<details><summary>Every file ({{files}})</summary><table id="not-evaluated-files"><tbody>
{{#byFile}}{{#rules}}<tr><td class="mono">{{file}}</td><td><code>{{id}}</code></td><td>{{#lines}}{{.}}<br>{{/lines}}</td></tr>
{{/rules}}{{/byFile}}</tbody></table></details>{{/listed}}
{{/notEvaluated}}
{{/hasNotEvaluated}}
<h2 id="findings">Findings</h2>
<div class="controls">
<input id="q" type="search" placeholder="search file, rule, message, attribute…" size="40">
<select id="f-severity"><option value="">all severities</option><option>error</option><option>warning</option><option>info</option></select>
<select id="f-pack"><option value="">all packs</option>{{#packs}}<option>{{id}}</option>{{/packs}}</select>
<select id="f-rule"><option value="">all rules</option>{{#rules}}{{#hasFindings}}<option>{{id}}</option>{{/hasFindings}}{{/rules}}</select>
<select id="f-modality"><option value="">all modalities</option>{{#modalities}}<option>{{name}}</option>{{/modalities}}</select>
<label>group by <select id="group"><option value="rule">rule</option><option value="series">series</option><option value="file">file</option><option value="">none</option></select></label>
<span id="count" class="muted"></span>
<button id="prev" type="button">‹ prev</button><button id="next" type="button">next ›</button>
</div>
<table id="findings-table">
<thead><tr><th data-key="severity">severity</th><th data-key="rule">rule</th><th data-key="file">file</th><th data-key="attribute">attribute</th><th data-key="message">message</th><th data-key="observed">observed</th><th data-key="expected">expected</th></tr></thead>
<tbody id="rows"></tbody>
</table>

<h2>Run</h2>
<ul>
<li>command: <code>{{commandLine}}</code></li>
<li>started {{startTime}}, {{duration}} s</li>
{{#packs}}<li>pack <code>{{id}}</code> version {{version}}, <span class="mono">{{path}}</span>, sha256 <span class="mono">{{sha256}}</span></li>
{{/packs}}
</ul>

<script type="application/json" id="dcmaudit-data">{{{data}}}</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("dcmaudit-data").textContent);
  var SEV = ["error", "warning", "info"];
  var F = D.findings, PAGE = 100;
  // a finding: [rule, severity, file, attribute, message, observed, expected, because, series, modality]
  var st = { q: "", severity: "", pack: "", rule: "", modality: "", group: "rule", sort: null, dir: 1, page: 0 };
  var view = [];
  function ruleOf(f) { return D.rules[f[0]]; }
  function key(f, k) {
    switch (k) {
      case "severity": return f[1];
      case "rule": return ruleOf(f).id;
      case "file": return f[2] < 0 ? "" : D.files[f[2]];
      case "series": return f[8] < 0 ? "" : D.series[f[8]];
      case "attribute": return f[3] || "";
      case "message": return f[4] || "";
      case "observed": return f[5] || "";
      case "expected": return f[6] || "";
    }
    return "";
  }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function compute() {
    var q = st.q.toLowerCase(), out = [];
    for (var i = 0; i < F.length; i++) {
      var f = F[i], r = ruleOf(f);
      if (st.severity && SEV[f[1]] !== st.severity) continue;
      if (st.pack && r.pack !== st.pack) continue;
      if (st.rule && r.id !== st.rule) continue;
      if (st.modality && (f[9] || "") !== st.modality) continue;
      if (q) {
        var hay = (r.id + "\n" + key(f, "file") + "\n" + (f[3] || "") + "\n" + (f[4] || "") + "\n" + (f[5] || "")).toLowerCase();
        if (hay.indexOf(q) < 0) continue;
      }
      out.push(i);
    }
    out.sort(function (a, b) {
      var fa = F[a], fb = F[b], c = 0;
      if (st.group) c = cmp(key(fa, st.group), key(fb, st.group));
      if (!c && st.sort) c = st.dir * cmp(key(fa, st.sort), key(fb, st.sort));
      return c || a - b;
    });
    view = out;
    st.page = 0;
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function render() {
    var tbody = document.getElementById("rows");
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    var start = st.page * PAGE, end = Math.min(view.length, start + PAGE), last = null;
    for (var n = start; n < end; n++) {
      var f = F[view[n]], r = ruleOf(f);
      if (st.group) {
        var g = key(f, st.group);
        if (g !== last) {
          var gr = document.createElement("tr");
          gr.className = "group";
          var gt = cell(gr, st.group + ": " + (g === "" ? "(none)" : (st.group === "severity" ? SEV[g] : g)));
          gt.colSpan = 7;
          tbody.appendChild(gr);
          last = g;
        }
      }
      var tr = document.createElement("tr");
      cell(tr, SEV[f[1]], SEV[f[1]]);
      var td = document.createElement("td"), a = document.createElement("a");
      a.setAttribute("href", "#rule-" + r.id);
      a.textContent = r.id;
      td.appendChild(a);
      tr.appendChild(td);
      cell(tr, key(f, "file"), "mono");
      cell(tr, f[3], "mono");
      var m = cell(tr, f[4]);
      if (f[7]) m.title = "because " + f[7];
      cell(tr, f[5], "mono");
      cell(tr, f[6]);
      tbody.appendChild(tr);
    }
    document.getElementById("count").textContent = view.length === 0 ? "no findings" :
      (start + 1) + "–" + end + " of " + view.length + " findings";
    document.getElementById("prev").disabled = st.page === 0;
    document.getElementById("next").disabled = end >= view.length;
  }
  function update() { compute(); render(); }
  var timer = null;
  document.getElementById("q").addEventListener("input", function (e) {
    st.q = e.target.value;
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
  ["severity", "pack", "rule", "modality"].forEach(function (k) {
    document.getElementById("f-" + k).addEventListener("change", function (e) { st[k] = e.target.value; update(); });
  });
  document.getElementById("group").addEventListener("change", function (e) { st.group = e.target.value; update(); });
  document.getElementById("prev").addEventListener("click", function () { if (st.page > 0) { st.page--; render(); } });
  document.getElementById("next").addEventListener("click", function () { if ((st.page + 1) * PAGE < view.length) { st.page++; render(); } });
  Array.prototype.forEach.call(document.querySelectorAll("#findings-table th"), function (th) {
    th.addEventListener("click", function () {
      var k = th.getAttribute("data-key");
      if (st.sort === k) st.dir = -st.dir; else { st.sort = k; st.dir = 1; }
      update();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("a.rule-filter"), function (a) {
    a.addEventListener("click", function () {
      st.rule = a.getAttribute("data-rule");
      document.getElementById("f-rule").value = st.rule;
      update();
    });
  });
  // initial filters from the address: report.html#severity=warning&rule=mr.tr-range&q=T1&group=series
  if (location.hash.indexOf("=") > 0) {
    location.hash.slice(1).split("&").forEach(function (kv) {
      var i = kv.indexOf("="), k = decodeURIComponent(kv.slice(0, i)), v = decodeURIComponent(kv.slice(i + 1));
      if (k === "q" || k === "severity" || k === "pack" || k === "rule" || k === "modality" || k === "group") {
        st[k] = v;
        var el = document.getElementById(k === "q" ? "q" : k === "group" ? "group" : "f-" + k);
        if (el) el.value = v;
      }
    });
  }
  update();
  // time from navigation start to the first page of findings (read by the tests)
  document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  window.dcmaudit = { state: st, view: function () { return view; }, update: update };
})();
</script>
</body>
</html>
"""#
}
