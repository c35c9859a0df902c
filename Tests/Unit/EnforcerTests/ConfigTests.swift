import Actuation
import CorralCore
import CorralTestSupport
import Foundation
import Reports
import Settings
import Testing

@testable import Enforcer

@Suite("The config file")
struct ConfigTests {
    @Test("every key reads over the defaults")
    func full() throws {
        let config = try EnforcerConfig.parse(
            """
            interval_seconds = 5
            high = 1
            low = 4
            sort_keys = ["rss", "cpu"]
            pool_width = 16
            kill_mode = "term"
            grace_seconds = 2
            spool_path = "/tmp/spool"
            scale_up = false

            [images]
            "registry.local:5000/heavy" = "high"

            [thresholds]
            cpu_percent = 75.5
            mem_percent = 10

            [resolution]
            cpu_percent = 2.5
            rss_mib = 0

            [scale_up_images]
            high = ["corral/high-cpu"]
            low = ["corral/low-idle"]

            [selector]
            tenant = "a"
            """, file: "corral.toml")
        #expect(config.intervalSeconds == 5)
        #expect(config.policy.desiredHigh == 1 && config.policy.desiredLow == 4)
        #expect(config.policy.sortKeys == [.rss, .cpu])
        #expect(config.poolWidth == 16 && config.killMode == .term && config.graceSeconds == 2)
        #expect(config.policy.resolutions == [.cpu: 2.5, .mem: 0.1, .vsz: 1, .rss: 0])
        #expect(config.spoolPath == "/tmp/spool")
        #expect(config.policy.scaleUp == false)
        #expect(config.policy.imageClasses == ["registry.local:5000/heavy": .high])
        #expect(config.policy.highCPUPercent == 75.5 && config.policy.highMemPercent == 10)
        #expect(config.policy.scaleUpImages[.high] == ["corral/high-cpu"])
        #expect(config.selector == ["tenant": "a"])
    }

    @Test("an empty file is the defaults: 2 high, 3 low, every 10 s, CPU then RAM then VSZ then RSS")
    func defaults() throws {
        let config = try EnforcerConfig.parse("", file: "empty.toml")
        #expect(config == EnforcerConfig())
        #expect(config.policy.desiredHigh == 2 && config.policy.desiredLow == 3)
        #expect(config.intervalSeconds == 10)
        #expect(config.policy.sortKeys == [.cpu, .mem, .vsz, .rss])
        #expect(config.policy.scaleUp)
    }

    @Test(
        "a bad setting is refused with the file and the key named",
        arguments: [
            ("colour = true", "colour", "is not a setting"),
            ("high = -1", "high", "must be from 0 to 10000, not -1"),
            ("low = -3", "low", "must be from 0 to 10000, not -3"),
            ("interval_seconds = 0.5", "interval_seconds", "from 1 to 86400"),
            ("interval_seconds = inf", "interval_seconds", "from 1 to 86400, not inf"),
            ("interval_seconds = nan", "interval_seconds", "from 1 to 86400, not nan"),
            ("[thresholds]\ncpu_percent = -inf", "thresholds.cpu_percent", "finite"),
            ("[thresholds]\nmem_percent = 101", "thresholds.mem_percent", "from 0 to 100"),
            ("[resolution]\ncpu_percent = nan", "resolution.cpu_percent", "finite number"),
            ("[resolution]\nrss = 1", "resolution.rss", "is not a setting"),
            ("kill_mode = \"term\"\ngrace_seconds = 10", "grace_seconds", "10 s of grace cannot fit in an interval of 10.0 s"),
            (
                "kill_mode = \"term\"\ninterval_seconds = 4\ngrace_seconds = 2", "grace_seconds",
                "2 s of grace cannot fit in an interval of 4.0 s"
            ),
            ("high = \"two\"", "high", "whole number"),
            ("sort_keys = [\"cpu\", \"disk\"]", "sort_keys", "\"disk\" is not one of"),
            ("sort_keys = [\"cpu\", \"cpu\"]", "sort_keys", "at most once"),
            ("kill_mode = \"nuke\"", "kill_mode", "\"kill\" or \"term\""),
            ("pool_width = 0", "pool_width", "from 1 to 256"),
            ("[thresholds]\nload = 3", "thresholds.load", "is not a setting"),
            ("[images]\n\"x\" = \"medium\"", "images.x", "\"high\" or \"low\""),
            ("[selector]\n\"corral.managed\" = \"false\"", "selector", "cannot name corral.managed"),
            ("[selector]\n\"corral.class\" = \"high\"", "selector", "cannot name corral.class"),
            ("[selector]\n\"corral.role\" = \"collector\"", "selector", "cannot name corral.role"),
            ("memory_floor = \"512MB\"", "memory_floor", "a size like \"512MiB\""),
            ("memory_floor = \"95%\"", "memory_floor", "at most 90%"),
            ("pressure_policy = \"all\"", "pressure_policy", "\"surplus\" or \"kept\", not \"all\""),
            ("pressure_stall_ms = 2500", "pressure_stall_ms", "from 1 to 2000 ms"),
        ])
    func refused(text: String, key: String, reason: String) {
        let error = #expect(throws: ConfigError.self) { try EnforcerConfig.parse(text, file: "/etc/corral/corral.toml") }
        #expect(error?.file == "/etc/corral/corral.toml")
        #expect(error?.key == key)
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(
        "runtime = native reads the boxes' cgroups whatever cgroup_parent says, and asks for the collector (a Docker container) to be off")
    func nativeRuntime() throws {
        let config = try EnforcerConfig.parse(
            "runtime = \"native\"\nbox_root = \"/srv/boxes\"\ncgroup_parent = \"docker\"\n\n[collector]\nenabled = false\n", file: "t.toml")
        #expect(config.runtime == .native)
        #expect(config.cgroupParent == "corral-boxes")
        #expect(config.boxRoot == "/srv/boxes")
        let error = #expect(throws: ConfigError.self) {
            try EnforcerConfig.parse("runtime = \"native\"\n", file: "t.toml")
        }
        #expect(error?.key == "runtime")
        #expect(error?.description.contains("--no-collector") == true)
        #expect(throws: ConfigError.self) { try EnforcerConfig.parse("runtime = \"podman\"\n", file: "t.toml") }
    }

