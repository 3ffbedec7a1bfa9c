// Kafka admin helper for tests/stack/stack.sh, run with the Java source launcher on the
// downloaded Kafka jars:  java -cp "<kafka libs>/*" StackAdmin.java <command> <bootstrap> [args]
//   ping   <bootstrap>                      cluster answers (describeCluster), exit 0
//   topics <bootstrap> <partitions> <t>...  create missing topics, verify partition counts
//   list   <bootstrap>                      topic name and partition count, one per line
//   compact <bootstrap> <t>...              set cleanup.policy=compact on the topics
import java.util.*;
import java.util.concurrent.*;
import org.apache.kafka.clients.admin.*;
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
                    int partitions = Integer.parseInt(args[2]);
                    List<String> names = Arrays.asList(args).subList(3, args.length);
                    Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                    List<NewTopic> create = new ArrayList<>();
                    for (String n : names) if (!existing.contains(n)) create.add(new NewTopic(n, partitions, (short) 1));
                    for (var e : admin.createTopics(create).values().entrySet()) {
                        try { e.getValue().get(20, TimeUnit.SECONDS); System.out.println("created " + e.getKey()); }
                        catch (ExecutionException ex) { if (!(ex.getCause() instanceof TopicExistsException)) throw ex; }
                    }
                    int bad = 0;
                    for (var d : admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                        if (d.partitions().size() != partitions) {
                            System.err.println("topic " + d.name() + " has " + d.partitions().size() + " partitions, expected " + partitions);
                            bad++;
                        }
                    }
                    if (bad > 0) System.exit(1);
                }
                case "compact" -> {
                    Map<org.apache.kafka.common.config.ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
                    for (String n : Arrays.asList(args).subList(2, args.length)) {
                        ops.put(new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, n),
                                List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET)));
                    }
                    admin.incrementalAlterConfigs(ops).all().get(20, TimeUnit.SECONDS);
                    System.out.println("compacted " + String.join(" ", Arrays.asList(args).subList(2, args.length)));
                }
                case "list" -> {
                    Set<String> names = new TreeSet<>(admin.listTopics().names().get(10, TimeUnit.SECONDS));
                    for (var d : admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values())
                        System.out.println(d.name() + " " + d.partitions().size());
                }
                default -> { System.err.println("unknown command " + args[0]); System.exit(2); }
            }
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("kafka admin: " + e);
            System.exit(1);
        }
    }
}
