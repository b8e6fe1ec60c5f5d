import ConvergeFiles
import Crypto
import Foundation

/// A benchmark matrix the repository keeps (`Sources/ConvergeEvidence/Resources/converge-matrix-v2.json`,
/// the default, and `converge-matrix.json`, v1; documented in docs/perf-report.md): profiles, the
/// converge.txnCommit suite's axes, metrics and budgets. `matrixHash` in a report is the sha256 of
/// the file's bytes.
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

    /// The matrices shipped with this library, by the name `converge bench --matrix` takes:
    /// `v2` (`converge-kernel-matrix-v2`, the default: kernel-scale, noise-robust budgets) and `v1`
    /// (`converge-kernel-matrix-v1`: Logix's budgets on our grid; its file and hash are unchanged,
    /// so v1 reports keep diffing against each other).
    public static let files = ["v2": "converge-matrix-v2.json", "v1": "converge-matrix.json"]

    /// The default of `converge bench`.
    public static let defaultName = "v2"

    /// A matrix shipped with this library (the repository's file, copied by SwiftPM into the
    /// `ConvergeKernel_ConvergeEvidence.resources` folder beside the executable), else the source
    /// tree's copy. Looked up by hand rather than through `Bundle.module`, which traps on Linux
    /// when the folder is missing (a `converge` binary copied elsewhere): this throws instead.
    /// - Throws: `.invalidArgument` for an unknown name, `.io` when the file is not found.
    public static func embedded(_ name: String = defaultName) throws(EvidenceError) -> Matrix {
        guard let file = files[name] else {
            throw EvidenceError(.invalidArgument, "unknown matrix \"\(TerminalText.escaped(name))\" (\(files.keys.sorted().joined(separator: ", ")))")
        }
        let bundled = "ConvergeKernel_ConvergeEvidence.resources/\(file)"
        var candidates = [Bundle.main.bundleURL.appendingPathComponent(bundled)]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent(bundled))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/\(file)"))
        for url in candidates {
            if let data = try? Files.read(url.path) { return try Matrix(data: data) }
        }
        throw EvidenceError(.io, "the matrix file \(file) was not found (looked in \(candidates.map(\.path).joined(separator: ", "))); keep the ConvergeKernel_ConvergeEvidence.resources folder beside the converge executable")
    }

    /// The shipped matrix a report was written with (by `meta.matrixId`), if any.
    public static func embedded(matrixId: String) -> Matrix? {
        for name in files.keys.sorted() {
            if let m = try? embedded(name), m.matrixId == matrixId { return m }
        }
        return nil
    }

    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public func suite(_ id: String) -> Suite? { suites.first { $0.id == id } }
}
