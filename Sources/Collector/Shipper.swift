import CorralCore
import Foundation

/// Delivers the spool to the collector: each stream in spool order, in
/// batches, each batch acknowledged in the spool only after the collector
/// stored it. A batch whose answer was lost is sent again and the collector
/// stores each record id once, so every record arrives exactly once.
///
/// While the collector does not answer, records wait in the spool: a round
/// retries briefly, then later rounds back off (2, 4, 8 ... 30 s) until one
/// gets through. A flush (`force`) ignores the back-off and keeps trying
/// until its deadline.
public struct Shipper: Sendable {
    public let spool: Spool
    public let client: any CollectorTransport
    public let batchSize: Int
    public private(set) var consecutiveFailures = 0
    private var retryAt: ContinuousClock.Instant?

    public init(spool: Spool, client: any CollectorTransport, batchSize: Int = 500) {
        self.spool = spool
        self.client = client
        self.batchSize = max(batchSize, 1)
    }

    /// Delivers what waits, until everything is delivered, a failure, or `deadline`.
    public mutating func ship(until deadline: ContinuousClock.Instant, force: Bool = false) async -> ShipReport {
        var report = ShipReport()
        if !force, let retryAt, ContinuousClock.now < retryAt {
            report.deferred = true
            report.pending = await pending()
            return report
        }
        streams: for stream in SpoolStream.allCases {
            var limit = batchSize
            while ContinuousClock.now < deadline {
                let batch: Spool.Batch
                switch await nextBatch(stream, limit) {
                case .success(let next?): batch = next
                case .success(nil): continue streams
                case .failure(let error):
                    report.failure = "\(error)"
                    break streams
                }
                switch await deliver(batch, until: deadline, force: force) {
                case .success(let ack):
                    report.delivered[stream, default: 0] += ack.stored
                    report.duplicates += ack.duplicates
                    if let failure = await acknowledge(batch, count: nil) {
                        report.failure = failure
                        break streams
                    }
                    limit = batchSize
                case .failure(.rejected(_, let record?, _, _)) where record > 0 && record < batch.lines.count:
                    // Send the valid records before the bad one on their own;
                    // the bad one then heads the next batch.
                    limit = record
                case .failure(.rejected(_, let record, _, let message)) where (record ?? 0) == 0 || batch.lines.count == 1:
                    if let failure = await reject(batch) {
                        report.failure = failure
                        break streams
                    }
                    report.rejected += 1
                    report.notices.append(
                        "set aside an invalid \(stream.rawValue) record in \(spool.directory)/\(stream.rawValue).rejected.jsonl: \(message)"
                    )
                    limit = batchSize
                case .failure(let error):
                    report.failure = "\(error)"
                    noteFailure()
                    break streams
                }
            }
        }
        if report.failure == nil {
            consecutiveFailures = 0
            retryAt = nil
        }
        report.pending = await pending()
        return report
    }

    /// Undelivered records in both streams.
    public func pending() async -> Int { await spool.depth() }

    // MARK: - Steps, each turning a typed failure into a value

    private mutating func noteFailure() {
        consecutiveFailures += 1
        retryAt = ContinuousClock.now + Self.backoff.delay(afterFailures: consecutiveFailures)
    }

    /// How long rounds wait after `failures` failed rounds in a row: 2, 4,
    /// 8, 16, then 30 s for as long as the outage lasts.
    public static let backoff = Backoff(initial: .seconds(2), maximum: .seconds(30))

    /// Posts a batch, retrying failures that may pass: twice within a round,
    /// or until the deadline when flushing.
    private func deliver(_ batch: Spool.Batch, until deadline: ContinuousClock.Instant, force: Bool) async -> Result<
        BatchAck, CollectorError
    > {
        var delay = Duration.milliseconds(200)
        var tries = 0
        while true {
            tries += 1
            let result = await post(batch, until: deadline)
            guard case .failure(let error) = result, error.isTransient else { return result }
            let retry = force || tries < 3
            guard retry, ContinuousClock.now + delay < deadline else { return result }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
        }
    }

    /// One POST, never running past the round's deadline (a collector that
    /// accepts but does not answer must not stall the enforcer's cycle).
    private func post(_ batch: Spool.Batch, until deadline: ContinuousClock.Instant) async -> Result<BatchAck, CollectorError> {
        let left = max(deadline - ContinuousClock.now, .milliseconds(500))
        let timeout = min(left, .seconds(10))
        do throws(CollectorError) {
            return .success(try await client.post(batch.stream, lines: batch.lines, timeout: timeout))
        } catch {
            return .failure(error)
        }
    }

    private func nextBatch(_ stream: SpoolStream, _ limit: Int) async -> Result<Spool.Batch?, Spool.Failure> {
        do throws(Spool.Failure) {
            return .success(try await spool.next(stream, maxRecords: limit))
        } catch {
            return .failure(error)
        }
    }

    private func acknowledge(_ batch: Spool.Batch, count: Int?) async -> String? {
        do throws(Spool.Failure) {
            try await spool.acknowledge(batch, count: count)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func reject(_ batch: Spool.Batch) async -> String? {
        do throws(Spool.Failure) {
            try await spool.reject(batch, at: 0)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
