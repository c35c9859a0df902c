/// The figures a cycle takes from /proc/<pid>/stat, read from the bytes
/// after the `)` that closes the command name: proc(5)'s fields 3 to 24,
/// parsed in place (no string per field, as the file is read for every
/// process, every cycle).
struct StatFields: Equatable {
    /// Field 3: R, S, D, Z, T, ...
    var state: UInt8 = 0
    var ppid: UInt64 = 0
    var utime: UInt64 = 0
    var stime: UInt64 = 0
    var threads: UInt64 = 0
    var startTime: UInt64 = 0
    var vsize: UInt64 = 0
    var rss: UInt64 = 0

    /// Nil when fewer than the 22 fields up to rss are there. A field that
    /// is not a number (a negative one, as priority may be) counts as 0.
    init?(_ rest: ArraySlice<UInt8>) {
        var field = 2
        var value: UInt64 = 0
        var numeric = true
        var inField = false
        for byte in rest {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if inField { take(field, numeric ? value : 0) }
                inField = false
                if field == 24 { return }
                continue
            }
            if !inField {
                inField = true
                field += 1
                value = 0
                numeric = true
                if field == 3 { state = byte }
            }
            if byte >= 0x30, byte <= 0x39 {
                value = value &* 10 &+ UInt64(byte - 0x30)
            } else {
                numeric = false
            }
        }
        if inField { take(field, numeric ? value : 0) }
        guard field >= 24 else { return nil }
    }

    private mutating func take(_ field: Int, _ value: UInt64) {
        switch field {
        case 4: ppid = value
        case 14: utime = value
        case 15: stime = value
        case 20: threads = value
        case 22: startTime = value
        case 23: vsize = value
        case 24: rss = value
        default: break
        }
    }
}
