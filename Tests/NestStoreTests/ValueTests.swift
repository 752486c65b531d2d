import NestErrors
import Testing
@testable import NestStore

@Suite("Values users type")
struct ValueTests {
    static let sizeCases: [(String, Int64)] = [
        ("2G", 2_147_483_648), ("2GB", 2_147_483_648), ("256M", 268_435_456), ("512MiB", 536_870_912),
        ("1073741824", 1_073_741_824), ("4k", 4096), ("1T", 1_099_511_627_776), (" 8G ", 8_589_934_592),
    ]

    @Test("Sizes are binary multiples, as PowerShell's 2GB is", arguments: sizeCases)
    func sizes(text: String, bytes: Int64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test("Things that are not sizes are refused", arguments: ["", "G", "-1G", "1.5G", "2X", "99999999999T"])
    func notSizes(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test("Durations are finite decimal seconds", arguments: [("10", 10.0), ("0.5", 0.5), ("0", 0), ("1e3", 1000), (" 2 ", 2)])
    func durations(text: String, seconds: Double) {
        #expect(Seconds.parse(text) == seconds)
    }

    @Test(
        "Things that are not durations are refused: nan, infinities, overflow, negatives, hexadecimal",
        arguments: ["nan", "NaN", "inf", "-inf", "infinity", "1e400", "1e10", "-1", "-0.5", "0x10", "", "10s", "1,5"])
    func notDurations(text: String) {
        #expect(Seconds.parse(text) == nil)
    }

    @Test("Sizes print in the shortest exact unit")
    func formatSizes() {
        #expect(ByteSize.format(2 << 30) == "2G")
        #expect(ByteSize.format(768 << 20) == "768M")
        #expect(ByteSize.format(1000) == "1000")
    }

    @Test(
        "Names: a letter first, then letters, digits, '.', '-', '_'; at most 64",
        arguments: [
            ("lab1", nil), ("a.b-c_d", nil), (String(repeating: "a", count: 64), nil),
            ("1lab", ErrorCategory.invalidName), ("", .invalidName), ("lab 1", .invalidName), ("lab/1", .invalidName),
            ("läb", .invalidName), (String(repeating: "a", count: 65), .invalidName),
        ])
    func names(name: String, expected: ErrorCategory?) {
        #expect(category { try ObjectName.validate(name, kind: "VM") } == expected)
    }

    @Test("Configuration versions: only supported ones parse")
    func versions() {
        #expect(ConfigurationVersion("8.0") == ConfigurationVersion(major: 8, minor: 0))
        #expect(ConfigurationVersion("9.3")?.description == "9.3")
        #expect(ConfigurationVersion("8") == ConfigurationVersion(major: 8, minor: 0))
        #expect(ConfigurationVersion("8.4") == nil)
        #expect(ConfigurationVersion("x") == nil)
        #expect(ConfigurationVersion("7.1")! < .minimumForNesting)
    }

    @Test("MAC addresses in any common spelling; multicast detected")
    func macs() {
        #expect(MacAddress("00-15-5D-0A-0B-0C")?.description == "00155D0A0B0C")
        #expect(MacAddress("00:15:5d:0a:0b:0c")?.description == "00155D0A0B0C")
        #expect(MacAddress("00155D0A0B0") == nil)
        #expect(MacAddress("01005E000001")?.isMulticast == true)
    }

    @Test("IPv4 prefixes: host bits refused, overlap and containment")
    func prefixes() throws {
        let p24 = try IPv4Prefix.parse("192.168.100.0/24").get()
        #expect(p24.broadcast.description == "192.168.100.255")
        #expect(p24.contains(IPv4Address("192.168.100.7")!))
        #expect(!p24.contains(IPv4Address("192.168.101.7")!))
        #expect(p24.overlaps(try IPv4Prefix.parse("192.168.0.0/16").get()))
        #expect(!p24.overlaps(try IPv4Prefix.parse("192.168.101.0/24").get()))
        #expect(throws: NestError.self) { try IPv4Prefix.parse("192.168.100.1/24").get() }
        #expect(throws: NestError.self) { try IPv4Prefix.parse("192.168.100.0/33").get() }
        #expect(throws: NestError.self) { try IPv4Prefix.parse("192.168.100.0").get() }
        #expect(IPv4Address("010.1.1.1") == nil)
        #expect(IPv4Address("256.1.1.1") == nil)
    }
}

@Suite("Timestamps in the store")
struct TimestampTests {
    @Test("They are RFC 3339 in UTC, to the second or the millisecond")
    func format() {
        #expect(Timestamp.format(seconds: 0, milliseconds: nil) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(seconds: 1_796_390_125, milliseconds: 7) == "2026-12-04T13:15:25.007Z")
        #expect(Timestamp.format(seconds: 951_825_599, milliseconds: 999) == "2000-02-29T11:59:59.999Z")
    }

    @Test("They read back as the instant they name, with or without a fraction")
    func parse() {
        #expect(Timestamp.date(from: "2026-12-04T13:15:25Z")?.timeIntervalSince1970 == 1_796_390_125)
        #expect(Timestamp.date(from: "2026-12-04T13:15:25.5Z")?.timeIntervalSince1970 == 1_796_390_125.5)
        let now = Timestamp.now(milliseconds: true)
        #expect(
            Timestamp.date(from: now).map { Timestamp.format(seconds: Int($0.timeIntervalSince1970), milliseconds: nil) }
                == String(now.prefix(19)) + "Z")
    }

    @Test(
        "Anything else is not a timestamp",
        arguments: [
            "", "2026-12-04", "2026-12-04T13:15:25", "2026-12-04 13:15:25Z", "2026-13-04T13:15:25Z", "2026-12-04T24:00:00Z",
            "2026-12-04T13:15:25.Z", "2026-12-04T13:15:25.1234567890Z", "2026-12-04T13:15:25+01:00", "20x6-12-04T13:15:25Z",
        ])
    func notTimestamps(text: String) {
        #expect(Timestamp.date(from: text) == nil)
    }
}
