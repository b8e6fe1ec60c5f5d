import Foundation

// Plotting primitives for the HTML report: escaping, scales with ticks (linear / log10), and a line
// plot rendered as one self-contained, well-formed SVG element. Everything written here is XML
// (the page embeds it in HTML5, and the tests parse it with XMLDocument), and no coordinate or label
// is ever NaN or infinite: non-finite data never reaches a scale, and scales never divide by zero.

/// Escaping for XML and HTML text and attribute values (the five XML entities; nothing else).
enum Markup {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters are not allowed in XML 1.0 (except tab, newline, return).
                if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// A coordinate with two decimals ("12.35"); non-finite values become 0 (they never should occur).
    static func coord(_ v: Double) -> String {
        v.isFinite ? String(format: "%.2f", v) : "0"
    }
}

/// A map from a data domain to a pixel range, linear or log10, with tick values.
struct PlotScale {
    let lo: Double
    let hi: Double
    let isLog: Bool
    let pixelFrom: Double
    let pixelTo: Double
    let ticks: [Double]

    func map(_ v: Double) -> Double {
        let t: Double
        if isLog {
            let a = log10(lo), b = log10(hi)
            t = b > a ? (log10(max(v, lo / 1e6)) - a) / (b - a) : 0.5
        } else {
            t = hi > lo ? (v - lo) / (hi - lo) : 0.5
        }
        let p = pixelFrom + t * (pixelTo - pixelFrom)
        return p.isFinite ? p : pixelFrom
    }

