package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** Models built from the project's examples, with quotas the tests write. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * Returns the quickstart's provider ({@code demo}: demo-chat at 0.50/1.50 USD per million) and
   * route ({@code default/chat}: demo-chat and fast; demo-embed) with the given quotas instead of
   * the quickstart's.
   */
  public static GatewayModel quickstartWith(String quotasYaml) {
    String yaml =
        read("examples/quickstart/provider.yaml")
            + "\n---\n"
            + read("examples/quickstart/route.yaml")
            + "\n---\n"
            + quotasYaml;
    LoadResult loaded = new ManifestReader().readString("test", yaml);
    assertThat(loaded.errors()).isEmpty();
    GatewayModel model = GatewayModelBuilder.build(loaded.snapshot());
    long quotas = yaml.lines().filter(l -> l.equals("kind: TokenQuota")).count();
    assertThat(model.quotas())
        .as("accepted quotas, statuses: %s", model.statuses())
        .hasSize((int) quotas);
    return model;
  }

  /** Returns the multi-team example: three teams, three providers, five budgets in three zones. */
  public static GatewayModel multiTeam() {
    LoadResult loaded = new ManifestReader().readFolder(RepoRoot.resolve("examples/multi-team"));
    assertThat(loaded.errors()).isEmpty();
    GatewayModel model = GatewayModelBuilder.build(loaded.snapshot());
    assertThat(model.quotas()).hasSize(3);
    return model;
  }

  /** Returns a TokenQuota in namespace default. */
  public static String quota(String name, String mode, String timeZone, String limits) {
    return "apiVersion: tollgate.dev/v1alpha1\n"
        + "kind: TokenQuota\n"
        + "metadata:\n"
        + "  name: "
        + name
        + "\n"
        + "  namespace: default\n"
        + "spec:\n"
        + "  mode: "
        + mode
        + "\n"
        + "  timeZone: "
        + timeZone
        + "\n"
        + "  limits:\n"
        + limits;
  }

  /** Returns one limit entry of a TokenQuota. */
  public static String limit(String name, String type, String amount, String window, String per) {
    return "    - name: "
        + name
        + "\n      type: "
        + type
        + "\n      amount: \""
        + amount
        + "\"\n      window: "
        + window
        + "\n      per: ["
        + per
        + "]\n"
        + (type.equals("Cost") ? "      currency: USD\n" : "");
  }

  private static String read(String path) {
    try {
      return Files.readString(RepoRoot.resolve(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
