package io.vitalflow.connect.mllp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS through the connector's task, over real sockets: a CA, a server and a client certificate are
 * made at test time with the JDK's keytool (PEM files written from them), the task's native server
 * is started with them, and a JSSE client talks MLLP to it.
 */
class MllpSourceTlsTest {
  static final char[] STORE_PASSWORD = "store-secret".toCharArray();
  static final String KEY_PASSWORD = "key-secret-123";

  @TempDir static Path dir;

  static X509Certificate caCert;
  static X509Certificate clientCert;
  static PrivateKey clientKey;

  static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "keytool " + String.join(" ", args) + ": " + out);
  }

  /**
   * An RSA key pair in {@code alias}.p12 with a self-signed certificate (the native server's ring
   * parser rejected the JDK's PKCS#8 encoding of an EC P-256 key).
   */
  static void keyPair(String alias, String dname, String... ext) throws Exception {
    List<String> a =
        new ArrayList<>(
            List.of(
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-sigalg",
                "SHA256withRSA",
                "-dname",
                dname,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                alias + ".p12",
                "-storepass",
                new String(STORE_PASSWORD)));
    for (String e : ext) {
      a.add("-ext");
      a.add(e);
    }
    keytool(a.toArray(String[]::new));
  }

  /** The CA signs {@code alias}'s key; the certificate is written as {@code alias}.pem. */
  static void signedByCa(String alias, String... ext) throws Exception {
    String pass = new String(STORE_PASSWORD);
    keytool(
        "-certreq",
        "-alias",
        alias,
        "-keystore",
        alias + ".p12",
        "-storepass",
        pass,
        "-file",
        alias + ".csr");
    List<String> a =
        new ArrayList<>(
            List.of(
                "-gencert",
                "-alias",
                "ca",
                "-keystore",
                "ca.p12",
                "-storepass",
                pass,
                "-infile",
                alias + ".csr",
                "-outfile",
                alias + ".pem",
                "-rfc",
                "-validity",
                "2"));
    for (String e : ext) {
      a.add("-ext");
      a.add(e);
    }
    keytool(a.toArray(String[]::new));
  }

  static PrivateKey privateKey(String alias) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
      ks.load(in, STORE_PASSWORD);
    }
    return (PrivateKey) ks.getKey(alias, STORE_PASSWORD);
  }

  static X509Certificate certificate(String file) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve(file))));
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /**
   * PKCS#8 encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), as openssl pkcs8 -topk8 does.
   */
  static byte[] encryptedPkcs8(PrivateKey key, char[] password) throws Exception {
    String alg = "PBEWithHmacSHA256AndAES_256";
    SecureRandom random = new SecureRandom();
    byte[] salt = new byte[16];
    byte[] iv = new byte[16];
    random.nextBytes(salt);
    random.nextBytes(iv);
    Cipher cipher = Cipher.getInstance(alg);
    cipher.init(
        Cipher.ENCRYPT_MODE,
        SecretKeyFactory.getInstance(alg).generateSecret(new PBEKeySpec(password)),
        new PBEParameterSpec(salt, 10_000, new IvParameterSpec(iv)));
    byte[] encrypted = cipher.doFinal(key.getEncoded());
    // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier { id-PBES2, PBES2-params },
    // OCTET STRING }, written by hand: JDK 17 cannot name PBES2 parameters in its constructor.
    byte[] pbes2 = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 1, 5, 13};
    byte[] algorithm = der(0x30, concat(pbes2, cipher.getParameters().getEncoded()));
    byte[] info = der(0x30, concat(algorithm, der(0x04, encrypted)));
    // the connector's reader must accept it (it is what openssl pkcs8 -topk8 -v2 aes-256-cbc
    // writes)
    new EncryptedPrivateKeyInfo(info);
    return info;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A DER TLV with a definite length. */
  static byte[] der(int tag, byte[] value) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n & 0xff);
    }
    out.write(value, 0, n);
    return out.toByteArray();
  }

  @BeforeAll
  static void certificates() throws Exception {
    keyPair("ca", "CN=vitalflow test CA", "bc:c=ca:true", "ku:c=keyCertSign,cRLSign");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        "ca.p12",
        "-storepass",
        new String(STORE_PASSWORD),
        "-file",
        "ca.pem");
    keyPair("server", "CN=localhost");
    signedByCa("server", "san=ip:127.0.0.1,dns:localhost", "eku=serverAuth");
    keyPair("client", "CN=vitalflow test client");
    signedByCa("client", "eku=clientAuth");
    caCert = certificate("ca.pem");
    clientCert = certificate("client.pem");
    clientKey = privateKey("client");
    PrivateKey serverKey = privateKey("server");
    Files.writeString(
        dir.resolve("server-chain.pem"),
        Files.readString(dir.resolve("server.pem")) + Files.readString(dir.resolve("ca.pem")));
    Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", serverKey.getEncoded()));
    Files.writeString(
        dir.resolve("server-encrypted.key"),
        pem("ENCRYPTED PRIVATE KEY", encryptedPkcs8(serverKey, KEY_PASSWORD.toCharArray())));
  }

  /** A client that trusts the test CA and, with {@code withCertificate}, presents its own. */
  static SSLSocket client(int port, boolean withCertificate) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", caCert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (withCertificate) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", clientKey, STORE_PASSWORD, new Certificate[] {clientCert, caCert});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, STORE_PASSWORD);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    return s;
  }

  static Map<String, String> props(int port) {
    Map<String, String> props = MllpSourceConfigTest.valid();
    props.put(MllpSourceConfig.LISTEN_HOST, "127.0.0.1");
    props.put(MllpSourceConfig.LISTEN_PORTS, Integer.toString(port));
    props.put(MllpSourceConfig.TASK_PORT, Integer.toString(port));
    props.put("name", "tls-test-" + port);
    props.put(MllpSourceConfig.TLS_CERT_CHAIN, dir.resolve("server-chain.pem").toString());
    props.put(MllpSourceConfig.TLS_PRIVATE_KEY, dir.resolve("server.key").toString());
    return props;
  }

  /** Sends one message over {@code s}, lets the task write it, and returns the reply's MSA. */
  static String roundTrip(MllpSourceTask task, SSLSocket s, String controlId) throws Exception {
    OutputStream out = s.getOutputStream();
    MllpSourceTaskTest.send(out, MllpSourceTaskTest.message(controlId, "P-" + controlId));
    List<SourceRecord> records = poll(task, 10_000);
    assertEquals(1, records.size(), "one record for " + controlId);
    SourceRecord r = records.get(0);
    assertEquals("hl7.raw", r.topic());
    task.commitRecord(r, new RecordMetadata(new TopicPartition(r.topic(), 0), 0, 0, 0, 0, 0));
    return MllpSourceTaskTest.reply(s.getInputStream());
  }

  static List<SourceRecord> poll(MllpSourceTask task, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (System.nanoTime() < deadline) {
      List<SourceRecord> r = task.poll();
      if (r != null && !r.isEmpty()) {
        return r;
      }
    }
    return List.of();
  }

  @Test
  void aTlsConnectionGetsAa() throws Exception {
    int port = MllpSourceTaskTest.freePort();
    MllpSourceTask task = new MllpSourceTask();
    task.start(props(port));
    try (SSLSocket s = client(port, false)) {
      s.startHandshake();
      assertTrue(s.getSession().getProtocol().startsWith("TLS"), s.getSession().getProtocol());
      assertEquals("AA TLS-1", roundTrip(task, s, "TLS-1"));
      assertEquals("AA TLS-2", roundTrip(task, s, "TLS-2"));
    } finally {
      task.stop();
    }
  }

  @Test
  void mutualTlsRefusesAClientWithoutACertificate() throws Exception {
    int port = MllpSourceTaskTest.freePort();
    Map<String, String> props = props(port);
    props.put(MllpSourceConfig.TLS_CLIENT_CA, dir.resolve("ca.pem").toString());
    MllpSourceTask task = new MllpSourceTask();
    task.start(props);
    try {
      try (SSLSocket s = client(port, true)) {
        assertEquals("AA MTLS-1", roundTrip(task, s, "MTLS-1"));
      }
      try (SSLSocket s = client(port, false)) {
        // TLS 1.3: the client may finish its side of the handshake before the server checks the
        // (empty) certificate; either way nothing sent is read and the connection is refused.
        IOException refused =
            assertThrows(
                IOException.class,
                () -> {
                  s.startHandshake();
                  MllpSourceTaskTest.send(
                      s.getOutputStream(), MllpSourceTaskTest.message("MTLS-2", "P-2"));
                  if (MllpSourceTaskTest.reply(s.getInputStream()) == null) {
                    throw new IOException("closed by the server");
                  }
                });
        assertTrue(refused.getMessage() != null, refused.toString());
      }
      assertEquals(List.of(), poll(task, 500), "nothing from the refused client");
    } finally {
      task.stop();
    }
  }

  @Test
  void anEncryptedKeyWorksWithItsPassword() throws Exception {
    assertTrue(
        Files.readString(dir.resolve("server-encrypted.key"))
            .startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    int port = MllpSourceTaskTest.freePort();
    Map<String, String> props = props(port);
    props.put(MllpSourceConfig.TLS_PRIVATE_KEY, dir.resolve("server-encrypted.key").toString());
    props.put(MllpSourceConfig.TLS_PRIVATE_KEY_PASSWORD, KEY_PASSWORD);
    MllpSourceTask task = new MllpSourceTask();
    task.start(props);
    try (SSLSocket s = client(port, false)) {
      assertEquals("AA ENC-1", roundTrip(task, s, "ENC-1"));
    } finally {
      task.stop();
    }

    // a wrong password is refused at start, naming the setting
    int other = MllpSourceTaskTest.freePort();
    Map<String, String> wrong = props(other);
    wrong.put(MllpSourceConfig.TLS_PRIVATE_KEY, dir.resolve("server-encrypted.key").toString());
    wrong.put(MllpSourceConfig.TLS_PRIVATE_KEY_PASSWORD, "not-the-password");
    MllpSourceTask refused = new MllpSourceTask();
    ConnectException e = assertThrows(ConnectException.class, () -> refused.start(wrong));
    assertTrue(e.getMessage().contains(MllpSourceConfig.TLS_PRIVATE_KEY_PASSWORD), e.getMessage());
    // and an encrypted key without its password is refused too
    Map<String, String> none = props(other);
    none.put(MllpSourceConfig.TLS_PRIVATE_KEY, dir.resolve("server-encrypted.key").toString());
    MllpSourceTask noPassword = new MllpSourceTask();
    ConnectException e2 = assertThrows(ConnectException.class, () -> noPassword.start(none));
    assertTrue(e2.getMessage().contains("server-encrypted.key"), e2.getMessage());
  }
}
