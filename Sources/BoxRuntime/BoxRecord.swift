/// What has happened to a box since it was created, kept in its state.json
/// and kept true by every call that reads it (a box whose init died is
/// `exited`, with its status, the next time anyone looks).
public struct BoxRecord: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        case created, running, stopped, exited
    }

    public var phase: Phase
    /// The box's init, in the host's PID namespace, and its start time (clock
    /// ticks since boot, /proc/PID/stat field 22): a pid alone may be reused.
    public var pid: Int32?
    public var pidStart: UInt64?
    /// Seconds since the epoch.
    public var startedAt: Double?
    public var finishedAt: Double?
    /// How the command ended, when the box's init saw it end.
    public var exitCode: Int32?
    public var signal: Int32?
    public var oomKilled: Bool
    /// True from start to stop: restore starts the boxes that should be running and are not.
    public var wantsRunning: Bool

    public init(
        phase: Phase = .created, pid: Int32? = nil, pidStart: UInt64? = nil, startedAt: Double? = nil, finishedAt: Double? = nil,
        exitCode: Int32? = nil, signal: Int32? = nil, oomKilled: Bool = false, wantsRunning: Bool = false
    ) {
        self.phase = phase
        self.pid = pid
        self.pidStart = pidStart
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.wantsRunning = wantsRunning
    }

    /// "running", "stopped", "exited (0)", "exited (137, oom-killed)", "exited (unknown)".
    public var words: String {
        switch phase {
        case .created: return "created"
        case .running: return "running"
        case .stopped: return "stopped"
        case .exited:
            var parts: [String] = []
            if let exitCode { parts.append("\(exitCode)") } else { parts.append("unknown") }
            if oomKilled { parts.append("oom-killed") } else if let signal { parts.append("signal \(signal)") }
            return "exited (\(parts.joined(separator: ", ")))"
        }
    }
}

/// The line the box's init writes when the command ends.
public enum ExitRecord: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    /// "exited 3\n" or "signaled 9\n"; nil for anything else (an empty file: init never wrote).
    public init?(_ text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 2, let value = Int32(words[1]) else { return nil }
        switch words[0] {
        case "exited": self = .exited(value)
        case "signaled": self = .signaled(value)
        default: return nil
        }
    }

    /// The shell's convention: the code, or 128 + the signal.
    public var code: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    public var signal: Int32? {
        if case .signaled(let signal) = self { return signal }
        return nil
    }
}
