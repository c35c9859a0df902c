import ArgumentParser
import BoxRuntime
import Foundation

/// `--bridge` and `--subnet`, shared by `corral box create|run` and `corral
/// farm up|add`: given, or from CORRAL_BOX_BRIDGE and CORRAL_BOX_SUBNET, or the defaults.
struct BridgeOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The bridge (or CORRAL_BOX_BRIDGE; default \(BoxNetwork.defaultBridge)); made on first use, removed when its last box stops.",
            valueName: "name"))
    var bridge: String?

    @Option(
        help: ArgumentHelp(
            "The bridge's subnet (or CORRAL_BOX_SUBNET; default \(BoxNetwork.defaultSubnet)); the bridge holds its first address.",
            valueName: "cidr"))
    var subnet: String?

    /// Either was given on the command line.
    var given: Bool { bridge != nil || subnet != nil }

    var bridgeName: String { bridge ?? ProcessInfo.processInfo.environment["CORRAL_BOX_BRIDGE"] ?? BoxNetwork.defaultBridge }

    var subnetCIDR: String { subnet ?? ProcessInfo.processInfo.environment["CORRAL_BOX_SUBNET"] ?? BoxNetwork.defaultSubnet }
}
