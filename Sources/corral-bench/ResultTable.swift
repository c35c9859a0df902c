import Foundation
import Reports

/// One benchmark row: Corral's figure against its baseline's.
struct BenchRow {
    let name: String
    let corral: Double
    let baseline: Double
    let baselineName: String
    /// The ratio Corral aims for (baseline / corral), when there is one.
    let aim: Double?
    let unit: String
    /// A growth row compares Corral with itself at a smaller size: its ratio
    /// is corral / baseline (1.00x = linear). Other rows say how many times
    /// faster Corral is: baseline / corral.
    var growth = false

    var ratio: Double {
        if growth { return baseline > 0 ? corral / baseline : .infinity }
        return corral > 0 ? baseline / corral : .infinity
    }
}

/// The printed table `make bench` shows.
struct ResultTable {
    private(set) var rows: [BenchRow] = []

    mutating func add(_ row: BenchRow) { rows.append(row) }

    func render() -> String {
        let header = ["row", "corral", "baseline", "ratio", "aim", "baseline is"]
        let body = rows.map { row in
            [
                row.name, format(row.corral, row.unit), format(row.baseline, row.unit), String(format: "%.2fx", row.ratio),
                row.aim.map { String(format: $0 == $0.rounded() ? ">= %.0fx %@" : ">= %.2fx %@", $0, row.ratio >= $0 ? "met" : "MISSED") }
                    ?? "-", row.baselineName,
            ]
        }
        return TextTable(header: header, rows: body).render()
    }

    private func format(_ value: Double, _ unit: String) -> String {
        unit == "s" ? String(format: "%.3f s", value) : String(format: "%.1f %@", value, unit)
    }
}

/// A line of progress on stderr, so stdout holds only the table.
func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
