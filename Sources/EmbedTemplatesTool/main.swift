import Foundation

// Writes a Swift file that holds each template's text, exactly, as an escaped string literal.
// Arguments: TEMPLATES_FOLDER OUTPUT_FILE TEMPLATE_FILE...

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: EmbedTemplatesTool FOLDER OUTPUT [FILE...]\n".utf8))
    exit(2)
}
let folder = URL(fileURLWithPath: arguments[arguments.startIndex]).standardizedFileURL.path + "/"
let output = URL(fileURLWithPath: arguments[arguments.startIndex + 1])

/// `text` as the body of a Swift string literal: every character that is not printable ASCII
/// is written as `\u{…}`, so the literal is the text byte for byte whatever its line endings.
func literal(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case " "..."~": out.unicodeScalars.append(scalar)
        default: out += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return out
}

var source = """
    // Generated from Templates/ by EmbedTemplatesTool (the EmbedTemplates build plugin). Do not edit.

    /// The default report templates: path relative to `Templates/`, and text.
    enum EmbeddedTemplates {
        static let files: [(path: String, text: String)] = [

    """
for path in arguments.dropFirst(2).sorted() {
    let file = URL(fileURLWithPath: path).standardizedFileURL.path
    guard file.hasPrefix(folder) else {
        FileHandle.standardError.write(Data("error: \(file) is not inside \(folder)\n".utf8))
        exit(1)
    }
    guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write(Data("error: cannot read \(file) as UTF-8 text\n".utf8))
        exit(1)
    }
    source += "        (\"\(literal(String(file.dropFirst(folder.count))))\", \"\(literal(text))\"),\n"
}
source += "    ]\n}\n"
do {
    try Data(source.utf8).write(to: output, options: .atomic)
} catch {
    FileHandle.standardError.write(Data("error: cannot write \(output.path): \(error)\n".utf8))
    exit(1)
}
