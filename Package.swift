// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Corral",
    // Linux only: cgroups, /proc, journald, the kernel module. No Apple
    // platform is claimed.
    products: [
        .executable(name: "corral", targets: ["corral"]),
        .executable(name: "corral-bench", targets: ["corral-bench"]),
        .library(name: "DockerEngine", targets: ["DockerEngine"]),
        .library(name: "CorralCore", targets: ["CorralCore"]),
        .library(name: "Probe", targets: ["Probe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The domain in values: labels, classes, and later the policy and planner. No I/O.
        .target(name: "CorralCore"),

        // libcgroup (libcgroup-dev), for cgroup v1 statistics.
        .systemLibrary(name: "CCgroup", pkgConfig: "libcgroup", providers: [.apt(["libcgroup-dev"])]),

        // What the containers consume: the sysinfo document (kernel module or
        // procfs twin), cgroup statistics, CPU%, merged into a Snapshot.
        .target(
            name: "Probe",
            dependencies: ["CorralCore", "CCgroup", .product(name: "SystemPackage", package: "swift-system")]
        ),

        // libsystemd (libsystemd-dev): sd_journal_sendv and sd_notify.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        // Decisions to journald with structured fields.
        .target(
            name: "Journal",
            dependencies: [
                "CorralCore", "CSystemd", .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // The enforcer's side of the log collector: the durable, bounded spool,
        // the collector's HTTP client and the shipper between them.
        .target(
            name: "Collector",
            dependencies: [
                "CorralCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // Every setting of `corral enforce`: the TOML file, defaults, validation.
        .target(
            name: "Settings",
            dependencies: ["CorralCore", .product(name: "TOMLKit", package: "TOMLKit")]
        ),

        // Act on a plan through a ContainerRuntime: the kill pool, the starter,
        // and the cycle's outcome (each decision's fate) that reports read.
        .target(name: "Actuation", dependencies: ["CorralCore", "ContainerRuntime"]),

        // glibc's pidfd_open and pidfd_send_signal.
        .systemLibrary(name: "CPidfd"),

        // glibc's malloc_trim.
        .systemLibrary(name: "CMalloc"),

        // The kill pool's direct path: a container's cgroup emptied by
        // cgroup.kill (v2) or its cgroup.procs through pidfds (v1).
        .target(name: "CgroupActuation", dependencies: ["Actuation", "CorralCore", "Probe", "CPidfd"]),

        // Each cycle's outcome, written out: the console's tables, journal
        // entries, the collector's records, Prometheus metrics and their endpoint.
        .target(
            name: "Reports",
            dependencies: [
                "CorralCore", "Actuation", "Journal", "Collector",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // The enforcer as a service: probe, plan, act and report every
        // interval; the collector's container and delivery; the generator's stop.
        .target(
            name: "Enforcer",
            dependencies: [
                "CorralCore", "Probe", "ContainerRuntime", "Journal", "Collector", "Settings", "Actuation", "Reports", "CgroupActuation",
                "CMalloc",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // What Corral asks of whatever runs its containers: a protocol and its value types.
        .target(name: "ContainerRuntime", dependencies: ["CorralCore"]),

        // Corral's own runtime (boxes): state files, cgroups v1/v2, loop-backed
        // ext4 disks, debootstrap'd images, and the ContainerRuntime seam.
        .target(
            name: "BoxRuntime",
            dependencies: [
                "ContainerRuntime", "CorralCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // The part of a box's start that must run between fork and exec
        // (namespaces, pivot_root, mounts, capabilities, the box's init), in C.
        .executableTarget(name: "corral-box-helper", path: "Sources/corral-box-helper"),

        // Docker as a ContainerRuntime, through the Engine API client.
        .target(
            name: "DockerRuntime",
            dependencies: ["ContainerRuntime", "DockerEngine", .product(name: "Logging", package: "swift-log")]
        ),

        // The Docker Engine API over its unix socket. Knows nothing of Corral's policy.
        .target(
            name: "DockerEngine",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The service's vocabulary in values: jobs, containers, nodes, the
        // agents' messages, JSON-RPC 2.0. Shared by the control plane, its
        // agents, `corral ctl` and the tests. No I/O.
        .target(name: "ControlAPI", dependencies: ["CorralCore"]),

        // The control plane's one store: SQLite (WAL) through SQLKit, with
        // versioned migrations; every state change one transaction.
        .target(
            name: "ControlStore",
            dependencies: [
                "ControlAPI", "CorralCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // `corral control`: the admin (clients) and subscribe (agents)
        // servers, the job workers, the node sweep, and the supervisor that
        // runs the two as separate processes.
        .target(
            name: "Control",
            dependencies: [
                "ControlAPI", "ControlStore", "CorralCore", "Settings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // The HTTP client of the control plane's two APIs, for agents and `corral ctl`.
        .target(
            name: "ControlClient",
            dependencies: [
                "ControlAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // `corral agent`: registration, heartbeats, work orders acted on
        // through a ContainerRuntime, reconciliation after a restart.
        .target(
            name: "Agent",
            dependencies: [
                "ControlAPI", "ControlClient", "ContainerRuntime", "CorralCore", "Probe", "Settings",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        .executableTarget(
            name: "corral",
            dependencies: [
                "CorralCore",
                "ContainerRuntime",
                "BoxRuntime",
                "DockerEngine",
                "DockerRuntime",
                "Probe",
                "Settings",
                "Reports",
                "Enforcer",
                "Journal",
                "ControlAPI",
                "ControlClient",
                "Control",
                "Agent",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "corral-bench",
            dependencies: [
                "BoxRuntime",
                "Actuation",
                "CgroupActuation",
                "CPidfd",
                "CorralCore",
                "DockerEngine",
                "DockerRuntime",
                "Probe",
                "Settings",
                "Reports",
                "Enforcer",
                "ControlAPI",
                "ControlClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tests come in two tiers, and the folders say which:
        // Tests/Unit needs nothing (no daemon, no root, no network): `make check`.
        // Tests/Integration runs against the real parts (dockerd, journald,
        // the collector image, systemd): `make test`, which runs both.

        // Helpers both tiers share: in-memory runtime and collector, the real
        // daemon, commands, cgroups, deadlines.
        .target(
            name: "CorralTestSupport",
            dependencies: [
                "CorralCore", "ContainerRuntime", "DockerEngine", "DockerRuntime", "Journal", "Collector", "Probe",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Support/CorralTestSupport"
        ),

        .testTarget(name: "CorralCoreTests", dependencies: ["CorralCore", "CorralTestSupport"], path: "Tests/Unit/CorralCoreTests"),
        .testTarget(
            name: "ProbeTests",
            dependencies: ["Probe", "CorralCore", "CorralTestSupport"],
            path: "Tests/Unit/ProbeTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "DockerEngineTests",
            dependencies: ["DockerEngine", "DockerRuntime", "ContainerRuntime", "CorralTestSupport"],
            path: "Tests/Unit/DockerEngineTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EnforcerTests",
            dependencies: [
                "Enforcer", "Settings", "Actuation", "Reports", "Collector", "CorralCore", "ContainerRuntime", "Journal",
                "CorralTestSupport",
            ],
            path: "Tests/Unit/EnforcerTests",
            // Golden files, read and (with CORRAL_UPDATE_GOLDEN=1) rewritten in place by path.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ControlTests",
            dependencies: [
                "ControlAPI", "ControlStore", "Control", "Agent", "CorralCore", "ContainerRuntime", "CorralTestSupport", "Settings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Unit/ControlTests"
        ),
        .testTarget(name: "BoxRuntimeTests", dependencies: ["BoxRuntime", "CorralCore"], path: "Tests/Unit/BoxRuntimeTests"),
        .testTarget(
            name: "CollectorTests",
            dependencies: ["Collector", "CorralCore", "CorralTestSupport"],
            path: "Tests/Unit/CollectorTests"
        ),

        // The real daemon, the collector image, /proc and cgroups, loopback HTTP.
        .testTarget(
            name: "HostTests",
            dependencies: [
                "Enforcer", "Settings", "Actuation", "Reports", "Collector", "CorralCore", "Probe", "ContainerRuntime",
                "DockerEngine", "DockerRuntime", "Journal", "CorralTestSupport", "CgroupActuation",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Integration/HostTests"
        ),
        // The corral binary, the generator and the images, end to end.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["DockerEngine", "CorralCore", "Journal", "CorralTestSupport"],
            path: "Tests/Integration/EndToEndTests"
        ),
        // `corral control` and two `corral agent`s in network namespaces on a
        // bridge the test makes, against the host's dockerd: run on its own.
        .testTarget(
            name: "ControlPlaneTests",
            dependencies: [
                "BoxRuntime", "ControlAPI", "ControlClient", "CorralCore", "DockerEngine", "CorralTestSupport",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/Integration/ControlPlaneTests"
        ),
        // Corral's own boxes on this machine's kernel, as root: lifecycle,
        // isolation, limits, restore, cleanup, the enforcer on boxes.
        .testTarget(
            name: "BoxTests",
            dependencies: ["BoxRuntime", "CorralTestSupport"],
            path: "Tests/Integration/BoxTests"
        ),
        // Stops and restarts the shared dockerd: run on its own (make test does).
        .testTarget(
            name: "ReliabilityTests",
            dependencies: ["DockerEngine", "CorralCore", "CorralTestSupport"],
            path: "Tests/Integration/ReliabilityTests"
        ),
        // The whole deployment under a real systemd in a container: run on its own (make systemd-test).
        .testTarget(
            name: "SystemdTests",
            dependencies: ["DockerEngine", "CorralCore", "CorralTestSupport"],
            path: "Tests/Integration/SystemdTests"
        ),
    ]
)
