package io.vitalflow.bridge;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Primitive;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.model.v251.datatype.CX;
import ca.uhn.hl7v2.model.v251.datatype.PL;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_ORDER_OBSERVATION;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_PATIENT_RESULT;
import ca.uhn.hl7v2.model.v251.message.ORU_R01;
import ca.uhn.hl7v2.model.v251.segment.MSH;
import ca.uhn.hl7v2.model.v251.segment.OBX;
import ca.uhn.hl7v2.model.v251.segment.PID;
import ca.uhn.hl7v2.model.v251.segment.PV1;
import ca.uhn.hl7v2.parser.Parser;
import ca.uhn.hl7v2.util.Terser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HAPI HL7v2 baseline: parse with a HAPI {@link Parser} (PipeParser or GenericParser), then
 * read the same fields and apply the same code table, unit conversions and time fallback (OBX-14,
 * else OBR-7, else MSH-7) that vitalflow does, giving the same rows. Two ways to read the fields:
 * {@link #extract} through a {@link Terser} with group path strings, and {@link #extractTyped}
 * through HAPI's typed model ({@code ORU_R01.getPATIENT_RESULT().getORDER_OBSERVATION()
 * .getOBSERVATION(i).getOBX()} and the typed getters), the fastest idiomatic HAPI path, which needs
 * a parser whose model class factory maps every version onto v2.5.1 ({@link
 * ca.uhn.hl7v2.parser.CanonicalModelClassFactory}).
 */
final class HapiVitals {
  /** A row with the fields vitalflow's VitalSign has. */
  record Row(
      String controlId,
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
      String unit,
      Double normalized,
      String normalizedUnit,
      Instant observedAt,
      String status,
      String device) {}

  private static final Map<String, String> LOINC =
      Map.ofEntries(
          Map.entry("8310-5", "TEMPERATURE"),
          Map.entry("8480-6", "SYSTOLIC_BP"),
          Map.entry("8462-4", "DIASTOLIC_BP"),
          Map.entry("8478-0", "MEAN_BP"),
          Map.entry("8867-4", "HEART_RATE"),
          Map.entry("9279-1", "RESPIRATORY_RATE"),
          Map.entry("59408-5", "SPO2"),
          Map.entry("2708-6", "SPO2"),
          Map.entry("20564-1", "SPO2"),
          Map.entry("2339-0", "GLUCOSE"),
          Map.entry("2345-7", "GLUCOSE"),
          Map.entry("41653-7", "GLUCOSE"),
          Map.entry("14743-9", "GLUCOSE"),
          Map.entry("14749-6", "GLUCOSE"),
          Map.entry("15074-8", "GLUCOSE"),
          Map.entry("3150-0", "INSPIRED_O2"),
          Map.entry("3151-8", "INSPIRED_O2"));
  private static final Map<String, String> MDC =
      Map.ofEntries(
          Map.entry("150344", "TEMPERATURE"),
          Map.entry("150364", "TEMPERATURE"),
          Map.entry("150021", "SYSTOLIC_BP"),
          Map.entry("150301", "SYSTOLIC_BP"),
          Map.entry("150022", "DIASTOLIC_BP"),
          Map.entry("150302", "DIASTOLIC_BP"),
          Map.entry("150023", "MEAN_BP"),
          Map.entry("147842", "HEART_RATE"),
          Map.entry("149530", "HEART_RATE"),
          Map.entry("149546", "HEART_RATE"),
          Map.entry("151562", "RESPIRATORY_RATE"),
          Map.entry("151578", "RESPIRATORY_RATE"),
          Map.entry("150456", "SPO2"),
          Map.entry("160184", "GLUCOSE"));
  private static final DateTimeFormatter DTM = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  private final Parser parser;

  HapiVitals(Parser parser) {
    this.parser = parser;
  }

