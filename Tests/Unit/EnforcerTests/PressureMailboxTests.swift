import CorralCore
import Testing

@testable import Enforcer

/// Where the watcher's thread leaves a signal for the enforcer's loop.
@Suite("The pressure mailbox")
struct PressureMailboxTests {
    static func signal(_ trigger: PressureSignal.Trigger, at: Double) -> PressureSignal {
        PressureSignal(trigger: trigger, at: at, availableKb: 100, floorKb: 200)
    }

    @Test("a signal wakes a waiting loop at once; none until the deadline is nil at the deadline")
    func wakes() async {
        let mailbox = PressureMailbox()
        let waiting = Task { await mailbox.wait(until: .now + .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(50))
        await mailbox.post(Self.signal(.floor, at: 1))
        #expect(await waiting.value?.at == 1)
        #expect(await mailbox.wait(until: .now + .milliseconds(20)) == nil)
    }

    @Test("signals that arrive while a cycle runs wait for the next: the earliest, a floor if any was")
    func holds() async {
        let mailbox = PressureMailbox()
        await mailbox.post(Self.signal(.stall("/proc/pressure/memory"), at: 1))
        await mailbox.post(Self.signal(.floor, at: 2))
        let held = await mailbox.take()
        #expect(held?.at == 1 && held?.trigger == .floor)
        #expect(await mailbox.take() == nil)
    }

    @Test("a cancelled wait (shutdown) ends at once")
    func cancelled() async {
        let mailbox = PressureMailbox()
        let waiting = Task { await mailbox.wait(until: .now + .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        #expect(await waiting.value == nil)
    }
}
