/// The answer of `POST /containers/{id}/wait`.
public struct WaitResult: Sendable, Decodable, Equatable {
    public let statusCode: Int64
    public let errorMessage: String?

    enum CodingKeys: String, CodingKey {
        case statusCode = "StatusCode"
        case error = "Error"
    }
    struct ErrorBody: Decodable {
        let message: String?
        enum CodingKeys: String, CodingKey { case message = "Message" }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        statusCode = try c.decode(Int64.self, forKey: .statusCode)
        errorMessage = try c.decodeIfPresent(ErrorBody.self, forKey: .error)?.message
    }
}
