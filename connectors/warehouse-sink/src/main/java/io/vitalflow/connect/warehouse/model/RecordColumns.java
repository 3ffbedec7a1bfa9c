package io.vitalflow.connect.warehouse.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Columns from a record schema, and rows from records. Field names become column names; a nested
 * record's fields become {@code <field>_<nested field>} columns; an array of strings becomes one
 * comma-separated string column; Connect {@code Timestamp} becomes TIMESTAMPTZ. The model's key
 * columns are always present (NOT NULL), even when an older schema lacks them.
 */
public final class RecordColumns {
  /** Parameter that RegistryAvroConverter puts on enum strings: the comma-separated symbols. */
  static final String ENUM_SYMBOLS = "io.vitalflow.avro.symbols";

  private RecordColumns() {}

  public static List<Column> of(Schema valueSchema, TableModel model) {
    if (valueSchema == null || valueSchema.type() != Schema.Type.STRUCT) {
      throw new DataException(
          "record value is not a struct (a schema'd value converter is required)");
    }
    List<Column> out = new ArrayList<>();
    for (String k : model.naturalKey()) {
      Field f = valueSchema.field(k);
      if (f == null) {
        if (!model.keyDefaults().contains(k)) {
          throw new DataException("record schema " + valueSchema.name() + " lacks key field " + k);
        }
        out.add(Column.of(k, Column.Type.STRING, model.stringSize(k), true));
      }
    }
    collect(valueSchema, "", List.of(), model, out);
    return out;
  }

  private static void collect(
      Schema s, String prefix, List<String> path, TableModel model, List<Column> out) {
    for (Field f : s.fields()) {
      String name = prefix + Identifiers.column(f.name());
      List<String> p = new ArrayList<>(path);
      p.add(f.name());
      Schema fs = f.schema();
      boolean key = prefix.isEmpty() && model.naturalKey().contains(name);
      Column.Type type;
      int len = 0;
      switch (fs.type()) {
        case STRUCT -> {
          collect(fs, name + "_", p, model, out);
          continue;
        }
        case STRING -> {
          type = Column.Type.STRING;
          len = model.stringSize(name);
          Map<String, String> params = fs.parameters();
          if (params != null && params.containsKey(ENUM_SYMBOLS)) {
            int max = 1;
            for (String sym : params.get(ENUM_SYMBOLS).split(","))
              max = Math.max(max, sym.length());
            len = max;
          }
        }
        case ARRAY -> {
          if (fs.valueSchema().type() != Schema.Type.STRING) {
            throw new DataException("field " + name + ": only arrays of strings are supported");
          }
          type = Column.Type.STRING;
          len = model.stringSize(name);
        }
        case INT8, INT16, INT32 ->
            type = Date.LOGICAL_NAME.equals(fs.name()) ? Column.Type.DATE : Column.Type.INT;
        case INT64 ->
            type =
                Timestamp.LOGICAL_NAME.equals(fs.name())
                    ? Column.Type.TIMESTAMPTZ
                    : Column.Type.BIGINT;
        case FLOAT32 -> type = Column.Type.REAL;
        case FLOAT64 -> type = Column.Type.DOUBLE;
        case BOOLEAN -> type = Column.Type.BOOLEAN;
        default -> throw new DataException("field " + name + ": unsupported type " + fs.type());
      }
      out.add(new Column(name, type, len, key, p));
    }
  }

  /**
   * The row of {@code value} for {@code columns}: Strings, Integers, Longs, Floats, Doubles,
   * Booleans, java.util.Dates (timestamps and dates). Null key defaults become ''.
   *
   * @throws DataException when the value does not fit (too long, a NUL character, a null key)
   */
  public static Object[] row(
      Struct value, List<Column> columns, TableModel model, boolean lengthInBytes) {
    Object[] row = new Object[columns.size()];
    for (int i = 0; i < row.length; i++) {
      Column c = columns.get(i);
      Object v = get(value, c.path());
      if (v instanceof Collection<?> coll) {
        StringBuilder b = new StringBuilder();
        for (Object o : coll) {
          if (b.length() > 0) b.append(',');
          b.append(o);
        }
        v = b.toString();
      }
      if (v == null && c.key()) {
        if (model.keyDefaults().contains(c.name())) {
          v = "";
        } else {
          throw new DataException("key field " + c.name() + " is null");
        }
      }
      if (v instanceof String s) {
        if (s.indexOf('\0') >= 0) {
          throw new DataException(
              "field " + c.name() + " contains a NUL character, which the warehouse cannot store");
        }
        int n = lengthInBytes ? utf8Length(s) : s.codePointCount(0, s.length());
        if (n > c.length()) {
          throw new DataException(
              "field "
                  + c.name()
                  + " is "
                  + n
                  + (lengthInBytes ? " bytes" : " characters")
                  + " long; the column holds "
                  + c.length());
        }
      }
      row[i] = v;
    }
    return row;
  }

  private static Object get(Struct s, List<String> path) {
    Object cur = s;
    for (String p : path) {
      if (!(cur instanceof Struct st)) return null;
      if (st.schema().field(p) == null) return null;
      cur = st.get(p);
    }
    return cur;
  }

  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x80) n += 1;
      else if (ch < 0x800) n += 2;
      else if (Character.isHighSurrogate(ch)) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }
}
