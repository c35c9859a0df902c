import CorralCore

/// Where the pressure watcher's thread leaves a signal for the enforcer's
/// loop, which waits on it instead of sleeping until its tick. Holds at
/// most one signal: the first seen since the loop last took one (the
/// earliest is what latency is counted from), made a floor crossing if any
/// of those was one.
actor PressureMailbox {
    private var pending: PressureSignal?
    private var waiter: (id: Int, continuation: CheckedContinuation<PressureSignal?, Never>, timer: Task<Void, Never>)?
    private var nextID = 0

    func post(_ signal: PressureSignal) {
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.continuation.resume(returning: signal)
            return
        }
        guard var held = pending else {
            pending = signal
            return
        }
        if signal.trigger == .floor, held.trigger != .floor {
            held.trigger = .floor
            held.availableKb = signal.availableKb
            held.floorKb = signal.floorKb
        }
        pending = held
    }

    /// The signal left since the last call, if any.
    func take() -> PressureSignal? {
        defer { pending = nil }
        return pending
    }

    var hasPending: Bool { pending != nil }

    /// A signal, as soon as there is one, or nil at `deadline` or when the
    /// waiting task is cancelled.
    func wait(until deadline: ContinuousClock.Instant) async -> PressureSignal? {
        if let signal = take() { return signal }
        nextID += 1
        let id = nextID
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard !Task.isCancelled else {
                    continuation.resume(returning: nil)
                    return
                }
                let timer = Task {
                    try? await Task.sleep(until: deadline)
                    self.expire(id)
                }
                waiter = (id, continuation, timer)
            }
        } onCancel: {
            Task { await self.expire(id) }
        }
    }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.timer.cancel()
        waiter.continuation.resume(returning: nil)
    }
}
