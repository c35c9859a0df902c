import Foundation
import Testing

@testable import ControlAPI

/// The methods the JSON-RPC 2.0 specification's examples call.
private let specification = JSONRPCServer(methods: [
    "subtract": { params throws(JSONRPCError) in
        switch params {
        case .array(let values)? where values.count == 2:
            guard case .int(let a) = values[0], case .int(let b) = values[1] else { throw .invalidParams("two integers") }
            return .int(a - b)
        case .object(let named)?:
            guard case .int(let a)? = named["minuend"], case .int(let b)? = named["subtrahend"] else {
                throw .invalidParams("minuend, subtrahend")
            }
            return .int(a - b)
        default: throw .invalidParams("two integers")
        }
    },
    "sum": { params throws(JSONRPCError) in
        guard case .array(let values)? = params else { throw .invalidParams("integers") }
        return .int(values.reduce(0) { total, value in if case .int(let n) = value { return total + n } else { return total } })
    },
    "get_data": { _ throws(JSONRPCError) in .array([.string("hello"), .int(5)]) },
    "update": { _ throws(JSONRPCError) in .null },
    "notify_hello": { _ throws(JSONRPCError) in .null },
    "notify_sum": { _ throws(JSONRPCError) in .null },
])

/// Sends `request` and compares the answer with `expected` as JSON values
/// (member order aside); nil means no answer at all.
private func exchange(_ request: String, _ expected: String?, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let answer = await specification.respond(to: Data(request.utf8))
    guard let expected else {
        #expect(
            answer == nil, "expected no answer, got \(answer.map { String(decoding: $0, as: UTF8.self) } ?? "")",
            sourceLocation: sourceLocation)
        return
    }
    let got = try #require(answer, "expected an answer", sourceLocation: sourceLocation)
    let gotValue = try JSONDecoder().decode(JSONValue.self, from: got)
    let expectedValue = try JSONDecoder().decode(JSONValue.self, from: Data(expected.utf8))
    if case .array(let items) = expectedValue, case .array(let gotItems) = gotValue {
        // A batch's answers may come in any order; compare as sets.
        #expect(gotItems.count == items.count, sourceLocation: sourceLocation)
        for item in items {
            #expect(gotItems.contains(item), "missing \(item) in \(String(decoding: got, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    } else {
        #expect(gotValue == expectedValue, "got \(String(decoding: got, as: UTF8.self))", sourceLocation: sourceLocation)
    }
}

@Suite("JSON-RPC 2.0, as the specification's section 7 shows it")
struct JSONRPCSpecificationTests {
    @Test("rpc call with positional parameters")
    func positional() async throws {
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#, #"{"jsonrpc": "2.0", "result": 19, "id": 1}"#)
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#, #"{"jsonrpc": "2.0", "result": -19, "id": 2}"#)
    }

    @Test("rpc call with named parameters")
    func named() async throws {
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#,
            #"{"jsonrpc": "2.0", "result": 19, "id": 3}"#)
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}"#,
            #"{"jsonrpc": "2.0", "result": 19, "id": 4}"#)
    }

    @Test("a notification is not answered")
    func notification() async throws {
        try await exchange(#"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#, nil)
        try await exchange(#"{"jsonrpc": "2.0", "method": "foobar"}"#, nil)
    }

    @Test("rpc call of a non-existent method")
    func missingMethod() async throws {
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#,
            #"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}"#)
    }

    @Test("rpc call with invalid JSON")
    func invalidJSON() async throws {
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#,
            #"{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}"#)
    }

    @Test("rpc call with an invalid Request object")
    func invalidRequest() async throws {
        try await exchange(
            #"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#,
            #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#)
    }

    @Test("rpc call batch with invalid JSON")
    func batchInvalidJSON() async throws {
        try await exchange(
            #"[ {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method" ]"#,
            #"{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}"#)
    }

    @Test("rpc call with an empty array")
    func emptyBatch() async throws {
        try await exchange("[]", #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#)
    }

    @Test("rpc call with an invalid batch, but not empty")
    func batchOfOne() async throws {
        try await exchange("[1]", #"[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]"#)
    }

    @Test("rpc call with an invalid batch")
    func batchOfNumbers() async throws {
        let invalid = #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#
        try await exchange("[1,2,3]", "[\(invalid), \(invalid), \(invalid)]")
    }

    @Test("rpc call batch")
    func batch() async throws {
        try await exchange(
            """
            [
                {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
                {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
                {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
                {"foo": "boo"},
                {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
                {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
            ]
            """,
            """
            [
                {"jsonrpc": "2.0", "result": 7, "id": "1"},
                {"jsonrpc": "2.0", "result": 19, "id": "2"},
                {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
                {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
                {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
            ]
            """)
    }

    @Test("rpc call batch (all notifications) is not answered")
    func allNotifications() async throws {
        try await exchange(
            #"[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]"#,
            nil)
    }

    @Test("edge cases: wrong version, params that are not structured, ids of the wrong type, a null id is answered")
    func edges() async throws {
        let invalid = #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 7}"#
        try await exchange(#"{"jsonrpc": "1.0", "method": "sum", "params": [1], "id": 7}"#, invalid)
        try await exchange(#"{"jsonrpc": "2.0", "method": "sum", "params": 3, "id": 7}"#, invalid)
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "sum", "params": [1], "id": {"a": 1}}"#,
            #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#)
        try await exchange(
            #"{"jsonrpc": "2.0", "method": "sum", "params": [1, 2], "id": null}"#, #"{"jsonrpc": "2.0", "result": 3, "id": null}"#)
        try await exchange(#""just a string""#, #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#)
        try await exchange(
            #"[{"jsonrpc": "2.0", "method": "foobar"}, 5]"#,
            #"[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]"#)
    }
}

@Suite("JSON-RPC params of one object")
struct JSONRPCParamsTests {
    @Test("a one-element array and an object give the same spec; anything else names what was wrong")
    func single() throws {
        let object = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"image": "nginx", "arguments": [], "env": {}}"#.utf8))
        let array = JSONValue.array([object])
        #expect(try object.single(ContainerSpec.self) == ContainerSpec(image: "nginx"))
        #expect(try array.single(ContainerSpec.self) == ContainerSpec(image: "nginx"))
        #expect(throws: JSONRPCError.invalidParams("params must be an object, or an array holding one object")) {
            try JSONValue.array([object, object]).single(ContainerSpec.self)
        }
        #expect(throws: JSONRPCError.invalidParams("image: missing")) {
            try JSONValue.object(["arguments": .array([])]).single(ContainerSpec.self)
        }
        #expect(throws: JSONRPCError.invalidParams("env: expected an object")) {
            try JSONValue.object(["image": .string("x"), "env": .int(3)]).single(ContainerSpec.self)
        }
    }
}
