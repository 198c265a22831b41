import Foundation
import TrialCompare
import TrialModel
import TrialRender
import TrialStore
import TrialSupport

/// What the outputs in a folder were rendered from, so that a run whose outputs would come out
/// byte-identical skips rendering them: a scheduled job that finds nothing new in the registry
/// (10k trials, every format: 23 s, of which 17 s rendering) only reads and compares.
///
/// Stored as `.trialdiff/outputs.json` in the output folder after every run that wrote outputs.
/// The key is the SHA-256 of everything rendering depends on beyond the input bytes, which the
/// inputs' content hashes stand for: the executable (``ParserVersion``), every template file,
/// the formats, each input's summary (path, hash, size, warnings, error), the findings with
/// their acknowledgements, the selection and the change set the reports describe. Each file is
/// recorded with its size and modification time, so an output edited, replaced or removed since
/// is rendered again.
struct OutputManifest: Codable, Equatable {
    /// Relative path of the manifest in the output folder.
    static let relativePath = ".trialdiff/outputs.json"

    struct FileStamp: Codable, Equatable {
        var size: Int64
        /// Modification time, seconds since 1970 (sub-second as the file system keeps it).
        var modified: Double
    }

    var key: String
    var files: [String: FileStamp]

    /// The key of `landscape` rendered as `formats` with `templates` (read only for formats that
    /// use them).
    ///
    /// Hashed piece by piece: the small fields with the counts, then each input and each finding
    /// on a line of its own, then the changes, so that the key of a registry dump never holds the
    /// encoding of its 100k inputs and findings at once (it was 118 MB at 100k trials).
    static func key(_ landscape: Landscape, formats: [OutputFormat], templates: TemplateSource) throws -> String {
        struct Basis: Encodable {
            var version: String
            var templates: [String: String]
            var formats: [String]
            var inputs: Int
            var findings: Int
            var selection: SelectionSummary?
            var order: String
        }
        let encoder = StableJSONEncoder(pretty: false)
        let newline: [UInt8] = [0x0A]
        var digest = SnapshotStore.Digest()
        digest.update(
            try encoder.encode(
                Basis(
                    version: ParserVersion.current,
                    templates: needsTemplates(formats, landscape) ? try templateDigests(templates) : [:],
                    formats: formats.map(\.rawValue), inputs: landscape.inputs.count, findings: landscape.findings.count,
                    selection: landscape.selection, order: landscape.order.rawValue)))
        for input in landscape.inputs { digest.update(newline + (try encoder.encode(input))) }
        for finding in landscape.findings { digest.update(newline + (try encoder.encode(finding))) }
        // Streamed, not sorted: a baseline's change set lists every trial and input, and the
        // sorted encoder's tree of it was 60 MB at 100k trials. Its types encode no dictionary,
        // so the order of the keys is their declaration order, the same on every run. Hashed in
        // pieces as they are encoded: its JSON alone is 34 MB at 100k. (Should a change set
        // ever not stream, this throws and the run renders its outputs without a manifest.)
        digest.update(newline)
        try StreamingJSONEncoder().encode(landscape.changes) { digest.update($0) }
        return digest.finalize()
    }

    /// SHA-256 of every template the renderer loads, by relative path.
    static func templateDigests(_ templates: TemplateSource) throws -> [String: String] {
        var digests: [String: String] = [:]
        for (path, text) in try templates.files() { digests[path] = SnapshotStore.sha256(Data(text.utf8)) }
        return digests
    }

    /// Whether the outputs of `formats` are rendered from templates (else none is read).
    static func needsTemplates(_ formats: [OutputFormat], _ landscape: Landscape) -> Bool {
        ReportRenderer.needsTemplates(Pipeline.outputNames(formats, withChanges: landscape.changes != nil))
    }

    /// Size and modification time of `file`, nil when it does not exist or is not a regular file.
    static func stamp(_ file: String) -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.int64Value,
            let modified = attributes[.modificationDate] as? Date
        else { return nil }
        return FileStamp(size: size, modified: modified.timeIntervalSince1970)
    }

    /// The manifest of the outputs `names` as they are now in `output`; nil when one is missing.
    static func current(key: String, names: [String], in output: URL) -> OutputManifest? {
        var files: [String: FileStamp] = [:]
        for name in names {
            guard let stamp = stamp(output.appendingPathComponent(name).path) else { return nil }
            files[name] = stamp
        }
        return OutputManifest(key: key, files: files)
    }

    /// The manifest last saved in `output`, nil when there is none or it cannot be read.
    static func load(from output: URL) -> OutputManifest? {
        guard let data = FileManager.default.contents(atPath: output.appendingPathComponent(relativePath).path) else {
            return nil
        }
        return try? StableJSONDecoder().decode(OutputManifest.self, from: data)
    }

    /// Saves the manifest atomically into `output`.
    func save(in output: URL) throws {
        let folder = output.appendingPathComponent(Self.relativePath).deletingLastPathComponent()
        let name = (Self.relativePath as NSString).lastPathComponent
        try AtomicWriter(folder: folder).write(try StableJSONEncoder(pretty: true).encode(self) + [0x0A], to: name)
    }

    /// Removes the manifest from `output` (before outputs are rewritten, so a run that fails half
    /// way never leaves a manifest describing files it replaced).
    static func remove(from output: URL) {
        unlink(output.appendingPathComponent(relativePath).path)
    }
}
