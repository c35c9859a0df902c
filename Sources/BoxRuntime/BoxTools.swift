import Foundation
import Subprocess
import SystemPackage

/// The host programs boxes use (mkfs.ext4, debootstrap, the helper), found
/// on the usual paths and run to completion without blocking a thread.
enum BoxTools {
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func find(_ name: String) -> String? {
        searchPath.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program; its status and its stdout and stderr together.
    static func run(_ executable: String, _ arguments: [String]) async -> (status: Int32, output: String) {
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), output: .string(limit: 16 << 20), error: .combinedWithOutput)
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            return (status, result.standardOutput)
        } catch {
            return (127, "\(error)")
        }
    }

    /// Bytes used below `path` (du's figure, in bytes), 0 when unknown.
    static func diskUsage(_ path: String) -> Int64 {
        var total: Int64 = 0
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        while let entry = walker.nextObject() as? String {
            var info = stat()
            if lstat(path + "/" + entry, &info) == 0 { total += Int64(info.st_blocks) * 512 }
        }
        return total
    }
}

/// Mounts on the host below a directory (debootstrap's proc and sys in a
/// build): found in /proc/self/mounts, unmounted deepest first.
enum BoxMounts {
    static func mounts(below path: String) -> [String] {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return (BoxFiles.text("/proc/self/mounts") ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let target = unescape(String(fields[1]))
            return target == path || target.hasPrefix(prefix) ? target : nil
        }
    }

    static func unmountAll(below path: String) {
        for target in mounts(below: path).sorted(by: { $0.count > $1.count }) { umount2(target, Int32(MNT_DETACH)) }
    }

    /// /proc/self/mounts writes space, tab, newline and backslash as \040 and so on.
    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == 0x5c, index + 3 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