    /// A y scale for `values` (finite values only): log10 when all are positive and they span more
    /// than `logAbove`× (decade ticks, with 2 and 5 in between on short spans), otherwise linear with
    /// 1-2-5 ticks. `include` values (0 for durations, 1.0 for ratios) are kept inside the domain.
    static func value(_ values: [Double], include: [Double], logAbove: Double = 10,
                      pixelFrom: Double, pixelTo: Double) -> PlotScale {
        let all = (values + include).filter(\.isFinite)
        guard let mn = all.min(), let mx = all.max() else {
            return PlotScale(lo: 0, hi: 1, isLog: false, pixelFrom: pixelFrom, pixelTo: pixelTo, ticks: [0, 0.5, 1])
        }
        let positives = values.filter { $0.isFinite && $0 > 0 }
        if positives.count == values.filter(\.isFinite).count, let pmin = positives.min(), let pmax = positives.max(),
           pmax / pmin > logAbove {
            let logInclude = include.filter { $0 > 0 }
            let lo = logFloor(min(pmin, logInclude.min() ?? pmin))
            let hi = logCeil(max(pmax, logInclude.max() ?? pmax))
            let span = log10(hi) - log10(lo)
            var ticks: [Double] = []
            let e0 = Int(floor(log10(lo) + 1e-9)), e1 = Int(ceil(log10(hi) - 1e-9))
            if span <= 2.5 {
                // Short span: 1, 2 and 5 of each decade.
                for e in e0...e1 {
                    for m in [1.0, 2, 5] {
                        let t = m * pow(10, Double(e))
                        if t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) { ticks.append(t) }
                    }
                }
            } else {
                // Decades (every other one beyond six), plus the ends when not crowding a decade.
                let stride = span > 6 ? 2 : 1
                for e in Swift.stride(from: e0, through: e1, by: stride) {
                    let t = pow(10, Double(e))
                    if t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) { ticks.append(t) }
                }
                // An end label needs ≥ 18 px to the nearest decade label.
                let pxPerDecade = abs(pixelTo - pixelFrom) / span
                for end in [lo, hi] where !ticks.contains(where: { abs(log10($0) - log10(end)) * pxPerDecade < 18 }) {
                    ticks.append(end)
                }
                ticks.sort()
            }
            return PlotScale(lo: lo, hi: hi, isLog: true, pixelFrom: pixelFrom, pixelTo: pixelTo, ticks: ticks)
        }
        var lo = mn, hi = mx
        if hi - lo < 1e-12 {
            let pad = max(abs(lo) * 0.1, 1e-3)
            lo -= pad
            hi += pad
            if mn >= 0 && lo < 0 { lo = 0 }
        }
        let step = niceStep((hi - lo) / 4)
        let nlo = floor(lo / step) * step, nhi = ceil(hi / step) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let t = nlo + Double(k) * step
            if t > nhi + step * 1e-9 || k > 20 { break }
            ticks.append(roundTo(t, step))
            k += 1
        }
        return PlotScale(lo: nlo, hi: nhi, isLog: false, pixelFrom: pixelFrom, pixelTo: pixelTo, ticks: ticks)
    }

    /// An x scale over the primary axis: linear, padded so edge markers are not clipped; a single
    /// value sits in the middle. Ticks are the values themselves.
    static func axis(_ values: [Double], pixelFrom: Double, pixelTo: Double) -> PlotScale {
        let v = values.filter(\.isFinite).sorted()
        guard let mn = v.first, let mx = v.last else {
            return PlotScale(lo: 0, hi: 1, isLog: false, pixelFrom: pixelFrom, pixelTo: pixelTo, ticks: [])
        }
        if mx - mn < 1e-12 {
            return PlotScale(lo: mn - 1, hi: mn + 1, isLog: false, pixelFrom: pixelFrom, pixelTo: pixelTo, ticks: [mn])
        }
        let pad = (mx - mn) * 0.04
        return PlotScale(lo: mn - pad, hi: mx + pad, isLog: false, pixelFrom: pixelFrom, pixelTo: pixelTo, ticks: v)
    }

    /// The largest 1, 2 or 5 × 10^k not above `v` (v > 0).
    static func logFloor(_ v: Double) -> Double {
        let base = pow(10, floor(log10(v)))
        let m = v / base
        return (m >= 5 - 1e-9 ? 5 : m >= 2 - 1e-9 ? 2 : 1) * base
    }

    /// The smallest 1, 2 or 5 × 10^k not below `v` (v > 0).
    static func logCeil(_ v: Double) -> Double {
        let base = pow(10, floor(log10(v)))
        let m = v / base
        return (m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10) * base
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let e = floor(log10(raw)), base = pow(10, e), f = raw / base
        let m: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
        return m * base
    }

    static func roundTo(_ v: Double, _ step: Double) -> Double {
        let decimals = max(0, Int(-floor(log10(step))) + 1)
        let p = pow(10, Double(decimals))
        return (v * p).rounded() / p
    }

    /// An x (primary axis) tick label: the value itself (`200`, `1200`), compact from 100 000.
    static func axisLabel(_ v: Double) -> String {
        abs(v) < 100_000 ? NumberText.plain(v) : label(v)
    }

    /// A tick label: `0.5`, `20`, `400`, `1.5k`, `20k`, `2M`.
    static func label(_ v: Double) -> String {
        guard v.isFinite else { return "" }
        let a = abs(v)
        if a >= 1e6 { return String(format: "%gM", v / 1e6) }
        if a >= 1e3 { return String(format: "%gk", v / 1e3) }
        if a == 0 { return "0" }
        return String(format: "%g", v)
    }
}

/// A line series: one line with a marker on each point.
struct PlotSeries {
    var name: String
    var color: String
    var points: [(x: Double, y: Double)]
}

/// A shaded x-range with a tooltip (e.g. where a WASM backend beats JS).
struct PlotHighlight {
    var x0: Double
    var x1: Double
    var tooltip: String
}

/// A line plot panel: title, axes with ticks and labels, horizontal grid, series, an optional
/// dashed reference line and shaded highlights. Renders to one `<svg>` element.
struct LinePlot {
    var title: String
    var xLabel: String
    var yLabel: String
    var series: [PlotSeries]
    var width: Double = 400
    var height: Double = 270
    /// Values kept inside the y domain (0 for durations, 1 for ratios).
    var includeY: [Double] = []
    /// A dashed horizontal line (e.g. ratio 1.0) and its label.
    var reference: (y: Double, label: String)? = nil
    var highlights: [PlotHighlight] = []
    /// Short note at the top right of the panel, drawn with the highlight colour (e.g. "WASM wins").
    var highlightNote: String? = nil
    /// x values to place ticks at (the primary axis values of the whole suite).
    var xValues: [Double] = []
    var cssClass: String = "panel"

