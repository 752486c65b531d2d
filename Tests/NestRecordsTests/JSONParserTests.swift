import Testing
@testable import NestRecords

@Suite("JSON Lines codec")
struct JSONParserTests {
    @Test("A record survives writing and parsing with its key order and types")
    func roundTrip() throws {
        let record = Record([
            ("Kind", "VirtualMachine"), ("VMName", "lab1"), ("Count", 2), ("Big", .int(Int64.max)), ("Flag", true),
            ("Ratio", .double(0.5)), ("Nothing", .null), ("List", .array(["a", 1, false])),
            ("Nested", .object(Record([("x", "y")]))), ("Text", .string("tab\t\"quote\" \\ newline\n é \u{1}")),
        ])
        let line = JSONWriter.line(record)
        #expect(!line.contains("\n"))
        #expect(try JSONParser.parse(line) == .object(record))
        #expect(line.hasPrefix(#"{"Kind":"VirtualMachine","VMName":"lab1","Count":2,"#))
        #expect(line.contains(#""Text":"tab\t\"quote\" \\ newline\n é \u0001""#))
    }

    @Test("Unicode escapes, surrogate pairs and numbers parse as the RFC says")
    func escapes() throws {
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00\/""#) == .string("é😀/"))
        #expect(try JSONParser.parse("-12") == .int(-12))
        #expect(try JSONParser.parse("1.5e3") == .double(1500))
        #expect(try JSONParser.parse("  [ ]  ") == .array([]))
        #expect(try JSONParser.parse("99999999999999999999") == .double(1e20))
    }

    @Test(
        "Malformed text is refused with the column",
        arguments: [
            ("{", 2, "unterminated object"),
            (#"{"a":}"#, 6, "unexpected character '}'"),
            (#"{"a":1,}"#, 8, "expected a key in quotes"),
            (#"{"a":1"b":2}"#, 7, "expected ',' or '}'"),
            (#"{"a":1,"a":2}"#, 13, "duplicate key \"a\""),
            ("tru", 4, "invalid literal, expected 'true'"),
            ("01", 2, "unexpected text after the value"),
            (#""abc"#, 5, "unterminated string"),
            ("\"a\u{1}\"", 3, "control character in string (escape it)"),
            (#""\x""#, 4, "invalid escape '\\x'"),
            (#""\ud800""#, 8, "lone surrogate in \\u escape"),
            ("[1,", 4, "unterminated array"),
            ("1.", 3, "invalid number: digits must follow '.'"),
            ("", 1, "unexpected end of line"),
        ])
    func malformed(text: String, column: Int, message: String) {
        #expect(throws: JSONSyntaxError(message: message, column: column)) { try JSONParser.parse(text) }
    }

    @Test("Nesting deeper than 64 levels is refused rather than overflowing the stack")
    func depth() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
    }
}
