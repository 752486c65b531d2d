/// How records are printed.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// JSON Lines: one object per line. The default when stdout is not a terminal.
    case json
    /// An aligned table with headings. The default on a terminal.
    case table
    /// One `Key : Value` block per record, like PowerShell's Format-List.
    case list
    /// Tab-separated values with a heading line; tabs, newlines and backslashes escaped.
    case tsv
}

/// One column of a table: its heading and how to read the cell from a record.
public struct Column: Sendable {
    /// The heading printed above the column.
    public var heading: String
    /// The record key the column shows (used by `--fields` and the other formats).
    public var key: String
    /// The cell text.
    public var cell: @Sendable (Record) -> String

    /// A column showing `key` as it reads, headed by `heading` (the key by default).
    public init(_ key: String, heading: String? = nil) {
        self.key = key
        self.heading = heading ?? key
        self.cell = { $0.field(matching: key)?.value.displayText ?? "" }
    }

    /// A column with its own cell text.
    public init(_ key: String, heading: String, cell: @escaping @Sendable (Record) -> String) {
        self.key = key
        self.heading = heading
        self.cell = cell
    }

    /// Bytes shown in mebibytes, as PowerShell's `MemoryStartup(M)` column does.
    public static func mebibytes(_ key: String, heading: String) -> Column {
        Column(key, heading: heading) { record in
            guard let bytes = record[key]?.intValue else { return "" }
            return String(bytes / (1 << 20))
        }
    }
}

/// Renders records in one of the output formats.
public struct RecordFormatter: Sendable {
    /// The format.
    public var format: OutputFormat
    /// The table columns, for `table` (the curated view, or the fields asked for).
    public var columns: [Column]
    /// The keys to keep for `json`, `list` and `tsv`; `nil` keeps every key.
    public var fields: [String]?
    /// Whether `table` and `tsv` print a heading line.
    public var showsHeadings: Bool
    /// The width a `table` fits in (the terminal's, or `$COLUMNS`), or nil for no limit: the widest columns are
    /// narrowed and their cells cut with "…", as PowerShell's Format-Table fits the console.
    public var width: Int?

    /// A formatter.
    public init(format: OutputFormat, columns: [Column], fields: [String]?, showsHeadings: Bool, width: Int? = nil) {
        self.format = format
        self.columns = columns
        self.fields = fields
        self.showsHeadings = showsHeadings
        self.width = width
    }

    /// The text for one record in a streaming format (`json`, `list`), or `nil` for the tabular formats,
    /// which need every record first to align.
    public func streamed(_ record: Record) -> String? {
        let shown = fields.map { record.projected($0) } ?? record
        switch format {
        case .json: return JSONWriter.line(shown) + "\n"
        case .list:
            let width = shown.keys.map(\.count).max() ?? 0
            var text = ""
            for field in shown.fields {
                text += field.key.padding(width) + " : " + field.value.displayText + "\n"
            }
            return text + "\n"
        case .table, .tsv: return nil
        }
    }

    /// The whole text for records in a tabular format (`table`, `tsv`).
    public func tabulated(_ records: [Record]) -> String {
        switch format {
        case .tsv:
            let keys = fields ?? columns.map(\.key)
            var lines: [String] = []
            // Headings as the records spell the keys (`-o state` heads its column State).
            let headings = keys.map { key in records.first?.field(matching: key)?.key ?? key }
            if showsHeadings { lines.append(headings.map(Self.tsvEscaped).joined(separator: "\t")) }
            for record in records {
                lines.append(keys.map { Self.tsvEscaped(record.field(matching: $0)?.value.displayText ?? "") }.joined(separator: "\t"))
            }
            return lines.map { $0 + "\n" }.joined()
        case .table:
            if records.isEmpty { return "" }
            let cells = records.map { record in columns.map { Self.cellText($0.cell(record)) } }
            var widths = columns.map { showsHeadings ? $0.heading.displayWidth : 0 }
            for row in cells {
                for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.displayWidth) }
            }
            let headings = columns.map { showsHeadings ? $0.heading.displayWidth : 0 }
            let shown = width.map { Self.fitted(widths, headings: headings, into: $0) } ?? widths.map { $0 }
            widths = shown.map { $0 ?? 0 }
            let count = shown.prefix { $0 != nil }.count
            var lines: [String] = []
            func line(_ row: [String]) -> String {
                var text = ""
                for (i, cell) in row.prefix(count).enumerated() {
                    let cut = cell.truncated(toWidth: widths[i])
                    text += i == count - 1 ? cut : cut.padding(widths[i]) + " "
                }
                while text.hasSuffix(" ") { text.removeLast() }
                return text
            }
            if showsHeadings {
                lines.append(line(columns.map(\.heading)))
                lines.append(line(columns.indices.map { String(repeating: "-", count: min(columns[$0].heading.displayWidth, widths[$0])) }))
            }
            lines += cells.map(line)
            return lines.map { $0 + "\n" }.joined()
        case .json, .list:
            return records.compactMap(streamed).joined()
        }
    }

    static func tsvEscaped(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\\": out += "\\\\"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A value as one table cell: a newline shows as ↵, a tab as `\t` (as in TSV), other control characters as
    /// `\xNN`, so that no cell moves the columns after it.
    static func cellText(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\u{21B5}"
            case "\t": out += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                out += scalar.value < 0x100 ? Shown.byte(UInt8(scalar.value)) : "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Column widths narrowed to fit `total` display columns with a space between columns, as Format-Table fits
    /// the console: the widest column gives up a column at a time, none below its heading (or 4, or its own
    /// width, if smaller); columns that still do not fit are left off at the right (nil where left off).
    static func fitted(_ widths: [Int], headings: [Int], into total: Int) -> [Int?] {
        var widths = widths
        let floors = widths.indices.map { min(widths[$0], max(headings[$0], 4)) }
        func used(_ count: Int) -> Int { widths.prefix(count).reduce(0, +) + count - 1 }
        while used(widths.count) > total {
            guard let widest = widths.indices.filter({ widths[$0] > floors[$0] }).max(by: { widths[$0] < widths[$1] }) else { break }
            widths[widest] -= 1
        }
        var kept = widths.count
        while kept > 1 && used(kept) > total { kept -= 1 }
        return widths.indices.map { $0 < kept ? widths[$0] : nil }
    }
}

extension String {
    /// The columns the string takes on a terminal: two for East Asian wide and fullwidth characters (and emoji),
    /// none for combining marks, one for the rest.
    var displayWidth: Int { unicodeScalars.reduce(0) { $0 + $1.displayWidth } }

    /// The string padded with spaces to `width` display columns.
    func padding(_ width: Int) -> String {
        let own = displayWidth
        return own >= width ? self : self + String(repeating: " ", count: width - own)
    }

    /// The string cut to at most `width` display columns, ending in "…" when cut.
    func truncated(toWidth width: Int) -> String {
        guard displayWidth > width else { return self }
        var out = "", used = 0
        for character in self {
            let w = String(character).displayWidth
            if used + w > width - 1 { break }
            out.append(character)
            used += w
        }
        return out + "…"
    }
}

extension Unicode.Scalar {
    /// Display columns of one scalar (see `String.displayWidth`).
    var displayWidth: Int {
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }
}