    static let highlightFill = "#fde9a9"
    static let highlightText = "#7a5c00"

    // Margins: room for y tick labels and the rotated y label on the left, the title on top, the
    // x tick labels and x label at the bottom.
    private let left = 58.0, right = 14.0, top = 30.0, bottom = 42.0

    func svg() -> String {
        let plotL = left, plotR = width - right, plotT = top, plotB = height - bottom
        let finite = series.map { s in s.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let xs = xValues.isEmpty ? finite.flatMap { $0.map(\.x) } : xValues
        let xScale = PlotScale.axis(xs, pixelFrom: plotL, pixelTo: plotR)
        let yScale = PlotScale.value(finite.flatMap { $0.map(\.y) }, include: includeY, pixelFrom: plotB, pixelTo: plotT)
        let hasData = finite.contains { !$0.isEmpty }
        let c = Markup.coord

        var o = ##"<svg xmlns="http://www.w3.org/2000/svg" class="\##(cssClass)" width="\##(c(width))" height="\##(c(height))" viewBox="0 0 \##(c(width)) \##(c(height))" role="img">"##
        o += "<title>\(Markup.escape(title))</title>"
        o += ##"<rect x="0" y="0" width="\##(c(width))" height="\##(c(height))" fill="#ffffff"/>"##
        o += ##"<text class="ptitle" x="\##(c(plotL))" y="18" font-size="12.5" font-weight="600" fill="#222">\##(Markup.escape(title))</text>"##
        if let note = highlightNote, !highlights.isEmpty {
            o += ##"<rect x="\##(c(plotR - 76))" y="8" width="10" height="10" fill="\##(Self.highlightFill)" stroke="#d9b84a" stroke-width="0.8"/>"##
            o += ##"<text x="\##(c(plotR))" y="17" font-size="10.5" text-anchor="end" fill="\##(Self.highlightText)">\##(Markup.escape(note))</text>"##
        }

        // Highlights under everything else.
        for h in highlights {
            let a = max(plotL, min(plotR, xScale.map(h.x0))), b = max(plotL, min(plotR, xScale.map(h.x1)))
            guard b - a > 0.5 else { continue }
            o += ##"<rect class="highlight" x="\##(c(a))" y="\##(c(plotT))" width="\##(c(b - a))" height="\##(c(plotB - plotT))" fill="\##(Self.highlightFill)" fill-opacity="0.75"><title>\##(Markup.escape(h.tooltip))</title></rect>"##
        }

        // Horizontal grid and y ticks.
        for t in yScale.ticks {
            let y = yScale.map(t)
            guard y >= plotT - 0.5, y <= plotB + 0.5 else { continue }
            let major = !yScale.isLog || abs(log10(t) - log10(t).rounded()) < 1e-9
            o += ##"<line x1="\##(c(plotL))" y1="\##(c(y))" x2="\##(c(plotR))" y2="\##(c(y))" stroke="\##(major ? "#e3e3e3" : "#f0f0f0")" stroke-width="1"/>"##
            o += ##"<text x="\##(c(plotL - 6))" y="\##(c(y + 3.5))" font-size="10.5" text-anchor="end" fill="#555">\##(PlotScale.label(t))</text>"##
        }
        // x ticks: labels greedily thinned so they never overlap (≥ 30 px apart).
        var lastLabel = -Double.infinity
        for t in xScale.ticks {
            let x = xScale.map(t)
            o += ##"<line x1="\##(c(x))" y1="\##(c(plotB))" x2="\##(c(x))" y2="\##(c(plotB + 4))" stroke="#888" stroke-width="1"/>"##
            if x - lastLabel >= 30 {
                o += ##"<text x="\##(c(x))" y="\##(c(plotB + 16))" font-size="10.5" text-anchor="middle" fill="#555">\##(PlotScale.axisLabel(t))</text>"##
                lastLabel = x
            }
        }
        // Axes and labels.
        o += ##"<path d="M\##(c(plotL)),\##(c(plotT)) V\##(c(plotB)) H\##(c(plotR))" fill="none" stroke="#888" stroke-width="1"/>"##
        o += ##"<text x="\##(c((plotL + plotR) / 2))" y="\##(c(height - 8))" font-size="11" text-anchor="middle" fill="#333">\##(Markup.escape(xLabel))</text>"##
        let yMid = (plotT + plotB) / 2
        o += ##"<text x="14" y="\##(c(yMid))" font-size="11" text-anchor="middle" fill="#333" transform="rotate(-90 14 \##(c(yMid)))">\##(Markup.escape(yLabel + (yScale.isLog ? " (log)" : "")))</text>"##

        if let ref = reference, ref.y.isFinite {
            let y = yScale.map(ref.y)
            if y >= plotT - 0.5 && y <= plotB + 0.5 {
                o += ##"<line class="reference" x1="\##(c(plotL))" y1="\##(c(y))" x2="\##(c(plotR))" y2="\##(c(y))" stroke="#444" stroke-width="1.2" stroke-dasharray="5 4"/>"##
            }
        }

        if !hasData {
            o += ##"<text x="\##(c((plotL + plotR) / 2))" y="\##(c(yMid))" font-size="12" text-anchor="middle" fill="#999">no data</text>"##
        }

        for (s, pts) in zip(series, finite) where !pts.isEmpty {
            let sorted = pts.sorted { $0.x < $1.x }
            let coords = sorted.map { "\(c(xScale.map($0.x))),\(c(yScale.map($0.y)))" }.joined(separator: " ")
            let name = Markup.escape(s.name)
            o += ##"<g class="series-group" data-series="\##(name)">"##
            o += ##"<polyline class="series" data-series="\##(name)" points="\##(coords)" fill="none" stroke="\##(s.color)" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>"##
            for p in sorted {
                o += ##"<circle cx="\##(c(xScale.map(p.x)))" cy="\##(c(yScale.map(p.y)))" r="2.6" fill="\##(s.color)"><title>\##(name): \##(PlotScale.label(p.x)) → \##(Markup.escape(String(format: "%.4g", p.y)))</title></circle>"##
            }
            o += "</g>"
        }
        // The reference label goes over the lines, with a white halo so it stays readable.
        if let ref = reference, ref.y.isFinite {
            let y = yScale.map(ref.y)
            if y >= plotT - 0.5 && y <= plotB + 0.5 {
                o += ##"<text x="\##(c(plotR - 2))" y="\##(c(y - 4))" font-size="10" text-anchor="end" fill="#444" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">\##(Markup.escape(ref.label))</text>"##
            }
        }
        o += "</svg>"
        return o
    }
}

/// Series colours: fixed for the backends we know (Okabe–Ito palette), then a second palette in
/// order of first appearance, so a backend has the same colour in every panel of a page.
struct BackendColors {
    static let known: [String: String] = [
        "portable": "#7f7f7f",
        "native-l1": "#0072b2",
        "native-l2": "#56b4e9",
        "native-l3": "#1b3a6b",
        "native-l4": "#2f2f8f",
        "wasm-wasmkit": "#e69f00",
        "wasm-v8": "#d55e00",
        "wasm-v8-l2": "#cc79a7",
        "wasm-v8-l3": "#f0e442",
        "wasm-v8-l4": "#a6761d",
        "js-v8": "#009e73",
        // the browser twins: darker shades of their V8 colours
        "wasm-chromium": "#8c2d04",
        "wasm-chromium-l2": "#7a3b69",
        "wasm-chromium-l3": "#9a8f00",
        "wasm-chromium-l4": "#6b4a10",
        "js-chromium": "#00604a",
    ]
    static let extra = ["#6a3d9a", "#8c564b", "#1f1f1f", "#b8a000", "#17becf", "#9e0142", "#3288bd", "#66a61e"]

    let colors: [String: String]

    init(backends: [String]) {
        var m: [String: String] = [:]
        var next = 0
        for b in backends {
            if let k = Self.known[b] { m[b] = k } else {
                m[b] = Self.extra[next % Self.extra.count]
                next += 1
            }
        }
        colors = m
    }

    subscript(_ backend: String) -> String { colors[backend] ?? "#333333" }
}
