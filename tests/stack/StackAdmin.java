// Kafka admin helper for tests/stack/stack.sh, run with the Java source launcher on the
// downloaded Kafka jars:  java -cp "<kafka libs>/*" StackAdmin.java <command> <bootstrap> [args]
//   ping   <bootstrap>                      cluster answers (describeCluster), exit 0
//   topics <bootstrap> <topic:partitions:cleanup_policy>...
//                                           create missing topics; verify partition counts; set a
//                                           cleanup.policy that differs (from schemas/topics.tsv)
//   list   <bootstrap>                      topic name, partition count, cleanup.policy, one per line
//   lag-exporter <bootstrap> <host:port>    serve consumer-group lag for Prometheus at /metrics, read
//                                           on each scrape (committed offsets of every group against the
//                                           partitions' end offsets), in kafka_exporter's metric names:
//                                           kafka_consumergroup_lag{consumergroup,topic,partition},
//                                           kafka_consumergroup_current_offset, kafka_topic_partition_current_offset
import java.util.*;
import java.util.concurrent.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

public class StackAdmin {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) { System.err.println("usage: StackAdmin ping|topics|list <bootstrap> ..."); System.exit(2); }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(p)) {
            switch (args[0]) {
                case "ping" -> {
                    DescribeClusterResult c = admin.describeCluster();
                    System.out.println("cluster " + c.clusterId().get(10, TimeUnit.SECONDS)
                            + " brokers " + c.nodes().get(10, TimeUnit.SECONDS).size());
                }
                case "topics" -> {
                    Map<String, Integer> partitions = new LinkedHashMap<>();
                    Map<String, String> policies = new LinkedHashMap<>();
                    for (String spec : Arrays.asList(args).subList(2, args.length)) {
                        String[] f = spec.split(":");
                        if (f.length != 3) { System.err.println("bad topic spec " + spec + " (topic:partitions:cleanup_policy)"); System.exit(2); }
                        partitions.put(f[0], Integer.parseInt(f[1]));
                        policies.put(f[0], f[2]);
                    }
                    Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                    List<NewTopic> create = new ArrayList<>();
                    for (String n : partitions.keySet()) {
                        if (!existing.contains(n)) {
                            create.add(new NewTopic(n, partitions.get(n), (short) 1)
                                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, policies.get(n))));
                        }
                    }
                    for (var e : admin.createTopics(create).values().entrySet()) {
                        try { e.getValue().get(20, TimeUnit.SECONDS); System.out.println("created " + e.getKey()); }
                        catch (ExecutionException ex) { if (!(ex.getCause() instanceof TopicExistsException)) throw ex; }
                    }
                    int bad = 0;
                    for (var d : admin.describeTopics(partitions.keySet()).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                        int want = partitions.get(d.name());
                        if (d.partitions().size() != want) {
                            System.err.println("topic " + d.name() + " has " + d.partitions().size() + " partitions, topics.tsv says " + want);
                            bad++;
                        }
                    }
                    List<ConfigResource> resources = new ArrayList<>();
                    for (String n : policies.keySet()) resources.add(new ConfigResource(ConfigResource.Type.TOPIC, n));
                    Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
                    for (var e : admin.describeConfigs(resources).all().get(10, TimeUnit.SECONDS).entrySet()) {
                        String want = policies.get(e.getKey().name());
                        var have = e.getValue().get(TopicConfig.CLEANUP_POLICY_CONFIG);
                        if (have == null || !want.equals(have.value())) {
                            System.out.println("topic " + e.getKey().name() + ": cleanup.policy " + (have == null ? null : have.value()) + " -> " + want);
                            alter.put(e.getKey(), List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.CLEANUP_POLICY_CONFIG, want), AlterConfigOp.OpType.SET)));
                        }
                    }
                    if (!alter.isEmpty()) admin.incrementalAlterConfigs(alter).all().get(20, TimeUnit.SECONDS);
                    if (bad > 0) System.exit(1);
                }
                case "list" -> {
                    Set<String> names = new TreeSet<>(admin.listTopics().names().get(10, TimeUnit.SECONDS));
                    Map<String, TopicDescription> ds = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                    List<ConfigResource> resources = new ArrayList<>();
                    for (String n : names) resources.add(new ConfigResource(ConfigResource.Type.TOPIC, n));
                    var configs = admin.describeConfigs(resources).all().get(10, TimeUnit.SECONDS);
                    for (String n : names) {
                        var policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, n)).get(TopicConfig.CLEANUP_POLICY_CONFIG);
                        System.out.println(n + " " + ds.get(n).partitions().size() + " " + (policy == null ? "-" : policy.value()));
                    }
                }
                case "lag-exporter" -> lagExporter(admin, args[2]);
                default -> { System.err.println("unknown command " + args[0]); System.exit(2); }
            }
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("kafka admin: " + e);
            System.exit(1);
        }
    }

    /**
     * Consumer lag as Prometheus reads it. The broker has no JMX metric for a group's lag (only its
     * consumers do, and a consumer that is down or paused reports none), so this asks the broker
     * directly on each scrape, as kafka_exporter and Burrow do. A group that has committed nothing
     * for a partition has no series for it. kafka_consumergroup_lag_exporter_up is 0 when the broker
     * did not answer, so an outage of the broker never reads as "no lag".
     */
    static void lagExporter(Admin admin, String listen) throws Exception {
        int colon = listen.lastIndexOf(':');
        var server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))), 0);
        server.createContext("/metrics", ex -> {
            StringBuilder out = new StringBuilder();
            int up = 1;
            try { lag(admin, out); } catch (Exception e) { up = 0; out.setLength(0); System.err.println("lag-exporter: " + e); }
            out.append("# HELP kafka_consumergroup_lag_exporter_up 1 when the broker answered this scrape\n")
               .append("# TYPE kafka_consumergroup_lag_exporter_up gauge\n")
               .append("kafka_consumergroup_lag_exporter_up ").append(up).append('\n');
            byte[] body = out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (var os = ex.getResponseBody()) { os.write(body); }
        });
        server.createContext("/", ex -> { ex.sendResponseHeaders(200, -1); ex.close(); });
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.start();
        System.err.println("lag-exporter: serving http://" + listen + "/metrics");
        new CountDownLatch(1).await();
    }

    static String label(String v) { return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"); }

    static void lag(Admin admin, StringBuilder out) throws Exception {
        Map<org.apache.kafka.common.TopicPartition, OffsetSpec> all = new HashMap<>();
        Map<String, Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata>> committed = new TreeMap<>();
        for (GroupListing g : admin.listGroups().all().get(10, TimeUnit.SECONDS)) {
            if (g.type().isPresent() && g.type().get() == org.apache.kafka.common.GroupType.SHARE) continue;
            var offsets = admin.listConsumerGroupOffsets(g.groupId()).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            committed.put(g.groupId(), offsets);
            for (var tp : offsets.keySet()) all.put(tp, OffsetSpec.latest());
        }
        Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS);
        for (var d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
            for (var p : d.partitions()) all.put(new org.apache.kafka.common.TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
        }
        var ends = admin.listOffsets(all).all().get(10, TimeUnit.SECONDS);
        out.append("# HELP kafka_topic_partition_current_offset end offset of a partition\n# TYPE kafka_topic_partition_current_offset gauge\n");
        List<org.apache.kafka.common.TopicPartition> sorted = new ArrayList<>(ends.keySet());
        sorted.sort(Comparator.comparing(org.apache.kafka.common.TopicPartition::topic).thenComparingInt(org.apache.kafka.common.TopicPartition::partition));
        for (var tp : sorted) {
            out.append("kafka_topic_partition_current_offset{topic=\"").append(label(tp.topic())).append("\",partition=\"").append(tp.partition())
               .append("\"} ").append(ends.get(tp).offset()).append('\n');
        }
        out.append("# HELP kafka_consumergroup_current_offset committed offset of a group on a partition\n# TYPE kafka_consumergroup_current_offset gauge\n");
        StringBuilder lag = new StringBuilder("# HELP kafka_consumergroup_lag end offset minus the group's committed offset\n# TYPE kafka_consumergroup_lag gauge\n");
        for (var g : committed.entrySet()) {
            for (var c : g.getValue().entrySet()) {
                if (c.getValue() == null || !ends.containsKey(c.getKey())) continue;
                String labels = "{consumergroup=\"" + label(g.getKey()) + "\",topic=\"" + label(c.getKey().topic()) + "\",partition=\"" + c.getKey().partition() + "\"} ";
                out.append("kafka_consumergroup_current_offset").append(labels).append(c.getValue().offset()).append('\n');
                lag.append("kafka_consumergroup_lag").append(labels).append(Math.max(0, ends.get(c.getKey()).offset() - c.getValue().offset())).append('\n');
            }
        }
        out.append(lag);
    }
}
