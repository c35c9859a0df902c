import Foundation
import Subprocess
import SystemPackage

/// The image store: images/<digest>/{rootfs,image.json} and
/// images/names/<name>.json pointing at a digest. A build goes into
/// images/.build-<digest> and is renamed into place only when whole, so a
/// killed build leaves nothing the next one does not clear away.
public struct BoxImages: Sendable {
    public let paths: BoxPaths

    public init(paths: BoxPaths) { self.paths = paths }

    var names: String { paths.images + "/names" }
    func rootfs(_ digest: String) -> String { paths.images + "/" + digest + "/rootfs" }

    /// Every named image, by name.
    public func list() -> [BoxImage] {
        BoxFiles.children(of: names).compactMap { file in
            guard file.hasSuffix(".json") else { return nil }
            return try? BoxFiles.readJSON(BoxImage.self, from: names + "/" + file)
        }
    }

    /// The image called `name`, whose root is still there.
    public func resolve(_ name: String) throws(BoxError) -> BoxImage {
        try BoxImage.validate(name: name)
        let file = names + "/" + name + ".json"
        guard BoxFiles.exists(file) else { throw .noSuchImage(name) }
        let image = try BoxFiles.readJSON(BoxImage.self, from: file)
        guard BoxFiles.exists(rootfs(image.digest)) else {
            throw .file(path: rootfs(image.digest), reason: "image \(name)'s root is gone; build it again")
        }
        return image
    }

