import CSystemd
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Writes entries to journald through libsystemd's sd_journal_sendv, tagged
/// `SYSLOG_IDENTIFIER=corral`. Where journald has no socket (a host without
/// systemd, a container), it says so once and writes the same records to
/// stderr, one `FIELD=value` line set per entry.
public final class SystemdJournal: JournalSink {
    public static let identifier = "corral"
    public static let defaultSocket = "/run/systemd/journal/socket"

    public let usesJournal: Bool
    private let warnedAboutFailure = Mutex(false)

    /// `socketPath` is checked once: journald's socket decides the destination.
    public init(socketPath: String = SystemdJournal.defaultSocket) {
        usesJournal = access(socketPath, W_OK) == 0
        if !usesJournal {
            Self.stderr("corral: no journald socket at \(socketPath); writing journal records to stderr instead\n")
        }
    }

    public func write(_ entry: JournalEntry) {
        var lines = ["MESSAGE=\(entry.message)", "PRIORITY=\(entry.priority.rawValue)", "SYSLOG_IDENTIFIER=\(Self.identifier)"]
        lines += entry.fields.map { "\($0.name.rawValue)=\($0.value)" }
        guard usesJournal else {
            Self.stderr(lines.joined(separator: "\n") + "\n\n")
            return
        }
        let result = Self.send(lines)
        if result < 0 {
            warnedAboutFailure.withLock { warned in
                if !warned {
                    warned = true
                    Self.stderr(
                        "corral: journald refused a record (\(String(cString: strerror(-result)))); this and later refused records go to stderr\n"
                    )
                }
            }
            Self.stderr(lines.joined(separator: "\n") + "\n\n")
        }
    }

    /// sd_journal_sendv with one iovec per `FIELD=value`; values may hold newlines.
    static func send(_ lines: [String]) -> Int32 {
        let buffers = lines.map { line -> UnsafeMutableRawBufferPointer in
            let bytes = Array(line.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        defer { for buffer in buffers { buffer.deallocate() } }
        let vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        return sd_journal_sendv(vectors, Int32(vectors.count))
    }

    static func stderr(_ text: String) {
        // swift-system writes it all, retrying writes a signal interrupted.
        _ = try? FileDescriptor.standardError.writeAll(text.utf8)
    }
}
