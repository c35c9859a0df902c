/// Reads the kernel module's document (or any file holding one) strictly:
/// a missing file is `moduleNotLoaded`, bad JSON names its byte offset, an
/// unknown schema names itself, a bad field names its path.
public struct SysinfoReader: Sendable {
    /// Where the module publishes the document with its default suffix.
    public static let defaultPath = "/proc/sysinfo_corral"

    public let path: String
    /// Documents larger than this are refused rather than parsed (a host with
    /// thousands of containers is still far below it).
    public let maxBytes: Int

    public init(path: String = SysinfoReader.defaultPath, maxBytes: Int = 64 << 20) {
        self.path = path
        self.maxBytes = maxBytes
    }

    /// True when the module's file is there to read.
    public var isAvailable: Bool { ProcFile.exists(path) }

    public func read() throws(SysinfoError) -> SysinfoDocument {
        let bytes: [UInt8]
        switch ProcFile.readAll(path, limit: maxBytes) {
        case .success(let data): bytes = data
        case .failure(.missing): throw .moduleNotLoaded(path: path)
        case .failure(.tooLarge): throw .tooLarge(path: path, limit: maxBytes)
        case .failure(.other(let reason)): throw .unreadable(path: path, reason: reason)
        }
        return try Self.parse(bytes, path: path, maxBytes: maxBytes)
    }

    /// Parses document text; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String = "-", maxBytes: Int = 64 << 20) throws(SysinfoError) -> SysinfoDocument {
        guard bytes.count <= maxBytes else { throw .tooLarge(path: path, limit: maxBytes) }
        let value: JSONValue
        do {
            value = try StrictJSONParser().parse(bytes)
        } catch {
            throw .malformedJSON(path: path, offset: error.offset, reason: error.reason)
        }
        return try SysinfoDocument(json: value, path: path)
    }
}
