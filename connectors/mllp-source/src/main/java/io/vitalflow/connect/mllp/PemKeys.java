package io.vitalflow.connect.mllp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/** Decrypts an encrypted PKCS#8 PEM key ("ENCRYPTED PRIVATE KEY") for the native server. */
final class PemKeys {
  private PemKeys() {}

  /** The DER of the decrypted PKCS#8 key. */
  static byte[] decrypt(String pem, char[] password) throws GeneralSecurityException, IOException {
    String begin = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    String end = "-----END ENCRYPTED PRIVATE KEY-----";
    int b = pem.indexOf(begin);
    int e = pem.indexOf(end);
    if (b < 0 || e < b) {
      throw new IOException(
          "no ENCRYPTED PRIVATE KEY block (only encrypted PKCS#8 keys take " + "a password)");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
    // For PBES2 the parameters name the real scheme, e.g. PBEWithHmacSHA256AndAES_256.
    String alg =
        info.getAlgParameters() != null ? info.getAlgParameters().toString() : info.getAlgName();
    SecretKeyFactory factory = SecretKeyFactory.getInstance(alg);
    Cipher cipher = Cipher.getInstance(alg);
    cipher.init(
        Cipher.DECRYPT_MODE,
        factory.generateSecret(new PBEKeySpec(password)),
        info.getAlgParameters());
    PKCS8EncodedKeySpec spec = info.getKeySpec(cipher);
    return spec.getEncoded();
  }

  /** Writes the decrypted key as a PEM file readable by the owner only; the caller deletes it. */
  static Path decryptToPrivateFile(Path encrypted, char[] password)
      throws GeneralSecurityException, IOException {
    byte[] der = decrypt(Files.readString(encrypted, StandardCharsets.US_ASCII), password);
    Path out =
        Files.createTempFile(
            "vitalflow-mllp-key-",
            ".pem",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(
        out,
        "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n",
        StandardCharsets.US_ASCII);
    return out;
  }
}
