import ControlAPI
import Foundation

/// The JSON-RPC 2.0 face of the admin API: `ContainerService.Create` and
/// `.Status` as the original service answered them, and `.List`, `.Stop`,
/// `.Delete`. Server errors (README, "JSON-RPC"):
/// -32000 the queue is full (data: retry_after_seconds), -32001 no such job
/// or container, -32002 a conflict (idempotency key, name, being deleted),
/// -32003 the store is unavailable, -32004 the request is not valid.
struct AdminRPC {
    let server: JSONRPCServer

    static let queueFull = -32000
    static let notFound = -32001
    static let conflict = -32002
    static let unavailable = -32003
    static let invalid = -32004

    init(server admin: AdminServer) {
        server = JSONRPCServer(methods: [
            "ContainerService.Create": { params throws(JSONRPCError) in
                let spec = try Self.params(params).single(CreateParams.self)
                if let problem = spec.spec.problem() {
                    throw JSONRPCError(code: Self.invalid, message: "Invalid container", data: .string(problem))
                }
                let accepted = try await Self.call { try await admin.createJob(spec.spec, key: spec.idempotencyKey) }
                return .object(["job_id": .string(accepted.jobID), "message": .string("Job created successfully")])
            },
            "ContainerService.Status": { params throws(JSONRPCError) in
                let query = try Self.params(params).single(JobQuery.self)
                guard let job = try await Self.call({ try await admin.job(query.jobID) }) else {
                    throw JSONRPCError(code: Self.notFound, message: "Not found", data: .string("no job \(query.jobID)"))
                }
                return .object(["status": .string(job.state.rawValue), "job_id": .string(job.id)])
            },
            "ContainerService.List": { params throws(JSONRPCError) in
                let filter = params == nil ? ContainerFilter() : try Self.params(params).single(ContainerFilter.self)
                let containers = try await Self.call { try await admin.list(filter) }
                return try Self.value(ContainerList(containers: containers))
            },
            "ContainerService.Stop": { params throws(JSONRPCError) in
                let target = try Self.params(params).single(ContainerQuery.self)
                let accepted = try await Self.call { try await admin.submit(.stop, target.containerID) }
                return .object(["job_id": .string(accepted.jobID), "message": .string("Job created successfully")])
            },
            "ContainerService.Delete": { params throws(JSONRPCError) in
                let target = try Self.params(params).single(ContainerQuery.self)
                let accepted = try await Self.call { try await admin.submit(.delete, target.containerID) }
                return .object(["job_id": .string(accepted.jobID), "message": .string("Job created successfully")])
            },
        ])
    }

    private static func params(_ params: JSONValue?) throws(JSONRPCError) -> JSONValue {
        guard let params else { throw .invalidParams("params are required") }
        return params
    }

    private static func value(_ encodable: some Encodable) throws(JSONRPCError) -> JSONValue {
        do {
            return try JSONValue(encoding: encodable)
        } catch {
            throw .internalError("the answer could not be encoded: \(error)")
        }
    }

    /// The REST side's errors as JSON-RPC server errors.
    private static func call<T>(_ body: () async throws -> T) async throws(JSONRPCError) -> T {
        do {
            return try await body()
        } catch let error as APIError {
            switch error.code {
            case "queue_full":
                let retry = error.headers[.retryAfter].flatMap(Int64.init) ?? 1
                throw JSONRPCError(
                    code: queueFull, message: "Queue full",
                    data: .object(["retry_after_seconds": .int(retry), "detail": .string(error.message)]))
            case "not_found": throw JSONRPCError(code: notFound, message: "Not found", data: .string(error.message))
            case "store_unavailable": throw JSONRPCError(code: unavailable, message: "Store unavailable", data: .string(error.message))
            case "invalid", "bad_request": throw JSONRPCError(code: invalid, message: "Invalid container", data: .string(error.message))
            default: throw JSONRPCError(code: conflict, message: "Conflict", data: .string(error.message))
            }
        } catch {
            throw .internalError("\(error)")
        }
    }
}

/// `ContainerService.Create`'s params: the container, and optionally an
/// idempotency key (the same key and params give the same job).
struct CreateParams: Decodable {
    let spec: ContainerSpec
    let idempotencyKey: String?

    enum CodingKeys: String, CodingKey {
        case idempotencyKey = "idempotency_key"
    }

    init(from decoder: any Decoder) throws {
        spec = try ContainerSpec(from: decoder)
        idempotencyKey = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .idempotencyKey)
    }
}

struct JobQuery: Decodable {
    let jobID: String
    enum CodingKeys: String, CodingKey { case jobID = "job_id" }
}

struct ContainerQuery: Decodable {
    let containerID: String
    enum CodingKeys: String, CodingKey { case containerID = "container_id" }
}
