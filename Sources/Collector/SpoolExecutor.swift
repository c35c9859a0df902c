import Dispatch

/// The spool's own thread: every append and acknowledgement ends in an
/// fsync, which blocks, and a blocking call must not hold one of the few
/// threads of Swift's cooperative pool (the cycle, delivery and /metrics
/// share them). The spool actor runs its jobs here instead.
final class SpoolExecutor: SerialExecutor {
    private let queue = DispatchQueue(label: "corral.spool")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
