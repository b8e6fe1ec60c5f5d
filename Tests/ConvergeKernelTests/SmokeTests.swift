import Testing
@testable import ConvergeKernel
@Test func placeholder() { #expect(Bool(true)) }
