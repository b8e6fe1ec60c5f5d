@testable import converge
import Foundation
import Testing

/// A fake clock the tests move by hand.
final class FakeClock {
    var t = 1000.0
    func now() -> Double { t }
}

/// Runs `body` with a bar writing into a pipe; returns everything it wrote.
func captured(isTerminal: Bool, environment: [String: String], enabled: Bool = true, total: Int = 10,
              _ body: (ProgressBar, FakeClock) -> Void) -> String {
    let pipe = Pipe()
    let clock = FakeClock()
    let bar = ProgressBar(total: total, label: "bench", output: pipe.fileHandleForWriting, enabled: enabled,
                          isTerminal: isTerminal, environment: environment, now: clock.now)
    body(bar, clock)
    try? pipe.fileHandleForWriting.close()
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
}

func runTen(_ bar: ProgressBar, _ clock: FakeClock) {
    for i in 0..<10 {
        clock.t += 1
        bar.advance("full steps=\(200 * (i + 1))")
    }
    bar.finish()
}



/// The progress bar: hidden under CI / without a terminal / when disabled; format and throttling.
@Suite struct ProgressBarTests {
    @Test func theProgressBarPrintsNothingWhenCIIsSet() {
        #expect(captured(isTerminal: true, environment: ["CI": "true"], runTen).isEmpty)
        #expect(captured(isTerminal: true, environment: ["CI": ""], runTen).isEmpty) // any value, even empty
    }

    @Test func theProgressBarPrintsNothingWhenTheOutputIsNotATerminal() {
        #expect(captured(isTerminal: false, environment: [:], runTen).isEmpty)
        // Asked of the descriptor itself: a pipe is not a terminal.
        let pipe = Pipe()
        let bar = ProgressBar(total: 3, label: "bench", output: pipe.fileHandleForWriting, environment: [:])
        #expect(!bar.isEnabled)
    }

    @Test func theProgressBarPrintsNothingWhenDisabled() {
        #expect(captured(isTerminal: true, environment: [:], enabled: false, runTen).isEmpty)
    }

    @Test func theProgressBarShowsCountPercentElapsedEtaAndNote() {
        let out = captured(isTerminal: true, environment: [:]) { bar, clock in
            clock.t += 3
            bar.advance("a")
            clock.t += 3
            bar.advance("b")
            clock.t += 3
            bar.advance("dirty steps=600 ratio=0.25 wasm-v8")
        }
        let last = out.components(separatedBy: "\r").last ?? ""
        // 3 of 10 after 9 s: 3 s per point, 7 to go → ETA 0:21.
        #expect(last.hasPrefix("bench [======>             ]  3/10  30%  elapsed 0:09  ETA 0:21  dirty steps=600 ratio=0.25 wasm-v8"), "\(last)")
        #expect(last.hasSuffix("\u{1B}[K"))
    }

    @Test func theProgressBarRedrawsAtMostTenTimesASecond() {
        let out = captured(isTerminal: true, environment: [:], total: 1000) { bar, clock in
            for _ in 0..<1000 {
                clock.t += 0.001 // 1000 points in one second
                bar.advance("x")
            }
            bar.finish()
        }
        let draws = out.components(separatedBy: "\r").count - 1
        #expect(draws >= 2 && draws <= 12, "\(draws) redraws")
        #expect(out.hasSuffix("1000/1000 100%  elapsed 0:01  ETA 0:00  x\u{1B}[K\n"))
    }

    @Test func theProgressBarClockFormat() {
        #expect(ProgressBar.clock(0) == "0:00")
        #expect(ProgressBar.clock(75) == "1:15")
        #expect(ProgressBar.clock(3725) == "1:02:05")
        #expect(ProgressBar.clock(.nan) == "0:00")
    }
}
