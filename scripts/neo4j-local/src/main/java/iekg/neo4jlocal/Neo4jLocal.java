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
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
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

        long now = System.nanoTime();
        System.out.printf(Locale.ROOT, "%s bolt://127.0.0.1:%d pid=%d home=%s started_in_ms=%d"
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
