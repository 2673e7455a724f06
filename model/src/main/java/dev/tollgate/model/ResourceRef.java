package dev.tollgate.model;

import java.util.Comparator;

/**
 * Identifies one Kubernetes object by kind, namespace and name.
 *
 * @param kind the object's kind, e.g. {@code AIRoute}
 * @param namespace the object's namespace
 * @param name the object's name
 */
public record ResourceRef(String kind, String namespace, String name)
    implements Comparable<ResourceRef> {

  private static final Comparator<ResourceRef> ORDER =
      Comparator.comparing(ResourceRef::kind)
          .thenComparing(ResourceRef::namespace)
          .thenComparing(ResourceRef::name);

  @Override
  public int compareTo(ResourceRef other) {
    return ORDER.compare(this, other);
  }

  /** Returns {@code namespace/name}. */
  public String namespacedName() {
    return namespace + "/" + name;
  }

  @Override
  public String toString() {
    return kind + " " + namespacedName();
  }
}
