package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.model.source.ResourceSnapshot;
import dev.tollgate.testkit.RepoRoot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/** Creates the objects of an example or a snapshot in a cluster, real or mocked. */
final class ClusterObjects {
  private ClusterObjects() {}

  /** Creates every object of a folder of manifests, Namespaces first. */
  static List<HasMetadata> createExample(KubernetesClient client, String example) {
    LoadResult loaded =
        new ManifestReader().readFolder(RepoRoot.resolve("examples").resolve(example));
    assertThat(loaded.errors()).isEmpty();
    return createAll(client, loaded.snapshot());
  }

  /** Creates every object of a snapshot, Namespaces first. */
  static List<HasMetadata> createAll(KubernetesClient client, ResourceSnapshot snapshot) {
    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(snapshot.namespaces());
    objects.addAll(snapshot.secrets());
    objects.addAll(snapshot.providers());
    objects.addAll(snapshot.routes());
    objects.addAll(snapshot.quotas());
    List<HasMetadata> created = new ArrayList<>();
    for (HasMetadata object : objects) {
      created.add(client.resource(object).create());
    }
    return created;
  }
}
