import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP response, whole.
public struct HTTPReply: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why a request got no usable response; each case says whether trying again may help.
public enum TransportError: Error, Sendable, CustomStringConvertible {
    /// No response within the time allowed.
    case timedOut(seconds: Double)
    /// The connection failed or closed before the whole body arrived.
    case connection(String)
    /// The body is larger than allowed.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case let .timedOut(s): "no response within \(Int(s)) s"
        case let .connection(m): "connection failed: \(m)"
        case let .tooLarge(limit): "response larger than \(limit >> 20) MiB"
        }
    }

    var retryable: Bool {
        if case .tooLarge = self { return false }
        return true
    }
}

/// What the fetcher needs of HTTP: GET a URL, get the whole response. A protocol so a test can
/// count or refuse requests; the product uses ``AsyncHTTPTransport``.
public protocol HTTPTransport: Sendable {
    func get(_ url: String, headers: [(String, String)], timeout: Double) async throws -> HTTPReply
}

/// HTTP through AsyncHTTPClient (SwiftNIO): TLS, redirects within the registry's host,
/// decompression, connection reuse.
public final class AsyncHTTPTransport: HTTPTransport {
    private let client: HTTPClient
    /// The largest body accepted, in bytes: a page of 1,000 full studies is about 40 MB.
    public let maxBody: Int

    public init(maxBody: Int = 512 << 20) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false), decompression: .enabled(limit: .ratio(50)))
        configuration.timeout.connect = .seconds(30)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.maxBody = maxBody
    }

    /// Closes the client's connections; call once when done.
    public func shutdown() async { try? await client.shutdown() }

    public func get(_ url: String, headers: [(String, String)], timeout: Double) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let deadline = TimeAmount.milliseconds(Int64(timeout * 1000))
        do {
            let response = try await client.execute(request, timeout: deadline)
            let body = try await response.body.collect(upTo: maxBody)
            var names: [String: String] = [:]
            for h in response.headers { names[h.name.lowercased()] = h.value }
            return HTTPReply(status: Int(response.status.code), headers: names, body: Array(buffer: body))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw TransportError.timedOut(seconds: timeout)
        } catch is NIOTooManyBytesError {
            throw TransportError.tooLarge(limit: maxBody)
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError.connection(String(describing: error))
        }
    }
}
