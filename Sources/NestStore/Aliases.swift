import GRDB
import NestRecords

// Both GRDB and NestRecords declare `Record` and `Column`; inside this module the names mean these.
/// The record type of NestRecords, under the name the store's users know.
public typealias Record = NestRecords.Record
typealias Column = GRDB.Column
