/// A JSON-RPC 2.0 error object. The codes from -32768 to -32000 are the
/// specification's; Corral's own server errors are in -32000...-32099 (the
/// README lists them).
public struct JSONRPCError: Error, Sendable, Equatable, Codable {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// -32700: the body is not JSON.
    // swift-format-ignore: DontRepeatTypeInStaticProperties
    public static let parseError = JSONRPCError(code: -32700, message: "Parse error")
    /// -32600: JSON, but not a request object (or an empty batch).
    public static let invalidRequest = JSONRPCError(code: -32600, message: "Invalid Request")
    /// -32601.
    public static let methodNotFound = JSONRPCError(code: -32601, message: "Method not found")

    /// -32602, with what was wrong in `data`.
    public static func invalidParams(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: -32602, message: "Invalid params", data: .string(detail))
    }

    /// -32603, with what failed in `data`.
    // swift-format-ignore: DontRepeatTypeInStaticProperties
    public static func internalError(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: -32603, message: "Internal error", data: .string(detail))
    }
}
