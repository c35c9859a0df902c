import CMalloc
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Gives back, after each cycle, the memory the process holds for nothing:
/// the pages of its own executable's text it has mapped, and the heap it has
/// freed. The kernel maps 64 KiB of text around every page fault, and a
/// start-up runs through argument parsing, settings, and each library's
/// set-up: left alone, the resident set keeps all of it (28 MiB of a 58 MB
/// text, measured). Unmapped, the text stays in the page cache and the next
/// cycle maps back only the code it runs, at a minor fault each. Only the
/// executable's read-and-execute mappings are dropped: they are never
/// written, so nothing but their page-table entries is lost.
struct ResidentTrim: Sendable {
    /// Start and length of each r-x mapping of the executable.
    let text: [(start: UInt, length: Int)]

    init(maps: String = (try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? "", executable: String? = Self.executable()) {
        guard let executable else {
            text = []
            return
        }
        text = Self.textMappings(maps, executable: executable)
    }

    /// The executable's path, as /proc/self/maps names it.
    static func executable() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }

    /// "start-end perms offset dev inode path" lines whose perms are r-x and whose path is the executable.
    static func textMappings(_ maps: String, executable: String) -> [(start: UInt, length: Int)] {
        maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1].hasPrefix("r-x"), fields[5...].joined(separator: " ") == executable else { return nil }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else {
                return nil
            }
            return (start, Int(end - start))
        }
    }

    func run() {
        for mapping in text {
            guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            _ = madvise(address, mapping.length, MADV_DONTNEED)
        }
        _ = malloc_trim(0)
    }
}
