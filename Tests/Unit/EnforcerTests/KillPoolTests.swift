import Actuation
import ContainerRuntime
import CorralCore
import CorralTestSupport
import Settings
import Testing

@testable import Enforcer
@testable import Reports

/// The kill pool, the last gate before harm, against a runtime in memory:
/// every misbehaviour of a real daemon, in milliseconds.
@Suite("The kill pool")
struct KillPoolTests {
    static let managed = [CorralLabel.managed: CorralLabel.trueValue]

    static func decision(for id: String, labels: [String: String] = managed, action: Action = .kill) -> Decision {
        Decision(
            container: ContainerMetadata(id: id, name: "x", image: "corral/low-idle", labels: labels, createdAt: 0), containerClass: .low,
            classSource: .label, action: action, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 0, rssKb: 0, reason: "test")
    }

    /// A deadline the tests that hang a removal reach quickly.
    static let soon = Duration.milliseconds(200)

    /// The deadline is far away unless a test means to reach it, so how
    /// busy the machine is changes nothing.
    static func pool(_ runtime: InMemoryRuntime, width: Int = 4, deadline: Duration = .seconds(30)) -> KillPool {
        KillPool(runtime: runtime, width: width, mode: .kill, graceSeconds: 1, deadline: deadline)
    }

    @Test("kills and removes the managed surplus, and nothing else")
    func kills() async {
        let runtime = InMemoryRuntime()
        let surplus = [await runtime.add(labels: Self.managed), await runtime.add(labels: Self.managed)]
        let kept = await runtime.add(labels: Self.managed)
        let outcomes = await Self.pool(runtime).kill(surplus.map { Self.decision(for: $0) })
        #expect(outcomes == [surplus[0]: .removed, surplus[1]: .removed])
        #expect(await runtime.containers.map(\.id) == [kept])
    }

