/// Every way a box operation fails, naming the box, the file or the command
/// and what the system said.
public enum BoxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No box has this name or id.
    case noSuchBox(String)
    /// No image has this name.
    case noSuchImage(String)
    /// The name is taken by another box.
    case nameTaken(String)
    /// The operation needs the box in another state ("box web is running; stop it first or use --force").
    case wrongState(String)
    /// A bad value given by the caller (a size, a name, an environment entry).
    case invalid(String)
    /// A file could not be read or written.
    case file(path: String, reason: String)
    /// A cgroup could not be made, limited, joined or removed.
    case cgroup(path: String, reason: String)
    /// A program Corral runs (the helper, mkfs.ext4, debootstrap) failed, in its own words.
    case command(String, reason: String)
    /// The box's init did not come up, in the helper's words.
    case startFailed(box: String, reason: String)
    /// Something that should have ended did not within its time.
    case timedOut(String)

    public var description: String {
        switch self {
        case .noSuchBox(let name): return "no such box: \(name) (corral box ls lists them)"
        case .noSuchImage(let name):
            return "no such image: \(name) (corral box image ls lists them; corral box image build \(name) makes it)"
        case .nameTaken(let name): return "the name \(name) is taken by another box"
        case .wrongState(let message): return message
        case .invalid(let message): return message
        case .file(let path, let reason): return "\(path): \(reason)"
        case .cgroup(let path, let reason): return "cgroup \(path): \(reason)"
        case .command(let command, let reason): return "\(command): \(reason)"
        case .startFailed(let box, let reason): return "box \(box) did not start: \(reason)"
        case .timedOut(let message): return message
        }
    }
}
