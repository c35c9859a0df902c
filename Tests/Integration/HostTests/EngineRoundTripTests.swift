import CorralCore
import CorralTestSupport
import Foundation
import Testing

@testable import DockerEngine

/// The client against the real daemon that `make test` starts.
@Suite("Engine API against the real daemon")
struct EngineRoundTripTests {
    @Test("the daemon answers ping and its API version is negotiated")
    func pingAndVersion() async throws {
        try await withDocker { docker in
            #expect(try await docker.ping())
            let version = try await docker.version()
            #expect(docker.apiVersion <= (APIVersion(version.apiVersion) ?? docker.apiVersion))
            #expect(docker.apiVersion >= APIVersion.minimumSupported)
        }
    }

    @Test("create, start, inspect, kill, wait and remove; the event stream shows start and die")
    func roundTrip() async throws {
        try await withScratch { scratch in
            let docker = scratch.docker
            let since = Date().timeIntervalSince1970 - 1
            let name = "corral-roundtrip-\(scratch.run)"
            let id = try await scratch.container(
                name: name, labels: [CorralLabel.managed: "true", CorralLabel.class: "low"], env: ["STRESS_NOTE": "x"], start: false)

            let created = try await docker.inspectContainer(id)
            #expect(created.state.status == "created")
            #expect(created.state.pid == 0)

            try await docker.startContainer(id)
            let running = try await docker.inspectContainer(name)
            #expect(running.id == id)
            #expect(running.state.running)
            #expect(running.state.pid > 0)
            #expect(running.config.image == "corral/low-idle")
            #expect(running.labels[CorralLabel.managed] == "true")
            #expect(running.labels[CorralLabel.class] == "low")
            #expect(running.config.env.contains("STRESS_NOTE=x"))
            #expect(running.hostConfig.networkMode == "none")
            let age = Date().timeIntervalSince1970 - (running.createdEpochSeconds ?? 0)
            #expect(age >= 0 && age < 600)

            try await docker.killContainer(id, signal: "SIGKILL")
            let exit = try await docker.waitContainer(id)
            #expect(exit.statusCode == 137)

            let seen = try await poll("start and die events for \(name)", seconds: 20) { () -> [String]? in
                var actions: [String] = []
                for try await event in docker.events(
                    filters: ContainerFilters().type("container").container(id), since: since, until: Date().timeIntervalSince1970 + 0.5)
                {
                    actions.append(event.action)
                }
                return actions.contains("start") && actions.contains("die") ? actions : nil
            }
            #expect(seen.firstIndex(of: "start")! < seen.firstIndex(of: "die")!)

            try await docker.removeContainer(id)
            await #expect(throws: DockerError.self) { try await docker.inspectContainer(id) }
        }
    }

