package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VitalsTest {
  @Test
  void extractsOneRowPerVitalObx() {
    List<VitalSign> rows = Vitals.extract(Messages.monitor());
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), rows.stream().map(VitalSign::obxIndex).toList());
    assertEquals(
        List.of(
            VitalKind.HEART_RATE,
            VitalKind.RESPIRATORY_RATE,
            VitalKind.SPO2,
            VitalKind.TEMPERATURE,
            VitalKind.SYSTOLIC_BP,
            VitalKind.DIASTOLIC_BP,
            VitalKind.CONSCIOUSNESS),
        rows.stream().map(VitalSign::kind).toList());

    VitalSign hr = rows.get(0);
    assertEquals("CTRL0001", hr.messageControlId());
    assertEquals("1", hr.setId());
    assertEquals("12345", hr.patientId());
    assertEquals("HOSP", hr.patientIdAuthority());
    assertEquals("ENC42", hr.encounterId());
    assertEquals("ICU^BED01^1^HOSP", hr.location());
    assertEquals("8867-4", hr.code());
    assertEquals("LN", hr.codeSystem());
    assertEquals(72.0, hr.value());
    assertEquals("/min", hr.unit());
    assertEquals(72.0, hr.normalizedValue());
    assertEquals("/min", hr.normalizedUnit());
    assertEquals(Instant.parse("2026-11-20T05:58:00Z"), hr.observedAt());
    assertEquals("F", hr.status());
    assertEquals("MON-7", hr.deviceId());
    assertNull(hr.glucoseStatus());
    assertEquals(1_795_154_280_000_000L, hr.observedAtMicros());

    VitalSign temp = rows.get(3);
    assertEquals(98.6, temp.value());
    assertEquals("[degF]", temp.unit());
    assertEquals("Cel", temp.normalizedUnit());
    assertEquals(37.0, temp.normalizedValue(), 1e-9);

    VitalSign sys = rows.get(4);
    assertEquals(
        Instant.parse("2026-11-20T05:55:00Z"), sys.observedAt(), "OBR-7 when OBX-14 is empty");

    VitalSign acvpu = rows.get(6);
    assertEquals("A", acvpu.text());
    assertNull(acvpu.value());

    // message-level strings are decoded once per message and shared by its rows
    assertSame(rows.get(0).messageControlId(), rows.get(6).messageControlId());
    assertSame(rows.get(0).patientId(), rows.get(5).patientId());
  }

  @Test
  void timestampsWithoutOffsetFollowTheZone() {
    List<VitalSign> utc = Vitals.extract(Messages.monitor());
    List<VitalSign> ny = Vitals.extract(Messages.monitor(), ZoneId.of("America/New_York"));
    assertEquals(utc.get(0).observedAt().plusSeconds(5 * 3600), ny.get(0).observedAt());
  }

  @Test
  void batchMatchesSingleCallsAndIsolatesBadMessages() {
    List<byte[]> batch = new ArrayList<>(Messages.randomBatch(7, 50, 6));
    batch.add(10, "garbage".getBytes(StandardCharsets.US_ASCII));
    batch.add(20, new byte[0]);
    List<ExtractResult> results = Vitals.extractBatch(batch);
    assertEquals(batch.size(), results.size());
    for (int i = 0; i < batch.size(); i++) {
      ExtractResult r = results.get(i);
      assertEquals(i, r.index());
      if (i == 10 || i == 20) {
        assertFalse(r.ok());
        assertTrue(r.vitals().isEmpty());
        assertEquals(
            i == 10 ? Hl7Exception.Kind.MISSING_MSH : Hl7Exception.Kind.EMPTY, r.error().kind());
      } else {
        assertTrue(r.ok(), () -> String.valueOf(r.error()));
        assertEquals(Vitals.extract(batch.get(i)), r.vitals());
        assertFalse(r.vitals().isEmpty());
      }
    }
    assertTrue(Vitals.extractBatch(List.of()).isEmpty());
  }

  @Test
  void siteCodesExtendTheBuiltInTable() {
    String msg =
        Messages.MONITOR.replace(
            "OBX|8|NM|12345-6^Not a vital^LN||5|mg|||||F",
            "OBX|8|NM|HR-LOCAL^Local heart rate^99LOC||88|/min|||||F");
    byte[] bytes = msg.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(7, Vitals.extract(bytes).size(), "unknown local code: not a vital sign");
    try (ExtractOptions site =
        ExtractOptions.create(ZoneId.of("Europe/London"), "99LOC\tHR-LOCAL\tHEART_RATE\t/min\n")) {
      List<VitalSign> rows = Vitals.extract(bytes, site);
      assertEquals(8, rows.size());
      VitalSign local = rows.get(7);
      assertEquals(VitalKind.HEART_RATE, local.kind());
      assertEquals(88.0, local.normalizedValue());
      assertEquals(8, Vitals.extractBatch(List.of(bytes, bytes), site).get(1).vitals().size());
      assertEquals(8, AvroVitals.encode(bytes, site, 1).size());
      site.close();
      org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> Vitals.extract(bytes, site));
    }
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> ExtractOptions.create(null, "not a table"));
    assertSame(
        ExtractOptions.zone(ZoneId.of("Asia/Tokyo")), ExtractOptions.zone(ZoneId.of("Asia/Tokyo")));
  }

  @Test
  void aBadObxGivesAPartialResultAndRowsCarryTheSender() {
    byte[] msg =
        String.join(
                "\r",
                "MSH|^~\\&|MON-7|ICU-EAST|||20261120060000||ORU^R01|P-1|P|2.6",
                "PV1||I|ICU^BED7",
                "OBX|1|NM|8867-4^HR^LN||7O|/min|||||F",
                "OBX|2|NM|9279-1^RR^LN||18|/min|||||F",
                "OBX|3|NA|8867-4^HR^LN||72^73^71|/min|||||F",
                "")
            .getBytes(StandardCharsets.UTF_8);
    for (ExtractResult r :
        List.of(Vitals.extractBatch(List.of(msg)).get(0), Vitals.extractStream(msg).get(0))) {
      assertFalse(r.ok());
      assertEquals(Hl7Exception.Kind.BAD_NUMBER, r.error().kind());
      assertEquals(5, r.error().field());
      assertTrue(r.error().getMessage().contains("value type NM"), r.error().getMessage());
      assertEquals(1, r.vitals().size(), "the NA waveform gives no row and no error");
      VitalSign rr = r.vitals().get(0);
      assertEquals(2, rr.obxIndex());
      assertNull(rr.patientId(), "no PID: a row without a patient");
      assertEquals("MON-7", rr.sendingApplication());
      assertEquals("ICU-EAST", rr.sendingFacility());
    }
    org.junit.jupiter.api.Assertions.assertThrows(Hl7Exception.class, () -> Vitals.extract(msg));
  }
}
