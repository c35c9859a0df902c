/// Who runs a singleton (the node sweep) among the replicas: the holder of a
/// lease row, renewed by every sweep and taken over by another replica once
/// it ran out. The rule in values; the store applies it in the same
/// transaction as the work it guards, so two replicas never both act.
public struct Lease: Sendable, Equatable {
    /// The replica holding it; empty when nobody ever did.
    public var holder: String
    public var expiresMs: Int64
    /// When the current holder took it.
    public var acquiredAtMs: Int64

    public init(holder: String, expiresMs: Int64, acquiredAtMs: Int64) {
        self.holder = holder
        self.expiresMs = expiresMs
        self.acquiredAtMs = acquiredAtMs
    }

    /// The lease after `candidate` asked for it at `now` for `ttlMs`, or nil
    /// while another replica holds it. The holder renews; anybody takes a
    /// lease that ran out.
    public func claimed(by candidate: String, now: Int64, ttlMs: Int64) -> Lease? {
        if holder == candidate { return Lease(holder: candidate, expiresMs: now + ttlMs, acquiredAtMs: acquiredAtMs) }
        guard holder.isEmpty || expiresMs <= now else { return nil }
        return Lease(holder: candidate, expiresMs: now + ttlMs, acquiredAtMs: now)
    }
}

/// A replica's claim on a singleton: who it is and how long a claim lasts.
public struct LeaseClaim: Sendable, Equatable {
    public var holder: String
    public var ttlMs: Int64

    public init(holder: String, ttlMs: Int64) {
        self.holder = holder
        self.ttlMs = ttlMs
    }
}
