import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialExtraction
import TrialModel
import TrialReaders
import TrialRender

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Landscapes read from `../shared` the way the pipeline reads them: the five seed pages and
/// every file under `realdata` (several hundred trials), loaded once per test process.
enum ChartLandscapes {
    static let seeds = load(PackageFolder.shared.appendingPathComponent("seeds"))
    static let realdata = load(PackageFolder.shared.appendingPathComponent("realdata"))

    static func load(_ folder: URL) -> Landscape {
        let base = folder.path
        let paths = (FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []).sorted()
        var records: [TrialRecord] = []
        for path in paths where !path.hasSuffix(".md") && !path.hasSuffix(".tsv") {
            guard let data = FileManager.default.contents(atPath: base + "/" + path),
                let sources = try? ReaderRegistry.read(InputFile(path: path, bytes: [UInt8](data)))
            else { continue }
            records += sources.map { TrialExtractor.extract($0) }
        }
        return Landscape(records: records, inputs: [])
    }

    /// The charts of `landscape`, labelled by trial ID, with footnote `n + 1` for every value.
    static func charts(_ landscape: Landscape, references: Bool = true) -> [Chart] {
        var n = 0
        return Charts.make(landscape.matrix, labels: landscape.matrix.trials) { _, _, _ in
            guard references else { return nil }
            n += 1
            return n
        }
    }
}

/// An element of a parsed SVG, for looking at what was drawn.
final class SVGNode {
    let name: String
    let attributes: [String: String]
    var children: [SVGNode] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// This node and every node below it, in document order.
    var all: [SVGNode] { [self] + children.flatMap(\.all) }

    /// The text of the `<title>` child: a mark's tooltip.
    var tooltip: String? { children.first { $0.name == "title" }?.text }

    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }

    /// Parses `text` as XML with Foundation's parser; throws when it is not well-formed.
    static func parse(_ text: String) throws -> SVGNode {
        let parser = XMLParser(data: Data(text.utf8))
        let builder = TreeBuilder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw ParseError(message: parser.parserError.map { "\($0)" } ?? "no root element", line: parser.lineNumber)
        }
        return root
    }

    struct ParseError: Error {
        var message: String
        var line: Int
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: SVGNode?
        var stack: [SVGNode] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            let node = SVGNode(name: elementName, attributes: attributeDict)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
    }
}

extension Chart {
    /// The marks (elements with a tooltip) of the inline SVG whose tooltip contains `text`.
    func marks(containing text: String) throws -> [SVGNode] {
        try SVGNode.parse(svg).all.filter { $0.name != "svg" && ($0.tooltip?.contains(text) ?? false) }
    }

    /// Every `<text>` of the inline SVG.
    func texts() throws -> [String] { try SVGNode.parse(svg).all.filter { $0.name == "text" }.map(\.text) }
}

@Suite struct ChartTests {
    let seeds = ChartLandscapes.charts(ChartLandscapes.seeds)