    @Test("memory pressure: a floor of 5% of the host, PSI stalls of 200 ms in 2 s, surplus only, by default; each reads over it")
    func pressure() throws {
        let defaults = EnforcerConfig()
        #expect(defaults.memoryFloor == .percent(5) && defaults.pressureStallMs == 200 && defaults.pressurePolicy == .surplus)
        let set = try EnforcerConfig.parse(
            "memory_floor = \"2GiB\"\npressure_policy = \"kept\"\npressure_stall_ms = 0\n", file: "t.toml")
        #expect(set.memoryFloor == .mebibytes(2048) && set.pressurePolicy == .kept && set.pressureStallMs == nil)
        #expect(try EnforcerConfig.parse("memory_floor = \"0\"\n", file: "t.toml").memoryFloor == .off)
    }

    @Test("term mode with the default grace fits the default interval: SIGTERM, 5 s, SIGKILL and removal within 8 s")
    func termDefaults() throws {
        let config = try EnforcerConfig.parse("kill_mode = \"term\"\n", file: "t.toml")
        #expect(config.graceSeconds == 5 && config.intervalSeconds == 10)
    }

    @Test("TOML that does not parse names the line")
    func syntax() {
        let error = #expect(throws: ConfigError.self) { try EnforcerConfig.parse("high = 2\nlow = = 3\n", file: "x.toml") }
        #expect(error?.description.contains("x.toml: not valid TOML at line 2") == true, "\(String(describing: error))")
    }

    @Test("a missing default file means the defaults; a missing named file is an error")
    func missing() throws {
        #expect(try EnforcerConfig.load(path: "/etc/corral/absent.toml", required: false) == EnforcerConfig())
        #expect(throws: ConfigError(file: "/tmp/absent.toml", key: nil, reason: "no such file")) {
            try EnforcerConfig.load(path: "/tmp/absent.toml", required: true)
        }
    }
}

@Suite("The shipped config")
struct ShippedConfigTests {
    @Test("deploy/config/corral.toml is the defaults spelled out, but for the generator, which systemd ties to the enforcer")
    func shippedIsDefault() throws {
        let path = repositoryRoot.appendingPathComponent("deploy/config/corral.toml").path
        let shipped = try EnforcerConfig.load(path: path, required: true)
        var expected = EnforcerConfig()
        expected.generator = .none
        #expect(shipped == expected)
    }

    @Test("the collector, generator, metrics and path keys read over the defaults; a bad one names its key")
    func newKeys() throws {
        let config = try EnforcerConfig.parse(
            """
            metrics_port = 0
            generator = "timer"
            proc_root = "/host/proc"
            docker_socket = "/run/docker.sock"

            [collector]
            enabled = false
            name = "my-collector"
            port = 9500
            store_path = "/srv/corral/logs"
            spool_max_records = 50
            """, file: "t.toml")
        #expect(config.metricsPort == nil)
        #expect(config.generator == .timer)
        #expect(config.procRoot == "/host/proc")
        #expect(config.socketPath == "/run/docker.sock")
        #expect(!config.collector.enabled && config.collector.name == "my-collector" && config.collector.port == 9500)
        #expect(config.collector.storePath == "/srv/corral/logs" && config.collector.spoolMaxRecords == 50)

        #expect(throws: ConfigError(file: "t.toml", key: "collector.port", reason: "must be from 1 to 65535, not 70000")) {
            try EnforcerConfig.parse("[collector]\nport = 70000\n", file: "t.toml")
        }
        #expect(
            throws: ConfigError(
                file: "t.toml", key: "collector.name",
                reason: "must be a container name (letters, digits, '_', '.', '-', starting with a letter or digit), not '-x'")
        ) {
            try EnforcerConfig.parse("[collector]\nname = \"-x\"\n", file: "t.toml")
        }
        #expect(throws: ConfigError.self) { try EnforcerConfig.parse("generator = \"sometimes\"\n", file: "t.toml") }
        #expect(throws: ConfigError.self) { try EnforcerConfig.parse("[collector]\nshoe_size = 3\n", file: "t.toml") }
    }
}
