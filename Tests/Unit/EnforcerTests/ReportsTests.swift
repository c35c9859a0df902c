import CorralCore
import Foundation
import Reports
import Testing

@Suite("Reports")
struct ReportTests {
    @Test("collector timestamps are RFC 3339, UTC, with milliseconds")
    func timestamps() {
        #expect(Timestamp.rfc3339(.init(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(.init(timeIntervalSince1970: 1_795_295_235.5)) == "2026-11-21T21:07:15.500Z")
        #expect(Timestamp.rfc3339(.init(timeIntervalSince1970: 951_782_400.007)) == "2000-02-29T00:00:00.007Z")
    }
}

@Suite("Text tables")
struct TextTableTests {
    @Test("columns are as wide as their widest cell, two spaces apart; the last is not padded and no line ends in blanks")
    func aligned() {
        let table = TextTable(header: ["NAME", "CLASS", "NOTE"], rows: [["corral-high-1", "high", ""], ["a", "low", "protected"]])
        #expect(
            table.render() == """
                NAME           CLASS  NOTE
                corral-high-1  high
                a              low    protected

                """)
        #expect(table.lines(indent: "  ").first == "  NAME           CLASS  NOTE")
    }
}