    @Test("a live event stream delivers a container's start as it happens")
    func liveEvents() async throws {
        try await withScratch { scratch in
            let docker = scratch.docker
            let since = Date().timeIntervalSince1970 - 0.5
            let stream = docker.events(filters: ContainerFilters().type("container").label(Scratch.runLabel, scratch.run), since: since)
            let id = try await scratch.container()
            let started = try await withThrowingTaskGroup(of: DockerEvent?.self) { group in
                group.addTask {
                    for try await event in stream where event.action == "start" { return event }
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(20))
                    throw DeadlineExceeded(what: "a start event from the live stream", seconds: 20)
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            #expect(started?.actorID == id)
            #expect(started?.attributes[Scratch.runLabel] == scratch.run)
        }
    }

    @Test("stop sends SIGTERM and the stress workload exits at once with status 0")
    func stop() async throws {
        try await withScratch { scratch in
            let id = try await scratch.container(image: "corral/low-tick")
            // Running is not ready: until its handler is installed, PID 1 drops SIGTERM.
            try await waitForSignalReadiness(scratch.docker, id)
            try await scratch.docker.stopContainer(id, graceSeconds: 30)
            let details = try await scratch.docker.inspectContainer(id)
            #expect(!details.state.running)
            #expect(details.state.exitCode == 0, "exit 0 means it handled SIGTERM rather than waiting out the grace for SIGKILL")
            // Stopping a stopped container is not an error (the daemon answers 304).
            try await scratch.docker.stopContainer(id, graceSeconds: 1)
        }
    }

    @Test("listing by label filter returns exactly the labelled containers, running or all")
    func listByLabel() async throws {
        try await withScratch { scratch in
            let a = try await scratch.container(labels: ["corral.test-flavour": "a"])
            let b = try await scratch.container(labels: ["corral.test-flavour": "b"])
            let stopped = try await scratch.container(labels: ["corral.test-flavour": "a"], start: false)
            let docker = scratch.docker
            let runLabel = ContainerFilters.label(Scratch.runLabel, scratch.run)

            let running = try await docker.listContainers(filters: runLabel)
            #expect(Set(running.map(\.id)) == [a, b])
            let all = try await docker.listContainers(all: true, filters: runLabel)
            #expect(Set(all.map(\.id)) == [a, b, stopped])
            let flavourA = try await docker.listContainers(all: true, filters: runLabel.label("corral.test-flavour", "a"))
            #expect(Set(flavourA.map(\.id)) == [a, stopped])
        }
    }

    @Test("create applies memory and CPU limits")
    func limits() async throws {
        try await withScratch { scratch in
            let docker = scratch.docker
            let id = try await docker.createContainer(
                ContainerSpec(
                    image: "corral/low-idle", labels: [Scratch.runLabel: scratch.run], networkMode: "none",
                    memoryBytes: 64 << 20, nanoCPUs: 250_000_000))
            let details = try await docker.inspectContainer(id)
            #expect(details.hostConfig.memory == 64 << 20)
            #expect(details.hostConfig.nanoCPUs == 250_000_000)
        }
    }
}

@Suite("Engine API errors")
struct EngineErrorTests {
    @Test("an unknown container id is notFound, carrying the daemon's message")
    func unknownID() async throws {
        try await withDocker { docker in
            let error = await #expect(throws: DockerError.self) { try await docker.inspectContainer("corral-no-such-container") }
            #expect(error?.isNotFound == true)
            #expect(error?.description.contains("corral-no-such-container") == true)
            await #expect(throws: DockerError.self) { try await docker.removeContainer("corral-no-such-container", force: true) }
        }
    }

    @Test("a socket path that does not exist is daemonUnavailable naming the path")
    func missingSocket() async throws {
        let path = "/tmp/corral-no-daemon-\(UUID().uuidString.prefix(8)).sock"
        let error = await #expect(throws: DockerError.self) {
            try await DockerClient.withClient(socketPath: path) { docker in try await docker.ping() }
        }
        guard case .daemonUnavailable(let socket, let reason) = error else {
            Issue.record("expected daemonUnavailable, got \(String(describing: error))")
            return
        }
        #expect(socket == path)
        #expect(reason.contains("no such socket file"))
        #expect(error?.description.contains(path) == true)
    }

    @Test("a socket file that nothing listens on is daemonUnavailable: connection refused")
    func staleSocket() async throws {
        let path = "/tmp/corral-stale-\(UUID().uuidString.prefix(8)).sock"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try runCommand(
            "/usr/bin/env", ["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()", path])
        #expect(made.status == 0, "\(made.stderr)")
        let error = await #expect(throws: DockerError.self) {
            try await DockerClient.withClient(socketPath: path) { docker in try await docker.ping() }
        }
        #expect(error == .daemonUnavailable(socketPath: path, reason: "connection refused: the socket exists but nothing listens on it"))
    }

    @Test("a duplicate name is conflict")
    func duplicateName() async throws {
        try await withScratch { scratch in
            let name = "corral-dup-\(scratch.run)"
            try await scratch.container(name: name, start: false)
            let error = await #expect(throws: DockerError.self) { try await scratch.container(name: name, start: false) }
            #expect(error?.isConflict == true)
            #expect(error?.description.contains(name) == true)
        }
    }

    @Test("killing a container that is not running is conflict")
    func killStopped() async throws {
        try await withScratch { scratch in
            let id = try await scratch.container(start: false)
            let error = await #expect(throws: DockerError.self) { try await scratch.docker.killContainer(id) }
            #expect(error?.isConflict == true)
        }
    }

    @Test("creating from a missing image is notFound naming the image")
    func missingImage() async throws {
        try await withDocker { docker in
            let error = await #expect(throws: DockerError.self) {
                try await docker.createContainer(ContainerSpec(image: "corral/no-such-image:latest", networkMode: "none"))
            }
            #expect(error?.isNotFound == true)
            #expect(error?.description.contains("corral/no-such-image") == true)
        }
    }
}
