import ConvergeFiles
import Crypto
import Foundation

/// The benchmark matrix the repository keeps (`Sources/ConvergeEvidence/Resources/converge-matrix.json`,
/// documented in docs/perf-report.md): profiles, the converge.txnCommit suite's axes, metrics and
/// budgets. `matrixHash` in a report is the sha256 of this file's bytes.
public struct Matrix: Decodable, Sendable {
    public struct Profile: Decodable, Sendable, Equatable {
        public var runs: Int
        public var warmupDiscard: Int
        public var timeoutMs: Double
    }

    public struct Axes: Decodable, Sendable {
        public var kernelBackend: [String]
        public var convergeMode: [String]
        public var steps: [Int]
        public var dirtyRootsRatio: [Double]
    }

    public struct Suite: Decodable, Sendable {
        public var id: String
        public var title: String
        public var priority: String
        public var primaryAxis: String
        public var axes: Axes
        public var metrics: [String]
        public var metricCategories: [String: String]
        public var budgets: [PerfReport.Budget]
        public var comparisonBaseline: [String: String]
    }

    public var matrixId: String
    public var matrixUpdatedAt: String
    public var profiles: [String: Profile]
    public var defaultProfile: String
    public var stability: PerfReport.Stability
    public var suites: [Suite]

    /// sha256 (lower-case hex) of the matrix file's bytes.
    public private(set) var hash = ""

    enum CodingKeys: String, CodingKey { case matrixId, matrixUpdatedAt, profiles, defaultProfile, stability, suites }

    /// Parses a matrix file's bytes and records their sha256.
    public init(data: Data) throws(EvidenceError) {
        do {
            self = try JSONDecoder().decode(Matrix.self, from: data)
        } catch let e as DecodingError {
            throw EvidenceError(.invalidReport, "the matrix file is invalid: \(describe(e))")
        } catch {
            throw EvidenceError(.invalidReport, "the matrix file is invalid: \(error)")
        }
        hash = Matrix.sha256Hex(data)
    }

    /// The matrix shipped with this library (the repository's file, copied by SwiftPM into the
    /// `ConvergeKernel_ConvergeEvidence.resources` folder beside the executable), else the source
    /// tree's copy. Looked up by hand rather than through `Bundle.module`, which traps on Linux
    /// when the folder is missing (a `converge` binary copied elsewhere): this throws instead.
    public static func embedded() throws(EvidenceError) -> Matrix {
        let name = "ConvergeKernel_ConvergeEvidence.resources/converge-matrix.json"
        var candidates = [Bundle.main.bundleURL.appendingPathComponent(name)]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/converge-matrix.json"))
        for url in candidates {
            if let data = try? Files.read(url.path) { return try Matrix(data: data) }
        }
        throw EvidenceError(.io, "the matrix file converge-matrix.json was not found (looked in \(candidates.map(\.path).joined(separator: ", "))); keep the ConvergeKernel_ConvergeEvidence.resources folder beside the converge executable")
    }

    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public func suite(_ id: String) -> Suite? { suites.first { $0.id == id } }
}
