import Foundation
import XCTest

/// A small structural JSON Schema validator: the subset the report schema
/// uses (type, required, properties, additionalProperties: false, items, enum,
/// minimum, $ref to #/$defs). Keeps the tests hermetic (no Python jsonschema).
enum SchemaValidator {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func validate(_ json: String, schemaPath: String) throws {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schemaPath))) as! [String: Any]
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        var errors: [String] = []
        check(value, schema, root: schema, at: "$", errors: &errors)
        if !errors.isEmpty { throw Failure(description: errors.prefix(10).joined(separator: "\n")) }
    }

    static func check(_ v: Any, _ s: [String: Any], root: [String: Any], at path: String, errors: inout [String]) {
        if let ref = s["$ref"] as? String {
            let name = String(ref.dropFirst("#/$defs/".count))
            let defs = root["$defs"] as! [String: Any]
            guard let d = defs[name] as? [String: Any] else { errors.append("\(path): unknown $ref \(ref)"); return }
            return check(v, d, root: root, at: path, errors: &errors)
        }
        if let t = s["type"] as? String {
            let ok: Bool
            switch t {
            case "object": ok = v is [String: Any]
            case "array": ok = v is [Any]
            case "string": ok = v is String
            case "integer": ok = !(v is String) && (v as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false  // the schema has no booleans
            case "number": ok = v is NSNumber
            case "boolean": ok = v is Bool
            default: ok = true
            }
            if !ok { errors.append("\(path): not \(t)"); return }
        }
        if let e = s["enum"] as? [Any] {
            let hit = e.contains { ($0 as? NSObject)?.isEqual(v) ?? false }
            if !hit { errors.append("\(path): \(v) not in \(e)") }
        }
        if let m = s["minimum"] as? Double, let n = v as? NSNumber, n.doubleValue < m { errors.append("\(path): \(n) < \(m)") }
        if let o = v as? [String: Any] {
            let props = s["properties"] as? [String: Any] ?? [:]
            for r in s["required"] as? [String] ?? [] where o[r] == nil { errors.append("\(path): missing '\(r)'") }
            for (k, x) in o {
                if let ps = props[k] as? [String: Any] { check(x, ps, root: root, at: path + "." + k, errors: &errors) }
                else if (s["additionalProperties"] as? Bool) == false { errors.append("\(path): unexpected key '\(k)'") }
            }
        }
        if let a = v as? [Any], let items = s["items"] as? [String: Any] {
            for (i, x) in a.enumerated() { check(x, items, root: root, at: "\(path)[\(i)]", errors: &errors) }
        }
    }
}

final class SchemaValidatorTests: XCTestCase {
    /// The validator itself can fail: a report with a wrong key is rejected.
    func testRejectsBadReports() {
        let schema = repoRoot + "/docs/schema/check-report.schema.json"
        XCTAssertThrowsError(try SchemaValidator.validate("{\"schemaVersion\": 2}", schemaPath: schema))
        let bad = """
        {"schemaVersion": 1, "tool": {"name": "dcmaudit", "version": "x"}, "run": {"paths": [], "files": 0, "unreadable": 0, "failOn": "error", "exitCode": 0},
         "packs": [], "rules": [], "totals": {"findings": 1, "error": 1, "warning": 0, "info": 0, "outcomes": {"pass": 0, "fail": 1, "notApplicable": 0, "notEvaluated": 0}},
         "findings": [{"rule": "a.b", "pack": "p", "severity": "fatal", "level": "instance", "message": "m", "extra": 1}]}
        """
        XCTAssertThrowsError(try SchemaValidator.validate(bad, schemaPath: schema)) { e in
            XCTAssertTrue("\(e)".contains("fatal"))
            XCTAssertTrue("\(e)".contains("unexpected key 'extra'"))
        }
    }
}
