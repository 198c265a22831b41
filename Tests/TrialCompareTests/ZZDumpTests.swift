import Foundation
import Testing
import TrialModel
import TrialReaders
import TrialExtraction
@testable import TrialCompare

@Test func zzDumpAll() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var paths: [String] = []
    for dir in ["Tests/TrialReadersTests/Fixtures/realdata", "Tests/TrialReadersTests/Fixtures/seeds"] {
        let e = FileManager.default.enumerator(atPath: root.appendingPathComponent(dir).path)!
        for case let p as String in e where !p.hasSuffix(".md") && !p.hasSuffix(".tsv") { paths.append(dir + "/" + p) }
    }
    var sources: [SourceRecord] = []
    var records: [TrialRecord] = []
    for p in paths.sorted() {
        var isDir: ObjCBool = false
        FileManager.default.fileExists(atPath: root.appendingPathComponent(p).path, isDirectory: &isDir)
        if isDir.boolValue { continue }
        let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent(p)))
        guard let srcs = try? ReaderRegistry.read(InputFile(path: p, bytes: bytes)) else { print("FAIL", p); continue }
        for s in srcs { sources.append(s); records.append(TrialExtractor.extract(s)) }
    }
    let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    try enc.encode(sources).write(to: URL(fileURLWithPath: "/tmp/td/sources.json"))
    try enc.encode(records).write(to: URL(fileURLWithPath: "/tmp/td/records.json"))
}
