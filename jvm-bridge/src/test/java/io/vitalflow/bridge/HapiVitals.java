package io.vitalflow.bridge;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Composite;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Primitive;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.model.Varies;
import ca.uhn.hl7v2.model.v251.datatype.CE;
import ca.uhn.hl7v2.model.v251.datatype.CWE;
import ca.uhn.hl7v2.model.v251.datatype.CX;
import ca.uhn.hl7v2.model.v251.datatype.PL;
import ca.uhn.hl7v2.model.v251.datatype.SN;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_ORDER_OBSERVATION;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_PATIENT_RESULT;
import ca.uhn.hl7v2.model.v251.message.ORU_R01;
import ca.uhn.hl7v2.model.v251.segment.MSH;
import ca.uhn.hl7v2.model.v251.segment.OBX;
import ca.uhn.hl7v2.model.v251.segment.PID;
import ca.uhn.hl7v2.model.v251.segment.PV1;
import ca.uhn.hl7v2.parser.Parser;
import ca.uhn.hl7v2.util.Terser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HAPI HL7v2 baseline: parse with a HAPI {@link Parser} (PipeParser or GenericParser), then
 * read the same fields and apply the same rules that vitalflow does (native/core/src/vitals.rs,
 * codes.rs, units.rs, time.rs), giving the same rows: the code table (LOINC, MDC, the site code
 * {@code ACVPU}; primary coding, then the CWE alternate), OBX-11 {@code X}/{@code D}/{@code W}
 * skipped, OBX-5 read as OBX-2 says (NM, SN with its comparator, ST when it is a plain number,
 * consciousness as an ACVPU letter or SNOMED CT code), the IEEE 11073 special values skipped, units
 * from OBX-6 (UCUM spellings, MDC unit codes and mnemonics) or the code's implied unit, normalised
 * to the code's canonical unit, the glucose status, and the time from OBX-14, else OBR-7, else
 * MSH-7 (HL7 DTM with any precision and an optional offset; without one, UTC).
 *
 * <p>Two ways to read the fields: {@link #extract} through a {@link Terser} with group path
 * strings, and {@link #extractTyped} through HAPI's typed model ({@code
 * ORU_R01.getPATIENT_RESULT().getORDER_OBSERVATION() .getOBSERVATION(i).getOBX()} and the typed
 * getters), the fastest idiomatic HAPI path, which needs a parser whose model class factory maps
 * every version onto v2.5.1 ({@link ca.uhn.hl7v2.parser.CanonicalModelClassFactory}).
 */
final class HapiVitals {
  /** A row with the fields vitalflow's {@link VitalSign} has (same order). */
  record Row(
      String controlId,
      String sendingApplication,
      String sendingFacility,
      int obxIndex,
      String setId,
      String patientId,
      String authority,
      String encounter,
      String location,
      String kind,
      String code,
      String system,
      Double value,
      String comparator,
      String text,
      String unit,
      Double normalized,
      String normalizedUnit,
      Instant observedAt,
      String status,
      String device,
      String glucoseStatus) {}

  /** Component {@code n} (1-based) of a field's first repetition, or null; read on demand. */
  @FunctionalInterface
  interface Parts {
    String get(int n) throws HL7Exception;
  }

  /** The fields every row of one patient's results shares. */
  private record Header(
      String controlId,
      String sendingApplication,
      String sendingFacility,
      String patientId,
      String authority,
      String encounter,
      String location,
      String msh7) {}

  /** The canonical units of units.rs. */
  enum Unit {
    CELSIUS("Cel"),
    FAHRENHEIT("[degF]"),
    MM_HG("mm[Hg]"),
    KPA("kPa"),
    PER_MIN("/min"),
    PERCENT("%"),
    MG_PER_DL("mg/dL"),
    MMOL_PER_L("mmol/L"),
    L_PER_MIN("L/min");

    final String ucum;

    Unit(String ucum) {
      this.ucum = ucum;
    }
  }

