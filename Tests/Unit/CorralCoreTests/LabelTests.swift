import CorralCore
import Testing

@Suite("Labels and classes")
struct LabelTests {
    @Test("only exactly high or low is a class", arguments: [("high", ContainerClass.high), ("low", .low)])
    func classes(text: String, expected: ContainerClass) {
        #expect(ContainerClass(label: text) == expected)
    }

    @Test("anything else is no class", arguments: [nil, "", "HIGH", "medium", " low"] as [String?])
    func notClasses(text: String?) {
        #expect(ContainerClass(label: text) == nil)
    }

    @Test(
        "a container is under the policy only when managed and neither protected nor the collector",
        arguments: [
            (["corral.managed": "true"], true),
            (["corral.managed": "true", "corral.class": "high"], true),
            ([:], false),
            (["corral.managed": "false"], false),
            (["corral.managed": "TRUE"], false),
            (["corral.managed": "true", "corral.protected": "true"], false),
            (["corral.managed": "true", "corral.role": "collector"], false),
            (["corral.protected": "true"], false),
        ])
    func underPolicy(labels: [String: String], expected: Bool) {
        #expect(CorralLabel.isUnderPolicy(labels) == expected)
    }
}
