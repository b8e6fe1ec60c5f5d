import ConvergeKernel
import Testing

// The gate-validation spin's environment format (GateSpin.swift); its effect is measured by
// scripts/gate-proof.sh on a build with the GateSpin trait.

@Test func gateSpinSpecsParse() throws {
    #expect(try GateSpin.parseList("l3:40:200") == [GateSpin(levels: [.l3], perStep: 40, perTxn: 200)])
    #expect(try GateSpin.parseList("all:1:2") == [GateSpin(levels: [.l1, .l2, .l3, .l4], perStep: 1, perTxn: 2)])
    #expect(try GateSpin.parseList("l1:60:300;l2,l3:40:0") == [GateSpin(levels: [.l1], perStep: 60, perTxn: 300),
                                                              GateSpin(levels: [.l2, .l3], perStep: 40, perTxn: 0)])
    for bad in ["", "l3:40", "l0:1:1", "l3:-1:0", "l3:1:x", "l3:1:1;", "l3:1:1:1", "l3:4294967296:0"] {
        #expect(throws: ConvergeError.self, "\(bad)") { try GateSpin.parseList(bad) }
    }
    do {
        _ = try GateSpin.parseList("l4:1:1")
    } catch {
        #expect(error.code == .invalidArgument)
        #expect(error.message == "CONVERGE_GATE_SPIN=\"l4:1:1\": unknown level \"l4\" (l1, l2, l3 or all: the native levels); expected LEVELS:PER_STEP:PER_TXN[;…], e.g. l3:40:200 or all:40:200")
    }
    // a default build has none compiled in (the trait is off by default)
    #expect(!GateSpin.isCompiledIn)
}
