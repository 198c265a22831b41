import Foundation
import Testing
import TrialRender

/// Writes the fixture's outputs to `$TRIALDIFF_RENDER_SAMPLE_DIR` when set, for looking at them.
@Test func writeSampleOutputsWhenAsked() throws {
    guard let dir = ProcessInfo.processInfo.environment["TRIALDIFF_RENDER_SAMPLE_DIR"] else { return }
    let renderer = try Fixture.renderer()
    let landscape = Fixture.landscape(firstTitle: "<script>alert(1)</script> | CAR-NK", sponsor: "Acme | Bio")
    let url = URL(fileURLWithPath: dir, isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for format in OutputFormat.allCases {
        let text = try renderer.render(landscape, as: format)
        try text.write(to: url.appendingPathComponent(ReportRenderer.fileName(for: format)), atomically: true, encoding: .utf8)
    }
}
