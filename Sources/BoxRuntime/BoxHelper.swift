import Foundation

/// Where the C helper (corral-box-helper) is: beside the running binary (a
/// build or an install), or where install.sh puts it.
public enum BoxHelper {
    public static let name = "corral-box-helper"

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(BoxError) -> String {
        var candidates: [String] = []
        if let given = environment["CORRAL_BOX_HELPER"], !given.isEmpty { candidates.append(given) }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path + "/" + name)
        }
        candidates += ["/usr/local/libexec/corral/\(name)", "/usr/libexec/corral/\(name)", "/usr/local/bin/\(name)", "/usr/bin/\(name)"]
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw .command(
            name,
            reason: "not found (looked in \(candidates.joined(separator: ", "))); build it with swift build or set CORRAL_BOX_HELPER")
    }
}
