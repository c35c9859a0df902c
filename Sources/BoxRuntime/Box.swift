import Foundation

/// One box as `ls` shows it: what create fixed and what has happened since.
public struct Box: Sendable, Equatable {
    public var config: BoxConfig
    public var record: BoxRecord

    public init(config: BoxConfig, record: BoxRecord) {
        self.config = config
        self.record = record
    }

    public var id: String { config.id }
    public var name: String { config.name }
    public var isRunning: Bool { record.phase == .running }

    /// Seconds since start while running; nil otherwise.
    public func uptime(now: Double) -> Double? {
        guard isRunning, let startedAt = record.startedAt else { return nil }
        return max(0, now - startedAt)
    }

    /// 45s, 3m12s, 2h05m, 3d04h.
    public static func words(seconds: Double) -> String {
        let total = Int(seconds)
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(String(format: "%02d", total % 60))s"
        case ..<86400: return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m"
        default: return "\(total / 86400)d\(String(format: "%02d", total % 86400 / 3600))h"
        }
    }
}
