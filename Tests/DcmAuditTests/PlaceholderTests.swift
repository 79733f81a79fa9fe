import XCTest

// Placeholder so the declared test target has sources; replace with real tests.
final class DcmAuditPlaceholderTests: XCTestCase {
    func testPlaceholder() {}
}