  /**
   * A row of the code table: kind, canonical unit (null: none), unit implied when OBX-6 is empty.
   */
  private record Code(String kind, Unit unit, Unit implied) {}

  private static final Map<String, Code> LOINC = new HashMap<>();
  private static final Map<String, Code> MDC = new HashMap<>();
  private static final Code ACVPU = new Code("CONSCIOUSNESS", null, null);

  private static void code(
      Map<String, Code> table, String code, String kind, Unit unit, Unit implied) {
    table.put(code, new Code(kind, unit, implied));
  }

  static {
    // native/core/data/vital_codes.tsv
    Unit mmHg = Unit.MM_HG;
    Unit perMin = Unit.PER_MIN;
    code(LOINC, "8310-5", "TEMPERATURE", Unit.CELSIUS, null);
    code(MDC, "150344", "TEMPERATURE", Unit.CELSIUS, null);
    code(MDC, "150364", "TEMPERATURE", Unit.CELSIUS, null);
    code(LOINC, "8480-6", "SYSTOLIC_BP", mmHg, mmHg);
    code(MDC, "150021", "SYSTOLIC_BP", mmHg, mmHg);
    code(MDC, "150301", "SYSTOLIC_BP", mmHg, mmHg);
    code(LOINC, "8462-4", "DIASTOLIC_BP", mmHg, mmHg);
    code(MDC, "150022", "DIASTOLIC_BP", mmHg, mmHg);
    code(MDC, "150302", "DIASTOLIC_BP", mmHg, mmHg);
    code(LOINC, "8478-0", "MEAN_BP", mmHg, mmHg);
    code(MDC, "150023", "MEAN_BP", mmHg, mmHg);
    code(MDC, "150303", "MEAN_BP", mmHg, mmHg);
    code(LOINC, "8867-4", "HEART_RATE", perMin, perMin);
    code(MDC, "147842", "HEART_RATE", perMin, perMin);
    code(MDC, "149530", "HEART_RATE", perMin, perMin);
    code(MDC, "149546", "HEART_RATE", perMin, perMin);
    code(LOINC, "9279-1", "RESPIRATORY_RATE", perMin, perMin);
    code(MDC, "151562", "RESPIRATORY_RATE", perMin, perMin);
    code(MDC, "151578", "RESPIRATORY_RATE", perMin, perMin);
    code(LOINC, "59408-5", "SPO2", Unit.PERCENT, Unit.PERCENT);
    code(LOINC, "2708-6", "SPO2", Unit.PERCENT, Unit.PERCENT);
    code(LOINC, "20564-1", "SPO2", Unit.PERCENT, Unit.PERCENT);
    code(MDC, "150456", "SPO2", Unit.PERCENT, Unit.PERCENT);
    for (String c : new String[] {"2339-0", "2345-7", "41653-7"}) {
      code(LOINC, c, "GLUCOSE", Unit.MG_PER_DL, Unit.MG_PER_DL);
    }
    for (String c : new String[] {"14743-9", "14749-6", "15074-8"}) {
      code(LOINC, c, "GLUCOSE", Unit.MG_PER_DL, Unit.MMOL_PER_L);
    }
    code(MDC, "160184", "GLUCOSE", Unit.MG_PER_DL, null);
    code(LOINC, "3150-0", "INSPIRED_O2", Unit.PERCENT, Unit.PERCENT);
    code(LOINC, "3151-8", "INSPIRED_O2", Unit.L_PER_MIN, Unit.L_PER_MIN);
  }

  /** native/core/data/consciousness_values.tsv (SNOMED CT). */
  private static final Map<String, String> SNOMED_ACVPU =
      Map.of(
          "248234008", "A",
          "130987000", "C",
          "300202002", "V",
          "255373000", "V",
          "450847001", "P",
          "422768004", "U");

  /** Unit spellings of units.rs, ASCII lower case. */
  private static final Map<String, Unit> UNITS = new HashMap<>();

