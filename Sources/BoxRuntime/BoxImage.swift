/// An image boxes are made from: a debootstrap'd Debian root, kept
/// read-only under images/<digest>/rootfs; the digest is the hash of what
/// went into it, so asking again for the same image is free.
public struct BoxImage: Codable, Sendable, Equatable {
    public var name: String
    public var digest: String
    public var suite: String
    public var mirror: String
    public var packages: [String]
    /// Seconds since the epoch.
    public var builtAt: Double
    /// Bytes the root holds.
    public var size: Int64

    public init(name: String, digest: String, suite: String, mirror: String, packages: [String], builtAt: Double, size: Int64) {
        self.name = name
        self.digest = digest
        self.suite = suite
        self.mirror = mirror
        self.packages = packages
        self.builtAt = builtAt
        self.size = size
    }

    /// What an image is built from; its digest names the build.
    public struct Recipe: Sendable, Equatable {
        public var suite: String
        public var mirror: String
        public var packages: [String]
        /// Executable files written into the root after the packages (absolute path: content).
        public var files: [String: String]

        public init(suite: String = "bookworm", mirror: String, packages: [String] = [], files: [String: String] = [:]) {
            self.suite = suite
            self.mirror = mirror
            self.packages = Array(Set(packages.filter { !$0.isEmpty })).sorted()
            self.files = files
        }

        /// 16 hex digits of FNV-1a over the recipe's canonical text: a cache
        /// key (not a security boundary; the images directory is root's).
        public var digest: String {
            var text =
                "corral-box-image/1\nvariant=minbase\nsuite=\(suite)\nmirror=\(mirror)\npackages=\(packages.joined(separator: ","))\n"
            // Only recipes with files hash them, so every digest built before files existed stays the same.
            for (path, content) in files.sorted(by: { $0.key < $1.key }) { text += "file=\(path)\n\(content.utf8.count)\n\(content)\n" }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// Image names: letters, digits, '-', '_', '.', ':'.
    public static func validate(name: String) throws(BoxError) {
        let allowed = name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) || (0x41...0x5a).contains(byte) || byte == 0x2d || byte == 0x2e
                || byte == 0x5f || byte == 0x3a
        }
        guard !name.isEmpty, name.utf8.count <= 128, allowed, name.first != "." else {
            throw .invalid("image name '\(name)': use letters, digits, '-', '_', '.' or ':' (at most 128), not starting with '.'")
        }
    }
}
