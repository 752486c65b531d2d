import GRDB
import NestRecords

// Both GRDB and NestRecords declare `Record` and `Column`; inside this module the names mean these.
public typealias Record = NestRecords.Record
typealias Column = GRDB.Column