  private static void units(Unit u, String... spellings) {
    for (String s : spellings) {
      UNITS.put(s, u);
    }
  }

  static {
    units(Unit.CELSIUS, "cel", "°c", "ºc", "℃", "c", "degc", "deg c", "deg. c", "celsius");
    units(Unit.FAHRENHEIT, "[degf]", "degf", "°f", "ºf", "℉", "f", "deg f", "deg. f", "fahrenheit");
    units(Unit.MM_HG, "mm[hg]", "mmhg", "mm hg", "mm(hg)", "mm_hg");
    units(Unit.KPA, "kpa");
    units(
        Unit.PER_MIN,
        "/min",
        "1/min",
        "{beats}/min",
        "{beat}/min",
        "{breaths}/min",
        "{breath}/min",
        "{pulse}/min",
        "bpm",
        "beats/min",
        "beat/min",
        "breaths/min",
        "breath/min",
        "/m",
        "per min",
        "rpm",
        "brpm");
    units(Unit.PERCENT, "%", "percent", "%{saturation}", "%{o2}");
    units(Unit.MG_PER_DL, "mg/dl", "mg/100ml");
    units(Unit.MMOL_PER_L, "mmol/l", "mm/l");
    units(Unit.L_PER_MIN, "l/min", "lpm", "l/m");
  }

  private static final Map<String, Unit> MDC_UNIT_CODES =
      Map.ofEntries(
          Map.entry("262688", Unit.PERCENT),
          Map.entry("264864", Unit.PER_MIN),
          Map.entry("264928", Unit.PER_MIN),
          Map.entry("264896", Unit.PER_MIN),
          Map.entry("266016", Unit.MM_HG),
          Map.entry("265987", Unit.KPA),
          Map.entry("266560", Unit.FAHRENHEIT),
          Map.entry("268192", Unit.CELSIUS),
          Map.entry("264274", Unit.MG_PER_DL),
          Map.entry("266866", Unit.MMOL_PER_L),
          Map.entry("265216", Unit.L_PER_MIN));

  /** MDC unit mnemonics after {@code MDC_DIM_}, upper case. */
  private static final Map<String, Unit> MDC_UNIT_NAMES =
      Map.ofEntries(
          Map.entry("PERCENT", Unit.PERCENT),
          Map.entry("BEAT_PER_MIN", Unit.PER_MIN),
          Map.entry("RESP_PER_MIN", Unit.PER_MIN),
          Map.entry("PULS_PER_MIN", Unit.PER_MIN),
          Map.entry("MMHG", Unit.MM_HG),
          Map.entry("MM_HG", Unit.MM_HG),
          Map.entry("KILO_PASCAL", Unit.KPA),
          Map.entry("FAHR", Unit.FAHRENHEIT),
          Map.entry("DEGC", Unit.CELSIUS),
          Map.entry("MILLI_G_PER_DL", Unit.MG_PER_DL),
          Map.entry("MILLI_MOLE_PER_L", Unit.MMOL_PER_L),
          Map.entry("X_L_PER_MIN", Unit.L_PER_MIN));

  private static final double MG_DL_PER_MMOL_L = 18.016;
  private static final double MMHG_PER_KPA = 7.50062;

  private final Parser parser;

  HapiVitals(Parser parser) {
    this.parser = parser;
  }

