import CorralCore
import Testing

/// Memory pressure as values: the floor's spelling, how often the watcher
/// reads, and whom a pressure cycle removes beyond the plan, in what order.
@Suite("Memory pressure")
struct PressureTests {
    static func decision(_ id: String, _ cls: ContainerClass, _ action: Action, rssMiB: UInt64, rank: Int = 1) -> Decision {
        Decision(
            container: ContainerMetadata(id: id, name: id, image: "corral/high-ram", labels: [:], createdAt: 0), containerClass: cls,
            classSource: .label, action: action, rank: rank, of: 3, cpuPercent: 0, memPercent: 0, vszKb: 0, rssKb: rssMiB * 1024,
            reason: "")
    }

    static let plan = Plan(
        decisions: [
            decision("kept-light", .high, .keep, rssMiB: 10, rank: 1), decision("kept-heavy", .high, .keep, rssMiB: 900, rank: 2),
            decision("surplus-light", .high, .kill, rssMiB: 5), decision("surplus-heavy", .high, .kill, rssMiB: 600),
            decision("low-heavy", .low, .kill, rssMiB: 2000), decision("low-kept", .low, .keep, rssMiB: 3000),
        ], starts: [], untouched: [])

    @Test(
        "memory_floor is a share of the host, a size in MiB or GiB, or 0 for off; anything else is refused",
        arguments: [
            ("5%", MemoryFloor.percent(5)), ("12.5 %", .percent(12.5)), ("512MiB", .mebibytes(512)), ("2GiB", .mebibytes(2048)),
            ("0", .off), ("off", .off),
        ])
    func floorSpelling(text: String, floor: MemoryFloor) {
        #expect(MemoryFloor(text) == floor)
        #expect(MemoryFloor(floor.description) == floor, "\(floor) reads back as itself")
    }

    @Test("a floor that is no size is refused", arguments: ["", "5", "-5%", "512MB", "lots", "nan%", "0%"])
    func badFloor(text: String) {
        #expect(MemoryFloor(text) == nil)
    }

    @Test("the floor in KiB on a given host")
    func floorKilobytes() {
        #expect(MemoryFloor.percent(10).kilobytes(totalKb: 1_000_000) == 100_000)
        #expect(MemoryFloor.mebibytes(512).kilobytes(totalKb: 1_000_000) == 524_288)
        #expect(MemoryFloor.off.kilobytes(totalKb: 1_000_000) == nil)
    }

    @Test("far from the floor the watcher reads once a second, near it every 10 ms, under it at once again")
    func cadence() {
        let cadence = PollCadence()
        let gib: UInt64 = 1024 * 1024
        #expect(cadence.wait(availableKb: 20 * gib, floorKb: 1 * gib) == 1)
        #expect(cadence.wait(availableKb: 20 * gib, floorKb: nil) == 1)
        let near = cadence.wait(availableKb: gib + 256 * 1024, floorKb: gib)
        #expect(near > 0.01 && near < 0.02, "256 MiB above the floor at 16 GiB/s: \(near) s")
        #expect(cadence.wait(availableKb: gib + 1, floorKb: gib) == 0.01)
        #expect(cadence.wait(availableKb: gib - 1, floorKb: gib) == 0.01)
    }

    @Test("surplus: only the high containers beyond the kept ones that the plan leaves running, heaviest first")
    func surplusOrder() {
        let order = PressureRelief.candidates(Self.plan, killing: [], policy: .surplus).map(\.id)
        #expect(order == ["surplus-heavy", "surplus-light"])
        let afterKills = PressureRelief.candidates(Self.plan, killing: ["surplus-heavy"], policy: .surplus).map(\.id)
        #expect(afterKills == ["surplus-light"], "one the plan already kills is not taken twice")
    }

    @Test("kept: then the kept high containers, heaviest first; never a low one, however heavy")
    func keptOrder() {
        let order = PressureRelief.candidates(Self.plan, killing: ["surplus-light", "surplus-heavy"], policy: .kept).map(\.id)
        #expect(order == ["kept-heavy", "kept-light"])
        let all = PressureRelief.candidates(Self.plan, killing: [], policy: .kept).map(\.id)
        #expect(all == ["surplus-heavy", "surplus-light", "kept-heavy", "kept-light"])
    }

    @Test("weighed by what each holds now when that is known: one that freed its memory since the snapshot is lighter")
    func holdingNow() {
        let order = PressureRelief.candidates(
            Self.plan, killing: [], policy: .kept, holdingKb: ["kept-heavy": 1024, "kept-light": 50 * 1024]
        ).map(\.id)
        #expect(order == ["surplus-heavy", "surplus-light", "kept-light", "kept-heavy"])
    }

    @Test("a removal under pressure is a kill that says why, with the figures")
    func removalReason() {
        let signal = PressureSignal(trigger: .floor, at: 0, availableKb: 900 * 1024, floorKb: 1024 * 1024)
        let removal = PressureRelief.removal(
            Self.plan.decisions[1], signal: signal, availableKb: 900 * 1024, floorKb: 1024 * 1024)
        #expect(removal.action == .kill)
        #expect(
            removal.reason
                == "memory pressure: MemAvailable 900 MiB under the floor 1024 MiB; the heaviest kept high, rank 2 of 3, holding 900 MiB")
    }

    @Test("the signal in words names what woke the cycle and the stall shares")
    func signalWords() {
        let floor = PressureSignal(trigger: .floor, at: 0, availableKb: 900 * 1024, floorKb: 1024 * 1024, someAvg10: 3.25, fullAvg10: 0)
        #expect(floor.underFloor)
        #expect(floor.description == "MemAvailable 900 MiB under the floor 1024 MiB (PSI some avg10 3.25%, full avg10 0%)")
        let stall = PressureSignal(trigger: .stall("/proc/pressure/memory"), at: 0, availableKb: 4096 * 1024, floorKb: 1024 * 1024)
        #expect(!stall.underFloor)
        #expect(stall.description == "memory stall on /proc/pressure/memory; MemAvailable 4096 MiB, floor 1024 MiB")
    }
}

extension PressureTests {
    @Test("memory a kill freed counts as back until MemAvailable shows it, for at most a minute")
    func freedSettles() {
        let mib: UInt64 = 1024
        // Before: 700 MiB available; the killed held 600 MiB; right after, only 1000 MiB shows.
        let freed = FreedMemory(expectedKb: 1300 * mib, readKb: 1000 * mib, at: 100)
        #expect(freed.effective(readKb: 1000 * mib, now: 101) == 1300 * mib)
        #expect(freed.effective(readKb: 1200 * mib, now: 130) == 1300 * mib, "draining back: still the expected level")
        #expect(freed.effective(readKb: 1400 * mib, now: 130) == 1400 * mib, "back, and more")
        #expect(freed.effective(readKb: 1000 * mib, now: 160) == 1000 * mib, "after a minute the reading stands")
    }

    @Test("a new demand under the level read just after the kill is not hidden by what the kill freed")
    func freedNewDemand() {
        let mib: UInt64 = 1024
        let freed = FreedMemory(expectedKb: 1300 * mib, readKb: 1000 * mib, at: 100)
        #expect(freed.effective(readKb: 950 * mib, now: 101) == 1300 * mib, "50 MiB less is noise")
        #expect(freed.effective(readKb: 936 * mib, now: 101) == 936 * mib, "64 MiB less is a new burst")
    }
}
