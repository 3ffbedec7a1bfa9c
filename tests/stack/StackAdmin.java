// Kafka admin helper for tests/stack/stack.sh, run with the Java source launcher on the
// downloaded Kafka jars:  java -cp "<kafka libs>/*" StackAdmin.java <command> <bootstrap> [args]
//   ping   <bootstrap>                      cluster answers (describeCluster), exit 0
//   topics <bootstrap> <topic:partitions:cleanup_policy>...
//                                           create missing topics; verify partition counts; set a
//                                           cleanup.policy that differs (from schemas/topics.tsv)
//   list   <bootstrap>                      topic name, partition count, cleanup.policy, one per line
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
                default -> { System.err.println("unknown command " + args[0]); System.exit(2); }
            }
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("kafka admin: " + e);
            System.exit(1);
        }
    }
}
