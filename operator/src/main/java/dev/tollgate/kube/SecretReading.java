package dev.tollgate.kube;

/**
 * Which Secrets a {@link KubernetesSource} reads from the API, and whether it stands in for the
 * provider credentials it does not read (see {@link CredentialStandIns}).
 *
 * @param reads whether Secrets are listed and watched at all
 * @param selector the label selector the read Secrets must match; blank for every Secret
 * @param standInForCredentials whether a provider credential Secret that is not read is replaced by
 *     a stand-in, so that the provider is accepted as the operator accepts it
 */
public record SecretReading(boolean reads, String selector, boolean standInForCredentials) {

  /** Normalises a null selector to blank. */
  public SecretReading {
    selector = selector == null ? "" : selector.strip();
  }

  /** The operator's reading: every Secret matching {@code selector}, no stand-ins. */
  public static SecretReading all(String selector) {
    return new SecretReading(true, selector, false);
  }

  /**
   * The processor's reading: only the Secrets matching both selectors (client keys), and stand-ins
   * for the provider credentials.
   */
  public static SecretReading clientKeys(String secretSelector, String clientKeySelector) {
    return new SecretReading(true, both(secretSelector, clientKeySelector), true);
  }

  /** The rate-limit service's reading: no Secret at all, stand-ins for the provider credentials. */
  public static SecretReading none() {
    return new SecretReading(false, "", true);
  }

  /** Returns the label selector matching what both selectors match (requirements are ANDed). */
  static String both(String a, String b) {
    String first = a == null ? "" : a.strip();
    String second = b == null ? "" : b.strip();
    if (first.isEmpty()) {
      return second;
    }
    return second.isEmpty() ? first : first + "," + second;
  }
}
