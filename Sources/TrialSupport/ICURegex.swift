import Foundation
import Synchronization
import _FoundationICU

/// A regular expression compiled by ICU, matched over UTF-16 text that the caller keeps.
///
/// The same engine, flags and match loop as `NSRegularExpression` (Foundation's
/// `CFRegularExpression` on Linux is this ICU with these calls), without its cost per call:
/// `NSRegularExpression` bridges the `String` and copies every UTF-16 unit of it (the whole text
/// with transparent bounds, about 8 µs for 3,000 characters) on each call, so searching one
/// clause of a description cost as much as searching the description. Here the text is converted
/// once (``UTF16Text``) and each call only points ICU at it (about 0.3 µs).
///
/// A compiled expression is immutable; matching needs a matcher of its own, so each call takes
/// a clone from a pool (one per thread that is matching at once) and gives it back.
public final class ICURegex: @unchecked Sendable {
    /// The compiled expression the clones are made from; never matched itself.
    private let template: OpaquePointer
    /// Clones not in use; each is used by one thread at a time, so it may cross threads.
    private struct Matcher: @unchecked Sendable { let pointer: OpaquePointer }
    private let idle = Mutex<[Matcher]>([])
    /// The number of capture groups (group 0, the whole match, not counted).
    public let groupCount: Int
    public let pattern: String

    public struct CompileError: Error, CustomStringConvertible {
        public let pattern: String
        public let code: Int32
        public var description: String { "invalid regular expression (ICU error \(code)): \(pattern)" }
    }

    /// Compiles `pattern` as `NSRegularExpression` does with the same option.
    public init(_ pattern: String, caseInsensitive: Bool) throws(CompileError) {
        let units = Array(pattern.utf16)
        var status = U_ZERO_ERROR
        let flags: UInt32 = caseInsensitive ? UInt32(UREGEX_CASE_INSENSITIVE.rawValue) : 0
        let compiled = units.withUnsafeBufferPointer { p in
            swift_uregex_open(p.baseAddress, Int32(p.count), flags, nil, &status)
        }
        guard let compiled, status.rawValue <= U_ZERO_ERROR.rawValue else {
            if let compiled { swift_uregex_close(compiled) }
            throw CompileError(pattern: pattern, code: status.rawValue)
        }
        template = compiled
        groupCount = Int(swift_uregex_groupCount(compiled, &status))
        self.pattern = pattern
    }

    deinit {
        swift_uregex_close(template)
        for matcher in idle.withLock({ $0 }) { swift_uregex_close(matcher.pointer) }
    }

    /// Calls `body` with a matcher no other thread is using.
    private func withMatcher<R>(_ body: (OpaquePointer) -> R) -> R {
        var status = U_ZERO_ERROR
        guard let matcher = idle.withLock({ $0.popLast()?.pointer }) ?? swift_uregex_clone(template, &status) else {
            preconditionFailure("ICU could not clone a compiled expression (error \(status.rawValue))")
        }
        defer { idle.withLock { $0.append(Matcher(pointer: matcher)) } }
        return body(matcher)
    }

    /// The matches in `range` of `text` (UTF-16 offsets), in order: each is the ranges of group 0
    /// (the match) and of every capture group, `NSNotFound` for a group that took no part.
    ///
    /// With `transparentBounds` lookarounds and `\b` see the text outside `range`; `^` and `$`
    /// match at the ends of `range` (anchoring bounds, as `NSRegularExpression`'s default).
    /// With `anchored`, at most one match, one that starts at `range.location`. `limit` stops
    /// after that many matches.
    public func matches(
        in text: UTF16Text, range: NSRange, transparentBounds: Bool = true, anchored: Bool = false, limit: Int = .max
    ) -> [[NSRange]] {
        guard limit > 0 else { return [] }
        return withText(text, range: range, transparentBounds: transparentBounds) { matcher in
            var found: [[NSRange]] = []
            var status = U_ZERO_ERROR
            while found.count < limit {
                if anchored {
                    // The match at the start of `range` or none: what `NSRegularExpression`
                    // gets by stopping its search past the anchor.
                    guard found.isEmpty, swift_uregex_lookingAt64(matcher, -1, &status) != 0 else { break }
                } else {
                    guard swift_uregex_findNext(matcher, &status) != 0 else { break }
                }
                guard status.rawValue <= U_ZERO_ERROR.rawValue else { break }
                found.append(groups(of: matcher))
            }
            return found
        }
    }