    /// Builds (or finds built) the image for `recipe` and names it `name`.
    /// `progress` hears each step in words.
    public func build(
        _ name: String, recipe: BoxImage.Recipe, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> BoxImage {
        try BoxImage.validate(name: name)
        try BoxFiles.makeDirectory(paths.root)
        try BoxFiles.makeDirectory(URL(fileURLWithPath: paths.images).deletingLastPathComponent().path)
        try BoxFiles.makeDirectory(paths.images)
        try BoxFiles.makeDirectory(names)
        let lock = try await BoxLock.acquire(paths.images + "/.lock", timeout: .seconds(1800))
        defer { withExtendedLifetime(lock) {} }
        try clearAbandonedBuilds()
        let digest = recipe.digest
        let record = paths.images + "/" + digest + "/image.json"
        var image: BoxImage
        if BoxFiles.exists(record), let built = try? BoxFiles.readJSON(BoxImage.self, from: record) {
            progress("image \(digest) is built already (same suite, mirror and packages): reusing it")
            image = built
        } else {
            image = try await debootstrap(recipe, digest: digest, progress: progress)
        }
        image.name = name
        try BoxFiles.writeJSON(image, to: names + "/" + name + ".json")
        return image
    }

    private func debootstrap(_ recipe: BoxImage.Recipe, digest: String, progress: @Sendable (String) -> Void) async throws -> BoxImage {
        guard let debootstrap = BoxTools.find("debootstrap") else {
            throw BoxError.command("debootstrap", reason: "not installed; apt-get install -y debootstrap")
        }
        let work = paths.images + "/.build-" + digest
        let root = work + "/rootfs"
        try BoxFiles.makeDirectory(work, mode: 0o700)
        try BoxFiles.makeDirectory(root)
        let packages = recipe.packages.isEmpty ? "" : " + " + recipe.packages.joined(separator: " ")
        progress("debootstrap \(recipe.suite) (minbase\(packages)) from \(recipe.mirror) into \(root); this takes a minute or more")
        let started = ContinuousClock.now
        var arguments = ["--variant=minbase"]
        if !recipe.packages.isEmpty { arguments.append("--include=" + recipe.packages.joined(separator: ",")) }
        arguments += [recipe.suite, root, recipe.mirror]
        let result = await BoxTools.run(debootstrap, arguments)
        BoxMounts.unmountAll(below: root)
        guard result.status == 0 else {
            let tail = result.output.split(separator: "\n").suffix(15).joined(separator: "\n")
            let log =
                BoxFiles.text(root + "/debootstrap/debootstrap.log").map {
                    "\n" + $0.split(separator: "\n").suffix(15).joined(separator: "\n")
                } ?? ""
            try? BoxFiles.removeTree(work)
            throw BoxError.command("debootstrap", reason: "exited \(result.status):\n\(tail)\(log)")
        }
        for (path, content) in recipe.files.sorted(by: { $0.key < $1.key }) {
            guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                try? BoxFiles.removeTree(work)
                throw BoxError.invalid("image file '\(path)': give an absolute path without '..'")
            }
            let directory = URL(fileURLWithPath: root + path).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw BoxError.file(path: directory, reason: "\(error)")
            }
            try BoxFiles.replace(root + path, with: Data(content.utf8))
            chmod(root + path, 0o755)
        }
        // A box's init needs these even where the image has none.
        for directory in ["proc", "sys", "dev", "tmp", "run"] { try BoxFiles.makeDirectory(root + "/" + directory) }
        chmod(root + "/tmp", 0o1777)
        let image = BoxImage(
            name: "", digest: digest, suite: recipe.suite, mirror: recipe.mirror, packages: recipe.packages,
            builtAt: Date().timeIntervalSince1970, size: BoxTools.diskUsage(root))
        try BoxFiles.writeJSON(image, to: work + "/image.json")
        let final = paths.images + "/" + digest
        guard rename(work, final) == 0 else { throw BoxError.file(path: final, reason: BoxFiles.errnoReason()) }
        progress("built image \(digest) in \((ContinuousClock.now - started).components.seconds)s (\(ByteSize.words(image.size)))")
        return image
    }

    /// A build killed midway left images/.build-*: unmount what debootstrap
    /// mounted in it and delete it (called with the store's lock held).
    func clearAbandonedBuilds() throws(BoxError) {
        for entry in BoxFiles.children(of: paths.images) where entry.hasPrefix(".build-") {
            let path = paths.images + "/" + entry
            BoxMounts.unmountAll(below: path)
            try BoxFiles.removeTree(path)
        }
    }

    /// Forgets the name; the root goes too when no other name and no box uses it.
    public func remove(_ name: String, boxesUsing: [String]) throws(BoxError) {
        let image = try resolve(name)
        guard boxesUsing.isEmpty else {
            throw .wrongState("image \(name) is used by box(es) \(boxesUsing.joined(separator: ", ")); remove them first")
        }
        guard unlink(names + "/" + name + ".json") == 0 else {
            throw .file(path: names + "/" + name + ".json", reason: BoxFiles.errnoReason())
        }
        if !list().contains(where: { $0.digest == image.digest }) {
            BoxMounts.unmountAll(below: paths.images + "/" + image.digest)
            try BoxFiles.removeTree(paths.images + "/" + image.digest)
        }
    }

    /// The first Debian mirror apt knows for `suite` (sources.list or deb822 .sources).
    public static func defaultMirror(suite: String, aptRoot: String = "/etc/apt") -> String? {
        var files = ["\(aptRoot)/sources.list"]
        files += BoxFiles.children(of: "\(aptRoot)/sources.list.d").map { "\(aptRoot)/sources.list.d/\($0)" }
        for file in files {
            guard let text = BoxFiles.text(file) else { continue }
            if file.hasSuffix(".sources") {
                for stanza in text.components(separatedBy: "\n\n") {
                    var fields: [String: String] = [:]
                    for line in stanza.split(separator: "\n") {
                        guard let colon = line.firstIndex(of: ":") else { continue }
                        fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
                    let types = fields["types"]?.split(separator: " ") ?? []
                    let suites = fields["suites"]?.split(separator: " ") ?? []
                    if types.contains("deb"), suites.contains(Substring(suite)), let uri = fields["uris"]?.split(separator: " ").first {
                        return String(uri)
                    }
                }
            } else if file.hasSuffix(".list") {
                for line in text.split(separator: "\n") {
                    var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                    guard words.first == "deb" else { continue }
                    words.removeFirst()
                    if words.first?.hasPrefix("[") == true {
                        while let first = words.first, !first.hasSuffix("]") { words.removeFirst() }
                        if !words.isEmpty { words.removeFirst() }
                    }
                    if words.count >= 2, words[1] == suite { return words[0] }
                }
            }
        }
        return nil
    }
}
