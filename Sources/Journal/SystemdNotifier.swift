import CSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// Tells the service manager how the service is doing (sd_notify): READY=1
/// once it runs, STOPPING=1 when it begins its graceful stop, a STATUS= line
/// per cycle for `systemctl status`. Outside a `Type=notify` unit
/// ($NOTIFY_SOCKET unset) every call does nothing.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// True when a service manager listens ($NOTIFY_SOCKET is set).
    public var isActive: Bool { getenv("NOTIFY_SOCKET") != nil }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }

    public func status(_ text: String) { send("STATUS=\(text)") }

    private func send(_ state: String) {
        guard isActive else { return }
        _ = sd_notify(0, state)
    }
}
