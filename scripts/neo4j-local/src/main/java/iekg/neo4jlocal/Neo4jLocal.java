package iekg.neo4jlocal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * A local Neo4j 5.26 Community server: the embedded DBMS of {@code org.neo4j:neo4j} with its
 * Bolt connector on 127.0.0.1 only, HTTP/HTTPS off, authentication on.
 *
 * <pre>
 *   NEO4J_LOCAL_PASSWORD=secret java -jar neo4j-local.jar --home DIR [--port 7687] [--pagecache 256m]
 * </pre>
 *
 * DIR is the DBMS home: the stores live in DIR/data (they persist across restarts, and a restart
 * after a crash runs Neo4j's own recovery), Neo4j's debug log in DIR/logs/debug.log.
 *
 * <p>On every start the {@code neo4j} user's password is set to NEO4J_LOCAL_PASSWORD (through the
 * system database, with no change required), so the password given to the start script is the
 * one that works. When the server is ready a line starting with {@code neo4j-local READY} goes to
 * standard output; SIGTERM shuts the DBMS down cleanly (checkpoint) through a shutdown hook.
 *
 * <p>Live import: while it runs, the server imports into its database {@code neo4j} itself when the
 * launcher asks ({@code DIR/import.request}, see {@link #watchImports}): that one database is stopped,
 * the offline importer runs in this JVM, and the database is started again on the new store. The system
 * database, the users and their passwords, and Bolt stay up: no second JVM, no restart.
 */
public final class Neo4jLocal {
    static final String READY = "neo4j-local READY";

    private Neo4jLocal() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("import")) {
            System.exit(importFull(args));
        }
        Path home = null;
        int port = BoltConnector.DEFAULT_PORT;
        String pagecache = "256m";
        int keepAlive = 3;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--home" -> home = Path.of(value(args, ++i, a));
                case "--port" -> port = Integer.parseInt(value(args, ++i, a));
                case "--pagecache" -> pagecache = value(args, ++i, a);
                case "--keep-alive" -> keepAlive = Integer.parseInt(value(args, ++i, a));
                case "-h", "--help" -> {
                    System.out.println("usage: NEO4J_LOCAL_PASSWORD=PW java -jar neo4j-local.jar --home DIR"
                            + " [--port N] [--pagecache 256m] [--keep-alive 3]\n"
                            + "       java -jar neo4j-local.jar import --home DIR [importer options]");
                    return;
                }
                default -> fail("unknown argument: " + a);
            }
        }
        if (home == null) {
            fail("--home DIR is required");
        }
        if (port < 1 || port > 65535) {
            fail("--port must be 1..65535, got " + port);
        }
        String password = System.getenv("NEO4J_LOCAL_PASSWORD");
        if (password == null || password.isEmpty()) {
            fail("NEO4J_LOCAL_PASSWORD is not set");
        }
        home = home.toAbsolutePath().normalize();
        Files.createDirectories(home);

        long started = System.nanoTime();
        SocketAddress bolt = new SocketAddress("127.0.0.1", port);
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        // A bound on each transaction's memory (db.memory.transaction.max), for operators who share the
        // heap and for tests of statements that must fit a small limit; unset: Neo4j's default (the total
        // limit only, 70 % of the heap).
        String txMemory = System.getenv("IEKG_NEO4J_TX_MEMORY");
        if (txMemory != null && !txMemory.isEmpty()) {
            builder.setConfig(GraphDatabaseSettings.memory_transaction_max_size, parseBytes(txMemory));
        }
        DatabaseManagementService dbms = builder
                // Bolt only, loopback only.
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress("127.0.0.1"))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress("127.0.0.1"))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                // Server-side routing would open a second port (7688 by default): not wanted.
                .setConfig(GraphDatabaseSettings.routing_enabled, false)
                // No usage reports: this machine reaches nothing but localhost anyway.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Modest memory: the heap is set by the launcher (-Xmx), the page cache here.
                .setConfig(GraphDatabaseSettings.pagecache_memory, parseBytes(pagecache))
                // Transaction logs are not preallocated (each database would take 256 MiB of disk).
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // A quick stop: Bolt otherwise waits 5 s + 5 s for idle connections and Netty.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                // Bolt keep-alive: while a request runs, an idle connection gets a NOOP every keepAlive
                // seconds, and HELLO tells the driver connection.recv_timeout_seconds = keepAlive x
                // probes. The driver then gives up on a server silent that long (a hung, SIGSTOPped
                // process) instead of waiting without bound; a slow query keeps its connection alive.
                .setConfig(BoltConnector.connection_keep_alive_type, BoltConnector.KeepAliveRequestType.ALL)
                .setConfig(BoltConnector.connection_keep_alive, Duration.ofSeconds(keepAlive))
                .setConfig(BoltConnector.connection_keep_alive_probes, 3)
                .setConfig(BoltConnector.connection_keep_alive_streaming_scheduling_interval, Duration.ofSeconds(1))
                .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j-local: shutting down");
            try {
                dbms.shutdown();
            } finally {
                System.out.println("neo4j-local: stopped");
                System.out.flush();
                stopped.countDown();
            }
        }, "neo4j-local-shutdown"));

        long dbmsUp = System.nanoTime();
        try {
            setPassword(dbms, password);
        } catch (RuntimeException e) {
            System.out.println("neo4j-local: could not set the password of user neo4j: " + e.getMessage());
            System.out.flush();
            System.exit(1);
        }

        watchImports(dbms, home);
        long now = System.nanoTime();
        System.out.printf(Locale.ROOT, "%s bolt://127.0.0.1:%d pid=%d home=%s live-import=1 started_in_ms=%d"
                        + " (dbms %d, password %d; jvm up %d)%n",
                READY, port, ProcessHandle.current().pid(), home, (now - started) / 1_000_000,
                (dbmsUp - started) / 1_000_000, (now - dbmsUp) / 1_000_000,
                java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
        System.out.flush();
        stopped.await();
    }

    /**
     * {@code import --home DIR [--database neo4j] [importer options...]}: Neo4j's offline bulk importer
     * ({@code neo4j-admin database import full}, the {@code org.neo4j:neo4j-import-tool} command on
     * the classpath) into database {@code neo4j} of the DBMS home DIR, replacing what it held. The
     * server on DIR must be stopped (the importer takes the store's lock and refuses otherwise). The
     * remaining arguments go to the importer as they are ({@code --nodes=…}, {@code --relationships=…},
     * {@code --array-delimiter=…}, …); returns its exit code.
     */
    static int importFull(String[] args) {
        Path home = null;
        String database = "neo4j";
        java.util.List<String> rest = new java.util.ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(value(args, ++i, "--home"));
                case "--database" -> database = value(args, ++i, "--database");
                default -> rest.add(args[i]);
            }
        }
        if (home == null) {
            fail("import: --home DIR is required");
        }
        home = home.toAbsolutePath().normalize();
        java.util.List<String> cmd = new java.util.ArrayList<>(
                java.util.List.of("database", "import", "full", "--overwrite-destination=true"));
        cmd.addAll(rest);
        if (rest.stream().noneMatch(a -> a.startsWith("--report-file"))) {
            // the importer's report of bad rows: beside the store, not in whatever folder the caller ran in
            cmd.add("--report-file=" + home.resolve("import.report"));
        }
        cmd.add(database);
        long t0 = System.nanoTime();
        int rc = org.neo4j.cli.AdminTool.execute(
                new org.neo4j.cli.ExecutionContext(home, home.resolve("conf")), cmd.toArray(new String[0]));
        System.out.printf(Locale.ROOT, "neo4j-local: import exit %d in %d ms%n", rc, (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();
        return rc;
    }

    static final String REQUEST = "import.request";
    static final String RESULT = "import.result";
    static final String OUTPUT = "import.out";

    /**
     * A thread that looks for {@code HOME/import.request} ten times a second: the importer's arguments, one a
     * line (written elsewhere and moved there by {@code neo4j-local import}, whose lock on the data folder
     * lets one request run at a time). The request is read and removed, {@link #importLive} runs with the
     * importer's output in {@code HOME/import.out}, and {@code HOME/import.result} is written (moved into
     * place whole): {@code rc=N stop_ms=… import_ms=… start_ms=… started=0|1}. {@code started=0}: the
     * database could not be started again, and the launcher restarts the server.
     */
    static void watchImports(DatabaseManagementService dbms, Path home) {
        Path request = home.resolve(REQUEST);
        Thread watcher = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                if (!Files.exists(request)) {
                    continue;
                }
                long[] ms = {0, 0, 0};
                boolean[] started = {false};
                int rc;
                try (java.io.PrintStream out = new java.io.PrintStream(
                        Files.newOutputStream(home.resolve(OUTPUT)), true, java.nio.charset.StandardCharsets.UTF_8)) {
                    java.util.List<String> args;
                    try {
                        args = Files.readAllLines(request, java.nio.charset.StandardCharsets.UTF_8);
                    } finally {
                        Files.deleteIfExists(request);
                    }
                    try {
                        rc = importLive(dbms, home, args, out, ms, started);
                    } catch (Throwable e) {
                        e.printStackTrace(out);
                        rc = 1;
                    }
                } catch (Throwable e) {
                    rc = 1;
                }
                try {
                    Path tmp = home.resolve(RESULT + ".tmp");
                    Files.writeString(tmp, String.format(Locale.ROOT, "rc=%d stop_ms=%d import_ms=%d start_ms=%d started=%d%n",
                            rc, ms[0], ms[1], ms[2], started[0] ? 1 : 0));
                    Files.move(tmp, home.resolve(RESULT), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (java.io.IOException e) {
                    System.out.println("neo4j-local: could not write the import's result: " + e);
                }
            }
        }, "neo4j-local-import");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * The offline importer into database {@code neo4j} of this running DBMS: that database is stopped (its
     * transactions end, its store files are closed and unlocked), {@code database import full
     * --overwrite-destination=true ARGS neo4j} runs here, and the database is started again, on the new store
     * whatever the importer's outcome; should the store a failed import left not start, the database's files are
     * removed and it starts empty (the old graph was replaced anyway).
     * {@code ms}: the stop's, the importer's and the start's milliseconds; {@code started[0]}: whether the
     * database is up again.
     */
    static int importLive(DatabaseManagementService dbms, Path home, java.util.List<String> args,
                          java.io.PrintStream out, long[] ms, boolean[] started) {
        org.neo4j.kernel.internal.GraphDatabaseAPI system = (org.neo4j.kernel.internal.GraphDatabaseAPI)
                dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        @SuppressWarnings("unchecked")
        org.neo4j.dbms.database.DatabaseContextProvider<? extends org.neo4j.dbms.database.DatabaseContext> dbs =
                system.getDependencyResolver().resolveDependency(org.neo4j.dbms.database.DatabaseContextProvider.class);
        org.neo4j.dbms.database.DatabaseContext ctx = dbs.getDatabaseContext(GraphDatabaseSettings.DEFAULT_DATABASE_NAME)
                .orElseThrow(() -> new IllegalStateException("no database neo4j"));
        org.neo4j.kernel.database.AbstractDatabase db = ctx.database();
        org.neo4j.io.layout.DatabaseLayout layout = ctx.optionalDatabase()
                .orElseThrow(() -> new IllegalStateException("database neo4j is not a local store")).getDatabaseLayout();
        java.util.List<String> cmd = new java.util.ArrayList<>(
                java.util.List.of("database", "import", "full", "--overwrite-destination=true"));
        cmd.addAll(args);
        if (args.stream().noneMatch(a -> a.startsWith("--report-file"))) {
            cmd.add("--report-file=" + home.resolve("import.report"));
        }
        cmd.add(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        long t0 = System.nanoTime();
        db.stop();
        long t1 = System.nanoTime();
        int rc = 1;
        try {
            rc = org.neo4j.cli.AdminTool.execute(new org.neo4j.cli.ExecutionContext(home, home.resolve("conf"), out, out,
                    new org.neo4j.io.fs.DefaultFileSystemAbstraction()), cmd.toArray(new String[0]));
        } finally {
            long t2 = System.nanoTime();
            try {
                db.start();
                started[0] = true;
            } catch (RuntimeException e) {
                e.printStackTrace(out);
            }
            if (!started[0] && rc != 0) {
                // A failed import leaves store files no database starts on (the importer says so): the
                // database was replaced anyway, so it starts again empty, as a new one would.
                out.println("neo4j-local: the import failed and left no usable store: database neo4j starts empty");
                try {
                    org.neo4j.io.fs.FileUtils.deleteDirectory(layout.databaseDirectory());
                    org.neo4j.io.fs.FileUtils.deleteDirectory(layout.getTransactionLogsDirectory());
                    db.start();
                    started[0] = true;
                } catch (java.io.IOException | RuntimeException e) {
                    e.printStackTrace(out);
                }
            }
            long t3 = System.nanoTime();
            ms[0] = (t1 - t0) / 1_000_000;
            ms[1] = (t2 - t1) / 1_000_000;
            ms[2] = (t3 - t2) / 1_000_000;
            out.printf(Locale.ROOT, "neo4j-local: live import exit %d (stop %d ms, import %d ms, start %d ms)%n",
                    rc, ms[0], ms[1], ms[2]);
        }
        return rc;
    }

    /** Makes {@code password} the neo4j user's password, with no change required at first login. */
    static void setPassword(DatabaseManagementService dbms, String password) {
        GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            // Neo4j refuses to "change" a password to the one already set: that is the usual case
            // on a restart, and means the password is already right.
            if (!messages(e).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }

    static long parseBytes(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("k")) {
            unit = ByteUnit.kibiBytes(1);
        } else if (v.endsWith("m")) {
            unit = ByteUnit.mebiBytes(1);
        } else if (v.endsWith("g")) {
            unit = ByteUnit.gibiBytes(1);
        }
        if (unit != 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            return Long.parseLong(v) * unit;
        } catch (NumberFormatException e) {
            fail("bad size: " + s + " (e.g. 256m, 1g)");
            return 0;
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            fail(flag + " needs a value");
        }
        return args[i];
    }

    private static void fail(String msg) {
        System.err.println("neo4j-local: " + msg);
        System.exit(1);
    }
}
