#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// JSON-RPC 2.0 over any transport: a body in, a body (or nothing) out.
/// Single requests and batches, notifications (requests without an id: never
/// answered, not even with an error, also inside a batch), and the
/// specification's errors. Methods are async functions of their params.
public struct JSONRPCServer: Sendable {
    public typealias Method = @Sendable (_ params: JSONValue?) async throws(JSONRPCError) -> JSONValue

    private let methods: [String: Method]

    public init(methods: [String: Method]) {
        self.methods = methods
    }

    /// The answer to `body`: JSON text, or nil when nothing is to be
    /// answered (a notification, or a batch of notifications only).
    public func respond(to body: Data) async -> Data? {
        guard let document = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return Self.encode(.object(Self.errorResponse(.parseError, id: .null)))
        }
        switch document {
        case .array(let entries):
            guard !entries.isEmpty else { return Self.encode(.object(Self.errorResponse(.invalidRequest, id: .null))) }
            var replies: [JSONValue] = []
            for entry in entries {
                if let reply = await answer(entry) { replies.append(.object(reply)) }
            }
            return replies.isEmpty ? nil : Self.encode(.array(replies))
        default:
            return await answer(document).map { Self.encode(.object($0)) }
        }
    }

    /// One request object's response members, or nil for a notification.
    private func answer(_ entry: JSONValue) async -> [String: JSONValue]? {
        guard case .object(let request) = entry else { return Self.errorResponse(.invalidRequest, id: .null) }
        let id = request["id"]
        let validID: JSONValue?
        switch id {
        case nil, .null?, .string?, .int?, .double?: validID = id
        default: return Self.errorResponse(.invalidRequest, id: .null)
        }
        guard request["jsonrpc"] == .string("2.0"), case .string(let name)? = request["method"] else {
            return Self.errorResponse(.invalidRequest, id: validID ?? .null)
        }
        let params = request["params"]
        switch params {
        case nil, .array?, .object?: break
        default: return Self.errorResponse(.invalidRequest, id: validID ?? .null)
        }
        // A notification: run it, answer nothing, whatever happens.
        guard let validID else {
            if let method = methods[name] { _ = try? await method(params) }
            return nil
        }
        guard let method = methods[name] else { return Self.errorResponse(.methodNotFound, id: validID) }
        do {
            let result = try await method(params)
            return ["jsonrpc": .string("2.0"), "result": result, "id": validID]
        } catch {
            return Self.errorResponse(error, id: validID)
        }
    }

    static func errorResponse(_ error: JSONRPCError, id: JSONValue) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["code": .int(Int64(error.code)), "message": .string(error.message)]
        if let data = error.data { object["data"] = data }
        return ["jsonrpc": .string("2.0"), "error": .object(object), "id": id]
    }

    static func encode(_ value: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A JSONValue always encodes; an empty body would be a protocol error.
        return (try? encoder.encode(value)) ?? Data(#"{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":null}"#.utf8)
    }
}

extension JSONValue {
    /// The params of a method that takes one object, given either as that
    /// object or as an array holding only it (as the original service sent
    /// them): decoded as `T`, or -32602 naming what was wrong.
    public func single<T: Decodable>(_ type: T.Type) throws(JSONRPCError) -> T {
        let object: JSONValue
        switch self {
        case .object: object = self
        case .array(let items) where items.count == 1: object = items[0]
        default: throw .invalidParams("params must be an object, or an array holding one object")
        }
        guard case .object = object else { throw .invalidParams("params must be an object, or an array holding one object") }
        do {
            return try object.decode(as: T.self)
        } catch let error as DecodingError {
            throw .invalidParams(DecodingProblem.describe(error))
        } catch {
            throw .invalidParams("\(error)")
        }
    }
}

/// A decoding error in a sentence that names the member: "image: missing".
public enum DecodingProblem {
    public static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let names = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "body" : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(describeType(type))"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(describeType(type)), got null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }
}
