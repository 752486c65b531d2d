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
        self.cell = { $0[key]?.displayText ?? "" }
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

    /// A formatter.
    public init(format: OutputFormat, columns: [Column], fields: [String]?, showsHeadings: Bool) {
        self.format = format
        self.columns = columns
        self.fields = fields
        self.showsHeadings = showsHeadings
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
            if showsHeadings { lines.append(keys.map(Self.tsvEscaped).joined(separator: "\t")) }
            for record in records {
                lines.append(keys.map { Self.tsvEscaped(record[$0]?.displayText ?? "") }.joined(separator: "\t"))
            }
            return lines.map { $0 + "\n" }.joined()
        case .table:
            if records.isEmpty { return "" }
            let cells = records.map { record in columns.map { Self.oneLine($0.cell(record)) } }
            var widths = columns.map { showsHeadings ? $0.heading.count : 0 }
            for row in cells {
                for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
            }
            var lines: [String] = []
            func line(_ row: [String]) -> String {
                var text = ""
                for (i, cell) in row.enumerated() {
                    text += i == row.count - 1 ? cell : cell.padding(widths[i]) + " "
                }
                while text.hasSuffix(" ") { text.removeLast() }
                return text
            }
            if showsHeadings {
                lines.append(line(columns.map(\.heading)))
                lines.append(line(columns.map { String(repeating: "-", count: $0.heading.count) }))
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

    static func oneLine(_ text: String) -> String {
        text.contains("\n") ? text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\u{21B5}") : text
    }
}

extension String {
    /// The string padded with spaces to `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
