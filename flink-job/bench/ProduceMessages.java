// Writes the HL7 messages of a file to a Kafka topic, one record per message, for sql-bench.sh; run
// with the source launcher on the Kafka jars:
//   java -cp "<kafka libs>/*" ProduceMessages.java BOOTSTRAP TOPIC FILE COPIES
// Messages are split where a segment starts with "MSH|" (after a segment terminator, \r or \n);
// MLLP frame bytes and line feeds between messages are dropped, segments keep their \r. Kafka's
// console producer cannot do this: it reads lines, and a \r ends a line for it, so every segment
// became its own record. Prints the number of records written; exits 1 unless the topic's end
// offset afterwards is exactly that many more than before.
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class ProduceMessages {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: ProduceMessages BOOTSTRAP TOPIC FILE COPIES");
      System.exit(2);
    }
    String bootstrap = args[0], topic = args[1];
    List<byte[]> messages = split(Files.readAllBytes(Path.of(args[2])));
    int copies = Integer.parseInt(args[3]);
    TopicPartition tp = new TopicPartition(topic, 0);
    long before = endOffset(bootstrap, tp);
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "20");
    p.put("batch.size", "1048576");
    p.put("acks", "all");
    long sent = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (int c = 0; c < copies; c++) {
        for (byte[] m : messages) {
          producer.send(new ProducerRecord<>(topic, 0, null, m));
          sent++;
        }
      }
      producer.flush();
    }
    long after = endOffset(bootstrap, tp);
    System.out.println(sent);
    if (after - before != sent) {
      System.err.println(topic + ": end offset moved by " + (after - before) + ", not " + sent);
      System.exit(1);
    }
  }

  static List<byte[]> split(byte[] b) {
    List<byte[]> out = new ArrayList<>();
    ByteArrayOutputStream cur = new ByteArrayOutputStream();
    for (int i = 0; i < b.length; i++) {
      boolean segmentStart = i == 0 || b[i - 1] == '\r' || b[i - 1] == '\n' || b[i - 1] == 0x0B;
      if (segmentStart && i + 4 <= b.length && b[i] == 'M' && b[i + 1] == 'S' && b[i + 2] == 'H'
          && b[i + 3] == '|' && cur.size() > 0) {
        out.add(cur.toByteArray());
        cur.reset();
      }
      byte x = b[i];
      if (x == '\n' || x == 0x0B || x == 0x1C) continue; // between messages, or MLLP framing
      cur.write(x);
    }
    if (cur.size() > 0) out.add(cur.toByteArray());
    return out;
  }

  static long endOffset(String bootstrap, TopicPartition tp) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      Map<TopicPartition, Long> end = c.endOffsets(List.of(tp));
      return end.get(tp);
    }
  }
}
