import Foundation

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's
/// pick), for a collector or metrics endpoint of one test.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LoopbackError(reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw LoopbackError(reason: String(cString: strerror(errno))) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw LoopbackError(reason: String(cString: strerror(errno))) }
    return Int(UInt16(bigEndian: address.sin_port))
}

public struct LoopbackError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "cannot find a free loopback port: \(reason)" }
}

/// A fresh directory under the system's temporary directory.
public func scratchDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8).lowercased())").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The lines of a JSON Lines file, each decoded as an object; none when the file is absent.
public func jsonLines(_ path: String) throws -> [[String: Any]] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return try data.split(separator: 0x0A).map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw TestDataError(description: "\(path): a line that is not a JSON object")
        }
        return object
    }
}

/// Every record the collector stored for `stream` ("memory", "process"), in
/// stored order: its day files (`<stream>-YYYY-MM-DD[.N].jsonl`) by day, then
/// by their rotation number.
public func storedRecords(_ store: String, _ stream: String) throws -> [[String: Any]] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []
    func key(_ name: String) -> (String, Int)? {
        guard name.hasPrefix(stream + "-"), name.hasSuffix(".jsonl") else { return nil }
        let middle = name.dropFirst(stream.count + 1).dropLast(".jsonl".count)
        let parts = middle.split(separator: ".", maxSplits: 1)
        guard let day = parts.first, day.count == 10 else { return nil }
        return (String(day), parts.count == 2 ? Int(parts[1]) ?? 0 : 0)
    }
    let files = names.compactMap { name in key(name).map { (name, $0) } }.sorted { $0.1 < $1.1 }
    return try files.flatMap { try jsonLines("\(store)/\($0.0)") }
}

public struct TestDataError: Error, CustomStringConvertible {
    public let description: String
}
