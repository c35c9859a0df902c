import Actuation
import Foundation
import Probe

/// Caps a container's CPU and memory by writing its cgroup's files: on
/// cgroup v1 `cpu.cfs_quota_us` (period 100 ms) and
/// `memory.soft_limit_in_bytes`; on v2 `cpu.max` and `memory.high`. Each
/// controller where the host has it (a hybrid host may have v1 controllers
/// and a v2 tree without them). Uncapping writes the unlimited values.
public struct CgroupfsThrottler: CgroupThrottling {
    public let procRoot: String
    public let cgroupRoot: String
    public let parent: String

    public init(procRoot: String = "/proc", cgroupRoot: String = "/sys/fs/cgroup", parent: String = "docker") {
        self.procRoot = procRoot
        self.cgroupRoot = cgroupRoot
        self.parent = parent
    }

    static let period = 100_000

    public func cap(_ id: String, mainPID: Int32, to limits: ThrottleLimits) async throws {
        let quota = max(1000, Int((limits.cpuPercent / 100 * Double(Self.period)).rounded()))
        try set(id, mainPID: mainPID, cpuV1: "\(quota)", cpuV2: "\(quota) \(Self.period)", memory: "\(limits.memoryBytes)")
    }

    public func uncap(_ id: String, mainPID: Int32) async throws {
        try set(id, mainPID: mainPID, cpuV1: "-1", cpuV2: "max \(Self.period)", memory: nil)
    }

    /// `memory` nil: the unlimited value of each version (-1 on v1, max on v2).
    func set(_ id: String, mainPID: Int32, cpuV1: String, cpuV2: String, memory: String?) throws {
        let found = try CgroupfsKiller.resolve(id, mainPID: mainPID, procRoot: procRoot, parent: parent)
        let files = FileManager.default
        let unified = CgroupTrees.unified(under: cgroupRoot).map { "\($0)\(found.cgroup)" }
        var wrote = 0
        if let cpu = ["cpu,cpuacct", "cpu"].map({ "\(cgroupRoot)/\($0)\(found.cgroup)/cpu.cfs_quota_us" }).first(where: files.fileExists) {
            try CgroupfsKiller.write(cpuV1, to: cpu)
            wrote += 1
        } else if let unified, files.fileExists(atPath: "\(unified)/cpu.max") {
            try CgroupfsKiller.write(cpuV2, to: "\(unified)/cpu.max")
            wrote += 1
        }
        let v1Memory = "\(cgroupRoot)/memory\(found.cgroup)/memory.soft_limit_in_bytes"
        if files.fileExists(atPath: v1Memory) {
            try CgroupfsKiller.write(memory ?? "-1", to: v1Memory)
            wrote += 1
        } else if let unified, files.fileExists(atPath: "\(unified)/memory.high") {
            try CgroupfsKiller.write(memory ?? "max", to: "\(unified)/memory.high")
            wrote += 1
        }
        guard wrote == 2 else { throw CgroupfsKiller.Failure.noCgroup(id: id, cgroup: found.cgroup, tried: [cgroupRoot]) }
    }
}
