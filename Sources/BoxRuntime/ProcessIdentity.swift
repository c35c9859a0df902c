import Foundation

/// A process named so that a reused pid is not mistaken for it: the pid and
/// its start time in clock ticks since boot (/proc/PID/stat field 22).
public struct ProcessIdentity: Sendable, Equatable {
    public let pid: Int32
    public let start: UInt64

    public init(pid: Int32, start: UInt64) {
        self.pid = pid
        self.start = start
    }

    /// The process as it is now, or nil when there is none with this pid (or
    /// it is a zombie: dead, waiting to be reaped).
    public static func current(_ pid: Int32, procRoot: String = "/proc") -> ProcessIdentity? {
        guard let stat = BoxFiles.text("\(procRoot)/\(pid)/stat"), let fields = parse(stat: stat) else { return nil }
        guard fields.state != "Z", fields.state != "X" else { return nil }
        return ProcessIdentity(pid: pid, start: fields.start)
    }

    /// True while this very process lives.
    public func isAlive(procRoot: String = "/proc") -> Bool { ProcessIdentity.current(pid, procRoot: procRoot) == self }

    /// The state letter and start time of a /proc/PID/stat line; the command
    /// name (field 2) may hold spaces and parentheses, so fields count from the last ')'.
    static func parse(stat: String) -> (state: Character, start: UInt64)? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state); field 22 is rest[19].
        guard rest.count > 19, let state = rest[0].first, let start = UInt64(rest[19]) else { return nil }
        return (state, start)
    }
}
