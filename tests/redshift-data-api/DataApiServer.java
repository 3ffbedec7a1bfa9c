import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local Amazon Redshift Data API endpoint on a real PostgreSQL, for the warehouse sink's tests.
 * Speaks the Data API's wire protocol (AWS JSON 1.1, X-Amz-Target RedshiftData.*) so that the AWS SDK
 * runs its real request path against it (endpoint override): SigV4 signatures are VERIFIED with the
 * configured key pair, and with --throttle-every N every Nth request is refused with a
 * ThrottlingException, which the SDK's standard retry strategy must retry.
 *
 * Operations: ExecuteStatement (named parameters :name bound as untyped values, as Redshift converts
 * them implicitly), BatchExecuteStatement (all statements in ONE transaction), DescribeStatement,
 * GetStatementResult (pages of 1000 rows with NextToken), CancelStatement. Statements run
 * asynchronously: ExecuteStatement returns at once with the id, DescribeStatement reports SUBMITTED,
 * STARTED, then FINISHED or FAILED with PostgreSQL's error text. The only SQL translation is removing
 * Redshift's table attributes (DISTSTYLE, DISTKEY, SORTKEY, ENCODE), which PostgreSQL lacks.
 * GET /stats returns counters.
 *
 * Run: java -cp postgresql.jar tests/redshift-data-api/DataApiServer.java --port 0 --jdbc URL --user U
 *      --password P --access-key AKID --secret-key SECRET [--throttle-every N]
 * It prints "listening on <port>" when ready.
 */
public class DataApiServer {
    static final Pattern REDSHIFT_ATTRIBUTES = Pattern.compile(
            "\\s+(DISTSTYLE\\s+\\w+|DISTKEY\\s*\\([^)]*\\)|(COMPOUND\\s+|INTERLEAVED\\s+)?SORTKEY\\s*\\([^)]*\\)|ENCODE\\s+\\w+)",
            Pattern.CASE_INSENSITIVE);
    static final int PAGE = 1000;

    final String jdbc;
    final Properties dbProps = new Properties();
    final String accessKey;
    final String secretKey;
    final int throttleEvery;
    final Map<String, Stmt> statements = new ConcurrentHashMap<>();
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    final AtomicLong requests = new AtomicLong(), throttled = new AtomicLong(), badSignatures = new AtomicLong(),
            executes = new AtomicLong(), batches = new AtomicLong(), describes = new AtomicLong(), results = new AtomicLong();

    static final class Stmt {
        final String id = UUID.randomUUID().toString();
        final List<String> sqls;
        final long created = System.currentTimeMillis();
        volatile String status = "SUBMITTED";
        volatile String error;
        volatile List<String> columns;
        volatile List<String> columnTypes;
        volatile List<List<Object>> rows;
        volatile long updated = created;
        volatile long resultRows = -1;

        Stmt(List<String> sqls) { this.sqls = sqls; }
    }

    DataApiServer(Map<String, String> a) {
        jdbc = a.get("--jdbc");
        dbProps.setProperty("user", a.get("--user"));
        dbProps.setProperty("password", a.get("--password"));
        // parameters go untyped, and PostgreSQL infers their types from the context (as Redshift
        // converts the Data API's string parameters implicitly)
        dbProps.setProperty("stringtype", "unspecified");
        accessKey = a.get("--access-key");
        secretKey = a.get("--secret-key");
        throttleEvery = Integer.parseInt(a.getOrDefault("--throttle-every", "0"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
        for (String k : List.of("--jdbc", "--user", "--password", "--access-key", "--secret-key")) {
            if (!a.containsKey(k)) throw new IllegalArgumentException("missing " + k);
        }
        DataApiServer s = new DataApiServer(a);
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(a.getOrDefault("--port", "0"))), 64);
        http.createContext("/", s::handle);
        http.setExecutor(Executors.newFixedThreadPool(8));
        http.start();
        System.out.println("listening on " + http.getAddress().getPort());
        System.out.flush();
    }