  List<Row> extract(String er7) throws HL7Exception {
    Message msg = parser.parse(er7);
    Terser t = new Terser(msg);
    Header header =
        new Header(
            t.get("/MSH-10"),
            t.get("/MSH-3-1"),
            t.get("/MSH-4-1"),
            t.get("/.PID-3-1"),
            t.get("/.PID-3-4-1"),
            t.get("/.PV1-19-1"),
            joinComponents(t, "/.PV1-3"),
            t.get("/MSH-7"));
    List<Row> rows = new ArrayList<>();
    Structure[] observations = t.getFinder().getRoot().getAll("PATIENT_RESULT");
    int index = 0;
    for (int pr = 0; pr < observations.length; pr++) {
      int orders = ((ca.uhn.hl7v2.model.Group) observations[pr]).getAll("ORDER_OBSERVATION").length;
      for (int o = 0; o < orders; o++) {
        String base = "/PATIENT_RESULT(" + pr + ")/ORDER_OBSERVATION(" + o + ")";
        String obr7 = t.get(base + "/OBR-7");
        int obs =
            ((ca.uhn.hl7v2.model.Group)
                    ((ca.uhn.hl7v2.model.Group) observations[pr]).get("ORDER_OBSERVATION", o))
                .getAll("OBSERVATION")
                .length;
        for (int i = 0; i < obs; i++) {
          String p = base + "/OBSERVATION(" + i + ")/OBX-";
          index++;
          Row row =
              row(
                  header,
                  index,
                  t.get(p + "1"),
                  n -> t.get(p + "3-" + n),
                  t.get(p + "2"),
                  n -> t.get(p + "5-" + n),
                  n -> t.get(p + "6-" + n),
                  t.get(p + "11"),
                  t.get(p + "14"),
                  obr7,
                  t.get(p + "18-1"));
          if (row != null) {
            rows.add(row);
          }
        }
      }
    }
    return rows;
  }

  /**
   * The same rows through HAPI's typed model: {@code PipeParser} with a {@code
   * CanonicalModelClassFactory("2.5.1")}, so that 2.5, 2.5.1 and 2.6 messages all become v2.5.1
   * {@code ORU_R01}.
   */
  List<Row> extractTyped(String er7) throws HL7Exception {
    ORU_R01 msg = (ORU_R01) parser.parse(er7);
    MSH msh = msg.getMSH();
    String controlId = msh.getMessageControlID().getValue();
    String msh7 = msh.getDateTimeOfMessage().getTime().getValue();
    String sendingApplication = msh.getSendingApplication().getNamespaceID().getValue();
    String sendingFacility = msh.getSendingFacility().getNamespaceID().getValue();
    List<Row> rows = new ArrayList<>();
    int index = 0;
    for (int pr = 0; pr < msg.getPATIENT_RESULTReps(); pr++) {
      ORU_R01_PATIENT_RESULT result = msg.getPATIENT_RESULT(pr);
      PID pid = result.getPATIENT().getPID();
      CX pid3 = pid.getPatientIdentifierList(0);
      PV1 pv1 = result.getPATIENT().getVISIT().getPV1();
      PL pl = pv1.getAssignedPatientLocation();
      Header header =
          new Header(
              controlId,
              sendingApplication,
              sendingFacility,
              pid3.getIDNumber().getValue(),
              pid3.getAssigningAuthority().getNamespaceID().getValue(),
              pv1.getVisitNumber().getIDNumber().getValue(),
              join(
                  pl.getPointOfCare().getValue(),
                  pl.getRoom().getValue(),
                  pl.getBed().getValue(),
                  pl.getFacility().getNamespaceID().getValue()),
              msh7);
      for (int o = 0; o < result.getORDER_OBSERVATIONReps(); o++) {
        ORU_R01_ORDER_OBSERVATION order = result.getORDER_OBSERVATION(o);
        String obr7 = order.getOBR().getObservationDateTime().getTime().getValue();
        for (int i = 0; i < order.getOBSERVATIONReps(); i++) {
          OBX obx = order.getOBSERVATION(i).getOBX();
          index++;
          CE obx3 = obx.getObservationIdentifier();
          CE obx6 = obx.getUnits();
          Type data =
              obx.getObservationValueReps() == 0 ? null : obx.getObservationValue(0).getData();
          Row row =
              row(
                  header,
                  index,
                  obx.getSetIDOBX().getValue(),
                  n -> ce(obx3, n),
                  obx.getValueType().getValue(),
                  n -> value(data, n),
                  n -> ce(obx6, n),
                  obx.getObservationResultStatus().getValue(),
                  obx.getDateTimeOfTheObservation().getTime().getValue(),
                  obr7,
                  obx.getEquipmentInstanceIdentifierReps() == 0
                      ? null
                      : obx.getEquipmentInstanceIdentifier(0).getEntityIdentifier().getValue());
          if (row != null) {
            rows.add(row);
          }
        }
      }
    }
    return rows;
  }

