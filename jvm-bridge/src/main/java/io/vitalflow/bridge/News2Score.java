package io.vitalflow.bridge;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * A NEWS2 score.
 *
 * @param total the aggregate score
 * @param band the clinical risk band
 * @param subscores per-parameter scores, null where the parameter is missing
 * @param missing the parameters that were missing
 * @param complete whether no parameter was missing
 */
public record News2Score(
    int total,
    News2.Band band,
    Map<News2Parameter, Integer> subscores,
    Set<News2Parameter> missing,
    boolean complete) {

  public News2Score {
    subscores = Collections.unmodifiableMap(subscores);
    missing = Collections.unmodifiableSet(missing);
  }

  /** The score of one parameter, or null when it was missing. */
  public Integer subscore(News2Parameter parameter) {
    return subscores.get(parameter);
  }
}
