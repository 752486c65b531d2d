import Machine
import Testing

@Suite struct HelloTests {
    @Test(arguments: [false, true])
    func helloReportsWhatTheGuestSees(exposed: Bool) throws {
        let config = MachineConfiguration(memoryBytes: 64 << 20, exposeVirtualizationExtensions: exposed,
                                          image: try GuestImages.bytes("hello"))
        let (output, status) = try GuestImages.run(config)
        print(output)
        #expect(status == .stopped(.guestExit(exposed ? 0 : 1)))
    }
}