  /** Component {@code n} of a CE (OBX-3, OBX-6) through its typed getters. */
  private static String ce(CE ce, int n) {
    return switch (n) {
      case 1 -> ce.getIdentifier().getValue();
      case 2 -> ce.getText().getValue();
      case 3 -> ce.getNameOfCodingSystem().getValue();
      case 4 -> ce.getAlternateIdentifier().getValue();
      case 5 -> ce.getAlternateText().getValue();
      case 6 -> ce.getNameOfAlternateCodingSystem().getValue();
      default -> null;
    };
  }

  /** Component {@code n} of OBX-5 through the typed getters of its data type (OBX-2). */
  private static String value(Type data, int n) throws HL7Exception {
    if (data instanceof Varies v) {
      data = v.getData();
    }
    if (data == null) {
      return null;
    }
    if (data instanceof Primitive p) {
      return n == 1 ? p.getValue() : null;
    }
    if (data instanceof SN sn) {
      return switch (n) {
        case 1 -> sn.getComparator().getValue();
        case 2 -> sn.getNum1().getValue();
        case 3 -> sn.getSeparatorSuffix().getValue();
        case 4 -> sn.getNum2().getValue();
        default -> null;
      };
    }
    if (data instanceof CWE cwe) {
      return switch (n) {
        case 1 -> cwe.getIdentifier().getValue();
        case 2 -> cwe.getText().getValue();
        case 3 -> cwe.getNameOfCodingSystem().getValue();
        case 4 -> cwe.getAlternateIdentifier().getValue();
        case 5 -> cwe.getAlternateText().getValue();
        case 6 -> cwe.getNameOfAlternateCodingSystem().getValue();
        default -> null;
      };
    }
    if (data instanceof CE ce) {
      return ce(ce, n);
    }
    if (data instanceof Composite c) {
      Type[] components = c.getComponents();
      if (n > components.length) {
        return null;
      }
      Type comp = components[n - 1];
      while (comp instanceof Composite inner) {
        comp = inner.getComponent(0);
      }
      return comp instanceof Primitive p ? p.getValue() : null;
    }
    return null;
  }