    @Test(
        "refuses an unmanaged, protected or collector container even when a plan names it, and leaves it running",
        arguments: [
            [:], [CorralLabel.managed: "true", CorralLabel.protected: "true"],
            [CorralLabel.managed: "true", CorralLabel.role: "collector"],
            [CorralLabel.managed: "false"],
        ])
    func refuses(labels: [String: String]) async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: labels)
        #expect(await Self.pool(runtime).kill([Self.decision(for: id, labels: labels)]) == [id: .refused])
        #expect(await runtime.container(id)?.state == .running)
        #expect(await runtime.removed.isEmpty)
    }

    @Test("refuses a decision to keep, whatever its labels")
    func refusesKeep() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: Self.managed)
        #expect(await Self.pool(runtime).kill([Self.decision(for: id, action: .keep)]) == [id: .refused])
        #expect(await runtime.container(id) != nil)
    }

    @Test("a container that vanished between the snapshot and the kill counts as done")
    func vanished() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: Self.managed)
        await runtime.vanishBeforeKill(id)
        #expect(await Self.pool(runtime).kill([Self.decision(for: id)]) == [id: .alreadyGone])
    }

    @Test("a removal already under way (an attempt that timed out) counts as removed once the container is gone")
    func removalInProgress() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: Self.managed)
        await runtime.removalAlreadyInProgress(for: id, finishingAfter: .milliseconds(50))
        #expect(await Self.pool(runtime).kill([Self.decision(for: id)]) == [id: .removed])
        #expect(await runtime.container(id) == nil)
    }

    @Test("a removal that hangs past the deadline is abandoned and tried once more; the second attempt's success counts")
    func hangThenSucceed() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: Self.managed)
        await runtime.hangRemoval(of: id, times: 1)
        #expect(await Self.pool(runtime, deadline: Self.soon).kill([Self.decision(for: id)]) == [id: .removed])
        #expect(await runtime.container(id) == nil)
    }

    @Test(
        "a removal that goes on in the runtime after its deadline, done when the retry asks, counts as removed, not as gone before Corral")
    func outlivedDeadline() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: Self.managed)
        await runtime.removalOutlivesCaller(of: id)
        #expect(await Self.pool(runtime, deadline: Self.soon).kill([Self.decision(for: id)]) == [id: .removed])
        #expect(await runtime.removed == [id])
    }

    @Test("a removal that hangs on both attempts fails with the deadline's words, and does not hold up the others")
    func hangsTwice() async {
        let runtime = InMemoryRuntime()
        let stuck = await runtime.add(labels: Self.managed)
        let others = [await runtime.add(labels: Self.managed), await runtime.add(labels: Self.managed)]
        await runtime.hangRemoval(of: stuck)
        let outcomes = await Self.pool(runtime, width: 2, deadline: Self.soon).kill(([stuck] + others).map { Self.decision(for: $0) })
        #expect(outcomes[stuck] == .failed("no answer within 0.2 seconds"))
        for id in others { #expect(outcomes[id] == .removed) }
        #expect(await runtime.containers.map(\.id) == [stuck])
    }

    @Test("a refusal is retried once; two refusals fail with the runtime's own words")
    func retriesOnce() async {
        let runtime = InMemoryRuntime()
        let once = await runtime.add(labels: Self.managed)
        let twice = await runtime.add(labels: Self.managed)
        await runtime.failRemoval(of: once, with: [.failed("driver busy")])
        await runtime.failRemoval(of: twice, with: [.failed("driver busy"), .failed("device or resource busy")])
        let outcomes = await Self.pool(runtime).kill([Self.decision(for: once), Self.decision(for: twice)])
        #expect(outcomes[once] == .removed)
        #expect(outcomes[twice] == .failed("device or resource busy"))
        #expect(await runtime.container(twice) != nil)
    }

    @Test("a runtime that went away fails every kill with its words and removes nothing")
    func runtimeGone() async {
        let runtime = InMemoryRuntime()
        let ids = [await runtime.add(labels: Self.managed), await runtime.add(labels: Self.managed)]
        await runtime.goAway("Docker daemon not reachable at /var/run/docker.sock (Connection refused); is dockerd running?")
        let outcomes = await Self.pool(runtime).kill(ids.map { Self.decision(for: $0) })
        for id in ids {
            #expect(
                outcomes[id] == .failed("Docker daemon not reachable at /var/run/docker.sock (Connection refused); is dockerd running?"))
        }
        await runtime.comeBack()
        #expect(await runtime.containers.count == 2)
    }

    @Test("never more removals in flight than the pool's width, and every one done", arguments: [1, 3, 8])
    func width(width: Int) async {
        let runtime = InMemoryRuntime()
        var ids: [String] = []
        for _ in 0..<20 { ids.append(await runtime.add(labels: Self.managed)) }
        // Each removal takes a while, so removals overlap.
        for id in ids { await runtime.slowRemoval(of: id, by: .milliseconds(5)) }
        let outcomes = await Self.pool(runtime, width: width).kill(ids.map { Self.decision(for: $0) })
        #expect(outcomes.count == 20)
        #expect(outcomes.values.allSatisfy { $0 == .removed })
        #expect(await runtime.mostRemovalsAtOnce <= width)
        #expect(await runtime.containers.isEmpty)
    }

    @Test("term mode stops the container (SIGTERM, the grace, SIGKILL) before removing it")
    func termStops() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: Self.managed)
        let term = KillPool(runtime: runtime, width: 1, mode: .term, graceSeconds: 1, deadline: .seconds(30))
        #expect(await term.kill([Self.decision(for: id)]) == [id: .removed])
        #expect(await runtime.signals == ["stop \(id)"])
    }

    @Test(
        "term mode: a PID 1 that ignores SIGTERM is stopped (the whole grace, then SIGKILL) and removed in one attempt, whose deadline covers the grace"
    )
    func termCoversGrace() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: Self.managed)
        await runtime.ignoreSIGTERM(in: id)
        // The removal deadline alone is shorter than the grace: an attempt
        // timed by it would give up during the grace, and stop again.
        let term = KillPool(runtime: runtime, width: 1, mode: .term, graceSeconds: 1, deadline: .milliseconds(900))
        #expect(await term.kill([Self.decision(for: id)]) == [id: .removed])
        #expect(await runtime.signals == ["stop \(id)"])
        #expect(await runtime.container(id) == nil)
    }
}