  List<Row> extract(String er7) throws HL7Exception {
    Message msg = parser.parse(er7);
    Terser t = new Terser(msg);
    String controlId = t.get("/MSH-10");
    String msh7 = t.get("/MSH-7");
    String patientId = t.get("/.PID-3-1");
    String authority = t.get("/.PID-3-4-1");
    String encounter = t.get("/.PV1-19-1");
    String location = joinComponents(t, "/.PV1-3");
    String obr7 = t.get("/.OBR-7");
    List<Row> rows = new ArrayList<>();
    Structure[] observations = t.getFinder().getRoot().getAll("PATIENT_RESULT");
    int index = 0;
    for (int pr = 0; pr < observations.length; pr++) {
      int orders = ((ca.uhn.hl7v2.model.Group) observations[pr]).getAll("ORDER_OBSERVATION").length;
      for (int o = 0; o < orders; o++) {
        String base = "/PATIENT_RESULT(" + pr + ")/ORDER_OBSERVATION(" + o + ")";
        int obs =
            ((ca.uhn.hl7v2.model.Group)
                    ((ca.uhn.hl7v2.model.Group) observations[pr]).get("ORDER_OBSERVATION", o))
                .getAll("OBSERVATION")
                .length;
        for (int i = 0; i < obs; i++) {
          String p = base + "/OBSERVATION(" + i + ")/OBX-";
          index++;
          String code = t.get(p + "3-1");
          String system = t.get(p + "3-3");
          String status = t.get(p + "11");
          Row row =
              row(
                  controlId,
                  index,
                  t.get(p + "1"),
                  patientId,
                  authority,
                  encounter,
                  location,
                  code,
                  system,
                  status,
                  t.get(p + "5"),
                  t.get(p + "6-1"),
                  t.get(p + "14"),
                  obr7,
                  msh7,
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
   * CanonicalModelClassFactory("2.5.1")}, so that 2.5 and 2.5.1 messages both become v2.5.1 {@code
   * ORU_R01}.
   */
  List<Row> extractTyped(String er7) throws HL7Exception {
    ORU_R01 msg = (ORU_R01) parser.parse(er7);
    MSH msh = msg.getMSH();
    String controlId = msh.getMessageControlID().getValue();
    String msh7 = msh.getDateTimeOfMessage().getTime().getValue();
    List<Row> rows = new ArrayList<>();
    int index = 0;
    for (int pr = 0; pr < msg.getPATIENT_RESULTReps(); pr++) {
      ORU_R01_PATIENT_RESULT result = msg.getPATIENT_RESULT(pr);
      PID pid = result.getPATIENT().getPID();
      CX pid3 = pid.getPatientIdentifierList(0);
      String patientId = pid3.getIDNumber().getValue();
      String authority = pid3.getAssigningAuthority().getNamespaceID().getValue();
      PV1 pv1 = result.getPATIENT().getVISIT().getPV1();
      String encounter = pv1.getVisitNumber().getIDNumber().getValue();
      PL pl = pv1.getAssignedPatientLocation();
      String location =
          join(
              pl.getPointOfCare().getValue(),
              pl.getRoom().getValue(),
              pl.getBed().getValue(),
              pl.getFacility().getNamespaceID().getValue());
      for (int o = 0; o < result.getORDER_OBSERVATIONReps(); o++) {
        ORU_R01_ORDER_OBSERVATION order = result.getORDER_OBSERVATION(o);
        String obr7 = order.getOBR().getObservationDateTime().getTime().getValue();
        for (int i = 0; i < order.getOBSERVATIONReps(); i++) {
          OBX obx = order.getOBSERVATION(i).getOBX();
          index++;
          Type data =
              obx.getObservationValueReps() == 0 ? null : obx.getObservationValue(0).getData();
          String raw =
              data == null
                  ? null
                  : data instanceof Primitive prim ? prim.getValue() : data.encode();
          Row row =
              row(
                  controlId,
                  index,
                  obx.getSetIDOBX().getValue(),
                  patientId,
                  authority,
                  encounter,
                  location,
                  obx.getObservationIdentifier().getIdentifier().getValue(),
                  obx.getObservationIdentifier().getNameOfCodingSystem().getValue(),
                  obx.getObservationResultStatus().getValue(),
                  raw,
                  obx.getUnits().getIdentifier().getValue(),
                  obx.getDateTimeOfTheObservation().getTime().getValue(),
                  obr7,
                  msh7,
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

  /** The row for one OBX, or null when it is not a vital sign vitalflow would extract. */
  private static Row row(
      String controlId,
      int index,
      String setId,
      String patientId,
      String authority,
      String encounter,
      String location,
      String code,
      String system,
      String status,
      String raw,
      String unit,
      String ts,
      String obr7,
      String msh7,
      String device) {
    String kind = "MDC".equals(system) ? MDC.get(code) : LOINC.get(code);
    if (kind == null
        || raw == null
        || raw.isEmpty()
        || "X".equals(status)
        || "D".equals(status)
        || "W".equals(status)) {
      return null;
    }
    double value = Double.parseDouble(raw);
    double normalized = value;
    String normalizedUnit = unit;
    switch (kind) {
      case "TEMPERATURE" -> {
        normalizedUnit = "Cel";
        if ("[degF]".equals(unit) || "degF".equals(unit) || "268160".equals(unit)) {
          normalized = (value - 32) * 5 / 9;
        }
      }
      case "GLUCOSE" -> {
        normalizedUnit = "mg/dL";
        if ("mmol/L".equals(unit)) {
          normalized = value * 18.016;
        }
      }
      case "SPO2", "INSPIRED_O2" -> normalizedUnit = "%";
      case "HEART_RATE", "RESPIRATORY_RATE" -> normalizedUnit = "/min";
      default -> normalizedUnit = "mm[Hg]";
    }
    if (ts == null || ts.isEmpty()) {
      ts = obr7 != null && !obr7.isEmpty() ? obr7 : msh7;
    }
    Instant at =
        ts == null ? null : LocalDateTime.parse(ts.substring(0, 14), DTM).toInstant(ZoneOffset.UTC);
    return new Row(
        controlId,
        index,
        setId,
        patientId,
        authority,
        encounter,
        location,
        kind,
        code,
        system,
        value,
        unit,
        normalized,
        normalizedUnit,
        at,
        status,
        device);
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