  private static String join(String... components) {
    int last = components.length;
    while (last > 0 && (components[last - 1] == null || components[last - 1].isEmpty())) {
      last--;
    }
    if (last == 0) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < last; c++) {
      if (c > 0) {
        sb.append('^');
      }
      if (components[c] != null) {
        sb.append(components[c]);
      }
    }
    return sb.toString();
  }

  /** Absent or empty: null. */
  private static String text(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** The row for one OBX, or null when it is not a vital sign vitalflow would extract. */
  private static Row row(
      Header h,
      int index,
      String setId,
      Parts obx3,
      String valueType,
      Parts obx5,
      Parts obx6,
      String status,
      String obx14,
      String obr7,
      String device)
      throws HL7Exception {
    // OBX-3: the primary coding, then the CWE alternate coding.
    Code entry = null;
    String code = null;
    String system = null;
    for (int c = 1; c <= 4 && entry == null; c += 3) {
      code = text(obx3.get(c));
      if (code == null) {
        continue;
      }
      system = text(obx3.get(c + 2));
      entry = lookup(system, code);
    }
    if (entry == null) {
      return null;
    }
    status = text(status);
    if (status != null
        && (status.equalsIgnoreCase("X")
            || status.equalsIgnoreCase("D")
            || status.equalsIgnoreCase("W"))) {
      return null;
    }
    // OBX-5 (its first repetition), component 2 read only where it matters
    String first = text(obx5.get(1));
    if (first == null && text(obx5.get(2)) == null && text(obx5.get(3)) == null) {
      return null; // empty
    }
    if ("\"\"".equals(first) && obx5.get(2) == null) {
      return null; // the HL7 null
    }
    Double value = null;
    String comparator = null;
    String letter = null;
    if (entry == ACVPU) {
      letter = consciousness(text(obx5.get(3)), first);
      if (letter == null) {
        String alt = text(obx5.get(4));
        letter = alt == null ? null : consciousness(text(obx5.get(6)), alt);
      }
      if (letter == null) {
        throw new HL7Exception("OBX-5 " + first + " is not an ACVPU level");
      }
    } else {
      String type = valueType == null ? "" : valueType.trim().toUpperCase(Locale.ROOT);
      boolean sn;
      String second = null;
      switch (type) {
        case "NM" -> sn = false;
        case "SN", "" -> {
          // read as SN when the value has a second component (`>^120`, `^98`), else as NM
          second = obx5.get(2);
          sn = second != null;
        }
        case "ST" -> {
          // only a plain decimal number; any other text is not a reading
          if (first == null || !isNumber(first)) {
            return null;
          }
          sn = false;
        }
        default -> {
          return null;
        }
      }
      String number = first;
      if (sn) {
        comparator = first;
        number = text(second);
        if (text(obx5.get(3)) != null) {
          throw new HL7Exception("OBX-5 is a ratio or range, not one number");
        }
        if (comparator != null && !isComparator(comparator)) {
          throw new HL7Exception("OBX-5 comparator " + comparator + " is not < > <= >= = <>");
        }
      }
      if (number == null || number.isBlank()) {
        return null;
      }
      if (!isNumber(number)) {
        throw new HL7Exception("OBX-5 " + number + " is not an HL7 number");
      }
      value = Double.parseDouble(number.trim());
      if (value >= 8_388_606 && value <= 8_388_610 && value % 1 == 0) {
        return null; // IEEE 11073 NaN, NRes, +-INF
      }
    }
    String unit = text(obx6.get(1));
    Double normalized = null;
    String normalizedUnit = null;
    if (value != null && entry.unit() != null) {
      Unit from;
      if (unit != null) {
        from = unitOf(unit, obx6);
      } else {
        String unitText = text(obx6.get(2));
        String unitAlt = text(obx6.get(4));
        from =
            unitText == null && unitAlt == null ? entry.implied() : unitOf(null, unitText, unitAlt);
      }
      normalized = from == null ? null : convert(value, from, entry.unit());
      normalizedUnit = normalized == null ? null : entry.unit().ucum;
    }
    Instant at = time(obx14);
    if (at == null) {
      at = time(obr7);
    }
    if (at == null) {
      at = time(h.msh7());
    }
    if (at == null) {
      throw new HL7Exception("no readable observation time in OBX-14, OBR-7 or MSH-7");
    }
    String glucose =
        entry.kind().equals("GLUCOSE") && normalized != null ? glucoseStatus(normalized) : null;
    return new Row(
        h.controlId(),
        text(h.sendingApplication()),
        text(h.sendingFacility()),
        index,
        text(setId),
        text(h.patientId()),
        text(h.authority()),
        text(h.encounter()),
        h.location(),
        entry.kind(),
        code,
        system,
        value,
        comparator,
        letter,
        unit,
        normalized,
        normalizedUnit,
        at,
        status,
        text(device),
        glucose);
  }

  private static Code lookup(String system, String code) {
    code = code.trim();
    if (code.equals("ACVPU")) {
      return ACVPU; // the site's code, in any system
    }
    return switch (normalizedSystem(system)) {
      case "LN" -> LOINC.get(code);
      case "MDC" -> MDC.get(code);
      default -> null;
    };
  }

  private static String normalizedSystem(String system) {
    if (system == null) {
      return "";
    }
    String s = system.trim().toUpperCase(Locale.ROOT);
    return switch (s) {
      case "LN", "LOINC", "HTTP://LOINC.ORG", "2.16.840.1.113883.6.1" -> "LN";
      case "SCT",
          "SNOMED",
          "SNOMEDCT",
          "SNOMED CT",
          "SNM",
          "HTTP://SNOMED.INFO/SCT",
          "2.16.840.1.113883.6.96" ->
          "SCT";
      case "MDC", "ISO11073", "ISO 11073", "2.16.840.1.113883.6.24" -> "MDC";
      default -> s;
    };
  }

  /** The ACVPU letter of a value: the letter itself (any system), or a SNOMED CT code. */
  private static String consciousness(String system, String code) {
    if (code == null) {
      return null;
    }
    code = code.trim();
    if (code.length() == 1) {
      char c = Character.toUpperCase(code.charAt(0));
      if (c == 'A' || c == 'C' || c == 'V' || c == 'P' || c == 'U') {
        return String.valueOf(c);
      }
    }
    return normalizedSystem(system).equals("SCT") ? SNOMED_ACVPU.get(code) : null;
  }

  private static boolean isComparator(String c) {
    return switch (c) {
      case "<", ">", "<=", ">=", "=", "<>" -> true;
      default -> false;
    };
  }

  /** HL7 NM: optional sign, digits, at most one decimal point, no exponent. */
  private static boolean isNumber(String s) {
    String t = s.trim();
    int start = !t.isEmpty() && (t.charAt(0) == '+' || t.charAt(0) == '-') ? 1 : 0;
    boolean digit = false;
    boolean point = false;
    for (int i = start; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        return false;
      }
    }
    return digit;
  }

  /**
   * The unit of a non-empty OBX-6: OBX-6-1 when it is known, else an MDC mnemonic in OBX-6-2, else
   * the text or alternate code (OBX-6-2, OBX-6-4) when it is a known unit.
   */
  private static Unit unitOf(String unit, Parts obx6) throws HL7Exception {
    Unit u = parseUnit(unit);
    return u != null ? u : unitOf(null, text(obx6.get(2)), text(obx6.get(4)));
  }

  private static Unit unitOf(String unit, String unitText, String unitAlt) {
    Unit u = parseUnit(unit);
    if (u == null && unitText != null) {
      u = mdcMnemonic(unitText);
      if (u == null) {
        u = parseUnit(unitText);
      }
    }
    if (u == null && unitAlt != null) {
      u = parseUnit(unitAlt);
    }
    return u;
  }

  private static Unit parseUnit(String text) {
    if (text == null) {
      return null;
    }
    String t = text.trim();
    Unit u = MDC_UNIT_CODES.get(t);
    if (u == null) {
      u = mdcMnemonic(t);
    }
    if (u != null || t.length() > 16) {
      return u;
    }
    char[] lower = t.toCharArray();
    for (int i = 0; i < lower.length; i++) {
      if (lower[i] >= 'A' && lower[i] <= 'Z') {
        lower[i] += 'a' - 'A';
      }
    }
    return UNITS.get(new String(lower));
  }

  private static Unit mdcMnemonic(String text) {
    String t = text.trim();
    if (t.length() < 8 || !t.regionMatches(true, 0, "MDC_DIM_", 0, 8)) {
      return null;
    }
    return MDC_UNIT_NAMES.get(t.substring(8).toUpperCase(Locale.ROOT));
  }

  private static Double convert(double v, Unit from, Unit to) {
    if (from == to) {
      return v;
    }
    if (from == Unit.FAHRENHEIT && to == Unit.CELSIUS) {
      return (v - 32.0) * 5.0 / 9.0;
    } else if (from == Unit.CELSIUS && to == Unit.FAHRENHEIT) {
      return v * 9.0 / 5.0 + 32.0;
    } else if (from == Unit.KPA && to == Unit.MM_HG) {
      return v * MMHG_PER_KPA;
    } else if (from == Unit.MM_HG && to == Unit.KPA) {
      return v / MMHG_PER_KPA;
    } else if (from == Unit.MMOL_PER_L && to == Unit.MG_PER_DL) {
      return v * MG_DL_PER_MMOL_L;
    } else if (from == Unit.MG_PER_DL && to == Unit.MMOL_PER_L) {
      return v / MG_DL_PER_MMOL_L;
    }
    return null;
  }

  private static String glucoseStatus(double mgDl) {
    if (mgDl < 54) {
      return "HYPO_L2";
    } else if (mgDl < 70) {
      return "HYPO_L1";
    } else if (mgDl <= 180) {
      return "NORMAL";
    } else if (mgDl <= 250) {
      return "HYPER";
    }
    return "HYPER_SEVERE";
  }

  /**
   * An HL7 DTM ({@code YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]}) as an instant, UTC when it has no
   * offset; null when absent, the HL7 null or not a readable time (which counts as absent).
   */
  static Instant time(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim();
    int caret = s.indexOf('^');
    if (caret >= 0) {
      s = s.substring(0, caret);
    }
    if (s.isEmpty() || s.equals("\"\"")) {
      return null;
    }
    int sign = -1;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '+' || s.charAt(i) == '-') {
        sign = i;
        break;
      }
    }
    String body = sign < 0 ? s : s.substring(0, sign);
    int dot = body.indexOf('.');
    String digits = dot < 0 ? body : body.substring(0, dot);
    int n = digits.length();
    if ((n != 4 && n != 6 && n != 8 && n != 10 && n != 12 && n != 14) || !allDigits(digits)) {
      return null;
    }
    int micros = 0;
    if (dot >= 0) {
      String f = body.substring(dot + 1);
      if (n != 14 || f.isEmpty() || f.length() > 9 || !allDigits(f)) {
        return null;
      }
      micros = Integer.parseInt((f + "00000").substring(0, 6));
    }
    ZoneOffset offset = ZoneOffset.UTC;
    if (sign >= 0) {
      String o = s.substring(sign + 1);
      if (o.length() != 4 || !allDigits(o)) {
        return null;
      }
      int hh = Integer.parseInt(o.substring(0, 2));
      int mm = Integer.parseInt(o.substring(2));
      if (hh > 14 || mm > 59) {
        return null;
      }
      int seconds = (hh * 3600 + mm * 60) * (s.charAt(sign) == '-' ? -1 : 1);
      offset = ZoneOffset.ofTotalSeconds(seconds);
    }
    int second = n >= 14 ? Integer.parseInt(digits.substring(12, 14)) : 0;
    try {
      LocalDateTime local =
          LocalDateTime.of(
              Integer.parseInt(digits.substring(0, 4)),
              n >= 6 ? Integer.parseInt(digits.substring(4, 6)) : 1,
              n >= 8 ? Integer.parseInt(digits.substring(6, 8)) : 1,
              n >= 10 ? Integer.parseInt(digits.substring(8, 10)) : 0,
              n >= 12 ? Integer.parseInt(digits.substring(10, 12)) : 0,
              second == 60 ? 59 : second,
              micros * 1000);
      Instant at = local.toInstant(offset);
      return second == 60 ? at.plusSeconds(1) : at; // a leap second
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static boolean allDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static String joinComponents(Terser t, String path) throws HL7Exception {
    StringBuilder sb = new StringBuilder();
    for (int c = 1; c <= 4; c++) {
      String v = t.get(path + "-" + c);
      if (c > 1) {
        sb.append('^');
      }
      if (v != null) {
        sb.append(v);
      }
    }
    String s = sb.toString();
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '^') {
      end--;
    }
    return end == 0 ? null : s.substring(0, end);
  }
}
