import CorralCore

/// The host's memory from `<procRoot>/meminfo`: MemTotal, MemFree and
/// MemAvailable, in KiB.
public enum MemInfo {
    public static func read(procRoot: String = "/proc") throws(SysinfoError) -> HostMemory {
        let path = "\(procRoot)/meminfo"
        let bytes: [UInt8]
        switch ProcFile.readAll(path) {
        case .success(let data): bytes = data
        case .failure(let failure): throw .unreadable(path: path, reason: "\(failure)")
        }
        guard let memory = parse(bytes) else { throw .unreadable(path: path, reason: "MemTotal, MemFree or MemAvailable is missing") }
        return memory
    }

    /// Nil when a field is missing.
    public static func parse(_ bytes: [UInt8]) -> HostMemory? {
        var total: UInt64?
        var free: UInt64?
        var available: UInt64?
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let key = line[..<colon]
            let value = { () -> UInt64? in
                let digits = line[(colon + 1)...].drop(while: { $0 == UInt8(ascii: " ") }).prefix(while: { $0 >= 48 && $0 <= 57 })
                return digits.isEmpty ? nil : UInt64(String(decoding: digits, as: UTF8.self))
            }
            if key.elementsEqual("MemTotal".utf8) {
                total = value()
            } else if key.elementsEqual("MemFree".utf8) {
                free = value()
            } else if key.elementsEqual("MemAvailable".utf8) {
                available = value()
                break  // it follows the other two
            }
        }
        guard let total, let free, let available else { return nil }
        return HostMemory(totalKb: total, freeKb: free, availableKb: available, usedKb: total >= available ? total - available : 0)
    }
}
