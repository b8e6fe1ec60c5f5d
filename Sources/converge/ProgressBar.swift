import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar for long benchmark runs, drawn on stderr with "\r" (docs/perf-html.md):
///
///     bench [=========>          ]  42/357  11%  elapsed 0:37  ETA 4:41  full steps=400 ratio=0.25 wasm-v8
///
/// Redraws are throttled to at most 10 per second (the last one, at `finish()`, always draws).
/// It prints nothing at all when the output is not a terminal, when the environment variable `CI`
/// is set (any value), or when created with `enabled: false`.
///
/// Concurrency: the bar is used from the one thread that runs the benchmark, so it is a plain
/// non-Sendable class (the compiler keeps it from crossing isolation domains).
final class ProgressBar {
    let total: Int
    let label: String
    private let output: FileHandle
    /// False when the bar draws nothing (not a terminal, CI set, or disabled explicitly).
    let isEnabled: Bool
    private let now: () -> Double
    private let columns: Int
    private let start: Double
    private var count = 0
    private var note = ""
    private var lastDraw = -Double.infinity
    private var finished = false

    /// Minimum seconds between two redraws.
    static let redrawInterval = 0.1

    /// - Parameters:
    ///   - total: the number of steps (points) to run.
    ///   - label: the word before the bar ("bench").
    ///   - output: where to draw; stderr by default.
    ///   - enabled: false turns the bar off whatever the terminal.
    ///   - isTerminal: whether `output` is a terminal; nil asks `isatty` on its descriptor.
    ///   - environment: the process environment (the bar is off when it has `CI`).
    ///   - now: a clock in seconds (tests pass their own).
    init(total: Int, label: String, output: FileHandle = .standardError, enabled: Bool = true,
         isTerminal: Bool? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
         now: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate }) {
        self.total = max(0, total)
        self.label = label
        self.output = output
        self.now = now
        let tty = isTerminal ?? (isatty(output.fileDescriptor) != 0)
        self.isEnabled = enabled && tty && environment["CI"] == nil
        self.columns = Int(environment["COLUMNS"] ?? "").flatMap { $0 >= 40 ? $0 : nil } ?? 100
        self.start = now()
    }

    /// One more point done; `note` names it (e.g. "full steps=400 ratio=0.25 wasm-v8").
    func advance(_ note: String) {
        count += 1
        self.note = note
        guard isEnabled, !finished else { return }
        let t = now()
        if t - lastDraw >= Self.redrawInterval {
            draw(at: t)
        }
    }

    /// Draws the final state and ends the line. Safe to call more than once.
    func finish() {
        guard isEnabled, !finished else { return }
        finished = true
        draw(at: now())
        write("\n")
    }

    /// The text of the bar at time `t` (without "\r" or the erase sequence).
    func line(at t: Double) -> String {
        let elapsed = max(0, t - start)
        let fraction = total > 0 ? min(1, Double(count) / Double(total)) : 1
        let barWidth = 20
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        var bar = String(repeating: "=", count: filled)
        if filled < barWidth { bar += ">" + String(repeating: " ", count: barWidth - filled - 1) }
        let eta: String
        if count > 0 && count < total {
            eta = Self.clock(elapsed / Double(count) * Double(total - count))
        } else {
            eta = count >= total ? "0:00" : "--:--"
        }
        let width = String(total).count
        let countText = String(repeating: " ", count: max(0, width - String(count).count)) + "\(count)/\(total)"
        let percent = String(format: "%3d%%", Int((fraction * 100).rounded(.down)))
        var s = "\(label) [\(bar)] \(countText) \(percent)  elapsed \(Self.clock(elapsed))  ETA \(eta)"
        if !note.isEmpty { s += "  " + note }
        if s.count > columns - 1 { s = String(s.prefix(columns - 2)) + "…" }
        return s
    }

    /// `m:ss`, or `h:mm:ss` from one hour.
    static func clock(_ seconds: Double) -> String {
        let s = seconds.isFinite ? max(0, Int(seconds.rounded())) : 0
        let h = s / 3600, m = (s % 3600) / 60, sec = s % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, sec) : String(format: "%d:%02d", m, sec)
    }

    private func draw(at t: Double) {
        lastDraw = t
        // "\r", the line, then "erase to end of line" so a shorter line leaves no tail.
        write("\r" + line(at: t) + "\u{1B}[K")
    }

    private func write(_ s: String) {
        output.write(Data(s.utf8))
    }
}
