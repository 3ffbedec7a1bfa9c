package io.vitalflow.stack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack's Prometheus alerts (ops/prometheus/vitalflow-alerts.yml) as its own API reports them
 * ({@code GET /api/v1/alerts}, through {@code tests/stack/stack.sh alerts}), for the tests that
 * induce each rule on the real stack.
 */
public final class Alerts {
  private Alerts() {}

  /** One alert: firing or pending, its name, its labels (k=v,...) and its summary. */
  public record Alert(String state, String name, String labels, String summary) {
    public boolean firing() {
      return state.equals("firing");
    }

    @Override
    public String toString() {
      return state + " " + name + " [" + labels + "] " + summary;
    }
  }

  /** Every alert Prometheus has now, firing or pending. */
  public static List<Alert> now() {
    List<Alert> out = new ArrayList<>();
    for (String line : LocalStack.runScript("alerts").split("\n")) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t", -1);
      if (f.length != 4) throw new IllegalStateException("stack.sh alerts printed " + line);
      out.add(new Alert(f[0], f[1], f[2], f[3]));
    }
    return out;
  }

  /**
   * Waits until alert {@code name} fires with every label of {@code labels} (each "k=v"); returns
   * it, or throws with the alerts seen last.
   */
  public static Alert awaitFiring(String name, Duration timeout, String... labels) {
    return awaitState(name, timeout, true, labels);
  }

  /**
   * Waits until alert {@code name} is firing, or (with {@code firingOnly} false) at least pending
   * (its expression holds, its {@code for} not yet passed), with every label of {@code labels}
   * (each "k=v"); returns it, or throws with the alerts seen last.
   */
  public static Alert awaitState(
      String name, Duration timeout, boolean firingOnly, String... labels) {
    long end = System.nanoTime() + timeout.toNanos();
    List<Alert> seen = List.of();
    while (true) {
      seen = now();
      for (Alert a : seen) {
        if ((firingOnly && !a.firing()) || !a.name().equals(name)) continue;
        List<String> have = List.of(a.labels().split(","));
        if (have.containsAll(List.of(labels))) return a;
      }
      if (System.nanoTime() > end)
        throw new AssertionError(
            "alert "
                + name
                + " "
                + List.of(labels)
                + (firingOnly ? " did not fire within " : " was neither pending nor firing within ")
                + timeout
                + "; Prometheus has: "
                + seen);
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
