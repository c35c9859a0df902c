/// How a surplus container is killed (the `kill_mode` setting).
public enum KillMode: String, Sendable, Equatable, CaseIterable {
    /// SIGKILL at once, then remove (one `rm -f`).
    case kill
    /// SIGTERM, a grace to exit, then SIGKILL, then remove.
    case term
}