    /// The matches in `range` of `text`, for an expression whose every match starts at one of
    /// `starts` (UTF-16 offsets, ascending): each start past the previous match's end gets one
    /// anchored try, which is what the search from left to right does there; the same matches as
    /// ``matches(in:range:transparentBounds:anchored:limit:)`` without `anchored`. The text is set
    /// once for all the tries. An expression tried at every position of a text costs its whole
    /// alternation at each.
    public func matches(in text: UTF16Text, range: NSRange, startingAt starts: [Int], transparentBounds: Bool = true) -> [[NSRange]] {
        withText(text, range: range, transparentBounds: transparentBounds) { matcher in
            var found: [[NSRange]] = []
            var next = range.location
            let end = range.location + range.length
            for start in starts where start >= next && start < end {
                var status = U_ZERO_ERROR
                swift_uregex_setRegion64(matcher, Int64(start), Int64(end), &status)
                swift_uregex_useTransparentBounds(matcher, transparentBounds ? 1 : 0, &status)
                guard status.rawValue <= U_ZERO_ERROR.rawValue, swift_uregex_lookingAt64(matcher, -1, &status) != 0,
                    status.rawValue <= U_ZERO_ERROR.rawValue
                else { continue }
                let ranges = groups(of: matcher)
                found.append(ranges)
                next = max(ranges[0].location + ranges[0].length, start + 1)
            }
            return found
        }
    }

    /// `body` with a matcher set to `range` of `text` (empty when the range does not fit the
    /// text); the text is unset again afterwards, so an idle matcher points at nothing.
    private func withText(
        _ text: UTF16Text, range: NSRange, transparentBounds: Bool, _ body: (OpaquePointer) -> [[NSRange]]
    ) -> [[NSRange]] {
        let length = text.units.count
        guard range.location >= 0, range.length >= 0, range.location + range.length <= length, length < Int32.max else {
            return []
        }
        return withMatcher { matcher in
            text.units.withUnsafeBufferPointer { p in
                var status = U_ZERO_ERROR
                // An empty text still needs a valid pointer.
                var empty: UInt16 = 0
                withUnsafePointer(to: &empty) { e in
                    swift_uregex_setText(matcher, p.baseAddress ?? e, Int32(length), &status)
                }
                swift_uregex_setRegion64(matcher, Int64(range.location), Int64(range.location + range.length), &status)
                swift_uregex_useTransparentBounds(matcher, transparentBounds ? 1 : 0, &status)
                defer {
                    var reset = U_ZERO_ERROR
                    swift_uregex_useTransparentBounds(matcher, 0, &reset)
                    withUnsafePointer(to: &empty) { swift_uregex_setText(matcher, $0, 0, &reset) }
                }
                guard status.rawValue <= U_ZERO_ERROR.rawValue else { return [] }
                return body(matcher)
            }
        }
    }

    /// The ranges of group 0 and of every capture group of the matcher's current match.
    private func groups(of matcher: OpaquePointer) -> [NSRange] {
        var ranges: [NSRange] = []
        ranges.reserveCapacity(groupCount + 1)
        for group in 0...groupCount {
            var s = U_ZERO_ERROR
            let start = swift_uregex_start64(matcher, Int32(group), &s)
            let end = swift_uregex_end64(matcher, Int32(group), &s)
            ranges.append(
                s.rawValue <= U_ZERO_ERROR.rawValue && start >= 0 && end >= start
                    ? NSRange(location: Int(start), length: Int(end - start)) : NSRange(location: NSNotFound, length: 0))
        }
        return ranges
    }
}

extension NSTextCheckingResult {
    /// The result `NSRegularExpression` gives for a match of `regex` whose group ranges (group 0
    /// first) ``ICURegex/matches(in:range:transparentBounds:anchored:limit:)`` found.
    public static func match(_ ranges: [NSRange], of regex: NSRegularExpression) -> NSTextCheckingResult {
        var ranges = ranges
        return ranges.withUnsafeMutableBufferPointer {
            regularExpressionCheckingResult(ranges: $0.baseAddress!, count: $0.count, regularExpression: regex)
        }
    }
}

/// A text's UTF-16 units, converted once, for ``ICURegex`` to match in place.
public final class UTF16Text: @unchecked Sendable {
    public let units: [UInt16]

    public init(_ string: String) {
        var string = string
        units = string.withUTF8 { Self.transcode($0) }
    }

    /// UTF-8 to UTF-16 in one pass, ASCII eight bytes a step (`Array(string.utf16)` goes through
    /// the string's UTF-16 view, index by index). The bytes are valid UTF-8 (a `String`'s).
    private static func transcode(_ b: UnsafeBufferPointer<UInt8>) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: b.count) { out, count in
            var i = 0
            var k = 0
            let n = b.count
            while i < n {
                if i + 8 <= n, let base = b.baseAddress {
                    let w = ByteWord.load(base, at: i)
                    if w & ByteWord.highBits == 0 {
                        for j in 0..<8 { out[k + j] = UInt16(truncatingIfNeeded: w >> (8 * UInt64(j))) & 0xFF }
                        i += 8
                        k += 8
                        continue
                    }
                }
                let c = b[i]
                if c < 0x80 {
                    out[k] = UInt16(c)
                    i += 1
                    k += 1
                    continue
                }
                var scalar: UInt32
                (scalar, i) = ByteWord.scalar(in: b, at: i)
                if scalar >= 0x10000 {
                    scalar -= 0x10000
                    out[k] = UInt16(0xD800 + (scalar >> 10))
                    out[k + 1] = UInt16(0xDC00 + (scalar & 0x3FF))
                    k += 2
                } else {
                    out[k] = UInt16(scalar)
                    k += 1
                }
            }
            count = k
        }
    }
}
