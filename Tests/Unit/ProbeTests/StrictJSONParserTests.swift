import Testing

@testable import Probe

@Suite("Strict JSON reading")
struct StrictJSONParserTests {
    func parse(_ text: String) throws(StrictJSONParser.SyntaxError) -> JSONValue {
        try StrictJSONParser().parse(Array(text.utf8))
    }

    @Test(
        "well-formed JSON reads as written",
        arguments: [
            ("null", JSONValue.null), ("true", .bool(true)), (" false ", .bool(false)), ("-0", .number("-0")),
            ("12.5e-3", .number("12.5e-3")), (#""a\"b\\c\/\n\u00e9\ud83d\ude00""#, .string("a\"b\\c/\n\u{e9}\u{1F600}")),
            ("[1,[],{}]", .array([.number("1"), .array([]), .object([:])])),
            (#"{"k":{"n":[null]}}"#, .object(["k": .object(["n": .array([.null])])])),
            ("\"caf\u{e9}\"", .string("caf\u{e9}")),
        ])
    func wellFormed(text: String, expected: JSONValue) throws {
        #expect(try parse(text) == expected)
    }

    @Test(
        "malformed JSON is refused at the byte where it goes wrong",
        arguments: [
            ("", 0, "ends where a value"), ("{", 1, "expected a quoted key"), (#"{"a":1,}"#, 7, "expected a quoted key"),
            (#"{"a" 1}"#, 5, "expected ':'"), ("[1 2]", 3, "expected ','"), ("01", 0, "leading zero"), ("1.", 2, "digits after"),
            ("tru", 0, "invalid literal"), ("[1] x", 4, "after the document"), (#""a"#, 0, "ends inside a string"),
            ("\"\u{01}\"", 1, "control character"), (#""\x""#, 1, "invalid escape"), (#""\u12G4""#, 3, "four hex digits"),
            (#""\ud800""#, 1, "high surrogate"), (#""\udc00""#, 1, "lone low surrogate"), (#"{"a":1,"a":2}"#, 7, "duplicate key"),
            ("-", 1, "needs a digit"), ("[", 1, "ends where a value"),
        ])
    func malformed(text: String, offset: Int, reason: String) {
        let error = #expect(throws: StrictJSONParser.SyntaxError.self) { try parse(text) }
        #expect(error?.offset == offset, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(
        "bytes that are not UTF-8 are refused where they stand",
        arguments: [
            ([0x22, 0xFF, 0x22], 1), ([0x22, 0xC0, 0xAF, 0x22], 1), ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1), ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
        ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        let error = #expect(throws: StrictJSONParser.SyntaxError.self) { try StrictJSONParser().parse(bytes) }
        #expect(error?.offset == offset)
        #expect(error?.reason.contains("UTF-8") == true)
    }

    @Test("nesting deeper than the limit is an error, not a stack overflow")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: StrictJSONParser.SyntaxError.self) { try parse(deep) }
        #expect(error?.reason.contains("nesting deeper") == true)
        let objects = String(repeating: #"{"a":"#, count: 50_000)
        #expect(throws: StrictJSONParser.SyntaxError.self) { try parse(objects) }
    }

    @Test("nesting within the limit reads")
    func allowedNesting() throws {
        let text = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        _ = try parse(text)
    }
}