    func chart(_ id: String, in charts: [Chart]) throws -> Chart { try #require(charts.first { $0.id == id }) }

    @Test func seedsGiveEveryChart() {
        #expect(seeds.map(\.id) == ["age-bands", "limits", "lymphodepletion", "enrollment"])
        #expect(seeds.map(\.fileName) == ["chart-age-bands.svg", "chart-limits.svg", "chart-lymphodepletion.svg", "chart-enrollment.svg"])
        #expect(seeds.map(\.title) == ["Age bands", "Eligibility limits", "Lymphodepletion", "Enrollment"])
    }

    /// NCT06337474 states 18 to 65 years in its age fields and in its criteria.
    @Test func ageBarOfAKnownTrial() throws {
        let chart = try chart("age-bands", in: seeds)
        let bars = try chart.marks(containing: "NCT06337474 · Age: ")
        let bar = try #require(bars.first)
        #expect(bars.count == 1)
        #expect(bar.name == "rect")
        #expect(bar.tooltip?.contains("18–65 years") == true)
        // The bar spans 18 to 65 on the axis: its width over its start is (65 − 18) / 18.
        let x = try #require(bar.number("x"))
        let width = try #require(bar.number("width"))
        let x0 = 380.0
        #expect(abs((width / (x - x0)) - 47.0 / 18.0) < 0.02)
        #expect(try chart.texts().contains("18–65"))
        #expect(try chart.texts().contains("age (years)"))
    }

    @Test func lvefPanelHasTheKN5501Limits() throws {
        let chart = try chart("limits", in: seeds)
        let dots = try chart.marks(containing: "· LVEF minimum: ")
        let values = dots.compactMap { $0.tooltip?.components(separatedBy: "LVEF minimum: ≥ ").last?.split(separator: " ").first }
        #expect(Set(values) == ["45", "50", "55"])
        #expect(dots.allSatisfy { $0.name == "circle" })
        // Higher limits sit further right.
        let xs = Dictionary(
            dots.compactMap { dot in
                dot.tooltip?.components(separatedBy: "≥ ").last?.split(separator: " ").first.flatMap { v in dot.number("cx").map { (String(v), $0) } }
            }, uniquingKeysWith: { a, _ in a })
        let x45 = try #require(xs["45"])
        let x50 = try #require(xs["50"])
        let x55 = try #require(xs["55"])
        #expect(x45 < x50 && x50 < x55)
        #expect(try chart.texts().contains { $0 == "Not stated: no LVEF minimum (2 trials)" })
    }

    @Test func lymphodepletionShowsCyclophosphamideOnItsDays() throws {
        let chart = try chart("lymphodepletion", in: seeds)
        let low = try chart.marks(containing: "cyclophosphamide: 300 mg/m²")
        #expect(low.compactMap { $0.tooltip?.components(separatedBy: "(day ").last }.sorted() == ["−3)", "−4)", "−5)"])
        let high = try chart.marks(containing: "cyclophosphamide: 1000 mg/m²")
        #expect(high.compactMap { $0.tooltip?.components(separatedBy: "(day ").last } == ["−3)"])
        // Each day mark of a lane sits on its day: day −3 of both doses at the same x.
        let dayMinus3 = (low + high).filter { $0.tooltip?.hasSuffix("(day −3)") == true }.compactMap { $0.number("x") }
        #expect(dayMinus3.count == 2 && dayMinus3[0] == dayMinus3[1])
        let texts = try chart.texts()
        #expect(texts.contains("300") && texts.contains("1000"))
        #expect(texts.contains("Cy mg/m²/day"))
        #expect(texts.contains("−7") && texts.contains("0"))
    }

    @Test func enrollmentBarsShowRealNumbers() throws {
        let chart = try chart("enrollment", in: seeds)
        let counts = ChartLandscapes.seeds.matrix.row("enrollment")!.cells.map(\.csv)
        let stated = counts.filter { !$0.isEmpty }
        #expect(!stated.isEmpty)
        let texts = try chart.texts()
        for count in stated { #expect(texts.contains(count.replacingOccurrences(of: "-", with: "–"))) }
        #expect(texts.contains("72"))
        let bars = try chart.marks(containing: "· Enrollment: ")
        #expect(bars.count == stated.count)
        #expect(bars.allSatisfy { $0.name == "rect" })
    }

    /// Both forms parse, carry their accessible name and title, and link where they should.
    @Test func everyChartIsWellFormedInlineAndAsAFile() throws {
        for chart in seeds {
            for (text, standalone) in [(chart.svg, false), (chart.file, true)] {
                let root = try SVGNode.parse(text)
                #expect(root.name == "svg")
                #expect(root.attributes["role"] == "img")
                #expect(root.attributes["aria-label"]?.isEmpty == false)
                #expect(root.attributes["viewBox"]?.hasPrefix("0 0 ") == true)
                #expect(root.children.first?.name == "title")
                #expect(root.children.first?.text == chart.title)
                #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") == standalone)
                #expect(standalone || text.hasPrefix("<svg "))
                #expect(root.children.contains { $0.name == "style" } == standalone)
                let links = root.all.filter { $0.name == "a" }.compactMap { $0.attributes["href"] }
                #expect(!links.isEmpty)
                #expect(links.allSatisfy { $0.hasPrefix(standalone ? "report.html#ev-" : "#ev-") })
            }
            #expect(chart.file.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        }
    }

    @Test func hostileLabelsAreEscaped() throws {
        let landscape = ChartLandscapes.seeds
        let hostile = [
            "<script>alert(1)</script>", "\"onload=alert(1) x='", "a\u{0}b\u{1B}c&d\u{7F}\u{202E}e", "NCT1 ]]> <!-- &amp;",
            "'><svg onload=alert(2)>",
        ]
        let labels = landscape.matrix.trials.indices.map { hostile[$0 % hostile.count] }
        let charts = Charts.make(landscape.matrix, labels: labels) { _, _, i in i + 1 }
        #expect(charts.count == 4)
        for chart in charts {
            for text in [chart.svg, chart.file] {
                let root = try SVGNode.parse(text)
                #expect(!text.contains("<script"))
                #expect(!text.contains("\"onload"))
                #expect(!text.contains("<!--"))
                #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
                #expect(!text.unicodeScalars.contains { $0.value == 0x7F || $0.value == 0x202E })
                #expect(root.all.allSatisfy { node in !node.attributes.keys.contains { $0.lowercased().hasPrefix("on") } })
                #expect(root.all.allSatisfy { $0.name != "script" })
            }
        }
        // The labels read back as their text, controls removed.
        let shown = try charts.flatMap { try SVGNode.parse($0.svg).all.map { $0.name == "text" ? $0.text : $0.tooltip ?? "" } }
        #expect(shown.contains { $0.contains("<script>alert(1)</script>") })
        #expect(shown.contains { $0.hasPrefix("abc&de · ") })
        #expect(shown.contains { $0.hasPrefix("\"onload=alert(1) x=' · ") })
    }

    @Test func longLabelsAreCutTo40Characters() throws {
        let matrix = ChartLandscapes.seeds.matrix
        let long = String(repeating: "A very long trial label ", count: 5)
        let charts = Charts.make(matrix, labels: matrix.trials.map { _ in long }) { _, _, _ in nil }
        let texts = try chart("age-bands", in: charts).texts()
        let cut = String(long.trimmingCharacters(in: .whitespaces).prefix(39)) + "…"
        #expect(texts.contains(cut))
        #expect(!texts.contains { $0.count > 60 && $0.hasPrefix("A very") })
    }

    @Test func outputIsByteIdenticalAcrossCalls() {
        let again = ChartLandscapes.charts(ChartLandscapes.seeds)
        #expect(again == seeds)
        #expect(again.map(\.svg).joined().utf8.elementsEqual(seeds.map(\.svg).joined().utf8))
    }

    @Test func linksOnlyWhereAReferenceIsGiven() throws {
        let matrix = ChartLandscapes.seeds.matrix
        let none = Charts.make(matrix, labels: matrix.trials) { _, _, _ in nil }
        #expect(none.count == 4)
        #expect(none.allSatisfy { !$0.svg.contains("<a ") && !$0.file.contains("<a ") && !$0.svg.contains("href") })
        // Only LVEF values referenced: links in the limits chart only, one per LVEF dot, to that footnote.
        let some = Charts.make(matrix, labels: matrix.trials) { key, column, index in
            key == "lvef_min_percent" ? 100 + column * 10 + index : nil
        }
        for chart in some where chart.id != "limits" { #expect(!chart.svg.contains("<a ")) }
        let limits = try chart("limits", in: some)
        let root = try SVGNode.parse(limits.svg)
        let links = root.all.filter { $0.name == "a" }
        let lvef = matrix.row("lvef_min_percent")!.cells.enumerated().flatMap { column, cell in
            cell.values.indices.map { "#ev-\(100 + column * 10 + $0)" }
        }
        #expect(links.compactMap { $0.attributes["href"] }.sorted() == lvef.sorted())
        #expect(links.allSatisfy { $0.children.count == 1 && $0.children[0].tooltip?.contains("LVEF minimum") == true })
    }

    @Test func noDataNoCharts() {
        #expect(Charts.make(Matrix(trials: []), labels: []) { _, _, _ in 1 }.isEmpty)
    }

    /// Every real record (the 205-trial corpus and its variants): every chart present, well-formed
    /// in both forms, every enrollment value drawn.
    @Test func realdataChartsAreWellFormed() throws {
        let landscape = ChartLandscapes.realdata
        #expect(landscape.matrix.trials.count >= 205)
        let charts = ChartLandscapes.charts(landscape)
        #expect(charts.map(\.id) == ["age-bands", "limits", "lymphodepletion", "enrollment"])
        for chart in charts {
            let root = try SVGNode.parse(chart.svg)
            _ = try SVGNode.parse(chart.file)
            #expect(root.attributes["role"] == "img")
            #expect(root.children.first?.name == "title")
        }
        let enrollment = try chart("enrollment", in: charts)
        let stated = landscape.matrix.row("enrollment")!.cells.filter { !$0.isEmpty }.map(\.values.count).reduce(0, +)
        #expect(try enrollment.marks(containing: "· Enrollment: ").count == stated)
        #expect(charts == ChartLandscapes.charts(landscape))
    }
}
