/// How long to wait before trying again: `initial` after the first failure,
/// doubling with each failure in a row up to `maximum`, plus up to `jitter`
/// of itself again at random, so parts that failed together do not return
/// together. One rule for every retry loop in Corral; each names its own.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    /// The largest fraction added at random (0.5: up to half again).
    public var jitter: Double

    public init(initial: Duration, maximum: Duration, jitter: Double = 0) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The wait after `failures` failures in a row (1 is the first). `draw`,
    /// from 0 to 1, is how much of the jitter is added.
    public func delay(afterFailures failures: Int, draw: Double = Double.random(in: 0...1)) -> Duration {
        let doublings = min(max(failures - 1, 0), 30)
        let base = min(maximum, initial * (1 << doublings))
        return jitter > 0 ? base * (1 + jitter * draw) : base
    }
}