    void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (ex.getRequestMethod().equals("GET") && ex.getRequestURI().getPath().equals("/stats")) {
                send(ex, 200, "{\"requests\":" + requests + ",\"throttled\":" + throttled + ",\"badSignatures\":" + badSignatures
                        + ",\"executeStatement\":" + executes + ",\"batchExecuteStatement\":" + batches
                        + ",\"describeStatement\":" + describes + ",\"getStatementResult\":" + results + "}");
                return;
            }
            long n = requests.incrementAndGet();
            String problem = verifySignature(ex, body);
            if (problem != null) {
                badSignatures.incrementAndGet();
                error(ex, 403, "InvalidSignatureException", problem);
                return;
            }
            if (throttleEvery > 0 && n % throttleEvery == 0) {
                throttled.incrementAndGet();
                error(ex, 400, "ThrottlingException", "Rate exceeded (injected by the local endpoint)");
                return;
            }
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            Map<String, Object> req = castMap(new Json(new String(body, StandardCharsets.UTF_8)).value());
            String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
            switch (op) {
                case "ExecuteStatement" -> execute(ex, req);
                case "BatchExecuteStatement" -> batch(ex, req);
                case "DescribeStatement" -> describe(ex, req);
                case "GetStatementResult" -> result(ex, req);
                case "CancelStatement" -> cancel(ex, req);
                default -> error(ex, 400, "ValidationException", "unsupported operation " + target);
            }
        } catch (RuntimeException e) {
            error(ex, 400, "ValidationException", String.valueOf(e.getMessage()));
        }
    }

    // ------------------------------------------------------------------ operations
    void execute(HttpExchange ex, Map<String, Object> req) throws IOException {
        executes.incrementAndGet();
        String target = target(req);
        String sql = (String) req.get("Sql");
        if (sql == null || sql.isEmpty()) throw new IllegalArgumentException("Sql is required");
        Map<String, String> params = new LinkedHashMap<>();
        Object ps = req.get("Parameters");
        if (ps instanceof List<?> l) {
            for (Object o : l) {
                Map<String, Object> p = castMap(o);
                String value = (String) p.get("value");
                if (value == null || value.isEmpty()) throw new IllegalArgumentException("parameter value must not be empty");
                params.put((String) p.get("name"), value);
            }
        }
        Stmt st = new Stmt(List.of(sql));
        statements.put(st.id, st);
        pool.submit(() -> run(st, params));
        send(ex, 200, "{\"Id\":" + Json.quote(st.id) + ",\"CreatedAt\":" + st.created / 1000.0 + "," + target
                + ",\"Database\":" + Json.quote((String) req.get("Database")) + "}");
    }

    void batch(HttpExchange ex, Map<String, Object> req) throws IOException {
        batches.incrementAndGet();
        String target = target(req);
        List<String> sqls = new ArrayList<>();
        for (Object o : (List<?>) req.get("Sqls")) sqls.add((String) o);
        if (sqls.isEmpty()) throw new IllegalArgumentException("Sqls is required");
        Stmt st = new Stmt(sqls);
        statements.put(st.id, st);
        pool.submit(() -> run(st, Map.of()));
        send(ex, 200, "{\"Id\":" + Json.quote(st.id) + ",\"CreatedAt\":" + st.created / 1000.0 + "," + target
                + ",\"Database\":" + Json.quote((String) req.get("Database")) + "}");
    }

    /** The cluster or workgroup of a request, and its credentials mode, as the response echoes them. */
    static String target(Map<String, Object> req) {
        Object cluster = req.get("ClusterIdentifier"), wg = req.get("WorkgroupName");
        if ((cluster == null) == (wg == null)) throw new IllegalArgumentException("exactly one of ClusterIdentifier and WorkgroupName is required");
        if (req.get("Database") == null) throw new IllegalArgumentException("Database is required");
        if (cluster != null && req.get("DbUser") == null && req.get("SecretArn") == null) {
            throw new IllegalArgumentException("a provisioned cluster needs DbUser or SecretArn");
        }
        return cluster != null ? "\"ClusterIdentifier\":" + Json.quote((String) cluster) : "\"WorkgroupName\":" + Json.quote((String) wg);
    }

    void run(Stmt st, Map<String, String> params) {
        st.status = "STARTED";
        try (Connection c = DriverManager.getConnection(jdbc, dbProps)) {
            c.setAutoCommit(st.sqls.size() == 1);
            try {
                for (String raw : st.sqls) {
                    String sql = REDSHIFT_ATTRIBUTES.matcher(raw).replaceAll("");
                    List<String> order = new ArrayList<>();
                    String jdbcSql = bindNames(sql, order);
                    try (PreparedStatement ps = c.prepareStatement(jdbcSql)) {
                        for (int i = 0; i < order.size(); i++) {
                            String v = params.get(order.get(i));
                            if (v == null) throw new SQLException("parameter :" + order.get(i) + " has no value", "42P02");
                            ps.setString(i + 1, v);
                        }
                        boolean rs = ps.execute();
                        if (rs && st.sqls.size() == 1) collect(st, ps.getResultSet());
                        else st.resultRows = ps.getUpdateCount();
                    }
                }
                if (!c.getAutoCommit()) c.commit();
                st.status = "FINISHED";
            } catch (SQLException e) {
                if (!c.getAutoCommit()) c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            st.error = "ERROR: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")";
            st.status = "FAILED";
        } catch (RuntimeException e) {
            st.error = "ERROR: " + e;
            st.status = "FAILED";
        } finally {
            st.updated = System.currentTimeMillis();
        }
    }

    /** ":name" -> "?" outside quotes and casts ("::"); the names in order. */
    static String bindNames(String sql, List<String> order) {
        StringBuilder b = new StringBuilder(sql.length());
        int i = 0;
        while (i < sql.length()) {
            char ch = sql.charAt(i);
            if (ch == '\'' || ch == '"') {
                int j = i + 1;
                while (j < sql.length()) {
                    if (sql.charAt(j) == ch) {
                        if (j + 1 < sql.length() && sql.charAt(j + 1) == ch) { j += 2; continue; }
                        break;
                    }
                    j++;
                }
                b.append(sql, i, Math.min(sql.length(), j + 1));
                i = j + 1;
            } else if (ch == ':' && i + 1 < sql.length() && sql.charAt(i + 1) == ':') {
                b.append("::");
                i += 2;
            } else if (ch == ':' && i + 1 < sql.length() && (Character.isLetter(sql.charAt(i + 1)) || sql.charAt(i + 1) == '_')) {
                int j = i + 1;
                while (j < sql.length() && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) j++;
                order.add(sql.substring(i + 1, j));
                b.append('?');
                i = j;
            } else {
                b.append(ch);
                i++;
            }
        }
        return b.toString();
    }

    static void collect(Stmt st, ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> cols = new ArrayList<>(), types = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            cols.add(md.getColumnLabel(i));
            types.add(switch (md.getColumnType(i)) {
                case Types.SMALLINT, Types.INTEGER, Types.BIGINT -> "long";
                case Types.REAL, Types.DOUBLE, Types.FLOAT, Types.NUMERIC, Types.DECIMAL -> "double";
                case Types.BOOLEAN, Types.BIT -> "boolean";
                default -> "string";
            });
        }
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= cols.size(); i++) {
                Object v = switch (types.get(i - 1)) {
                    case "long" -> rs.getLong(i);
                    case "double" -> rs.getDouble(i);
                    case "boolean" -> rs.getBoolean(i);
                    default -> rs.getString(i);
                };
                row.add(rs.wasNull() ? null : v);
            }
            rows.add(row);
        }
        st.columns = cols;
        st.columnTypes = types;
        st.rows = rows;
        st.resultRows = rows.size();
    }

    void describe(HttpExchange ex, Map<String, Object> req) throws IOException {
        describes.incrementAndGet();
        Stmt st = find(ex, req);
        if (st == null) return;
        StringBuilder b = new StringBuilder("{\"Id\":").append(Json.quote(st.id))
                .append(",\"Status\":").append(Json.quote(st.status))
                .append(",\"CreatedAt\":").append(st.created / 1000.0)
                .append(",\"UpdatedAt\":").append(st.updated / 1000.0)
                .append(",\"QueryString\":").append(Json.quote(st.sqls.size() == 1 ? st.sqls.get(0) : ""))
                .append(",\"HasResultSet\":").append(st.rows != null)
                .append(",\"ResultRows\":").append(st.resultRows)
                .append(",\"Duration\":").append((st.updated - st.created) * 1_000_000L);
        if (st.error != null) b.append(",\"Error\":").append(Json.quote(st.error));
        if (st.sqls.size() > 1) b.append(",\"IsBatchStatement\":true");
        send(ex, 200, b.append('}').toString());
    }

    void result(HttpExchange ex, Map<String, Object> req) throws IOException {
        results.incrementAndGet();
        Stmt st = find(ex, req);
        if (st == null) return;
        if (st.rows == null) {
            error(ex, 400, "ResourceNotFoundException", "statement " + st.id + " has no result set (status " + st.status + ")");
            return;
        }
        int from = req.get("NextToken") == null ? 0 : Integer.parseInt((String) req.get("NextToken"));
        int to = Math.min(st.rows.size(), from + PAGE);
        StringBuilder b = new StringBuilder("{\"ColumnMetadata\":[");
        for (int i = 0; i < st.columns.size(); i++) {
            if (i > 0) b.append(',');
            b.append("{\"name\":").append(Json.quote(st.columns.get(i))).append(",\"label\":").append(Json.quote(st.columns.get(i)))
                    .append(",\"typeName\":").append(Json.quote(st.columnTypes.get(i))).append('}');
        }
        b.append("],\"Records\":[");
        for (int r = from; r < to; r++) {
            if (r > from) b.append(',');
            b.append('[');
            List<Object> row = st.rows.get(r);
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) b.append(',');
                Object v = row.get(i);
                if (v == null) b.append("{\"isNull\":true}");
                else if (v instanceof Long l) b.append("{\"longValue\":").append(l).append('}');
                else if (v instanceof Double d) b.append("{\"doubleValue\":").append(d).append('}');
                else if (v instanceof Boolean z) b.append("{\"booleanValue\":").append(z).append('}');
                else b.append("{\"stringValue\":").append(Json.quote(v.toString())).append('}');
            }
            b.append(']');
        }
        b.append("],\"TotalNumRows\":").append(st.rows.size());
        if (to < st.rows.size()) b.append(",\"NextToken\":").append(Json.quote(Integer.toString(to)));
        send(ex, 200, b.append('}').toString());
    }

    void cancel(HttpExchange ex, Map<String, Object> req) throws IOException {
        Stmt st = find(ex, req);
        if (st == null) return;
        if (!st.status.equals("FINISHED") && !st.status.equals("FAILED")) st.status = "ABORTED";
        send(ex, 200, "{\"Status\":true}");
    }

    Stmt find(HttpExchange ex, Map<String, Object> req) throws IOException {
        Stmt st = statements.get((String) req.get("Id"));
        if (st == null) error(ex, 400, "ResourceNotFoundException", "no statement " + req.get("Id"));
        return st;
    }

    // ------------------------------------------------------------------ SigV4
    /** Why the request's SigV4 signature is not valid for the configured key pair, or null. */
    String verifySignature(HttpExchange ex, byte[] body) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 ")) return "missing or non-SigV4 Authorization header";
        Matcher m = Pattern.compile("Credential=([^/]+)/([^/]+)/([^/]+)/([^/]+)/aws4_request,\\s*SignedHeaders=([^,]+),\\s*Signature=([0-9a-f]+)")
                .matcher(auth);
        if (!m.find()) return "malformed Authorization header";
        if (!m.group(1).equals(accessKey)) return "unknown access key " + m.group(1);
        String date = m.group(2), region = m.group(3), service = m.group(4);
        String amzDate = ex.getRequestHeaders().getFirst("X-Amz-Date");
        if (amzDate == null || !amzDate.startsWith(date)) return "X-Amz-Date missing or not of the credential date";
        StringBuilder canonical = new StringBuilder();
        canonical.append(ex.getRequestMethod()).append('\n');
        String path = ex.getRequestURI().getRawPath();
        canonical.append(path == null || path.isEmpty() ? "/" : path).append('\n');
        canonical.append(ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery()).append('\n');
        for (String h : m.group(5).split(";")) {
            List<String> vals = ex.getRequestHeaders().get(h);
            if (vals == null) return "signed header " + h + " missing";
            canonical.append(h).append(':').append(String.join(",", vals.stream().map(v -> v.trim().replaceAll("\\s+", " ")).toList())).append('\n');
        }
        canonical.append('\n').append(m.group(5)).append('\n').append(hex(sha256(body)));
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] k = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        k = hmac(k, "aws4_request");
        String expected = hex(hmac(k, toSign));
        return expected.equals(m.group(6)) ? null : "signature mismatch";
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    // ------------------------------------------------------------------ HTTP and JSON
    static void error(HttpExchange ex, int status, String type, String message) throws IOException {
        ex.getResponseHeaders().set("x-amzn-ErrorType", type);
        send(ex, status, "{\"__type\":" + Json.quote(type) + ",\"message\":" + Json.quote(message) + "}");
    }

    static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> castMap(Object o) {
        if (!(o instanceof Map)) throw new IllegalArgumentException("expected a JSON object");
        return (Map<String, Object>) o;
    }

    /** A small JSON reader (objects, arrays, strings, numbers, booleans, null). */
    static final class Json {
        final String s;
        int i;

        Json(String s) { this.s = s; }

        Object value() {
            ws();
            if (i >= s.length()) return Map.of();
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (s.charAt(i) == '}') { i++; return m; }
                    while (true) {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') { i++; continue; }
                        expect('}');
                        return m;
                    }
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (s.charAt(i) == ']') { i++; return l; }
                    while (true) {
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') { i++; continue; }
                        expect(']');
                        return l;
                    }
                }
                case '"' -> { return string(); }
                case 't' -> { i += 4; return Boolean.TRUE; }
                case 'f' -> { i += 5; return Boolean.FALSE; }
                case 'n' -> { i += 4; return null; }
                default -> {
                    int j = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
                    return Double.parseDouble(s.substring(j, i));
                }
            }
        }

        String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> { b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; }
                    default -> b.append(e);
                }
            }
        }

        void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

        void expect(char c) {
            if (s.charAt(i) != c) throw new IllegalArgumentException("JSON: expected " + c + " at " + i);
            i++;
        }

        static String quote(String v) {
            if (v == null) return "null";
            StringBuilder b = new StringBuilder("\"");
            for (int k = 0; k < v.length(); k++) {
                char c = v.charAt(k);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                        else b.append(c);
                    }
                }
            }
            return b.append('"').toString();
        }
    }
}
