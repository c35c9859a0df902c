import Foundation

/// Where the C helper (corral-box-helper) is: beside the running binary (a
/// build or an install), or where install.sh puts it.
public enum BoxHelper {
    public static let name = "corral-box-helper"

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(BoxError) -> String {
        var candidates: [String] = []
        if let given = environment["CORRAL_BOX_HELPER"], !given.isEmpty { candidates.append(given) }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
            // A build (beside corral), or an install: PREFIX/bin/corral and PREFIX/lib/corral/ (scripts/install.sh).
            candidates.append(directory.path + "/" + name)
            candidates.append(directory.deletingLastPathComponent().path + "/lib/corral/" + name)
        }
        candidates += ["/usr/local/lib/corral/\(name)", "/usr/lib/corral/\(name)", "/usr/local/bin/\(name)", "/usr/bin/\(name)"]
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw .command(
            name,
            reason: "not found (looked in \(candidates.joined(separator: ", "))); build it with swift build or set CORRAL_BOX_HELPER")
    }
}
