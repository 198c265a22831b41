import Foundation
import TrialStore

/// Identifies the code that produced cached records and rendered outputs: a SHA-256 of the
/// running executable, so any other build (a rebuild, an upgrade copied over the old file, a
/// different binary on PATH) extracts its inputs again and renders its outputs again. The bytes
/// are read through the kernel's handle on the running image (`/proc/self/exe`), not `argv[0]`,
/// which is a bare name when trialdiff is run through PATH.
enum ParserVersion {
    static let current: String = {
        guard let path = ExecutableIdentity.path,
            let bytes = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        else { return "trialdiff-2/unknown-executable" }
        return ExecutableIdentity.key(ofExecutable: bytes)
    }()
}

/// The running executable.
public enum ExecutableIdentity {
    /// Where the running executable is: `/proc/self/exe` on Linux (valid even when the file was
    /// replaced or removed since it started), else the bundle's executable.
    public static var path: String? {
        #if os(Linux)
            if FileManager.default.fileExists(atPath: "/proc/self/exe") { return "/proc/self/exe" }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath().path
    }

    /// The key the parse cache and the output manifest store for an executable of these bytes.
    ///
    /// For an ELF executable: the SHA-256 of its size and of the bytes its loadable segments map
    /// (the code and data that run), not of its symbol tables and debug information, which are
    /// three quarters of a release build's 100 MB and change nothing a run does. Any other
    /// file: the SHA-256 of all its bytes.
    public static func key(ofExecutable bytes: Data) -> String {
        guard let segments = ELFSegments.loaded(in: bytes) else { return "trialdiff-2/" + SnapshotStore.sha256(bytes) }
        var digest = SnapshotStore.Digest()
        func add(_ n: Int) { digest.update(withUnsafeBytes(of: UInt64(n).littleEndian, Array.init)) }
        add(bytes.count)
        for segment in segments {
            add(segment.lowerBound)
            add(segment.count)
            digest.update(bytes[bytes.startIndex + segment.lowerBound..<bytes.startIndex + segment.upperBound])
        }
        return "trialdiff-3/" + digest.finalize()
    }
}

/// The file ranges of an ELF executable's loadable (`PT_LOAD`) segments.
enum ELFSegments {
    /// The ranges, in program-header order; nil for anything but a well-formed 64-bit
    /// little-endian ELF file whose program headers and loadable segments lie within it.
    static func loaded(in bytes: Data) -> [Range<Int>]? {
        let count = bytes.count
        func integer<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> Int? {
            let size = MemoryLayout<T>.size
            guard offset >= 0, offset <= count - size else { return nil }
            var value: T = 0
            for k in (0..<size).reversed() { value = value << 8 | T(bytes[bytes.startIndex + offset + k]) }
            return Int(exactly: value)
        }
        // e_ident: magic, ELFCLASS64, ELFDATA2LSB.
        guard count >= 64, bytes.prefix(6).elementsEqual([0x7F, 0x45, 0x4C, 0x46, 2, 1]),
            let table = integer(UInt64.self, at: 0x20), let entrySize = integer(UInt16.self, at: 0x36),
            let entries = integer(UInt16.self, at: 0x38), entrySize >= 56, entries > 0,
            table <= count, entries <= (count - table) / entrySize
        else { return nil }
        var ranges: [Range<Int>] = []
        for i in 0..<entries {
            let header = table + i * entrySize
            // p_type 1 is PT_LOAD; p_offset and p_filesz say which bytes of the file it maps.
            guard let type = integer(UInt32.self, at: header) else { return nil }
            guard type == 1 else { continue }
            guard let offset = integer(UInt64.self, at: header + 8), let size = integer(UInt64.self, at: header + 0x20),
                offset <= count, size <= count - offset
            else { return nil }
            ranges.append(offset..<offset + size)
        }
        return ranges.isEmpty ? nil : ranges
    }
}
