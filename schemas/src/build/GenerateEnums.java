import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Build step (exec-maven-plugin, phase generate-sources; run as a Java single-file program): writes
 * one plain Java enum per Avro enum named on the command line, with the schema's symbols in the
 * schema's order, so a module that must not carry Avro (the JNI bridge) still takes its enums from
 * {@code schemas/*.avsc} instead of a copy. An ordinal is then the Avro enum index, which is what
 * the Rust side writes.
 *
 * <p>Usage: {@code java GenerateEnums.java <file.avsc> <output source root> <package> <EnumName>...}
 *
 * <p>The JDK has no JSON reader, so this reads the one shape Avro enums have: an object whose
 * {@code "type"} is {@code "enum"}, its {@code "name"}, and its {@code "symbols"} array of Avro
 * names. A name the file does not define, or a symbol that is no Java identifier, fails the build.
 */
public final class GenerateEnums {
  private GenerateEnums() {}

  private static final Pattern SYMBOL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public static void main(String[] args) throws IOException {
    Path avsc = Path.of(args[0]);
    Path root = Path.of(args[1]);
    String pkg = args[2];
    String json = Files.readString(avsc, StandardCharsets.UTF_8);
    for (int i = 3; i < args.length; i++) {
      write(avsc, json, root, pkg, args[i]);
    }
  }

  private static void write(Path avsc, String json, Path root, String pkg, String name)
      throws IOException {
    Matcher at =
        Pattern.compile("\"name\"\\s*:\\s*\"" + Pattern.quote(name) + "\"").matcher(json);
    if (!at.find()) {
      throw new IllegalArgumentException(avsc + ": no enum named " + name);
    }
    // the enum object around the name: from the nearest '{' before it to its matching '}'
    int open = json.lastIndexOf('{', at.start());
    int close = matching(json, open);
    String object = json.substring(open, close + 1);
    if (!Pattern.compile("\"type\"\\s*:\\s*\"enum\"").matcher(object).find()) {
      throw new IllegalArgumentException(avsc + ": " + name + " is not an enum");
    }
    Matcher doc = Pattern.compile("\"doc\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(object);
    Matcher syms = Pattern.compile("\"symbols\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(object);
    if (!syms.find()) {
      throw new IllegalArgumentException(avsc + ": enum " + name + " has no symbols");
    }
    List<String> symbols = new ArrayList<>();
    for (String raw : syms.group(1).split(",")) {
      String s = raw.strip();
      if (s.length() < 3 || !s.startsWith("\"") || !s.endsWith("\"")) {
        throw new IllegalArgumentException(avsc + ": enum " + name + ": bad symbol " + s);
      }
      s = s.substring(1, s.length() - 1);
      if (!SYMBOL.matcher(s).matches() || symbols.contains(s)) {
        throw new IllegalArgumentException(avsc + ": enum " + name + ": bad symbol " + s);
      }
      symbols.add(s);
    }
    String text = doc.find() ? doc.group(1).replace("\\\"", "\"") : name;
    StringBuilder src = new StringBuilder();
    src.append("package ").append(pkg).append(";\n\n")
        .append("/**\n * ").append(html(text))
        .append("\n *\n * <p>Generated at build time from the enum {@code ").append(name)
        .append("} of {@code schemas/").append(avsc.getFileName())
        .append("} by {@code schemas/src/build/GenerateEnums.java}: the constants are the\n")
        .append(" * schema's symbols in its order, so an ordinal is the Avro enum index. Edit the schema, not\n")
        .append(" * this file.\n */\n")
        .append("public enum ").append(name).append(" {\n  ")
        .append(String.join(",\n  ", symbols)).append("\n}\n");
    Path out = root.resolve(pkg.replace('.', '/')).resolve(name + ".java");
    Files.createDirectories(out.getParent());
    String source = src.toString();
    if (!Files.exists(out) || !Files.readString(out, StandardCharsets.UTF_8).equals(source)) {
      Files.writeString(out, source, StandardCharsets.UTF_8);
    }
  }

  private static String html(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("*/", "*&#47;").replace("@", "&#64;");
  }

  private static int matching(String json, int open) {
    int depth = 0;
    boolean inString = false;
    for (int i = open; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("unbalanced braces after offset " + open);
  }
}
