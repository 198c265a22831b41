import Foundation
import TrialStore

/// Identifies the code that produced cached records and rendered outputs: the SHA-256 of the
/// running executable's bytes, so any other build (a rebuild, an upgrade copied over the old
/// file, a different binary on PATH) extracts its inputs again and renders its outputs again.
/// The bytes are read through the kernel's handle on the running image (`/proc/self/exe`), not
/// `argv[0]`, which is a bare name when trialdiff is run through PATH.
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
    public static func key(ofExecutable bytes: Data) -> String { "trialdiff-2/" + SnapshotStore.sha256(bytes) }
}
