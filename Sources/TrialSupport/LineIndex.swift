import Foundation

/// Where the lines of a text start, as UTF-16 offsets (the unit of `NSRange` and of regex
/// matches), counted once over the UTF-8 bytes; the line of an offset is then a binary search,
/// not a walk from the start of the text (a walk per match made long fields quadratic).
public struct LineIndex: Sendable {
    /// The UTF-16 offset of each line's first unit; the first is 0.
    public let starts: [Int]

    public init(_ text: String) {
        var starts = [0]
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            var i = 0
            while i < bytes.count {
                // Eight ASCII bytes without a line feed: eight units, no line start.
                if i + 8 <= bytes.count {
                    let w = ByteWord.load(base, at: i)
                    if w & ByteWord.highBits == 0, ByteWord.bytes(w, equalTo: 10) == 0 {
                        offset += 8
                        i += 8
                        continue
                    }
                }
                let c = bytes[i]
                i += 1
                if c < 0x80 {
                    offset += 1
                    if c == 10 { starts.append(offset) }
                } else if c >= 0xF0 {
                    offset += 2  // a scalar outside the BMP: two UTF-16 units
                } else if c >= 0xC0 {
                    offset += 1  // a lead byte; continuation bytes add nothing
                }
            }
        }
        self.starts = starts
    }

    /// Whether the text holds a line break.
    public var isMultiLine: Bool { starts.count > 1 }

    /// The 0-based line holding UTF-16 `offset`.
    public func index(at offset: Int) -> Int {
        var lo = 0
        var hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

/// Stretches of a text to search instead of the whole: a long pattern tried at every position
/// costs more than a few short searches, when every match is known to lie near an anchor (a
/// number, an "&"). Each use has a test that compares it with the whole-text search.
public enum SearchWindows {
    /// The stretches of `range` from `before` units before to `after` units after each anchor
    /// (UTF-16 offsets, ascending), overlapping or touching ones merged.
    public static func around(_ anchors: [Int], before: Int, after: Int, in range: NSRange) -> [NSRange] {
        var windows: [NSRange] = []
        let end = range.location + range.length
        for anchor in anchors {
            let from = max(range.location, anchor - before)
            let to = min(end, anchor + after)
            guard to > from else { continue }
            if let last = windows.last, from <= last.location + last.length {
                windows[windows.count - 1].length = max(last.location + last.length, to) - last.location
            } else {
                windows.append(NSRange(location: from, length: to - from))
            }
        }
        return windows
    }
}
