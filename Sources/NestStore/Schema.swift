import NestRecords
import GRDB

/// The versioned schema. Add a migration for every change; never edit a shipped one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: inventory") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vm (
                        id TEXT PRIMARY KEY,
                        host TEXT NOT NULL,
                        name TEXT NOT NULL COLLATE NOCASE,
                        state TEXT NOT NULL,
                        generation INTEGER NOT NULL,
                        version TEXT NOT NULL,
                        notes TEXT NOT NULL,
                        image TEXT,
                        creationTime TEXT NOT NULL,
                        memoryStartup INTEGER NOT NULL,
                        memoryMinimum INTEGER NOT NULL,
                        memoryMaximum INTEGER NOT NULL,
                        dynamicMemoryEnabled BOOLEAN NOT NULL,
                        processorCount INTEGER NOT NULL,
                        exposeVirtualizationExtensions BOOLEAN NOT NULL,
                        processorMaximum INTEGER NOT NULL,
                        processorReserve INTEGER NOT NULL,
                        relativeWeight INTEGER NOT NULL,
                        compatibilityForMigrationEnabled BOOLEAN NOT NULL,
                        hwThreadCountPerCore INTEGER NOT NULL,
                        UNIQUE (host, name)
                    );
                    CREATE TABLE vmSwitch (
                        id TEXT PRIMARY KEY,
                        host TEXT NOT NULL,
                        name TEXT NOT NULL COLLATE NOCASE,
                        switchType TEXT NOT NULL,
                        notes TEXT NOT NULL,
                        UNIQUE (host, name)
                    );
                    CREATE TABLE vmNetworkAdapter (
                        id TEXT PRIMARY KEY,
                        host TEXT NOT NULL,
                        vmId TEXT NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        macAddress TEXT NOT NULL,
                        dynamicMacAddressEnabled BOOLEAN NOT NULL,
                        switchId TEXT REFERENCES vmSwitch(id) ON DELETE SET NULL,
                        macAddressSpoofing BOOLEAN NOT NULL,
                        dhcpGuard BOOLEAN NOT NULL,
                        routerGuard BOOLEAN NOT NULL,
                        position INTEGER NOT NULL
                    );
                    CREATE INDEX vmNetworkAdapterByVM ON vmNetworkAdapter(vmId);
                    CREATE TABLE netAdapter (
                        id TEXT PRIMARY KEY,
                        host TEXT NOT NULL,
                        name TEXT NOT NULL COLLATE NOCASE,
                        interfaceDescription TEXT NOT NULL,
                        ifIndex INTEGER NOT NULL,
                        macAddress TEXT NOT NULL,
                        switchId TEXT REFERENCES vmSwitch(id) ON DELETE CASCADE,
                        vmAdapterId TEXT REFERENCES vmNetworkAdapter(id) ON DELETE CASCADE,
                        UNIQUE (host, name),
                        UNIQUE (host, ifIndex)
                    );
                    CREATE TABLE netIPAddress (
                        host TEXT NOT NULL,
                        address TEXT NOT NULL,
                        netAdapterId TEXT NOT NULL REFERENCES netAdapter(id) ON DELETE CASCADE,
                        prefixLength INTEGER NOT NULL,
                        defaultGateway TEXT,
                        PRIMARY KEY (host, address)
                    );
                    CREATE TABLE netNat (
                        id TEXT PRIMARY KEY,
                        host TEXT NOT NULL,
                        name TEXT NOT NULL COLLATE NOCASE,
                        internalPrefix TEXT NOT NULL,
                        externalPrefix TEXT,
                        UNIQUE (host, name)
                    );
                    CREATE TABLE netNatStaticMapping (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        host TEXT NOT NULL,
                        natId TEXT NOT NULL REFERENCES netNat(id) ON DELETE CASCADE,
                        protocol TEXT NOT NULL,
                        externalIPAddress TEXT NOT NULL,
                        externalPort INTEGER NOT NULL,
                        internalIPAddress TEXT NOT NULL,
                        internalPort INTEGER NOT NULL,
                        UNIQUE (host, protocol, externalIPAddress, externalPort)
                    );
                    CREATE TABLE macPool (
                        host TEXT PRIMARY KEY,
                        nextSuffix INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2: machine") { db in
            // What a running VM needs beside its settings: the command line its image boots with, the worker that
            // runs it, and how its last run ended.
            try db.execute(
                sql: """
                    ALTER TABLE vm ADD COLUMN commandLine TEXT NOT NULL DEFAULT '';
                    ALTER TABLE vm ADD COLUMN workerPID INTEGER;
                    ALTER TABLE vm ADD COLUMN startedAt TEXT;
                    ALTER TABLE vm ADD COLUMN instructionsRetired INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE vm ADD COLUMN exitStatus INTEGER;
                    ALTER TABLE vm ADD COLUMN exitReason TEXT;
                    """)
        }
        migrator.registerMigration("v3: automatic start") { db in
            // Hyper-V's AutomaticStartAction (StartIfRunning by default), whether the VM was running when the
            // hypervisor that ran it stopped (which StartIfRunning asks about), and the integration service the
            // hypervisor inside it announced in its current run.
            try db.execute(
                sql: """
                    ALTER TABLE vm ADD COLUMN automaticStartAction TEXT NOT NULL DEFAULT 'StartIfRunning';
                    ALTER TABLE vm ADD COLUMN wasRunningAtHostStop INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE vm ADD COLUMN integrationService TEXT;
                    """)
        }
        migrator.registerMigration("v4: nested memory assigned") { db in
            // The memory a hypervisor gave a nested VM it started, when it says (a boot module's memory=MiB need
            // not be the VM's MemoryStartup); null for L0 VMs, which get their MemoryStartup.
            try db.execute(sql: "ALTER TABLE vm ADD COLUMN memoryAssigned INTEGER")
        }
        migrator.registerMigration("v5: host adapter type") { db in
            // How an internal switch's host adapter is made: User (libslirp, any user) or Tap (a Linux TAP
            // interface, as root).
            try db.execute(sql: "ALTER TABLE vmSwitch ADD COLUMN hostAdapterType TEXT NOT NULL DEFAULT 'User'")
            // The TAP interface an External switch binds.
            try db.execute(sql: "ALTER TABLE vmSwitch ADD COLUMN netAdapterName TEXT")
        }
        return migrator
    }
}
