import ControlAPI
import CorralCore
import Testing

@Suite("What a client may ask for a container's network")
struct ContainerSpecTests {
    @Test("ports put a container on the bridge, which only boxes have: placed on runtime native unless another runtime is asked")
    func bridge() {
        let published = ContainerSpec(image: "web", ports: [PublishedPort(hostPort: 8080, containerPort: 80)])
        #expect(published.onBridge && published.placementRuntime == "native" && published.problem() == nil)
        let asked = ContainerSpec(image: "web", network: "bridge")
        #expect(asked.onBridge && asked.placementRuntime == "native" && asked.problem() == nil)
        let plain = ContainerSpec(image: "web")
        #expect(!plain.onBridge && plain.placementRuntime == nil)
        #expect(ContainerSpec(image: "web", runtime: "docker").placementRuntime == "docker")
    }

    @Test(
        "a network or port that cannot be is refused, naming what is wrong",
        arguments: [
            (ContainerSpec(image: "web", network: "host"), "network must be none or bridge, not 'host'"),
            (
                ContainerSpec(image: "web", network: "none", ports: [PublishedPort(hostPort: 80, containerPort: 80)]),
                "ports need network bridge (they are published from its node's bridge)"
            ),
            (
                ContainerSpec(image: "web", runtime: "docker", ports: [PublishedPort(hostPort: 80, containerPort: 80)]),
                "network bridge and ports are boxes' (runtime native), not runtime docker's"
            ),
            (
                ContainerSpec(image: "web", ports: [PublishedPort(hostPort: 80, containerPort: 0)]),
                "ports[0]: container_port must be from 1 to 65535, not 0"
            ),
            (
                ContainerSpec(image: "web", ports: [PublishedPort(hostPort: 80, containerPort: 80, proto: "sctp")]),
                "ports[0]: protocol must be tcp or udp, not 'sctp'"
            ),
        ])
    func refused(_ spec: ContainerSpec, _ problem: String) {
        #expect(spec.problem() == problem)
    }
}
