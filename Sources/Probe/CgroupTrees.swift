/// Where a host's cgroup hierarchies are, under its cgroup root (usually
/// /sys/fs/cgroup): the one rule the probe and the cgroup actuators share.
public enum CgroupTrees {
    /// The cgroup v2 hierarchy: the root itself on a v2 host, `unified` on
    /// a hybrid one; nil on a host with v1 alone.
    public static func unified(under cgroupRoot: String) -> String? {
        [cgroupRoot, "\(cgroupRoot)/unified"].first { ProcFile.exists("\($0)/cgroup.controllers") }
    }

    /// The hierarchies containers' processes are listed in, ranked as a
    /// /proc/<pid>/cgroup text's lines are: a v2 host's one tree; else the
    /// memory controller's, then cpuacct's, then the unified tree of a hybrid
    /// host. Empty when none is there.
    static func listing(under cgroupRoot: String) -> [String] {
        let unified = unified(under: cgroupRoot)
        if unified == cgroupRoot { return [cgroupRoot] }
        let memory = ["\(cgroupRoot)/memory"].filter { ProcFile.exists("\($0)/cgroup.procs") }
        // cpuacct is usually mounted with cpu, and `cpuacct` links to it: one of the two.
        let cpuacct = ["\(cgroupRoot)/cpuacct", "\(cgroupRoot)/cpu,cpuacct"].first { ProcFile.exists("\($0)/cgroup.procs") }
        return memory + (cpuacct.map { [$0] } ?? []) + (unified.map { [$0] } ?? [])
    }
}
