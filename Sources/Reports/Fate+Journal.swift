import Actuation
import Journal

extension Fate {
    /// The journal's `CORRAL_EVENT` for a decision with this fate (the
    /// contract's events: keep, kill, kill_failed); `CORRAL_FATE` says which.
    public var journalEvent: JournalEvent {
        switch self {
        case .kept: return .keep
        case .killed, .vanished, .wouldKill: return .kill
        case .refused, .failed: return .killFailed
        case .throttled: return .throttle
        }
    }
}
