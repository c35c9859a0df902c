import ControlStore
import Logging
import ServiceLifecycle
import Synchronization

/// The one loop in a subscribe process that looks for new work orders, for
/// every agent's held poll at once: one query a tick, however many agents
/// wait (on PostgreSQL each query is a round trip to a shared server), and
/// each waiting poll woken when its node has orders. At graceful shutdown
/// it wakes every poll and lets none wait again, so subscribe stops at once
/// instead of holding polls open to the end of their wait.
public final class OrderWatcher: Service, Sendable {
    let store: ControlStore
    let interval: Duration
    let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var waiters: [Int: Waiter] = [:]
        var next = 0
        var closed = false
    }

    private struct Waiter {
        let node: String
        let continuation: CheckedContinuation<Void, Never>
    }

    public init(store: ControlStore, interval: Duration = .milliseconds(20), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// True once shutdown began: polls answer at once.
    public var closed: Bool { state.withLock { $0.closed } }

    /// Returns when `node` may have orders or at shutdown (true), or after
    /// `timeout` (false).
    @discardableResult
    public func wait(for node: String, atMost timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            group.addTask {
                await self.woken(node)
                return true
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func woken(_ node: String) async {
        let id = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.closed || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(node: node, continuation: continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    /// Wakes the polls of `nodes` (every poll when nil).
    private func wake(_ nodes: Set<String>?) {
        let woken = state.withLock { state -> [Waiter] in
            let ids = state.waiters.filter { nodes?.contains($0.value.node) ?? true }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let waiting = self.state.withLock { Set($0.waiters.values.map(\.node)) }
                if !waiting.isEmpty {
                    do {
                        let ready = try await self.store.nodesWithOrders(among: waiting)
                        if !ready.isEmpty { self.wake(ready) }
                    } catch {
                        // The polls look again themselves at the end of
                        // their wait; say it, and try on the next tick.
                        self.logger.warning("looking for work orders failed", metadata: ["error": "\(error)"])
                    }
                }
                try await Task.sleep(for: self.interval)
            }
        }
        state.withLock { $0.closed = true }
        wake(nil)
    }
}