/// The kill pool's direct path through the cgroup, with the cgroup seam in memory.
@Suite("The kill pool through the cgroup")
struct KillPoolCgroupTests {
    /// Records what it was asked to empty; fails for the ids it is told to.
    actor FakeCgroups: CgroupKilling {
        var emptied: [String: Int32] = [:]
        let failing: Set<String>

        init(failing: Set<String> = []) { self.failing = failing }

        func empty(_ id: String, mainPID: Int32) async throws -> CgroupKill {
            struct Refused: Error, CustomStringConvertible { var description: String }
            if failing.contains(id) { throw Refused(description: "no cgroup for \(id)") }
            emptied[id] = mainPID
            return CgroupKill(via: .cgroupKill, cgroup: "/sys/fs/cgroup/unified/docker/\(id)", signalled: 1, seconds: 0.002)
        }
    }

    func pool(_ runtime: InMemoryRuntime, _ cgroups: FakeCgroups, mode: KillMode = .kill) -> KillPool {
        KillPool(runtime: runtime, width: 4, mode: mode, graceSeconds: 1, deadline: .seconds(30), cgroups: cgroups)
    }

    @Test("each surplus cgroup is emptied by the runtime's main pid, then the container removed; the journal says how")
    func emptiesThenRemoves() async throws {
        let runtime = InMemoryRuntime()
        let a = await runtime.add(labels: KillPoolTests.managed)
        let b = await runtime.add(labels: KillPoolTests.managed)
        let cgroups = FakeCgroups(failing: [b])
        let pidOfA = await runtime.container(a)?.mainPID
        let results = await pool(runtime, cgroups).killAll([a, b].map { KillPoolTests.decision(for: $0) })
        #expect(results.outcomes == [a: .removed, b: .removed], "a failed direct kill still ends in the runtime's removal")
        let emptied = await cgroups.emptied
        #expect(emptied.keys.sorted() == [a])
        #expect(emptied[a] == pidOfA)
        guard case .emptied(let kill)? = results.direct[a], case .failed(let why)? = results.direct[b] else {
            Issue.record("\(results.direct)")
            return
        }
        #expect(kill.via == .cgroupKill)
        #expect(why == "no cgroup for \(b)")
        #expect(await runtime.containers.isEmpty)

        let decisions = [a, b].map { KillPoolTests.decision(for: $0) }
        let report = CycleReport(
            cycle: 1, dryRun: false, snapshot: nil, plan: Plan(decisions: decisions, starts: [], untouched: []), kills: results.outcomes,
            direct: results.direct, error: nil, notice: nil, seconds: 0)
        let fields = decisions.map { CycleJournal.directFields(report.direct[$0.id], fate: report.fate(of: $0)) }
        #expect(fields[0].map(\.name) == [.killVia, .emptiedMs])
        #expect(fields[0].map(\.value) == ["cgroup.kill", "2.0"])
        #expect(fields[1].map(\.value) == ["runtime", "no cgroup for \(b)"])
    }

    @Test("a container whose labels changed since the plan is refused before its cgroup is touched")
    func relabelled() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: [:])
        let cgroups = FakeCgroups()
        let results = await pool(runtime, cgroups).killAll([KillPoolTests.decision(for: id)])
        #expect(results.outcomes[id] == .refused)
        let emptied = await cgroups.emptied
        #expect(emptied.isEmpty)
        #expect(await runtime.containers.map(\.id) == [id])
    }

    @Test("term mode leaves the processes to the runtime's SIGTERM and grace: no direct kill")
    func termMode() async {
        let runtime = InMemoryRuntime()
        let id = await runtime.add(labels: KillPoolTests.managed)
        let cgroups = FakeCgroups()
        let results = await pool(runtime, cgroups, mode: .term).killAll([KillPoolTests.decision(for: id)])
        #expect(results.outcomes[id] == .removed)
        let emptied = await cgroups.emptied
        #expect(results.direct.isEmpty && emptied.isEmpty)
    }
}
