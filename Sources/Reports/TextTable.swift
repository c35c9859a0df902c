/// Aligned columns of text, the one table renderer of Corral's console
/// output (the cycle's tables, `corral ps`, `corral journal`, `make bench`):
/// each column as wide as its widest cell, two spaces apart, the last
/// column unpadded and trailing blanks trimmed.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// The header line, then one line per row, each without its newline.
    public func lines(indent: String = "") -> [String] {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, cell in
                i == cells.count - 1 || i >= widths.count || cell.count >= widths[i]
                    ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }
            var text = indent + padded.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return [line(header)] + rows.map(line)
    }

    /// The whole table, one line each, newline-terminated.
    public func render(indent: String = "") -> String {
        lines(indent: indent).map { $0 + "\n" }.joined()
    }
}
