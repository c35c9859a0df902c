import Foundation

/// A kernel-module document written to a file, so a cycle can be run with
/// no module, no /proc of interest and no daemon: each container's one
/// process carries the figures it is to be ranked on.
public struct SysinfoFixture {
    public struct Container {
        public let id: String
        public let cpuPercent: Double
        public let rssKb: UInt64

        public init(id: String, cpuPercent: Double = 1, rssKb: UInt64 = 1000) {
            self.id = id
            self.cpuPercent = cpuPercent
            self.rssKb = rssKb
        }
    }

    /// Writes the document to `path`.
    public static func write(_ containers: [Container], to path: String) throws {
        let processes = containers.enumerated().map { index, container -> [String: Any] in
            [
                "id": container.id, "cgroup": "/docker/\(container.id)",
                "processes": [
                    [
                        "pid": 4000 + index, "ppid": 1, "name": "load", "cmdline": "/load", "vsz_kb": container.rssKb * 2,
                        "rss_kb": container.rssKb, "mem_percent": Double(container.rssKb) / 24_684_084 * 100,
                        "cpu_time_ns": 1_000_000_000, "start_time_ns": 100_000_000_000, "cpu_percent": container.cpuPercent,
                    ] as [String: Any]
                ],
            ]
        }
        let document: [String: Any] = [
            "schema": "corral.sysinfo/v1", "source": "kernel", "taken_at_ns": 1_795_294_158_452_569_000, "boot_ns": 189_770_881_000,
            "memory": ["total_kb": 24_684_084, "free_kb": 16_384_176, "available_kb": 23_179_776, "used_kb": 1_504_308],
            "containers": processes,
        ]
        try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }
}
